import { constants } from 'node:os';
import { NonFiniteError } from '@sgdiff/nn';
import { UserError } from '../errors.js';
import { createProgress } from './progress.js';
import type { RunFolder, RunState } from './run-folder.js';

export interface TrainLoopOptions {
  run: RunFolder;
  label: string;
  /** First step to run (0, or the resumed checkpoint's step). */
  startStep: number;
  totalSteps: number;
  /** One optimiser step; returns scalar metrics, `loss` among them. */
  step: (step: number) => Promise<Record<string, number>>;
  checkpointEvery: number;
  /** Writes the weights and optimiser state into `dir`; returns the run state to store with them. */
  save: (dir: string, step: number) => Promise<RunState>;
  validateEvery?: number;
  validate?: (step: number) => Promise<Record<string, number>>;
  /** The checkpoint this session resumed from, named if the run diverges before saving anew. */
  resumedFrom?: string;
  /** Stop (and checkpoint) once this many seconds have passed, e.g. for fixed-budget ablations. */
  timeLimitSeconds?: number;
  /** Signals to catch for save-then-exit (Ctrl-C); tests pass none. */
  signals?: NodeJS.Signals[];
  /** The gradient clipping norm the step applies, if any: the advice on divergence depends on it. */
  clipNorm?: number;
}

/** Steps of loss and gradient-norm history that a step is compared with. */
const DIVERGENCE_WINDOW = 50;
/** A loss this many times the window's largest counts as diverged, as NaN does. */
export const LOSS_JUMP = 10;
/** The same for the gradient norm, which swings more from step to step. */
export const GRAD_NORM_JUMP = 100;

/**
 * Why a step's loss or gradient norm counts as diverged given the recent ones, or undefined.
 * Not finite, or a jump far above everything in the window (needs one earlier step).
 */
export function divergence(
  metrics: Record<string, number>,
  recent: { loss: number[]; gradNorm: number[] },
): string | undefined {
  for (const [key, jump] of [
    ['loss', LOSS_JUMP],
    ['gradNorm', GRAD_NORM_JUMP],
  ] as const) {
    const v = metrics[key];
    if (v === undefined) continue;
    const name = key === 'loss' ? 'loss' : 'gradient norm';
    if (!Number.isFinite(v)) return `${name} is ${v}`;
    const window = recent[key];
    if (window.length === 0) continue;
    const max = Math.max(...window);
    if (v > jump * max)
      return `${name} ${v.toPrecision(3)} is over ${jump}× the largest of the last ${window.length} steps (${max.toPrecision(3)})`;
  }
  return undefined;
}

export interface TrainLoopResult {
  step: number;
  /** Stopped early: Ctrl-C or the time limit. */
  interrupted: boolean;
  /** The signal that stopped it; the process exit code is then 128 + its number (130 for Ctrl-C). */
  signal?: NodeJS.Signals;
  lastCheckpoint?: string;
}

/**
 * Runs steps [startStep, totalSteps) with a progress bar, metrics.jsonl, periodic validation and
 * checkpoints. Ctrl-C finishes the current step, saves, and returns `interrupted`. A NaN/Inf
 * loss stops the run with a clear error and leaves the last good checkpoint as `latest`.
 */
export async function trainLoop(o: TrainLoopOptions): Promise<TrainLoopResult> {
  let interrupted = false;
  let signal: NodeJS.Signals | undefined;
  const exitCode = (sig: NodeJS.Signals) => 128 + (constants.signals[sig] ?? 0);
  const onSignal = (sig: NodeJS.Signals) => {
    if (interrupted) process.exit(exitCode(sig)); // a second Ctrl-C does not wait
    interrupted = true;
    signal = sig;
    process.stderr.write(
      '\nInterrupted: saving a checkpoint after this step (Ctrl-C again to quit now)\n',
    );
  };
  const signals = o.signals ?? ['SIGINT', 'SIGTERM'];
  // One listener per signal, so each knows its own (process.emit passes none).
  const listeners = signals.map((sig) => [sig, () => onSignal(sig)] as const);
  for (const [sig, f] of listeners) process.on(sig, f);
  const progress = createProgress(o.label, o.totalSteps, o.startStep);
  let lastCheckpoint = o.resumedFrom;
  // A checkpoint counts as good once the next step's loss, computed on its weights, is in range.
  let lastGood = o.resumedFrom;
  let pending: string | undefined;
  const recent = { loss: [] as number[], gradNorm: [] as number[] };
  const advice =
    o.clipNorm === undefined
      ? 'Lower the learning rate (--lr), clip gradients, or check the data.'
      : `Lower the learning rate (--lr) or check the data (gradients are already clipped to ${o.clipNorm}).`;
  // Stops the run: `latest` goes back to the last good checkpoint, past any unconfirmed one.
  const diverged = async (why: string): Promise<never> => {
    if (pending) await o.run.pointLatestAt(lastGood);
    throw new UserError(
      `training diverged at step ${step}: ${why}. Nothing was saved from this step; the last good checkpoint is ${lastGood ?? '(none yet)'}` +
        (pending ? ` (${pending} holds the weights that diverged)` : '') +
        `. ${advice}`,
    );
  };
  let step = o.startStep;
  const started = Date.now();
  const outOfTime = () =>
    o.timeLimitSeconds !== undefined && (Date.now() - started) / 1000 >= o.timeLimitSeconds;
  const save = async () => {
    lastCheckpoint = await o.run.saveCheckpoint(step, (dir) => o.save(dir, step));
    pending = lastCheckpoint;
  };
  try {
    while (step < o.totalSteps && !interrupted) {
      let metrics: Record<string, number>;
      try {
        metrics = await o.step(step);
      } catch (e) {
        if (e instanceof NonFiniteError) await diverged(e.message);
        throw e;
      }
      const why = divergence(metrics, recent);
      if (why) await diverged(why);
      if (pending) lastGood = pending;
      pending = undefined;
      for (const key of ['loss', 'gradNorm'] as const) {
        if (metrics[key] === undefined) continue;
        recent[key].push(metrics[key]);
        if (recent[key].length > DIVERGENCE_WINDOW) recent[key].shift();
      }
      step++;
      await o.run.appendMetrics({ step, ...metrics });
      progress.update(step, { loss: metrics.loss ?? NaN });
      if (o.validate && o.validateEvery && step % o.validateEvery === 0) {
        const val = await o.validate(step);
        await o.run.appendMetrics({ step, split: 'val', ...val });
      }
      if (step % o.checkpointEvery === 0 || step === o.totalSteps) await save();
      if (outOfTime() && step < o.totalSteps) {
        process.stderr.write(`\nTime limit of ${o.timeLimitSeconds} s reached at step ${step}\n`);
        interrupted = true;
      }
    }
    if (interrupted && step % o.checkpointEvery !== 0 && step !== o.totalSteps) await save();
  } finally {
    progress.stop();
    for (const [sig, f] of listeners) process.off(sig, f);
    o.run.release();
  }
  // Saved, then stopped by a signal: exit as the signal would have (130 for SIGINT, 143 for SIGTERM).
  if (signal) process.exitCode = exitCode(signal);
  return { step, interrupted, lastCheckpoint, ...(signal ? { signal } : {}) };
}
