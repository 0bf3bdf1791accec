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

  it('reports unknown commands and options through commander', async () => {
    const io = capture();
    const errWrite = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(await runCli(['validate', '--bogus', 'x'])).toBe(1);
    errWrite.mockRestore();
    io.restore();
  });
});
