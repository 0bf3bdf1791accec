import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '../tf/index.js';
import { useBackend } from '../testing/backends.js';
import { Module } from '../modules/module.js';
import { Linear } from '../modules/linear.js';
import { LayerNorm } from '../modules/norm.js';
import { AdamW } from '../optim/adamw.js';
import { trainStep } from '../optim/train-step.js';
import { NN_VERSION } from '../version.js';
import {
  loadCheckpoint as loadInBrowser,
  loadCheckpointInto as loadIntoInBrowser,
} from './load-browser.js';
import type { CacheLike } from './fetch-reader.js';
import { CheckpointError } from './errors.js';
import { SHARD_BYTES, type ModelJson } from './format.js';
import { float16ToFloat32, float32ToFloat16 } from './float16.js';
import { loadCheckpoint, loadCheckpointInto, saveCheckpoint } from '../node/checkpoint.js';
import { loadOptimizerState, saveOptimizerState } from '../node/optimizer-checkpoint.js';

// 1100×1000 floats = 4.4 MB: two shards, the weight straddling them.
class Net extends Module {
  readonly big = new Linear(1100, 1000, { seed: 1 });
  readonly norm = new LayerNorm(1000);
  readonly head = new Linear(1000, 3, { seed: 2 });
}

class Small extends Module {
  readonly a = new Linear(3, 4, { seed: 3 });
  readonly b = new Linear(4, 2, { seed: 4 });
  forward(x: tf.Tensor2D): tf.Tensor {
    return this.b.forward(tf.tanh(this.a.forward(x)));
  }
}

