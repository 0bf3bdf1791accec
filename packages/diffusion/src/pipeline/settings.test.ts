import type { ModelManifest } from './manifest.js';
import { resolveSettings } from './settings.js';

const defaults: ModelManifest['defaults'] = {
  sampler: 'dpmpp-2m',
  steps: 20,
  guidance: 2,
  lateGuidance: { below: 500, scale: 6 },
};

describe('resolveSettings', () => {
  it('fills everything from the model, its late guidance with its own scale', () => {
    expect(resolveSettings(defaults)).toEqual({
      sampler: 'dpmpp-2m',
      steps: 20,
      guidance: 2,
      relationGuidance: 0,
      lateGuidance: { below: 500, scale: 6 },
      eta: 0,
    });
  });

  it('drops the late guidance when the caller gives a scale, even the model’s own', () => {
    expect(resolveSettings(defaults, { guidance: 4 }).lateGuidance).toBeUndefined();
    expect(resolveSettings(defaults, { guidance: 2 }).lateGuidance).toBeUndefined();
  });

  it("keeps a caller's late guidance, and null turns the model's off", () => {
    const late = { below: 300, scale: 3 };
    expect(resolveSettings(defaults, { guidance: 4, lateGuidance: late }).lateGuidance).toEqual(
      late,
    );
    expect(resolveSettings(defaults, { lateGuidance: null }).lateGuidance).toBeUndefined();
  });

  it('takes each given option over the model', () => {
    const s = resolveSettings(
      { ...defaults, relationGuidance: 1, eta: 0.5 },
      { sampler: 'ddim', steps: 7, relationGuidance: 0, eta: 0 },
    );
    expect(s).toMatchObject({ sampler: 'ddim', steps: 7, relationGuidance: 0, eta: 0 });
    expect(resolveSettings({ ...defaults, relationGuidance: 1, eta: 0.5 })).toMatchObject({
      relationGuidance: 1,
      eta: 0.5,
    });
  });
});
