// Benchmarks (not tests): synthetic generator speed, loader speed, and Visual Genome's JSON
// phase on a generated input. Run with `npm run bench -w @sgdiff/datasets` (builds first).
//   node scripts/bench.mjs [--images 4000] [--vg-images 8000] [--only synth|loader|vg]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';
import { generateSyntheticSample, Rng } from '../dist/index.js';
import { createLoader, writeSyntheticDataset } from '../dist/node/index.js';

const args = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const only = arg('only');
const here = dirname(fileURLToPath(import.meta.url));

function benchSynth() {
  const n = Number(arg('images', 4000));
  for (const size of [64, 128, 256]) {
    const count = size === 64 ? n : Math.ceil(n / (size / 64) ** 2);
    for (let i = 0; i < 200; i++)
      generateSyntheticSample({ seed: 1, split: 'train', index: i, size }); // warm-up
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    for (let i = 0; i < count; i++)
      generateSyntheticSample({ seed: 1, split: 'train', index: i, size });
    const s = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(c0);
    const cpu = (c.user + c.system) / 1e6;
    // CPU time is the honest figure on a shared machine: wall time includes waiting for a core.
    console.log(
      `synthetic ${size}²: ${(count / cpu).toFixed(0)} images per CPU-second on one thread ` +
        `(${(count / s).toFixed(0)}/s wall, ${count} images)`,
    );
  }
}

async function benchLoader() {
  const dir = mkdtempSync(join(tmpdir(), 'sgdiff-bench-'));
  try {
    await writeSyntheticDataset({ out: dir, count: 5000, seed: 1, size: 64 });
    const loader = await createLoader({
      dir,
      split: 'train',
      batchSize: 64,
      shuffle: true,
      seed: 1,
      augment: true,
      maxObjects: 10,
      epochs: 1,
    });
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    let n = 0;
    for await (const b of loader) n += b.graphs.length;
    const s = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(c0);
    const cpu = (c.user + c.system) / 1e6;
    console.log(
      `loader 64² raw, batch 64, shuffle + flip + maxObjects + packing: ${(n / cpu).toFixed(0)} images per CPU-second ` +
        `(${(n / s).toFixed(0)}/s wall)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Writes one JSON array element by element, so generating the input needs little memory. */
async function writeArray(path, count, make) {
  const out = createWriteStream(path);
  out.write('[');
  for (let i = 0; i < count; i++) {
    if (!out.write((i ? ', ' : '') + JSON.stringify(make(i)))) await once(out, 'drain');
  }
  out.end(']');
  await once(out, 'finish');
}

async function benchVg() {
  const images = Number(arg('vg-images', 8000));
  const dir = mkdtempSync(join(tmpdir(), 'sgdiff-vg-bench-'));
  try {
    const rng = new Rng(7);
    // Zipf-like names, so sg2im's default thresholds (2000 instances) keep a realistic head.
    const names = Array.from({ length: 400 }, (_, i) => `object${i}`);
    const preds = [
      'on',
      'has',
      'wearing',
      'of',
      'in',
      'near',
      'behind',
      'with',
      'holding',
      'above',
      'sitting on',
      'under',
    ];
    const attrs = Array.from({ length: 200 }, (_, i) => `attr${i}`);
    const zipf = (xs) => xs[Math.min(xs.length - 1, Math.floor(xs.length * rng.next() ** 3))];
    let objectId = 1;
    let relId = 1;
    const perImage = [];
    for (let i = 0; i < images; i++) {
      const n = 6 + Math.floor(rng.next() * 20);
      const objs = Array.from({ length: n }, () => ({
        object_id: objectId++,
        x: Math.floor(rng.next() * 300),
        y: Math.floor(rng.next() * 200),
        w: 10 + Math.floor(rng.next() * 200),
        h: 10 + Math.floor(rng.next() * 200),
        names: [zipf(names)],
        synsets: ['thing.n.01'],
      }));
      perImage.push(objs);
    }
    const total = perImage.reduce((a, o) => a + o.length, 0);
    await writeArray(join(dir, 'image_data.json'), images, (i) => ({
      width: 500,
      height: rng.next() < 0.05 ? 150 : 375,
      url: `https://cs.stanford.edu/people/rak248/VG_100K/${i + 1}.jpg`,
      coco_id: null,
      flickr_id: null,
      image_id: i + 1,
    }));
    await writeArray(join(dir, 'objects.json'), images, (i) => ({
      image_id: i + 1,
      objects: perImage[i],
    }));
    await writeArray(join(dir, 'attributes.json'), images, (i) => ({
      image_id: i + 1,
      attributes: perImage[i].map((o) => ({ ...o, attributes: [zipf(attrs), zipf(attrs)] })),
    }));
    await writeArray(join(dir, 'relationships.json'), images, (i) => {
      const objs = perImage[i];
      return {
        image_id: i + 1,
        relationships: Array.from({ length: Math.floor(objs.length * 0.8) }, () => {
          const s = objs[Math.floor(rng.next() * objs.length)];
          const o = objs[Math.floor(rng.next() * objs.length)];
          return {
            relationship_id: relId++,
            predicate: zipf(preds).toUpperCase(),
            synsets: [],
            subject: { ...s, name: s.names[0] },
            object: { ...o, name: o.names[0] },
          };
        }),
      };
    });
    const files = ['image_data.json', 'objects.json', 'attributes.json', 'relationships.json'];
    const sizes = Object.fromEntries(files.map((f) => [f, statSync(join(dir, f)).size]));
    const inputBytes = Object.values(sizes).reduce((a, b) => a + b, 0);
    // The JSON phase reads objects.json and attributes.json twice.
    const readBytes = inputBytes + sizes['objects.json'] + sizes['attributes.json'];
    console.log(
      `VG input: ${images} images, ${total} objects, ${(inputBytes / 1e6).toFixed(1)} MB of JSON`,
    );
    // A fresh process, so peak RSS is the resolver's own.
    // Thresholds scaled to the input (sg2im's are for 3.8M objects), so the vocabulary is realistic.
    const rules = {
      minObjectInstances: 200,
      minAttributeInstances: 200,
      minRelationshipInstances: 100,
    };
    const r = spawnSync(
      process.execPath,
      [join(here, 'bench-vg-resolve.mjs'), dir, JSON.stringify(rules), arg('engine', 'scan')],
      {
        encoding: 'utf8',
      },
    );
    if (r.status !== 0) throw new Error(r.stderr);
    const res = JSON.parse(r.stdout);
    console.log(
      `VG resolve (${arg('engine', 'scan')}): ${res.seconds.toFixed(1)} s wall, ${res.cpuSeconds.toFixed(1)} CPU-s; ` +
        `${(inputBytes / 1e6 / res.cpuSeconds).toFixed(1)} MB of input per CPU-s ` +
        `(${(readBytes / 1e6 / res.cpuSeconds).toFixed(1)} MB/CPU-s parsed over ${files.length + 2} passes; ` +
        `${(inputBytes / 1e6 / res.seconds).toFixed(1)} MB/s wall), ` +
        `peak RSS ${(res.maxRssKb / 1024).toFixed(0)} MiB; kept ${res.kept} images, ${res.objects} object classes, ${res.predicates} predicates`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (!only || only === 'synth') benchSynth();
if (!only || only === 'loader') await benchLoader();
if (!only || only === 'vg') await benchVg();