let root: string;
beforeAll(async () => {
  await useBackend('cpu');
  root = await mkdtemp(join(tmpdir(), 'sgdiff-nn-ckpt-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function bytesOf(t: tf.Tensor): Buffer {
  const d = t.dataSync();
  return Buffer.from(d.buffer, d.byteOffset, d.byteLength);
}

async function expectError(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  const before = tf.memory().numTensors;
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CheckpointError);
  expect((err as Error).message).toMatch(pattern);
  expect(tf.memory().numTensors).toBe(before);
}

describe('checkpoints', () => {
  it('version constant matches package.json', () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(NN_VERSION).toBe(pkg.version);
  });

  it('saves a tfjs weights manifest with ≤ 4 MiB shards and a sha256 each, atomically', async () => {
    const net = new Net();
    const dir = join(root, 'net');
    const { files } = await saveCheckpoint(dir, net, { config: { hidden: 1000 } });
    expect(files).toEqual(['model.json', 'group1-shard1of2.bin', 'group1-shard2of2.bin']);
    expect((await readdir(root)).filter((f) => f.startsWith('.'))).toEqual([]);
    const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as ModelJson;
    expect(json.weightsManifest[0].weights.map((w) => w.name)).toEqual([
      ...net.parameters().keys(),
    ]);
    expect(json.userDefinedMetadata.meta).toEqual({ config: { hidden: 1000 } });
    expect(json.userDefinedMetadata.versions['@tensorflow/tfjs-core']).toBe(tf.version_core);
    const shards = await Promise.all(
      json.weightsManifest[0].paths.map((p) => readFile(join(dir, p))),
    );
    for (const [i, s] of shards.entries()) {
      expect(s.byteLength).toBeLessThanOrEqual(SHARD_BYTES);
      expect(json.userDefinedMetadata.shards[i].sha256).toBe(
        createHash('sha256').update(s).digest('hex'),
      );
    }
    // tfjs's own decoder reads the concatenated shards back to the same tensors.
    const all = Buffer.concat(shards);
    const decoded = tf.io.decodeWeights(
      all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
      json.weightsManifest[0].weights,
    );
    for (const [name, v] of net.parameters())
      expect(bytesOf(decoded[name]).equals(bytesOf(v))).toBe(true);
    tf.dispose(Object.values(decoded));
    net.dispose();
  });

  it('loads back bit-identical from disk, into a fresh module', async () => {
    const a = new Net();
    const dir = join(root, 'roundtrip');
    await saveCheckpoint(dir, a);
    const b = new Net();
    const meta = await loadCheckpointInto(b, dir);
    expect(meta).toEqual({});
    for (const [name, v] of a.parameters())
      expect(bytesOf(b.parameters().get(name) as tf.Tensor).equals(bytesOf(v))).toBe(true);
    a.dispose();
    b.dispose();
  });

  it('replaces an existing checkpoint, and a failed save leaves the old one intact', async () => {
    const dir = join(root, 'replace');
    const a = new Small();
    await saveCheckpoint(dir, a, { n: 1 });
    await saveCheckpoint(dir, a, { n: 2 });
    expect((await loadCheckpoint(dir)).meta).toEqual({ n: 2 });
    const broken = new Small();
    broken.b.bias?.dispose();
    await expect(saveCheckpoint(dir, broken, { n: 3 })).rejects.toThrow();
    const ckpt = await loadCheckpoint(dir);
    expect(ckpt.meta).toEqual({ n: 2 });
    ckpt.dispose();
    expect((await readdir(root)).filter((f) => f.startsWith('.'))).toEqual([]);
    a.dispose();
  });

  describe('rejects bad checkpoints with a message naming the weight or file, allocating nothing', () => {
    let dir: string;
    let json: ModelJson;
    beforeEach(async () => {
      dir = await mkdtemp(join(root, 'bad-'));
      const m = new Net();
      await saveCheckpoint(join(dir, 'c'), m);
      m.dispose();
      dir = join(dir, 'c');
      json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as ModelJson;
    });
    const rewrite = (j: ModelJson) => writeFile(join(dir, 'model.json'), JSON.stringify(j));

    it('wrong shape for the module', async () => {
      const m = new Net();
      const other = new Small();
      await expectError(
        loadCheckpointInto(other, dir),
        /weight "a.weight" is missing from the checkpoint/,
      );
      json.weightsManifest[0].weights[0].shape = [1000, 1100];
      await rewrite(json);
      await expectError(
        loadCheckpointInto(m, dir),
        /"big.weight" has shape \[1000,1100\] in the checkpoint but the module expects \[1100,1000\]/,
      );
      m.dispose();
      other.dispose();
    });

    it('unexpected name', async () => {
      json.weightsManifest[0].weights[0].name = 'bigger.weight';
      await rewrite(json);
      const m = new Net();
      await expectError(loadCheckpointInto(m, dir), /"big.weight" is missing/);
      m.dispose();
    });

    it('wrong dtype', async () => {
      json.weightsManifest[0].weights[1].dtype = 'int32';
      await rewrite(json);
      const m = new Net();
      await expectError(
        loadCheckpointInto(m, dir),
        /"big.bias" has dtype int32 in the checkpoint but the module expects float32/,
      );
      json.weightsManifest[0].weights[1].dtype = 'float16' as never;
      await rewrite(json);
      await expectError(loadCheckpoint(dir), /weight "big.bias" has unsupported dtype float16/);
      m.dispose();
    });

    it('quantization other than float32 stored as float16', async () => {
      json.weightsManifest[0].weights[1].quantization = { dtype: 'uint8' } as never;
      await rewrite(json);
      await expectError(
        loadCheckpoint(dir),
        /weight "big.bias" is quantized as \{"dtype":"uint8"\}; only float32 stored as float16/,
      );
    });

    it('byte lengths that do not add up', async () => {
      json.userDefinedMetadata.shards[1].byteLength -= 4;
      await rewrite(json);
      // (1100·1000 + 1000 + 2·1000 + 1000·3 + 3) floats · 4 bytes = 4424012.
      await expectError(loadCheckpoint(dir), /need 4424012 bytes but its shards declare 4424008/);
    });

    it('truncated shard', async () => {
      await truncate(join(dir, 'group1-shard2of2.bin'), 1000);
      await expectError(
        loadCheckpoint(dir),
        /shard group1-shard2of2.bin is truncated: 1000 of \d+ bytes/,
      );
    });

    it('checksum mismatch', async () => {
      const p = join(dir, 'group1-shard1of2.bin');
      const b = await readFile(p);
      b[12345] ^= 1;
      await writeFile(p, b);
      await expectError(loadCheckpoint(dir), /checksum mismatch in shard group1-shard1of2.bin/);
    });

    it('missing model.json or shard, unsafe paths, invalid JSON', async () => {
      await expectError(loadCheckpoint(join(dir, 'nope')), /cannot read model.json/);
      await rm(join(dir, 'group1-shard2of2.bin'));
      await expectError(loadCheckpoint(dir), /cannot read shard group1-shard2of2.bin/);
      json.userDefinedMetadata.shards[0].path = '../etc/passwd';
      await rewrite(json);
      await expectError(loadCheckpoint(dir), /unsafe path/);
      await writeFile(join(dir, 'model.json'), '{"weightsManifest": [');
      await expectError(loadCheckpoint(dir), /model.json is not valid JSON/);
    });
  });

  describe('browser loader over HTTP', () => {
    let server: Server;
    let url: string;
    let requests: string[];
    beforeAll(async () => {
      requests = [];
      server = createServer((req, res) => {
        requests.push(req.url ?? '');
        readFile(join(root, decodeURIComponent(req.url ?? '/')))
          .then((body) => {
            res.writeHead(200, { 'content-length': body.byteLength });
            res.end(body);
          })
          .catch(() => {
            res.writeHead(404);
            res.end();
          });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      await new Promise((resolve) => server.close(resolve));
    });

    it('loads a Node-saved checkpoint bit-identically, reporting progress', async () => {
      const net = new Net();
      await saveCheckpoint(join(root, 'served'), net, { config: { kind: 'net' } });
      const events: Array<{ file: string; loaded: number; total: number }> = [];
      const ckpt = await loadInBrowser(`${url}/served/`, {
        cache: false,
        onProgress: (e) => events.push(e),
      });
      expect(ckpt.meta).toEqual({ config: { kind: 'net' } });
      for (const [name, v] of net.parameters())
        expect(bytesOf(ckpt.weights.get(name) as tf.Tensor).equals(bytesOf(v))).toBe(true);
      const last = events.filter((e) => e.file === 'group1-shard1of2.bin').pop();
      expect(last).toMatchObject({ loaded: SHARD_BYTES, total: SHARD_BYTES });
      ckpt.dispose();
      net.dispose();
    });

    it('caches verified shards in the Cache API and reuses them', async () => {
      const store = new Map<string, ArrayBuffer>();
      const cache: CacheLike = {
        match: async (k) => {
          const b = store.get(k);
          return b ? { arrayBuffer: async () => b } : undefined;
        },
        put: async (k, r) => {
          store.set(k, await r.arrayBuffer());
        },
      };
      const small = new Small();
      await saveCheckpoint(join(root, 'cached'), small);
      const target = new Small();
      await loadIntoInBrowser(target, `${url}/cached`, { cache });
      expect(store.size).toBe(1);
      requests = [];
      await loadIntoInBrowser(target, `${url}/cached`, { cache });
      expect(requests).toEqual(['/cached/model.json']);
      for (const [name, v] of small.parameters())
        expect(bytesOf(target.parameters().get(name) as tf.Tensor).equals(bytesOf(v))).toBe(true);
      small.dispose();
      target.dispose();
    });

    it('the Node loader accepts URLs too', async () => {
      const ckpt = await loadCheckpoint(`${url}/cached/`);
      expect([...ckpt.weights.keys()]).toEqual(['a.weight', 'a.bias', 'b.weight', 'b.bias']);
      ckpt.dispose();
    });
  });

  describe('float16 storage', () => {
    // numpy's float32 → float16 → float32 (fixtures/make_float16_fixture.py).
    const fx = JSON.parse(
      readFileSync(join(__dirname, 'fixtures', 'float16.json'), 'utf8'),
    ) as Record<'input_bits' | 'half_bits' | 'widened_bits', number[]>;
    const input = new Float32Array(new Uint32Array(fx.input_bits).buffer);

    it('rounds and widens exactly as numpy does, and reports the first overflow', () => {
      const { bytes, overflow } = float32ToFloat16(input);
      expect([...new Uint16Array(bytes.buffer, bytes.byteOffset, input.length)]).toEqual(
        fx.half_bits,
      );
      expect(input[overflow!]).toBe(65520); // 65519.99 still rounds to 65504
      const widened = float16ToFloat32(new Uint16Array(fx.half_bits).buffer);
      expect([...new Uint32Array(widened.buffer)]).toEqual(fx.widened_bits);
      expect(float32ToFloat16(new Float32Array([1, Infinity, -65504])).overflow).toBeUndefined();
    });

    it('halves the bytes; tfjs decodes the file to the same tensors as our loader', async () => {
      const net = new Net();
      const dir = join(root, 'half');
      const { bytes } = await saveCheckpoint(dir, net, {}, { float16: true });
      expect(bytes).toBe(4424012 / 2);
      const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as ModelJson;
      for (const w of json.weightsManifest[0].weights)
        expect(w).toMatchObject({ dtype: 'float32', quantization: { dtype: 'float16' } });
      const all = Buffer.concat(
        await Promise.all(json.weightsManifest[0].paths.map((p) => readFile(join(dir, p)))),
      );
      const decoded = tf.io.decodeWeights(
        all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
        json.weightsManifest[0].weights,
      );
      const before = tf.memory().numTensors;
      const loaded = new Net();
      await loadCheckpointInto(loaded, dir);
      expect(tf.memory().numTensors).toBe(before + net.parameters().size);
      for (const [name, v] of net.parameters()) {
        const got = loaded.parameters().get(name)!;
        expect(got.dtype).toBe('float32');
        expect(bytesOf(got).equals(bytesOf(decoded[name]))).toBe(true);
        // Half precision: 11 significant bits.
        const a = v.dataSync();
        const b = got.dataSync();
        let worst = 0;
        for (let i = 0; i < a.length; i++)
          worst = Math.max(worst, Math.abs(a[i] - b[i]) - Math.abs(a[i]) * 2 ** -11 - 2 ** -25);
        expect(worst).toBeLessThanOrEqual(0);
      }
      tf.dispose(Object.values(decoded));
      net.dispose();
      loaded.dispose();
    });

    it('refuses a weight beyond the half-float range, naming it, and writes nothing', async () => {
      const m = new Small();
      const big = tf.tensor1d([1, 7e4]);
      (m.parameters().get('b.bias') as tf.Variable).assign(big);
      big.dispose();
      const dir = join(root, 'overflow');
      await expect(saveCheckpoint(dir, m, {}, { float16: true })).rejects.toThrow(
        /cannot save weight "b.bias" as float16: 70000 is beyond its range/,
      );
      expect((await readdir(root)).filter((f) => f === 'overflow' || f.startsWith('.'))).toEqual(
        [],
      );
      m.dispose();
    });
  });

  it('optimizer state under optimizer/ resumes training exactly', async () => {
    const x = tf.tensor2d([1, 2, 3, -1, 0.5, 2], [2, 3]);
    const y = tf.tensor2d([0.1, -0.2, 0.3, 0.7], [2, 2]);
    const run = async (m: Small, opt: AdamW, n: number) => {
      for (let i = 0; i < n; i++)
        await trainStep(m, opt, () => tf.losses.meanSquaredError(y, m.forward(x)) as tf.Scalar);
    };
    const a = new Small();
    const optA = new AdamW(a.parameters(), { lr: 0.05, weightDecay: 0.1 });
    await run(a, optA, 3);
    const dir = join(root, 'step-3');
    await saveCheckpoint(join(dir, 'model'), a);
    await saveOptimizerState(dir, optA);
    await run(a, optA, 4);

    const b = new Small();
    const optB = new AdamW(b.parameters(), { lr: 0.05, weightDecay: 0.1 });
    await loadCheckpointInto(b, join(dir, 'model'));
    await loadOptimizerState(dir, optB);
    expect(optB.step).toBe(3);
    await run(b, optB, 4);
    for (const [name, v] of a.parameters())
      expect(bytesOf(b.parameters().get(name) as tf.Tensor).equals(bytesOf(v))).toBe(true);
    [a, b, optA, optB].forEach((o) => o.dispose());
  });

  it('CheckpointError is an Error with a name for CLIs', () => {
    const e = new CheckpointError('x', { file: 'f' });
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('CheckpointError');
    expect(e.details.file).toBe('f');
  });
});
