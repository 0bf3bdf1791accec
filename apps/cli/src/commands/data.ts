import { DatasetError, type ProgressEvent } from '@sgdiff/datasets';
import { writeSyntheticDataset } from '@sgdiff/datasets/node';
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
          { format: `${e.phase.padEnd(22)} [{bar}] {percentage}% ${value} eta {eta_formatted}`, hideCursor: true },
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
  const data = program.command('data').description('make and prepare datasets (synthetic scenes, Visual Genome, COCO-Stuff)');

  data
    .command('synth')
    .description('generate the built-in synthetic dataset (shapes on background bands) into shards')
    .requiredOption('--out <dir>', 'output dataset folder')
    .requiredOption('--count <n>', 'total images over all splits', intFlag('count'))
    .option('--val <n>', 'validation images (default 10% of --count)', intFlag('val'))
    .option('--test <n>', 'test images (default 10% of --count)', intFlag('test'))
    .option('--seed <n>', 'random seed', intFlag('seed'), 0)
    .option('--size <px>', 'image side: 64, 128 or 256', intFlag('size'), 64)
    .option('--shard-size <n>', 'images per shard (default: about 32 MiB per shard)', intFlag('shard-size'))
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
}
