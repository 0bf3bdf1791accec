import { mkdtempSync, readFileSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AUTOENCODER_PRESETS,
  AutoencoderKL,
  Denoiser,
  MODEL_FORMAT,
  MODEL_FORMAT_VERSION,
  scheduleConfig,
  unetConfig,
  type ModelManifest,
} from '@sgdiff/diffusion';
import { writeModelDirectory } from '@sgdiff/diffusion/node';
import { SceneGraphEncoder, encoderConfig } from '@sgdiff/encoder';
import { oracleConfig, SyntheticOracle, type EvalReport } from '@sgdiff/eval';
import { loadOracle, saveOracle } from '@sgdiff/eval/node';
import { tf } from '@sgdiff/nn';
import { initBackend } from '@sgdiff/nn/node';
import { syntheticVocabulary } from '@sgdiff/scene-graph';
import { PNG } from 'pngjs';
import { cli } from '../testing/cli.js';

// `sgdiff eval` end to end: a tiny synthetic dataset, a tiny random model (16² images, as
// @sgdiff/diffusion's test model) and a tiny random oracle. Checks the plumbing, not the numbers.
const root = mkdtempSync(join(tmpdir(), 'sgdiff-eval-'));
const p = (name: string) => join(root, name);

async function writeTinyModel(dir: string, imageSize = 16): Promise<void> {
  const vocab = syntheticVocabulary();
  const enc = encoderConfig(vocab, 'tiny');
  const ae = {
    ...AUTOENCODER_PRESETS['f4-small'],
    baseChannels: 8,
    channelMult: [1, 2],
    groups: 4,
  };
  const den = {
    unet: unetConfig('synthetic-64', {
      modelChannels: 8,
      channelMult: [1, 2],
      attentionLevels: [1],
      headChannels: 8,
      contextDim: 8,
      groups: 4,
    }),
    context: {
      localDim: enc.tokenDim,
      globalDim: enc.tokenDim,
      contextDim: 8,
      numLocalTokens: enc.tokens,
    },
  };
  const manifest: ModelManifest = {
    format: MODEL_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    vocabulary: vocab.toJSON(),
    imageSize,
    latentShape: [imageSize / 2, imageSize / 2, 4],
    latentScale: 1,
    maxObjects: 10,
    schedule: scheduleConfig({ kind: 'linear', numTimesteps: 100 }),
    defaults: { sampler: 'ddim', steps: 2, guidance: 2 },
    parts: {
      encoder: { path: 'encoder', config: { ...enc } },
      autoencoder: { path: 'autoencoder', config: { ...ae } },
      unet: { path: 'unet', config: { ...den } },
    },
    versions: {},
  };
  const parts = {
    encoder: new SceneGraphEncoder(enc),
    autoencoder: new AutoencoderKL(ae),
    unet: new Denoiser(den),
  };
  // Non-zero output layers (they start at zero), so that images depend on the graph.
  for (const [name, v] of parts.unet.parameters()) {
    if (/outConv|conv2|projOut/.test(name))
      v.assign(tf.randomNormal(v.shape, 0, 0.2, 'float32', 3));
  }
  await writeModelDirectory(dir, manifest, parts);
  Object.values(parts).forEach((m) => m.dispose());
}

beforeAll(async () => {
  await initBackend({ backend: 'wasm', log: false });
  expect(
    (await cli('data', 'synth', '--out', p('data'), '--count', '60', '--size', '64', '--seed', '3'))
      .code,
  ).toBe(0);
  await writeTinyModel(p('model'));
  const oracle = new SyntheticOracle(
    oracleConfig({
      stages: [
        [8, 2],
        [8, 2],
        [8, 2],
      ],
      groups: 4,
    }),
  );
  await saveOracle(p('oracle'), oracle);
  oracle.dispose();
}, 60000);

const common = ['--data', p('data'), '--backend', 'wasm', '--oracle', p('oracle')];

