import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { runCli } from '../program.js';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  const spies = [
    jest.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' '))),
    jest.spyOn(console, 'error').mockImplementation((...a) => void err.push(a.join(' '))),
    jest.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true)),
    jest.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true)),
  ];
  return { out, err, restore: () => spies.forEach((m) => m.mockRestore()) };
}

async function cli(...args: string[]) {
  const io = capture();
  try {
    const code = await runCli(args);
    return { code, out: io.out.join(''), err: io.err.join('\n') };
  } finally {
    io.restore();
  }
}

const root = mkdtempSync(join(tmpdir(), 'sgdiff-data-cli-'));
const p = (...parts: string[]) => join(root, ...parts);
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A 100×100 COCO-Stuff layout: one train and one val image, each with `things` boxes. */
function writeCoco(dir: string, things: unknown[][]): void {
  const png = new PNG({ width: 100, height: 100 });
  png.data.fill(128);
  const image = PNG.sync.write(png);
  mkdirSync(join(dir, 'annotations'), { recursive: true });
  let annId = 1;
  for (const split of ['train', 'val']) {
    mkdirSync(join(dir, `${split}2017`), { recursive: true });
    writeFileSync(join(dir, `${split}2017`, '000000000001.jpg'), image);
    const images = [{ id: 1, file_name: '000000000001.jpg', width: 100, height: 100 }];
    const ann = (category_id: number, bbox: unknown[]) => ({
      id: annId++,
      image_id: 1,
      category_id,
      bbox,
      iscrowd: 0,
      segmentation: [[0, 0, 100, 0, 100, 100, 0, 100]],
    });
    const cats = (list: [number, string][]) => list.map(([id, name]) => ({ id, name }));
    writeFileSync(
      join(dir, 'annotations', `instances_${split}2017.json`),
      JSON.stringify({
        images,
        annotations: things.map((b) => ann(1, b)),
        categories: cats([[1, 'person']]),
      }),
    );
    writeFileSync(
      join(dir, 'annotations', `stuff_${split}2017.json`),
      JSON.stringify({
        images,
        annotations: [ann(124, [0, 60, 100, 40])],
        categories: cats([[124, 'grass']]),
      }),
    );
  }
}

describe('sgdiff data prepare coco: garbage in', () => {
  const good = [
    [10, 10, 30, 30],
    [50, 10, 30, 30],
  ];

  it('drops bad boxes, prints their counts and writes them to manifest.json', async () => {
    writeCoco(p('coco'), [...good, [10, 10, -30, -30], [-50, -50, 1e9, 1e9]]);
    const r = await cli(
      'data',
      'prepare',
      'coco',
      '--input',
      p('coco'),
      '--out',
      p('coco-out'),
      '--size',
      '64',
      '--val-images',
      '1',
    );
    expect(r.code).toBe(0);
    // Train and val each hold the two bad boxes.
    expect(r.out).toContain('skipped: box_negative_size 2, box_outside_image 2');
    const m = JSON.parse(readFileSync(p('coco-out', 'manifest.json'), 'utf8'));
    expect(m.skipped).toMatchObject({ box_negative_size: 2, box_outside_image: 2 });
    expect(m.splits.train.objects).toBe(3);
  });

  it('stops with one line and exit 1 on a file without its annotations list', async () => {
    writeCoco(p('coco-bad'), good);
    const file = p('coco-bad', 'annotations', 'instances_train2017.json');
    const { annotations: _dropped, ...rest } = JSON.parse(readFileSync(file, 'utf8'));
    writeFileSync(file, JSON.stringify(rest));
    const r = await cli(
      'data',
      'prepare',
      'coco',
      '--input',
      p('coco-bad'),
      '--out',
      p('coco-bad-out'),
      '--size',
      '64',
    );
    expect(r.code).toBe(1);
    expect(
      r.err
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('sgdiff:')),
    ).toEqual([
      `sgdiff: ${file}: no "annotations" list (expected "images", "annotations", "categories")`,
    ]);
    expect(r.err).not.toMatch(/\n\s+at /);

    writeFileSync(file, JSON.stringify({ ...rest, annotations: {}, images: 'x' }));
    const wrongType = await cli(
      'data',
      'prepare',
      'coco',
      '--input',
      p('coco-bad'),
      '--out',
      p('coco-bad-out'),
      '--size',
      '64',
    );
    expect(wrongType.code).toBe(1);
    expect(wrongType.err).toContain(`sgdiff: ${file}: "images" must be a list, found a string`);
  });
});

describe('sgdiff training on a tampered dataset', () => {
  it('refuses a val shard that holds the train split, in one line', async () => {
    expect(
      (
        await cli(
          'data',
          'synth',
          '--out',
          p('synth'),
          '--count',
          '40',
          '--size',
          '64',
          '--seed',
          '1',
        )
      ).code,
    ).toBe(0);
    copyFileSync(p('synth', 'train-00000.sgds'), p('synth', 'val-00000.sgds'));
    const r = await cli(
      'train-autoencoder',
      '--data',
      p('synth'),
      '--out',
      p('ae'),
      '--steps',
      '1',
      '--val-images',
      '2',
      '--backend',
      'cpu',
      '--batch',
      '2',
    );
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      'sgdiff: val-00000.sgds holds train-00000.sgds of split "train", not split "val": refused',
    );
    expect(r.err).not.toMatch(/\n\s+at /);
  });
});
