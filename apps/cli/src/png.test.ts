import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPng, writePng } from './png.js';

describe('writePng', () => {
  it('round-trips RGBA through a new folder and leaves no temporary file behind', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'sgdiff-png-')), 'a', 'b');
    const rgba = Uint8Array.from({ length: 2 * 3 * 4 }, (_, i) => (i * 37) % 256);
    writePng(join(dir, 'x.png'), rgba, 2, 3);
    writePng(join(dir, 'x.png'), rgba, 2, 3); // over an existing file
    const back = readPng(join(dir, 'x.png'));
    expect([back.width, back.height]).toEqual([2, 3]);
    expect(Array.from(back.data)).toEqual(Array.from(rgba));
    expect(readdirSync(dir)).toEqual(['x.png']);
  });
});