describe('sgdiff eval', () => {
  it('writes report.json, report.html and a grid for several guidance scales, and resumes', async () => {
    const args = [
      'eval',
      '--model',
      p('model'),
      ...common,
      '--n',
      '6',
      '--guidance',
      '1,3',
      '--batch',
      '4',
      '--show',
      '3',
      '--out',
      p('report'),
    ];
    const r = await cli(...args);
    expect(r.err).not.toMatch(/Error/);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/guidance 1\s+6/);
    expect(r.out).toMatch(/real images \(ceiling\)/);
    const report = JSON.parse(readFileSync(p('report/report.json'), 'utf8')) as EvalReport;
    expect(report.runs.map((x) => x.guidance)).toEqual([1, 3]);
    for (const run of report.runs) {
      expect(Number.isFinite(run.metrics.fidOracle)).toBe(true);
      expect(run.metrics.kidOracle).toBeDefined();
      expect(run.metrics.objectRecall).toBeGreaterThanOrEqual(0);
      expect(run.metrics.inceptionScore).toBeUndefined();
      // Per-label counts add up to the graphs' objects, the same for every run and the ceiling.
      const counts = (by: Record<string, { objects: number; found: number }>) =>
        Object.fromEntries(Object.entries(by).map(([k, v]) => [k, v.objects]));
      expect(counts(run.metrics.recallByLabel!)).toEqual(counts(report.ceiling!.recallByLabel!));
    }
    const byLabel = Object.values(report.ceiling!.recallByLabel!);
    const found = byLabel.reduce((a, r) => a + r.found, 0);
    expect(found / byLabel.reduce((a, r) => a + r.objects, 0)).toBeCloseTo(
      report.ceiling!.objectRecall,
      12,
    );
    // The real images are scored with their boxes, so the ceiling has recall by size; this model
    // has no layout input, so its runs draw no boxes and have none.
    const sized = Object.values(report.ceiling!.recallBySize!);
    expect(sized.reduce((a, r) => a + r.objects, 0)).toBe(
      byLabel.reduce((a, r) => a + r.objects, 0),
    );
    for (const run of report.runs) expect(run.metrics.recallBySize).toBeUndefined();
    expect(readFileSync(p('report/report.html'), 'utf8')).toContain('Object recall by class');
    expect(report.samples).toHaveLength(3);
    expect(report.notes.join(' ')).toMatch(/no --inception/);
    const html = readFileSync(p('report/report.html'), 'utf8');
    expect(html).toContain('samples/guidance-3/00002.png');
    const grid = PNG.sync.read(readFileSync(p('report/grid.png')));
    expect(grid.width).toBe(3 * 64 + 4 * 2); // real + two guidance columns, 2-px gutters
    expect(existsSync(p('report/samples/guidance-1/00005.png'))).toBe(true);

    // A re-run keeps the generated images (resume) and gives the same numbers.
    const before = statSync(p('report/samples/guidance-1/00000.png')).mtimeMs;
    expect((await cli(...args)).code).toBe(0);
    expect(statSync(p('report/samples/guidance-1/00000.png')).mtimeMs).toBe(before);
    const again = JSON.parse(readFileSync(p('report/report.json'), 'utf8')) as EvalReport;
    expect(again.runs[0].metrics.fidOracle).toBeCloseTo(report.runs[0].metrics.fidOracle!, 6);

    // Relation guidance draws into its own folder and leaves the plain samples alone.
    const plain = readFileSync(p('report/samples/guidance-3/00000.png'));
    const guidedArgs = args.map((a) => (a === '1,3' ? '3' : a));
    const rel = await cli(...guidedArgs, '--relation-guidance', '2');
    expect(rel.code).toBe(0);
    const relReport = JSON.parse(readFileSync(p('report/report.json'), 'utf8')) as EvalReport;
    expect(relReport.runs.map((x) => [x.label, x.relationGuidance])).toEqual([
      ['guidance 3, relation 2', 2],
    ]);
    expect(relReport.runs[0].imageDir).toBe('samples/guidance-3-relation-2');
    const guided = readFileSync(p('report/samples/guidance-3-relation-2/00000.png'));
    expect(guided.equals(plain)).toBe(false);
    expect(readFileSync(p('report/samples/guidance-3/00000.png')).equals(plain)).toBe(true);
  }, 120000);

  it("scores the autoencoder's reconstructions beside the samples", async () => {
    // Reconstructions are compared at the data's size: the model must work at it.
    const small = await cli(
      ...['eval', '--model', p('model'), ...common, '--n', '4', '--reconstruct', '--out', p('x')],
    );
    expect(small.code).toBe(1);
    expect(small.err).toContain('--reconstruct: the images of');
    await writeTinyModel(p('model64'), 64);
    const r = await cli(
      ...['eval', '--model', p('model64'), ...common, '--n', '4', '--guidance', '2'],
      ...['--show', '2', '--reconstruct', '--out', p('rec')],
    );
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/autoencoder reconstructions\s+4/);
    const report = JSON.parse(readFileSync(p('rec/report.json'), 'utf8')) as EvalReport;
    expect(report.runs.map((x) => x.label)).toEqual(['guidance 2', 'autoencoder reconstructions']);
    const rec = report.runs[1];
    expect(rec.imageDir).toBe('reconstructions');
    expect(Number.isFinite(rec.metrics.fidOracle)).toBe(true);
    expect(rec.metrics.objectRecall).toBeGreaterThanOrEqual(0);
    expect(PNG.sync.read(readFileSync(p('rec/reconstructions/00001.png'))).width).toBe(64);
    expect(existsSync(p('rec/reconstructions/00002.png'))).toBe(false);
    const floor = await cli('eval', '--real-vs-real', '--reconstruct', ...common, '--out', p('y'));
    expect(floor.code).toBe(1);
    expect(floor.err).toContain('--reconstruct needs a --model');
  }, 120000);

  it('compares real val with real test (the floor)', async () => {
    const r = await cli('eval', '--real-vs-real', ...common, '--n', '5', '--out', p('floor'));
    expect(r.code).toBe(0);
    const report = JSON.parse(readFileSync(p('floor/report.json'), 'utf8')) as EvalReport;
    expect(report.kind).toBe('real-vs-real');
    expect(report.runs[0].label).toBe('real val');
    expect(report.ceiling).toBeDefined();
  }, 60000);

  it('gives clear errors for bad input', async () => {
    const missing = await cli(
      'eval',
      '--real-vs-real',
      ...common,
      '--inception',
      p('no-inception'),
      '--out',
      p('x'),
    );
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/--inception .*no-inception: no such folder/);
    const few = await cli('eval', '--real-vs-real', ...common, '--n', '1', '--out', p('x'));
    expect(few.code).toBe(1);
    expect(few.err).toMatch(/--n must be at least 2/);
    const noModel = await cli('eval', ...common, '--out', p('x'));
    expect(noModel.err).toMatch(/pass --model/);
    const badOracle = await cli(
      'eval',
      '--real-vs-real',
      '--data',
      p('data'),
      '--backend',
      'wasm',
      '--oracle',
      p('data'),
      '--out',
      p('x'),
    );
    expect(badOracle.err).toMatch(/not an oracle checkpoint/);
    const badWeight = await cli(
      ...['eval', '--model', p('model'), ...common, '--relation-guidance', '-1', '--out', p('x')],
    );
    expect(badWeight.code).toBe(1);
    expect(badWeight.err).toMatch(/--relation-guidance.*expected a non-negative number/);
  }, 60000);
});

