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
}

export interface TrainLoopResult {
  step: number;
  /** Stopped early: Ctrl-C or the time limit. */
  interrupted: boolean;
  lastCheckpoint?: string;
}

/**
 * Runs steps [startStep, totalSteps) with a progress bar, metrics.jsonl, periodic validation and
 * checkpoints. Ctrl-C finishes the current step, saves, and returns `interrupted`. A NaN/Inf
 * loss stops the run with a clear error and leaves the last good checkpoint as `latest`.
 */
export async function trainLoop(o: TrainLoopOptions): Promise<TrainLoopResult> {
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) process.exit(130); // a second Ctrl-C does not wait
    interrupted = true;
    process.stderr.write(
      '\nInterrupted: saving a checkpoint after this step (Ctrl-C again to quit now)\n',
    );
  };
  const signals = o.signals ?? ['SIGINT', 'SIGTERM'];
  for (const s of signals) process.on(s, onSignal);
  const progress = createProgress(o.label, o.totalSteps, o.startStep);
  let lastCheckpoint = o.resumedFrom;
  let step = o.startStep;
  const started = Date.now();
  const outOfTime = () =>
    o.timeLimitSeconds !== undefined && (Date.now() - started) / 1000 >= o.timeLimitSeconds;
  const save = async () => {
    lastCheckpoint = await o.run.saveCheckpoint(step, (dir) => o.save(dir, step));
  };
  try {
    while (step < o.totalSteps && !interrupted) {
      let metrics: Record<string, number>;
      try {
        metrics = await o.step(step);
      } catch (e) {
        if (e instanceof NonFiniteError) {
          throw new UserError(
            `training diverged at step ${step}: ${e.message}. Nothing was saved from this step; ` +
              `the last good checkpoint is ${lastCheckpoint ?? '(none yet)'}. Lower the learning rate or check the data.`,
          );
        }
        throw e;
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
    for (const s of signals) process.off(s, onSignal);
    o.run.release();
  }
  return { step, interrupted, lastCheckpoint };
}
