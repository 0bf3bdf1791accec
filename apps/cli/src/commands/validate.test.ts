import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../program.js';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' ')));
  const error = jest
    .spyOn(console, 'error')
    .mockImplementation((...a) => void err.push(a.join(' ')));
  const write = jest
    .spyOn(process.stdout, 'write')
    .mockImplementation((s) => (out.push(String(s)), true));
  return {
    out,
    err,
    restore: () => [log, error, write].forEach((m) => m.mockRestore()),
  };
}

const dir = mkdtempSync(join(tmpdir(), 'sgdiff-validate-'));
const file = (name: string, body: string) => {
  const p = join(dir, name);
  writeFileSync(p, body);
  return p;
};

describe('sgdiff validate', () => {
  it('exits 0 on valid JSON and text graphs and prints them as text', async () => {
    const io = capture();
    const code = await runCli([
      'validate',
      file('ok.json', JSON.stringify({ objects: [{ id: 'a', label: 'sky' }], relations: [] })),
      file('ok.txt', 'red circle left of blue square'),
    ]);
    io.restore();
    expect(code).toBe(0);
    expect(io.out.join('\n')).toContain('red circle left of blue square');
    expect(io.err).toEqual([]);
  });

  it('exits 1 and prints every problem with its path', async () => {
    const io = capture();
    const code = await runCli([
      'validate',
      file(
        'bad.json',
        JSON.stringify({
          objects: [
            { id: 'a', label: 'red circel' },
            { id: 'a', label: 'sky' },
          ],
        }),
      ),
    ]);
    io.restore();
    expect(code).toBe(1);
    const text = io.out.join('\n');
    expect(text).toContain('2 problems');
    expect(text).toContain(
      'objects[0].label: unknown object label "red circel"; did you mean "red circle"?',
    );
    expect(text).toContain('objects[1].id: duplicate id "a"');
  });

  it('gives a machine-readable report with --json', async () => {
    const io = capture();
    const code = await runCli(['validate', '--json', file('bad.txt', 'red circle near sky')]);
    io.restore();
    expect(code).toBe(1);
    const report = JSON.parse(io.out.join(''));
    expect(report.vocab).toBe('synthetic');
    expect(report.results[0].valid).toBe(false);
    expect(report.results[0].issues[0].message).toMatch(/unknown predicate "near"/);
  });

  it('checks against COCO-Stuff with --vocab coco', async () => {
    const io = capture();
    const code = await runCli([
      'validate',
      '--vocab',
      'coco',
      file('coco.txt', 'person left of dog; sky-other above grass'),
    ]);
    io.restore();
    expect(code).toBe(0);
  });

  it('turns user mistakes into one line without a stack trace', async () => {
    let io = capture();
    expect(await runCli(['validate', join(dir, 'missing.json')])).toBe(1);
    io.restore();
    expect(io.err).toEqual([`sgdiff: ${join(dir, 'missing.json')}: cannot read (ENOENT)`]);

    io = capture();
    expect(await runCli(['validate', '--vocab', join(dir, 'nope.json'), 'x'])).toBe(1);
    io.restore();
    expect(io.err[0]).toMatch(
      /^sgdiff: --vocab .*nope\.json: not "synthetic", "coco", or an existing file$/,
    );

    io = capture();
    expect(
      await runCli(['validate', '--vocab', file('v.json', '{"object_idx_to_name": 3}'), 'x']),
    ).toBe(1);
    io.restore();
    expect(io.err[0]).toMatch(/^sgdiff: invalid vocabulary:/);
    expect(io.err.join('\n')).not.toMatch(/\n\s+at /);
  });

  it('lists all five problems of the five-problem file, a type error included', async () => {
    const fixture = join(
      __dirname,
      ...['..', '..', '..', '..', 'packages', 'scene-graph', 'fixtures', 'five-problems.json'],
    );
    const io = capture();
    const code = await runCli(['validate', fixture]);
    io.restore();
    expect(code).toBe(1);
    expect(io.out).toEqual([
      `✗ ${fixture}: 5 problems`,
      '  objects[0].box: box [0.6, 0.1, 1.3, 0.4] is outside [0, 1]',
      '  objects[1].box: box must be 4 numbers [x0, y0, x1, y1]; too small: expected array to have >=4 items',
      '  objects[2].label: unknown object label "red ballon"',
      '  objects[3].id: duplicate id "sun" (also objects[0])',
      '  relations[1].object: refers to missing object id "moon"',
    ]);
  });

  it('warns about relations that cannot all hold, and --strict refuses them', async () => {
    const graphs = [
      file('lr.txt', 'red circle left of blue square; blue square left of red circle'),
      file('ab.txt', 'red circle above blue square; red circle below blue square'),
      file('ba.txt', 'blue square above red circle; red circle above blue square'),
      file(
        'box.json',
        JSON.stringify({
          objects: [
            { id: 'a', label: 'red circle', box: [0.6, 0.4, 0.8, 0.6] },
            { id: 'b', label: 'blue square', box: [0.1, 0.4, 0.3, 0.6] },
          ],
          relations: [{ subject: 'a', predicate: 'left of', object: 'b' }],
        }),
      ),
      file(
        'cycle.txt',
        'red circle inside blue square; blue square inside green triangle; green triangle inside red circle',
      ),
    ];
    let io = capture();
    expect(await runCli(['validate', ...graphs])).toBe(0);
    io.restore();
    const warnings = io.out.filter((l) => l.startsWith('  warning: '));
    expect(warnings).toEqual([
      '  warning: relations[1]: "blue-square" (blue square) left of "red-circle" (red circle) contradicts relations[0]: "red-circle" (red circle) left of "blue-square" (blue square)',
      '  warning: relations[1]: "red-circle" (red circle) below "blue-square" (blue square) contradicts relations[0]: "red-circle" (red circle) above "blue-square" (blue square)',
      '  warning: relations[1]: "red-circle" (red circle) above "blue-square" (blue square) contradicts relations[0]: "blue-square" (blue square) above "red-circle" (red circle)',
      '  warning: relations[0]: "a" (red circle) left of "b" (blue square), but the boxes say right of',
      '  warning: relations[0]: a cycle of "inside" cannot hold: "red-circle" (red circle) inside "blue-square" (blue square) inside "green-triangle" (green triangle) inside "red-circle" (red circle) (relations 0, 1, 2)',
    ]);
    expect(io.out).toContain(`✓ ${graphs[0]}: 2 objects, 2 relations, 1 warning`);

    io = capture();
    expect(await runCli(['validate', '--strict', ...graphs])).toBe(1);
    io.restore();
    expect(io.out).toContain(`✗ ${graphs[4]}: 1 warning (--strict)`);
    expect(io.out.filter((l) => l.startsWith('  warning: '))).toHaveLength(5);

    // A graph without contradictions passes --strict.
    io = capture();
    expect(await runCli(['validate', '--strict', file('fine.txt', 'red circle left of sky')])).toBe(
      0,
    );
    io.restore();
  });

  it('adds warnings to the --json report and keeps its other fields', async () => {
    const io = capture();
    const code = await runCli([
      'validate',
      '--json',
      file('ok2.txt', 'red circle left of blue square'),
      file('lr2.txt', 'red circle left of blue square; blue square left of red circle'),
    ]);
    io.restore();
    expect(code).toBe(0);
    const [ok, lr] = JSON.parse(io.out.join('')).results;
    expect(ok).toMatchObject({ valid: true, issues: [], warnings: [] });
    expect(ok.graph.relations).toHaveLength(1);
    expect(lr.valid).toBe(true);
    expect(lr.warnings).toEqual([
      expect.objectContaining({ kind: 'pair', path: 'relations[1]', relations: [0, 1] }),
    ]);
  });

  it('reports unknown commands and options through commander', async () => {
    const io = capture();
    const errWrite = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(await runCli(['validate', '--bogus', 'x'])).toBe(1);
    errWrite.mockRestore();
    io.restore();
  });

  it('prints labels terminal-safe: control characters escaped, very long ones cut', async () => {
    const evil = file(
      'evil.json',
      JSON.stringify({
        objects: [
          { id: 'a', label: 'red\u001b[31m circle\u0007' },
          { id: 'b', label: 'x'.repeat(5000) },
        ],
        relations: [],
      }),
    );
    const c = capture();
    try {
      expect(await runCli(['validate', evil])).toBe(1);
    } finally {
      c.restore();
    }
    const text = c.out.join('\n');
    expect(text.includes('\u001b') || text.includes('\u0007')).toBe(false);
    expect(text).toContain('\\x1b[31m');
    expect(text).toContain('…(');
    expect(Math.max(...text.split('\n').map((l) => l.length))).toBeLessThan(300);
  });

  it('rejects more than 1000 objects by default (--max-objects)', async () => {
    const many = file(
      'many.txt',
      Array.from({ length: 1001 }, (_, i) => `red circle #${i + 1} left of sky`).join('; '),
    );
    const c = capture();
    try {
      expect(await runCli(['validate', many])).toBe(1);
      expect(await runCli(['validate', many, '--max-objects', '2000'])).toBe(0);
    } finally {
      c.restore();
    }
    expect(c.out.join('\n')).toMatch(/1002 objects, more than the maximum of 1000/);
  });
});
