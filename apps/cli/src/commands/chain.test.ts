import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { spawn } from 'node:child_process';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { loadCheckpoint } from '@sgdiff/nn/node';
import { SYNTHETIC_LAYOUT_PRIOR } from '@sgdiff/scene-graph';
import { cli } from '../testing/cli.js';

const disposeAll = (...cks: Array<{ dispose(): void }>) => cks.forEach((c) => c.dispose());

// The whole chain on a tiny synthetic dataset: data → pretrain → autoencoder → diffusion →
// export → sample → edit. Two steps each: this checks the plumbing, not the quality.
const root = mkdtempSync(join(tmpdir(), 'sgdiff-chain-'));
const p = (name: string) => join(root, name);

const common = ['--backend', 'wasm', '--batch', '4'];

describe('the sgdiff training chain', () => {
  it('runs end to end and resumes', async () => {
    expect(
      (
        await cli(
          'data',
          'synth',
          '--out',
          p('data'),
          '--count',
          '120',
          '--size',
          '64',
          '--seed',
          '5',
        )
      ).code,
    ).toBe(0);

    expect(
      (
        await cli(
          'pretrain',
          '--data',
          p('data'),
          '--out',
          p('pre'),
          '--steps',
          '2',
          '--val-pairs',
          '8',
          ...common,
        )
      ).code,
    ).toBe(0);
    // Resume past the end: continues from step 2 to 3 with the saved config, --data included.
    const resumed = await cli('pretrain', '--out', p('pre'), '--steps', '3', '--resume', ...common);
    expect(resumed.code).toBe(0);
    expect(resumed.err).toContain('resuming from');
    expect(readlinkSync(p('pre/latest'))).toBe(join('checkpoints', 'step-3'));
    const otherData = await cli(
      ...['pretrain', '--data', p('ae'), '--out', p('pre'), '--resume', ...common],
    );
    expect(otherData.code).toBe(1);
    expect(otherData.err).toContain(
      `--data ${p('ae')}: the run in ${p('pre')} was started with ${p('data')}`,
    );
    const noData = await cli('pretrain', '--out', p('nopre'), ...common);
    expect(noData.code).toBe(1);
    expect(noData.err).toMatch(/missing --data \(needed to start a run/);
    expect(existsSync(p('nopre'))).toBe(false);
    // The relation-aware options reach the saved config (absent by default: the old behaviour),
    // and score-encoder loads such a run.
    const preModel = JSON.parse(readFileSync(p('pre/config.json'), 'utf8')).model;
    expect(preModel.encoder.globalPooling).toBeUndefined();
    expect(preModel.contrastive.imageHead).toBeUndefined();
    expect(preModel.contrastive.hardNegativeWeight).toBeUndefined();
    const pooled = await cli(
      ...['pretrain', '--data', p('data'), '--out', p('pooled'), '--steps', '1'],
      ...['--val-pairs', '8', '--global-pooling', 'triple-attention', '--image-head', 'mlp'],
      ...['--hard-weight', '8'],
      ...common,
    );
    expect(pooled.code).toBe(0);
    const pooledModel = JSON.parse(readFileSync(p('pooled/config.json'), 'utf8')).model;
    expect(pooledModel.encoder.globalPooling).toBe('triple-attention');
    expect(pooledModel.contrastive.imageHead).toBe('mlp');
    expect(pooledModel.contrastive.hardNegativeWeight).toBe(8);
    const pooledScores = await cli(
      ...['score-encoder', '--run', p('pooled'), '--data', p('data'), '--pairs', '12'],
      ...['--json', '--backend', 'wasm'],
    );
    expect(pooledScores.code).toBe(0);
    expect(JSON.parse(pooledScores.out).discrimination.swap.pairs).toBeGreaterThan(0);
    // --steps equal to the fresh-run default still re-fits the schedule (it once was ignored).
    const longer = await cli(
      'pretrain',
      ...['--data', p('data'), '--out', p('pre'), '--steps', '3000', '--resume'],
      ...['--time-limit', '0.0001', ...common],
    );
    expect(longer.code).toBe(0);
    const [step4] = readFileSync(p('pre/metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((m) => m.step === 4);
    const { lr, totalSteps } = JSON.parse(readFileSync(p('pre/config.json'), 'utf8')).training;
    expect(step4.lr).toBeGreaterThan(0.99 * lr); // 4 of 3000: the peak, not past the end of 3
    expect(totalSteps).toBe(3000); // written back: a later plain --resume keeps the new schedule

    expect(
      (
        await cli(
          'train-autoencoder',
          '--data',
          p('data'),
          '--out',
          p('ae'),
          '--steps',
          '2',
          '--val-images',
          '4',
          '--encode-latents',
          ...common,
        )
      ).code,
    ).toBe(0);
    expect(
      (
        await cli(
          'train',
          '--data',
          p('data'),
          '--encoder',
          p('pre'),
          '--autoencoder',
          p('ae'),
          '--out',
          p('ldm'),
          '--steps',
          '2',
          '--latents',
          ...common,
        )
      ).code,
    ).toBe(0);
    const cached = JSON.parse(readFileSync(p('ae/latents/train.json'), 'utf8'));
    expect(cached.shape).toEqual([16, 16, 8]);
    expect(statSync(p('ae/latents/train.f32')).size).toBe(cached.keys.length * 2 * 16 * 16 * 8 * 4);
    const lines = readFileSync(p('ldm/metrics.jsonl'), 'utf8').trim().split('\n');
    expect(lines.map((l) => JSON.parse(l).step)).toEqual([1, 2]);
    // A resumed train run reads --data, --encoder and --autoencoder from its config.
    const trainResumed = await cli(
      'train',
      '--out',
      p('ldm'),
      '--steps',
      '3',
      '--resume',
      ...common,
    );
    expect(trainResumed.code).toBe(0);
    expect(readlinkSync(p('ldm/latest'))).toBe(join('checkpoints', 'step-3'));

    expect((await cli('export', '--run', p('ldm'), '--out', p('model'), '--steps', '3')).code).toBe(
      0,
    );
    const manifest = JSON.parse(readFileSync(p('model/sgdiff.json'), 'utf8'));
    expect(manifest.latentShape).toEqual([16, 16, 4]);
    // A re-export keeps the files beside the model; --fp16 halves the weights.
    writeFileSync(p('model/TRAINING.md'), 'how it was trained');
    const exported = await cli(
      ...['export', '--run', p('ldm'), '--out', p('model16'), '--steps', '3', '--fp16'],
    );
    expect(exported.code).toBe(0);
    expect(exported.out).toContain('(float16 weights)');
    expect((await cli('export', '--run', p('ldm'), '--out', p('model'), '--steps', '3')).code).toBe(
      0,
    );
    expect(readFileSync(p('model/TRAINING.md'), 'utf8')).toBe('how it was trained');
    const shardBytes = (dir: string) =>
      readdirSync(dir)
        .filter((f) => f.endsWith('.bin'))
        .reduce((a, f) => a + statSync(join(dir, f)).size, 0);
    for (const part of ['encoder', 'autoencoder', 'unet'])
      expect(shardBytes(p(`model16/${part}`))).toBe(shardBytes(p(`model/${part}`)) / 2);
    const half = await cli(
      ...['sample', '--model', p('model16'), '--text', 'sky', '--out', p('h.png')],
      ...['--backend', 'wasm'],
    );
    expect(half.code).toBe(0);
    expect(PNG.sync.read(readFileSync(p('h.png'))).width).toBe(64);

    // The encoder's scores: a pretrain run has the image head; a model directory gets the probe only.
    const scored = await cli(
      'score-encoder',
      ...['--run', p('pre'), '--data', p('data'), '--pairs', '12', '--json', '--backend', 'wasm'],
    );
    expect(scored.code).toBe(0);
    const scores = JSON.parse(scored.out);
    expect(scores.retrieval['graph→image'].r1).toBeGreaterThanOrEqual(0);
    const own = scores.probe['own token → label'];
    expect(own.tokens).toBeGreaterThan(0);
    expect(own.accuracy).toBeGreaterThanOrEqual(0);
    expect(own.accuracy).toBeLessThanOrEqual(1);
    const probeOnly = await cli(
      'score-encoder',
      ...['--run', p('model'), '--data', p('data'), '--pairs', '12', '--backend', 'wasm'],
    );
    expect(probeOnly.code).toBe(0);
    expect(probeOnly.out).toMatch(/no image head in this checkpoint/);
    expect(probeOnly.out).toMatch(/label probe own token → label: \d\.\d{3}/);
    expect(manifest.defaults.steps).toBe(3);

    const s = await cli(
      'sample',
      '--model',
      p('model'),
      '--text',
      'red circle left of blue square',
      '--out',
      p('s.png'),
      '--n',
      '2',
      '--backend',
      'wasm',
    );
    expect(s.code).toBe(0);
    for (const f of ['s-1.png', 's-2.png', 's-grid.png']) expect(existsSync(p(f))).toBe(true);
    const img = PNG.sync.read(readFileSync(p('s-1.png')));
    expect([img.width, img.height]).toEqual([64, 64]);

    // `npm start` runs `show` on examples/: with a model it also draws each graph.
    const shown = await cli(
      'show',
      join(__dirname, '..', '..', '..', '..', 'examples'),
      '--out',
      p('show'),
      '--model',
      p('model'),
    );
    expect(shown.code).toBe(0);
    expect(shown.out).toContain(`image: ${p('show/meadow.png')}`);
    expect(PNG.sync.read(readFileSync(p('show/beach.png'))).width).toBe(64);

    writeFileSync(p('g.txt'), 'red circle left of blue square; sky');
    writeFileSync(
      p('edits.json'),
      JSON.stringify([{ op: 'predicate', index: 0, predicate: 'right of' }]),
    );
    const e = await cli(
      'edit',
      '--model',
      p('model'),
      '--graph',
      p('g.txt'),
      '--edits',
      p('edits.json'),
      '--relabel',
      'sky=water',
      '--out',
      p('edit'),
      '--backend',
      'wasm',
    );
    expect(e.code).toBe(0);
    expect(e.out).toContain('touched: red-circle, blue-square, sky');
    for (const f of ['before.png', 'after.png', 'diff.png'])
      expect(existsSync(p(`edit/${f}`))).toBe(true);
    // Editing a given image: it is DDIM-inverted first.
    const inv = await cli(
      'edit',
      '--model',
      p('model'),
      '--graph',
      p('g.txt'),
      '--image',
      p('s-1.png'),
      '--relabel',
      'sky=water',
      '--out',
      p('edit2'),
      '--backend',
      'wasm',
    );
    expect(inv.code).toBe(0);
    expect(existsSync(p('edit2/after.png'))).toBe(true);

    // Evaluation with graph retrieval by the pre-trained encoder: among 4 graphs, R@5 is 1.
    const ev = await cli(
      'eval',
      '--model',
      p('model'),
      '--data',
      p('data'),
      '--split',
      'val',
      '--n',
      '4',
      '--batch',
      '4',
      '--steps',
      '2',
      '--encoder-run',
      p('pre'),
      '--out',
      p('eval'),
      '--backend',
      'wasm',
    );
    expect(ev.code).toBe(0);
    const report = JSON.parse(readFileSync(p('eval/report.json'), 'utf8'));
    const retrieval = report.runs[0].metrics.retrieval;
    expect(retrieval.among).toBe(4);
    expect(retrieval.r5).toBe(1);
    expect(retrieval.r1).toBeGreaterThanOrEqual(0);
    expect(retrieval.r1).toBeLessThanOrEqual(1);

    // A truncated latent cache is named, not trained on.
    truncateSync(p('ae/latents/train.f32'), 100);
    const bad = await cli(
      'train',
      '--data',
      p('data'),
      '--encoder',
      p('pre'),
      '--autoencoder',
      p('ae'),
      '--out',
      p('ldm2'),
      '--steps',
      '1',
      '--latents',
      ...common,
    );
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('truncated? re-run --encode-latents');

    // A new UNet on the frozen encoder and autoencoder of an exported model directory.
    const fromModel = ['train', '--data', p('data'), '--encoder', p('model')];
    const retrained = await cli(
      ...fromModel,
      '--autoencoder',
      p('model'),
      '--out',
      p('ldm3'),
      '--steps',
      '1',
      '--attention-levels',
      '2,0',
      ...common,
    );
    expect(retrained.code).toBe(0);
    const cfg = JSON.parse(readFileSync(p('ldm3/config.json'), 'utf8'));
    expect(cfg.encoderCheckpoint).toBe(p('model'));
    expect(cfg.denoiser.context.normalize).toBe(true);
    expect(cfg.denoiser.unet.attentionLevels).toEqual([0, 2]);
    const noLevel = await cli(
      ...fromModel,
      ...['--autoencoder', p('model'), '--out', p('ldm5'), '--attention-levels', '1,3', ...common],
    );
    expect(noLevel.code).toBe(1);
    const standardized = await cli(
      ...fromModel,
      ...['--autoencoder', p('model'), '--out', p('ldm6'), '--steps', '1'],
      ...['--context-norm', 'standardize', ...common],
    );
    expect(standardized.code).toBe(0);
    const ctx = JSON.parse(readFileSync(p('ldm6/config.json'), 'utf8')).denoiser.context;
    expect(ctx.normalize).toBeUndefined();
    expect(ctx.standardize.localStd).toHaveLength(ctx.localDim);
    expect(Math.min(...ctx.standardize.localStd)).toBeGreaterThan(0);
    expect(ctx.standardize.globalMean).toHaveLength(ctx.globalDim);
    expect(noLevel.err).toMatch(/--attention-levels 3: the synthetic-64 UNet has levels 0-2/);

    // Fine-tuning from the model's denoiser: its config wins, and step 1 (lr 1e-9) barely moves
    // the weights it started from; a fresh UNet starts far from them.
    const initArgs = ['--autoencoder', p('model'), '--steps', '1', '--lr', '1e-7', ...common];
    const tuned = await cli(
      ...fromModel,
      // --init takes the model's attention levels; a flag outside the preset is not an error.
      ...['--init', p('model'), '--out', p('ldm7'), '--attention-levels', '3', ...initArgs],
    );
    expect(tuned.code).toBe(0);
    const modelManifest = JSON.parse(readFileSync(p('model/sgdiff.json'), 'utf8'));
    const tunedCfg = JSON.parse(readFileSync(p('ldm7/config.json'), 'utf8'));
    expect(tunedCfg.denoiser).toEqual(modelManifest.parts.unet.config);
    expect(tunedCfg.latentScale).toBe(modelManifest.latentScale);
    expect(tunedCfg.init).toBe(p('model'));
    // Another seed than the model's run: a fresh UNet of the same seed starts from its init.
    const fresh = await cli(...fromModel, ...['--out', p('ldm8'), '--seed', '2', ...initArgs]);
    expect(fresh.code).toBe(0);
    const from = await loadCheckpoint(p('model/unet'));
    const distance = async (dir: string) => {
      const ck = await loadCheckpoint(dir);
      let d = 0;
      for (const [name, w] of from.weights) {
        const a = await w.data();
        const b = await ck.weights.get(name)!.data();
        for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
      }
      ck.dispose();
      return d;
    };
    expect(await distance(p('ldm7/checkpoints/step-1/unet'))).toBeLessThan(1e-5);
    expect(await distance(p('ldm7/checkpoints/step-1/ema'))).toBeLessThan(1e-5);
    expect(await distance(p('ldm8/checkpoints/step-1/unet'))).toBeGreaterThan(0.01);
    // --label-tokens on a model without them: the only config change --init allows. The new
    // projection starts at zero, so the run starts where the model was; the exported model samples.
    const labelled = await cli(
      ...fromModel,
      ...['--init', p('model'), '--label-tokens', '--out', p('ldm11'), ...initArgs],
    );
    expect(labelled.code).toBe(0);
    const labelledCfg = JSON.parse(readFileSync(p('ldm11/config.json'), 'utf8'));
    const encDim = modelManifest.parts.encoder.config.dim;
    expect(labelledCfg.denoiser.context).toEqual({
      ...modelManifest.parts.unet.config.context,
      labelDim: 3 * encDim,
    });
    expect(await distance(p('ldm11/checkpoints/step-1/unet'))).toBeLessThan(1e-5);
    const labelProj = await loadCheckpoint(p('ldm11/checkpoints/step-1/unet'));
    const lw = labelProj.weights.get('graphContext.labelProj.weight')!;
    expect(lw.shape).toEqual([3 * encDim, modelManifest.parts.unet.config.context.contextDim]);
    const labelMax = Math.max(...(await lw.data()).map(Math.abs));
    expect(labelMax).toBeLessThan(1e-5);
    expect(labelMax).toBeGreaterThan(0);
    labelProj.dispose();
    // --label-lr-scale: the projection alone takes 10⁵× the step. Both runs get the same gradient
    // at the zero projection, and Adam's first step is linear in lr, so it moves exactly 10⁵× as far.
    const scaled = await cli(
      ...fromModel,
      ...['--init', p('model'), '--label-tokens', '--label-lr-scale', '1e5', '--out', p('ldm12')],
      ...initArgs,
    );
    expect(scaled.code).toBe(0);
    expect(JSON.parse(readFileSync(p('ldm12/config.json'), 'utf8')).training.labelLrScale).toBe(
      1e5,
    );
    expect(await distance(p('ldm12/checkpoints/step-1/unet'))).toBeLessThan(1e-5);
    const scaledCk = await loadCheckpoint(p('ldm12/checkpoints/step-1/unet'));
    const sw = await scaledCk.weights.get('graphContext.labelProj.weight')!.data();
    expect(Math.max(...sw.map(Math.abs)) / labelMax).toBeCloseTo(1e5, -2);
    scaledCk.dispose();
    const noLabels = await cli(
      ...fromModel,
      ...['--init', p('model'), '--label-lr-scale', '2', '--out', p('ldm13'), ...initArgs],
    );
    expect(noLabels.code).toBe(1);
    expect(noLabels.err).toMatch(/--label-lr-scale: the model has no label tokens/);
    expect(
      (await cli('export', '--run', p('ldm11'), '--out', p('model11'), '--steps', '2')).code,
    ).toBe(0);
    const labelledSample = await cli(
      ...[
        'sample',
        '--model',
        p('model11'),
        '--text',
        'red circle left of sky',
        '--out',
        p('l.png'),
      ],
      ...['--backend', 'wasm'],
    );
    expect(labelledSample.code).toBe(0);
    expect(existsSync(p('l.png'))).toBe(true);
    // --train-encoder from a random encoder (the ablation's arm without pre-training), shaped
    // like the pretrain run's: the encoder and its EMA are saved, resumed and exported.
    const joint = ['train', '--data', p('data'), '--autoencoder', p('model'), ...common];
    const frozenRandom = await cli(...joint, '--encoder', 'random', '--out', p('ldmJ0'));
    expect(frozenRandom.code).toBe(1);
    expect(frozenRandom.err).toMatch(/--encoder random needs --train-encoder/);
    const jointArgs = ['--encoder', 'random', '--encoder-like', p('pre'), '--train-encoder'];
    const jointRun = await cli(...joint, ...jointArgs, '--out', p('ldmJ'), '--steps', '1');
    expect(jointRun.code).toBe(0);
    // --seed fixes the initial weights too: a second fresh run gives the same step 1, another
    // seed does not.
    const sameSeed = await cli(...joint, ...jointArgs, '--out', p('ldmJs'), '--steps', '1');
    const otherSeed = await cli(
      ...joint,
      ...jointArgs,
      ...['--out', p('ldmJo'), '--steps', '1', '--seed', '4'],
    );
    expect([sameSeed.code, otherSeed.code]).toEqual([0, 0]);
    const weightsOf = async (dir: string) => {
      const ck = await loadCheckpoint(dir);
      const out = new Map<string, number[]>();
      for (const [name, w] of ck.weights) out.set(name, Array.from(await w.data()));
      ck.dispose();
      return out;
    };
    for (const part of ['unet', 'encoder']) {
      const a = await weightsOf(p(`ldmJ/checkpoints/step-1/${part}`));
      expect(await weightsOf(p(`ldmJs/checkpoints/step-1/${part}`))).toEqual(a);
      expect(await weightsOf(p(`ldmJo/checkpoints/step-1/${part}`))).not.toEqual(a);
    }
    const jointCfg = JSON.parse(readFileSync(p('ldmJ/config.json'), 'utf8'));
    const preEncoder = await loadCheckpoint(p('pre/latest/encoder'));
    expect(jointCfg.encoderCheckpoint).toBe('random');
    expect(jointCfg.encoderConfig).toEqual(preEncoder.meta.config);
    expect(jointCfg.training.trainEncoder).toBe(true);
    // Fresh weights, not the pretrain run's.
    const embedding = 'objectEmbedding.weight';
    const step1 = await loadCheckpoint(p('ldmJ/checkpoints/step-1/encoder'));
    expect(await step1.weights.get(embedding)!.data()).not.toEqual(
      await preEncoder.weights.get(embedding)!.data(),
    );
    preEncoder.dispose();
    const jointResumed = await cli(...joint, '--out', p('ldmJ'), '--resume', '--steps', '2');
    expect(jointResumed.code).toBe(0);
    const step2 = await loadCheckpoint(p('ldmJ/checkpoints/step-2/encoder'));
    expect(await step2.weights.get(embedding)!.data()).not.toEqual(
      await step1.weights.get(embedding)!.data(),
    );
    expect((await cli('export', '--run', p('ldmJ'), '--out', p('modelJ'))).code).toBe(0);
    const exportedEncoder = await loadCheckpoint(p('modelJ/encoder'));
    const ema2 = await loadCheckpoint(p('ldmJ/checkpoints/step-2/encoder-ema'));
    for (const [name, w] of ema2.weights)
      expect(await exportedEncoder.weights.get(name)!.data()).toEqual(await w.data());
    disposeAll(step1, step2, exportedEncoder, ema2);
    const lrScaleFrozen = await cli(
      ...['train', '--data', p('data'), '--encoder', p('model'), '--autoencoder', p('model')],
      ...['--encoder-lr-scale', '2', '--out', p('ldmJ2'), ...common],
    );
    expect(lrScaleFrozen.code).toBe(1);
    expect(lrScaleFrozen.err).toMatch(/--encoder-lr-scale: the encoder is frozen/);
    // --layout: a zero-initialised layout input on top of the model; export can swap its prior,
    // which sample then draws boxes from.
    const laidOut = await cli(
      ...fromModel,
      ...['--init', p('model'), '--layout', '--out', p('ldm14'), ...initArgs],
    );
    expect(laidOut.code).toBe(0);
    writeFileSync(
      p('prior.json'),
      JSON.stringify({ ...SYNTHETIC_LAYOUT_PRIOR, thingSize: [0.3, 0.31] }),
    );
    const exported14 = await cli(
      ...['export', '--run', p('ldm14'), '--out', p('model14'), '--steps', '2'],
      ...['--layout-prior', p('prior.json')],
    );
    expect(exported14.code).toBe(0);
    const prior14 = JSON.parse(readFileSync(p('model14/sgdiff.json'), 'utf8')).parts.unet.config
      .layout.prior;
    expect(prior14.thingSize).toEqual([0.3, 0.31]);
    const laidSample = await cli(
      ...['sample', '--model', p('model14'), '--text', 'red circle left of blue square'],
      ...['--out', p('lay.png'), '--backend', 'wasm'],
    );
    expect(laidSample.code).toBe(0);
    for (const o of JSON.parse(readFileSync(p('lay.layout.json'), 'utf8')).objects) {
      expect(o.box[2] - o.box[0]).toBeGreaterThanOrEqual(0.3 - 1e-4);
      expect(o.box[2] - o.box[0]).toBeLessThanOrEqual(0.31 + 1e-4);
    }
    // Relations that cannot all hold are drawn anyway, with a warning before and, for each image,
    // the relations its layout could not satisfy.
    const contradictory = await cli(
      ...['sample', '--model', p('model14'), '--out', p('lr.png'), '--backend', 'wasm'],
      ...['--text', 'red circle left of blue square; blue square left of red circle'],
    );
    expect(contradictory.code).toBe(0);
    expect(contradictory.err).toContain(
      'warning: relations[1]: "blue-square" (blue square) left of "red-circle" (red circle) contradicts relations[0]',
    );
    expect(contradictory.err).toMatch(
      /warning: .*lr\.png: its layout could not satisfy relations\[[01]\]: "(red|blue)-(circle|square)" .* left of .*, but the boxes say /,
    );
    // A malformed prior, and a prior for a model without layout input, are refused with the reason.
    writeFileSync(
      p('bad-prior.json'),
      JSON.stringify({ ...SYNTHETIC_LAYOUT_PRIOR, thingSize: [0.4, 0.2] }),
    );
    const badPrior = await cli(
      ...[
        'export',
        '--run',
        p('ldm14'),
        '--out',
        p('model15'),
        '--layout-prior',
        p('bad-prior.json'),
      ],
    );
    expect(badPrior.code).toBe(1);
    expect(badPrior.err).toMatch(/--layout-prior .*bad-prior\.json: .*min ≤ max/);
    const noLayout = await cli(
      ...['export', '--run', p('ldm11'), '--out', p('model15'), '--layout-prior', 'synthetic'],
    );
    expect(noLayout.code).toBe(1);
    expect(noLayout.err).toMatch(/without layout input/);
    expect(existsSync(p('model15'))).toBe(false);
    from.dispose();
    const notModel = await cli(
      ...fromModel,
      ...['--init', p('data'), '--out', p('ldm9'), ...initArgs],
    );
    expect(notModel.code).toBe(1);
    expect(notModel.err).toContain(`--init: ${p('data')} is not a model directory`);
    // Weights that cannot be loaded fail the run before its folder is made, so a rerun can reuse --out.
    cpSync(p('model'), p('badinit'), { recursive: true });
    const unetBin = readdirSync(p('badinit/unet')).find((f) => f.endsWith('.bin'))!;
    truncateSync(join(p('badinit/unet'), unetBin), 100);
    const badInit = await cli(
      ...fromModel,
      ...['--init', p('badinit'), '--out', p('ldm10'), ...initArgs],
    );
    expect(badInit.code).toBe(1);
    expect(badInit.err).toContain(`--init: ${p('badinit/unet')}`);
    expect(badInit.err).not.toMatch(/\n\s+at /);
    expect(existsSync(p('ldm10'))).toBe(false);
    const noCache = await cli(
      ...fromModel,
      '--autoencoder',
      p('model'),
      '--out',
      p('ldm4'),
      '--latents',
      ...common,
    );
    expect(noCache.err).toContain('--autoencoder is a model directory');
    expect(report.notes.join('\n')).not.toContain('retrieval skipped');
  }, 600_000);

  it('explains mistakes without stack traces', async () => {
    const noModel = await cli(
      'sample',
      '--model',
      p('nowhere'),
      '--text',
      'sky',
      '--out',
      p('x.png'),
    );
    expect(noModel.code).toBe(1);
    expect(noModel.err).toMatch(/--model .*nowhere: no sgdiff\.json there/);

    const both = await cli('sample', '--model', p('model'), '--out', p('x.png'));
    expect(both.err).toContain('give exactly one of --graph FILE or --text');

    // Checked before any model is loaded or image drawn: a folder as --graph or as --out.
    const graphDir = await cli(
      'sample',
      '--model',
      p('model'),
      '--graph',
      root,
      '--out',
      p('y.png'),
    );
    expect(graphDir.code).toBe(1);
    expect(graphDir.err).toMatch(/--graph .*: is a folder; give a scene graph file/);
    const outDir = await cli('sample', '--model', p('model'), '--text', 'sky', '--out', root);
    expect(outDir.code).toBe(1);
    expect(outDir.err).toMatch(/--out .*: is a folder; give a file name/);
    // An invalid sgdiff.json: one line naming the file, no stack trace.
    cpSync(p('model'), p('broken-model'), { recursive: true });
    writeFileSync(p('broken-model/sgdiff.json'), JSON.stringify({ format: 'sgdiff-model' }));
    for (const cmd of [
      ['sample', '--text', 'sky', '--out', p('z.png')],
      ['edit', '--graph', p('g.txt'), '--remove', 'a', '--out', p('ed')],
    ]) {
      writeFileSync(p('g.txt'), 'red circle above sky');
      const r = await cli(...cmd, '--model', p('broken-model'));
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/^sgdiff: .*broken-model\/sgdiff\.json/m);
      expect(r.err).not.toMatch(/\n\s+at /);
    }

    const noRun = await cli(
      'train',
      '--data',
      p('data'),
      '--encoder',
      p('nope'),
      '--autoencoder',
      p('ae'),
      '--out',
      p('ldm2'),
    );
    expect(noRun.code).toBe(1);
    expect(noRun.err).toMatch(/--encoder: .*nope holds no training run/);

    const again = await cli(
      'train-autoencoder',
      '--data',
      p('data'),
      '--out',
      p('ae'),
      '--steps',
      '2',
    );
    expect(again.err).toMatch(/already holds a training run; pass --resume/);

    // A run folder in use by a live process: --resume there is refused with its PID.
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      writeFileSync(
        p('ae/run.lock'),
        JSON.stringify({ pid: holder.pid, host: hostname(), since: 'now', command: 'x' }),
      );
      const busy = await cli('train-autoencoder', '--out', p('ae'), '--resume', ...common);
      expect(busy.code).toBe(1);
      expect(busy.err).toMatch(new RegExp(`ae is in use by process ${holder.pid}`));
    } finally {
      holder.kill();
      rmSync(p('ae/run.lock'), { force: true });
    }

    // --resume with a flag that would change the run: refused with the list; --lr is applied
    // and logged.
    const changed = await cli(
      ...['train-autoencoder', '--out', p('ae'), '--resume', '--batch', '8', '--preset', 'f8'],
      ...['--backend', 'wasm'],
    );
    expect(changed.code).toBe(1);
    expect(changed.err).toMatch(
      /--resume keeps the run's settings, and --preset f8 \(the run's: "f4-small"\), --batch 8 \(the run's: 4\) would change them/,
    );
    const relr = await cli(
      ...['train-autoencoder', '--out', p('ae'), '--resume', '--lr', '1e-5', '--batch', '4'],
      ...['--backend', 'wasm'],
    );
    expect(relr.code).toBe(0);
    const aeEvents = readFileSync(p('ae/metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((r) => r.event === 'resume');
    expect(aeEvents.at(-1).changed['training.lr'][1]).toBe(1e-5);
    expect(JSON.parse(readFileSync(p('ae/config.json'), 'utf8')).training.lr).toBe(1e-5);

    // --lr 1e6 blows the weights up at the first update: the run stops, and `latest` names no
    // checkpoint holding them.
    const blown = await cli(
      ...['train-autoencoder', '--data', p('data'), '--out', p('ae-lr'), '--lr', '1e6'],
      ...['--steps', '4', '--checkpoint-every', '1', ...common],
    );
    expect(blown.code).toBe(1);
    expect(blown.err).toMatch(/training diverged at step [1-3]: .*already clipped to 1\)/);
    if (existsSync(p('ae-lr/latest'))) {
      const kept = await loadCheckpoint(p('ae-lr/latest/autoencoder'));
      for (const w of kept.weights.values())
        expect(Math.max(...Array.from(await w.data(), Math.abs))).toBeLessThan(1e3);
      kept.dispose();
    }

    const badEdit = await cli(
      'edit',
      '--model',
      p('model'),
      '--graph',
      p('g.txt'),
      '--predicate',
      'sky:0=above',
      '--out',
      p('e2'),
    );
    expect(badEdit.err).toMatch(/relation 0's subject is "red-circle", not "sky"/);

    const unknown = await cli(
      'sample',
      '--model',
      p('model'),
      '--text',
      'red circle left of dragon',
      '--out',
      p('x.png'),
      '--backend',
      'wasm',
    );
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/unknown object label "dragon"/);
    expect(unknown.err).not.toMatch(/\n\s+at /);
  }, 120_000);
});
