import { DatasetError, type ProgressEvent } from '@sgdiff/datasets';
import {
  prepareCocoStuff,
  prepareVisualGenome,
  writeSyntheticDataset,
} from '@sgdiff/datasets/node';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { UserError } from '../errors.js';

/** Parses an integer flag, or explains which flag is wrong. */
export function intFlag(name: string) {
  return (v: string): number => {
    if (!/^\d+$/.test(v)) throw new UserError(`--${name} ${v}: expected a non-negative integer`);
    return Number(v);
  };
}

/** One bar per phase, redrawn from the library's progress callback (nothing when not a TTY). */
export function progressBars(): { onProgress: (e: ProgressEvent) => void; stop: () => void } {
  let bar: cliProgress.SingleBar | undefined;
  let phase = '';
  const stop = () => {
    bar?.stop();
    bar = undefined;
  };
  return {
    onProgress: (e) => {
      if (e.phase !== phase) {
        stop();
        phase = e.phase;
        const value = e.unit === 'bytes' ? '{value_mb}/{total_mb} MB' : `{value}/{total} ${e.unit}`;
        bar = new cliProgress.SingleBar(
          {
            format: `${e.phase.padEnd(22)} [{bar}] {percentage}% ${value} eta {eta_formatted}`,
            hideCursor: true,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(e.total, 0, mb(0, e.total));
      }
      bar?.setTotal(e.total);
      bar?.update(e.done, mb(e.done, e.total));
    },
    stop,
  };
}

const mb = (done: number, total: number) => ({
  value_mb: (done / 1e6).toFixed(0),
  total_mb: (total / 1e6).toFixed(0),
});

interface PrepareOptions {
  input: string;
  out: string;
  size: number;
  seed: number;
  shardSize?: number;
  concurrency: number;
}

const SIZES = [64, 128, 256];

function checkSize(size: number): void {
  if (!SIZES.includes(size))
    throw new UserError(`--size ${size}: expected one of ${SIZES.join(', ')}`);
}

/** Runs a preparation with progress bars; warnings go to stderr between bars. */
async function withBars<T>(
  run: (hooks: {
    onProgress: (e: ProgressEvent) => void;
    onWarning: (m: string) => void;
  }) => Promise<T>,
): Promise<T> {
  const bars = progressBars();
  try {
    return await run({
      onProgress: bars.onProgress,
      onWarning: (m) => process.stderr.write(`\nwarning: ${m}\n`),
    });
  } catch (e) {
    throw e instanceof DatasetError ? new UserError(e.message) : e;
  } finally {
    bars.stop();
  }
}

function summary(
  out: string,
  m: {
    splits: Record<string, { images: number; objects: number; relations: number }>;
    skipped: Record<string, number>;
  },
): void {
  const parts = Object.entries(m.splits).map(
    ([k, s]) => `${k} ${s.images} images, ${s.objects} objects, ${s.relations} relations`,
  );
  console.log(`${out}: ${parts.join('; ')}`);
  const skipped = Object.entries(m.skipped).filter(([, n]) => n > 0);
  if (skipped.length) console.log(`skipped: ${skipped.map(([k, n]) => `${k} ${n}`).join(', ')}`);
}

interface SynthOptions {
  out: string;
  count: number;
  val?: number;
  test?: number;
  seed: number;
  size: number;
  shardSize?: number;
}

export function registerData(program: Command): void {
  const data = program
    .command('data')
    .description('make and prepare datasets (synthetic scenes, Visual Genome, COCO-Stuff)');

  data
    .command('synth')
    .description('generate the built-in synthetic dataset (shapes on background bands) into shards')
    .requiredOption('--out <dir>', 'output dataset folder')
    .requiredOption('--count <n>', 'total images over all splits', intFlag('count'))
    .option('--val <n>', 'validation images (default 10% of --count)', intFlag('val'))
    .option('--test <n>', 'test images (default 10% of --count)', intFlag('test'))
    .option('--seed <n>', 'random seed', intFlag('seed'), 0)
    .option('--size <px>', 'image side: 64, 128 or 256', intFlag('size'), 64)
    .option(
      '--shard-size <n>',
      'images per shard (default: about 32 MiB per shard)',
      intFlag('shard-size'),
    )
    .action(async (opts: SynthOptions) => {
      const bars = progressBars();
      const t0 = performance.now();
      try {
        const m = await writeSyntheticDataset({ ...opts, onProgress: bars.onProgress });
        bars.stop();
        const secs = (performance.now() - t0) / 1000;
        const s = m.splits;
        console.log(
          `${opts.out}: train ${s.train.images}, val ${s.val.images}, test ${s.test.images} images ` +
            `at ${m.image.size}² (${secs.toFixed(1)} s)`,
        );
      } catch (e) {
        bars.stop();
        throw e instanceof DatasetError ? new UserError(e.message) : e;
      }
    });

  const prepare = data
    .command('prepare')
    .description('turn a downloaded dataset into training shards (sg2im rules)');
  const common = (c: Command) =>
    c
      .requiredOption('--input <dir>', 'the downloaded dataset folder')
      .requiredOption('--out <dir>', 'output dataset folder (a re-run finishes missing shards)')
      .option('--size <px>', 'image side: 64, 128 or 256', intFlag('size'), 64)
      .option('--seed <n>', 'random seed (COCO relations; VG fallback split)', intFlag('seed'), 0)
      .option('--shard-size <n>', 'images per shard', intFlag('shard-size'))
      .option('--concurrency <n>', 'images decoded at once', intFlag('concurrency'), 4);

  common(
    prepare
      .command('vg')
      .description(
        'Visual Genome 1.4: objects.json, relationships.json, attributes.json, image_data.json, VG_100K*/ or images/; ' +
          'vg_splits.json, object_alias.txt, relationship_alias.txt when present',
      ),
  ).action(async (opts: PrepareOptions) => {
    checkSize(opts.size);
    const m = await withBars((hooks) => prepareVisualGenome({ ...opts, ...hooks }));
    summary(opts.out, m);
  });

  common(
    prepare
      .command('coco')
      .description(
        'COCO-Stuff 2017: annotations/instances_*2017.json, annotations/stuff_*2017.json, train2017/, val2017/',
      ),
  )
    .option(
      '--val-images <n>',
      'filtered val2017 images used as val; the rest are test',
      intFlag('val-images'),
      1024,
    )
    .action(async (opts: PrepareOptions & { valImages: number }) => {
      checkSize(opts.size);
      const m = await withBars((hooks) => prepareCocoStuff({ ...opts, ...hooks }));
      summary(opts.out, m);
    });
}
