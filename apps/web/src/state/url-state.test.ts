import { readUrlState, writeUrlState } from './url-state.js';

describe('URL state', () => {
  it('round-trips a graph and the settings', () => {
    const graph = 'red circle left of blue square; blue square above grass';
    const settings = { seed: 42, steps: 12, sampler: 'dpmpp-2m' as const, guidance: 2.5 };
    const search = writeUrlState({ graph, settings, backend: 'wasm', preview: false });
    expect(readUrlState(search)).toEqual({ graph, settings, backend: 'wasm', preview: false });
  });

  it('encodes characters that are special in URLs', () => {
    const graph = 'red circle #2 left of sky;\nsky & grass?';
    expect(
      readUrlState(
        writeUrlState({
          graph,
          settings: { seed: 0, steps: 1, sampler: 'ddim', guidance: 0 },
          backend: 'auto',
        }),
      ).graph,
    ).toBe(graph);
  });

  it('omits backend=auto and ignores values out of range', () => {
    expect(
      writeUrlState({
        graph: 'sky',
        settings: { seed: 1, steps: 2, sampler: 'ddim', guidance: 1 },
        backend: 'auto',
      }),
    ).not.toContain('backend');
    const s = readUrlState('?seed=-1&steps=0&sampler=euler&guidance=nan&backend=cuda');
    expect(s).toEqual({ graph: undefined, settings: {}, backend: 'auto', preview: true });
    expect(readUrlState('?steps=1.5&seed=7').settings).toEqual({ seed: 7 });
  });
});
