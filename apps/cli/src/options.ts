import type { ResumeRequest } from './training/run-folder.js';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { formatBackendInfo, type BackendChoice, type BackendInfo } from '@sgdiff/nn';
import { initBackend, MAX_WASM_THREADS, type ThreadsChoice } from '@sgdiff/nn/node';
import { UserError } from './errors.js';

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0)
    throw new InvalidArgumentError('expected a positive integer');
  return n;
}

export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0)
    throw new InvalidArgumentError('expected a non-negative integer');
  return n;
}

export function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
}

export function nonNegativeNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || value.trim() === '')
    throw new InvalidArgumentError('expected a non-negative number');
  return n;
}

/** "4@500" → guidance 4 at timesteps below 500. */
export function lateGuidance(value: string): { scale: number; below: number } {
  const m = /^\s*([0-9.]+)\s*@\s*([0-9]+)\s*$/.exec(value);
  const scale = Number(m?.[1]);
  const below = Number(m?.[2]);
  if (!m || !Number.isFinite(scale) || !Number.isSafeInteger(below) || below <= 0)
    throw new InvalidArgumentError('expected SCALE@TIMESTEP, e.g. 4@500');
  return { scale, below };
}

const BACKENDS: BackendChoice[] = ['auto', 'webgpu', 'wasm', 'cpu', 'tensorflow'];

export function backendOption(): Option {
  return new Option('--backend <name>', 'tfjs backend').choices(BACKENDS).default('auto');
}

export function threadsChoice(value: string): ThreadsChoice {
  if (value === 'auto') return 'auto';
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_WASM_THREADS)
    throw new InvalidArgumentError(`expected "auto" or an integer from 1 to ${MAX_WASM_THREADS}`);
  return n;
}

export function threadsOption(): Option {
  return new Option(
    '--threads <n|auto>',
    'WASM threads (auto: the cores free at start-up; results are identical at any count)',
  )
    .argParser(threadsChoice)
    .default('auto');
}

/** The flags `backendOption` and `threadsOption` add; they travel together to `startBackend`. */
export interface BackendFlags {
  backend: BackendChoice;
  threads?: ThreadsChoice;
}

/** Starts the requested backend and prints which one runs (to stderr, keeping stdout clean). */
export async function startBackend({
  backend: choice,
  threads = 'auto',
}: BackendFlags): Promise<BackendInfo> {
  try {
    const info = await initBackend({ backend: choice, threads, log: false });
    process.stderr.write(`${formatBackendInfo(info)}\n`);
    return info;
  } catch (e) {
    throw new UserError(`--backend ${choice}: ${(e as Error).message}`);
  }
}

/** The flags that `addRunOptions` adds. */
export interface RunFlags {
  seed: number;
  backend: BackendChoice;
  threads?: ThreadsChoice;
  resume?: boolean;
  timeLimit?: number;
  checkpointEvery: number;
}

/**
 * What every training command takes to control its run folder: seed, backend and threads,
 * resume, a time limit and the checkpoint interval.
 */
export function addRunOptions(cmd: Command): Command {
  return cmd
    .option('--seed <n>', 'run seed', positiveInt, 1)
    .addOption(backendOption())
    .addOption(threadsOption())
    .option('--resume', 'continue the run in --out from its latest checkpoint')
    .option(
      '--time-limit <minutes>',
      'stop with a checkpoint after this many minutes',
      positiveNumber,
    )
    .option('--checkpoint-every <n>', 'steps between checkpoints', positiveInt, 250);
}

/** Flags a resumed run applies (written to its config and logged), by the config path they set. */
const RESUME_APPLIES: Record<string, string> = {
  steps: 'training.totalSteps',
  lr: 'training.lr',
  checkpointEvery: 'checkpointEvery',
};
/** Flags that leave a run as it is: where and how this session runs it, or checked elsewhere. */
const SESSION_FLAGS = new Set([
  'out',
  'resume',
  'backend',
  'threads',
  'timeLimit',
  'valEvery',
  'valPairs',
  'valImages',
  'encodeLatents',
  'data',
  'encoder',
  'autoencoder',
]);

/**
 * What `--resume` does with the flags typed on the command line (commander's option sources;
 * defaults do not count): `--steps`, `--lr` and `--checkpoint-every` change the run; where and
 * how it runs (`--backend`, `--threads`, `--time-limit`, validation) are this session's; any
 * other must repeat the run's own value (`RunFolder.open` checks), or is refused.
 */
export function resumeRequest(cmd: Command): ResumeRequest {
  const changes: Record<string, unknown> = {};
  const fixed: ResumeRequest['fixed'] = [];
  for (const opt of cmd.options) {
    const key = opt.attributeName();
    if (cmd.getOptionValueSource(key) !== 'cli' || SESSION_FLAGS.has(key)) continue;
    const path = RESUME_APPLIES[key];
    if (path) changes[path] = cmd.getOptionValue(key);
    else fixed.push({ flag: opt.long ?? key, key, value: cmd.getOptionValue(key) });
  }
  return { changes, fixed };
}

/** `--time-limit` minutes as the seconds `trainLoop` takes. */
export const timeLimitSeconds = (minutes: number | undefined): number | undefined =>
  minutes === undefined ? undefined : minutes * 60;