describe('sgdiff eval train-oracle', () => {
  it('trains, checkpoints, resumes and reports its test accuracy', async () => {
    const args = [
      'eval',
      'train-oracle',
      '--data',
      p('data'),
      '--out',
      p('oracle-run'),
      '--batch',
      '4',
      '--val-images',
      '4',
      '--backend',
      'wasm',
    ];
    const r = await cli(...args, '--steps', '2');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/oracle on \d+ real test images: object recall/);
    const resumed = await cli(...args, '--steps', '3', '--resume');
    expect(resumed.code).toBe(0);
    expect(resumed.err).toContain('resuming from');
    const oracle = await loadOracle(p('oracle-run'));
    expect(oracle.config.classes).toHaveLength(28);
    expect(oracle.grid).toBe(16); // the fine head by default
    oracle.dispose();

    const cal = await cli(
      'eval',
      'calibrate-oracle',
      '--oracle',
      p('oracle-run'),
      '--data',
      p('data'),
      '--n',
      '6',
      '--backend',
      'wasm',
    );
    expect(cal.code).toBe(0);
    expect(cal.out).toContain('← chosen');
    const meta = JSON.parse(readFileSync(p('oracle-run/oracle/model.json'), 'utf8'))
      .userDefinedMetadata.meta;
    expect(meta.config.threshold).toBe(meta.calibration.threshold);
    expect(meta.config.flipTest).toBe(meta.calibration.flipTest);
    expect(cal.out.match(/← chosen/g)).toHaveLength(1);
    expect(meta.calibration.split).toBe('val');
    expect(meta.step).toBe(3); // the rest of the metadata is kept
    // The snap is saved with its margin when one is chosen, and left out at margin 0.
    expect(meta.config.borderSnap?.margin ?? 0).toBe(meta.calibration.borderMargin);
    expect(cal.out).toMatch(/border sides \(from val boxes\): .*sky: left\/top\/right/);
    const recalibrated = await loadOracle(p('oracle-run'));
    expect(recalibrated.config.threshold).toBe(meta.calibration.threshold);
    recalibrated.dispose();

    // A new run from the calibrated oracle's weights: same network, its config kept.
    const init = args.map((a) => (a === p('oracle-run') ? p('oracle-ft') : a));
    init.push('--init', p('oracle-run'));
    const ft = await cli(...init, '--steps', '1', '--head', 'coarse');
    expect(ft.code).toBe(0);
    expect(ft.err).toContain('starting from the weights of');
    const tuned = await loadOracle(p('oracle-ft'));
    expect(tuned.grid).toBe(16); // --init's config wins over --head
    expect(tuned.config.threshold).toBe(meta.calibration.threshold);
    tuned.dispose();
    const both = await cli(...init, '--resume');
    expect(both.code).toBe(1);
    expect(both.err).toMatch(/--init starts a new run; --resume continues one/);
  }, 120000);
});
