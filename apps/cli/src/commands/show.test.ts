import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../program.js';

const examples = join(__dirname, '..', '..', '..', '..', 'examples');

describe('sgdiff show', () => {
  it('validates the examples and writes an SVG layout for each', async () => {
    const out = mkdtempSync(join(tmpdir(), 'sgdiff-show-'));
    const lines: string[] = [];
    const log = jest
      .spyOn(console, 'log')
      .mockImplementation((...a) => void lines.push(a.join(' ')));
    const code = await runCli(['show', examples, '--out', out, '--no-model']);
    log.mockRestore();
    expect(code).toBe(0);
    expect(lines).toContain('\n3/3 scene graphs valid');
    for (const name of ['beach', 'meadow', 'twins']) {
      const svg = readFileSync(join(out, `${name}.svg`), 'utf8');
      expect(svg.startsWith('<svg')).toBe(true);
    }
    expect(lines.join('\n')).toContain('yellow triangle inside sky');
  });

  it('fails cleanly on a folder with no graphs', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'sgdiff-empty-'));
    const err = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    expect(await runCli(['show', empty, '--no-svg'])).toBe(1);
    expect(err.mock.calls[0][0]).toMatch(/^sgdiff: no scene graph files/);
    err.mockRestore();
    expect(existsSync(join(empty, 'out'))).toBe(false);
  });
});
