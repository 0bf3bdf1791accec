import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { constants, hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { AdamW, Linear, NonFiniteError, tf, trainStep } from '@sgdiff/nn';
import {
  initBackend,
  loadCheckpointInto,
  loadOptimizerState,
  saveCheckpoint,
  saveOptimizerState,
} from '@sgdiff/nn/node';
import { UserError } from '../errors.js';
import { RUN_LOCK, RunFolder, runInputs, type RunState } from './run-folder.js';
import { divergence, GRAD_NORM_JUMP, LOSS_JUMP, trainLoop } from './train-loop.js';

beforeAll(async () => {
  await initBackend({ backend: 'cpu', log: false });
});

/** A tiny regression whose batch at step i depends only on (seed, i), as the real loops do. */
function makeJob(seed = 1) {
  const model = new Linear(3, 2, { seed: 11 });
  const opt = new AdamW(model.parameters(), { lr: 0.05 });
  const batch = (step: number) =>
    tf.tidy(() => {
      const x = tf.randomNormal([8, 3], 0, 1, 'float32', seed * 1000 + step);
      return { x, y: tf.matMul(x, tf.tensor2d([1, -2, 0.5, 3, -1, 2], [3, 2])) };
    });
  const step = async (i: number) => {
    const { x, y } = batch(i);
    const r = await trainStep(
      model,
      opt,
      () => tf.losses.meanSquaredError(y, model.forward(x)) as tf.Scalar,
    );
    tf.dispose([x, y]);
    return { loss: r.loss };
  };
  const save = async (dir: string, stepNo: number): Promise<RunState> => {
    await saveCheckpoint(join(dir, 'model'), model, { config: { in: 3, out: 2 } });
    await saveOptimizerState(dir, opt);
    return { step: stepNo, seed };
  };
  const load = async (dir: string) => {
    await loadCheckpointInto(model, join(dir, 'model'));
    await loadOptimizerState(dir, opt);
  };
  return { model, step, save, load };
}

const weights = (m: Linear) => [...m.parameters().values()].map((v) => Array.from(v.dataSync()));

describe('trainLoop with RunFolder', () => {
  it('resumes after an interruption to exactly the weights of an uninterrupted run', async () => {
    const straight = makeJob();
    const dirA = mkdtempSync(join(tmpdir(), 'run-a-'));
    const a = await RunFolder.open(dirA, { steps: 10 });
    await trainLoop({
      run: a.run,
      label: 'a',
      startStep: 0,
      totalSteps: 10,
      step: straight.step,
      checkpointEvery: 4,
      save: straight.save,
      signals: [],
    });

    // Interrupted at step 6 (not a checkpoint step): the loop saves step-6 before returning.
    const first = makeJob();
    const dirB = mkdtempSync(join(tmpdir(), 'run-b-'));
    const b = await RunFolder.open(dirB, { steps: 10 });
    const stepThenSignal = async (i: number) => {
      const m = await first.step(i);
      if (i === 5) process.emit('SIGUSR2');
      return m;
    };
    const r1 = await trainLoop({
      run: b.run,
      label: 'b',
      startStep: 0,
      totalSteps: 10,
      step: stepThenSignal,
      checkpointEvery: 4,
      save: first.save,
      signals: ['SIGUSR2'],
    });
    expect(r1).toMatchObject({ step: 6, interrupted: true, signal: 'SIGUSR2' });
    // Saved, then the exit code a signal gives (128 + 12 for SIGUSR2; 130 for Ctrl-C).
    expect(process.exitCode).toBe(128 + constants.signals.SIGUSR2);
    process.exitCode = undefined;
    expect(readlinkSync(join(dirB, 'latest'))).toBe(join('checkpoints', 'step-6'));
    // What a write killed mid-way leaves, removed on resume.
    mkdirSync(join(dirB, 'checkpoints', '.step-8.tmp-123-abcd'));
    mkdirSync(join(dirB, 'checkpoints', '.step-4.old-123-abcd'));
    symlinkSync('checkpoints/step-6', join(dirB, '.latest-123'));

    const second = makeJob();
    const reopened = await RunFolder.open(dirB, { steps: 10 }, { resume: true });
    expect(readdirSync(join(dirB, 'checkpoints')).filter((n) => n.startsWith('.'))).toEqual([]);
    expect(existsSync(join(dirB, '.latest-123'))).toBe(false);
    const marks = readFileSync(join(dirB, 'metrics.jsonl'), 'utf8').trim().split('\n');
    expect(JSON.parse(marks[marks.length - 1])).toMatchObject({ event: 'resume', step: 6 });
    expect(reopened.resumeFrom!.state).toEqual({ step: 6, seed: 1 });
    await second.load(reopened.resumeFrom!.dir);
    const r2 = await trainLoop({
      run: reopened.run,
      label: 'b',
      startStep: 6,
      totalSteps: 10,
      step: second.step,
      checkpointEvery: 4,
      save: second.save,
      signals: [],
    });
    expect(r2).toMatchObject({ step: 10, interrupted: false });
    expect(weights(second.model)).toEqual(weights(straight.model));

    // metrics.jsonl has one line per step across both sessions, and the resume point marked;
    // old checkpoints are pruned to 3.
    const lines = readFileSync(join(dirB, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => (l.event ? `${l.event}@${l.step}` : l.step))).toEqual([
      ...[1, 2, 3, 4, 5, 6, 'resume@6', 7, 8, 9, 10],
    ]);
    expect(readdirSync(join(dirB, 'checkpoints')).sort()).toEqual(['step-10', 'step-6', 'step-8']);
  });

  it('stops with a checkpoint when the time limit is reached', async () => {
    const job = makeJob();
    const dir = mkdtempSync(join(tmpdir(), 'run-t-'));
    const { run } = await RunFolder.open(dir, {});
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const r = await trainLoop({
      run,
      label: 't',
      startStep: 0,
      totalSteps: 10,
      step: job.step,
      checkpointEvery: 4,
      save: job.save,
      signals: [],
      timeLimitSeconds: 0,
    });
    stderr.mockRestore();
    expect(r).toMatchObject({ step: 1, interrupted: true });
    expect(readlinkSync(join(dir, 'latest'))).toBe(join('checkpoints', 'step-1'));
  });

  it("saves a new run's input paths absolute, so --resume works from another directory", async () => {
    const inputs = await runInputs('unused', false, [
      { flag: '--data', value: 'data/synthetic-64', key: 'data' },
      { flag: '--encoder', value: 'random', key: 'encoderRun', literals: ['random'] },
    ]);
    expect(inputs).toEqual([join(process.cwd(), 'data/synthetic-64'), 'random']);
  });

  it('refuses to overwrite a run, and to resume a folder without one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'run-c-'));
    await RunFolder.open(dir, { a: 1 });
    await expect(RunFolder.open(dir, { a: 1 })).rejects.toThrow(
      /already holds a training run; pass --resume/,
    );
    await expect(RunFolder.open(join(dir, 'nope'), {}, { resume: true })).rejects.toThrow(
      UserError,
    );
  });

  it('locks a run folder: a live holder is refused by PID, a dead one taken over', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'run-lock-'));
    const { run } = await RunFolder.open(dir, { training: { totalSteps: 2 } });
    const lock = join(dir, RUN_LOCK);
    expect(JSON.parse(readFileSync(lock, 'utf8')).pid).toBe(process.pid);
    run.release();
    expect(existsSync(lock)).toBe(false);
    // Another live process holds it: refused, naming that process.
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    const holder = { pid: child.pid, host: hostname(), since: 'then', command: 'train --out x' };
    try {
      writeFileSync(lock, JSON.stringify(holder));
      await expect(RunFolder.open(dir, {}, { resume: true })).rejects.toThrow(
        new RegExp(`in use by process ${child.pid} on .*sgdiff train --out x`),
      );
      // One from another host cannot be checked: refused too.
      writeFileSync(lock, JSON.stringify({ ...holder, host: 'elsewhere' }));
      await expect(RunFolder.open(dir, {}, { resume: true })).rejects.toThrow(
        /locked by process .* on elsewhere .*delete .*run\.lock/,
      );
    } finally {
      child.kill();
    }
    await new Promise((r) => child.once('exit', r));
    // Its process gone: taken over, with a notice.
    writeFileSync(lock, JSON.stringify(holder));
    const notices: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((m: string) => (notices.push(m), true)) as typeof write;
    try {
      const resumed = await RunFolder.open(dir, {}, { resume: true });
      expect(JSON.parse(readFileSync(lock, 'utf8')).pid).toBe(process.pid);
      resumed.run.release();
    } finally {
      process.stderr.write = write;
    }
    expect(notices.join('')).toMatch(new RegExp(`taking over the lock of .*process ${child.pid}`));
  });

  it('keeps the saved config on resume, except a new step count, which it writes back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'run-d-'));
    await RunFolder.open(dir, { lr: 1, training: { totalSteps: 5 } });
    const { run } = await RunFolder.open(dir, { lr: 2 }, { resume: true });
    expect(run.config).toEqual({ lr: 1, training: { totalSteps: 5 } });
    const longer = await RunFolder.open(
      dir,
      {},
      { resume: true, changes: { 'training.totalSteps': 9 } },
    );
    expect(longer.run.config).toEqual({ lr: 1, training: { totalSteps: 9 } });
    // A later plain --resume keeps the new schedule.
    const again = await RunFolder.open(dir, {}, { resume: true });
    expect(again.run.config).toEqual({ lr: 1, training: { totalSteps: 9 } });
    // Each change is logged in metrics.jsonl with its old and new value; an unchanged one is not.
    await RunFolder.open(
      dir,
      {},
      { resume: true, changes: { 'training.totalSteps': 9, checkpointEvery: 4 } },
    );
    const events = readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((e) => e.changed);
    expect(events.map(({ event, step, changed }) => ({ event, step, changed }))).toEqual([
      { event: 'resume', step: 0, changed: { 'training.totalSteps': [5, 9] } },
      { event: 'resume', step: 0, changed: { checkpointEvery: [null, 4] } },
    ]);
    // A flag that would change what the run is: refused, naming it; one that repeats the run's
    // own value passes.
    const fixed = (key: string, value: unknown) => ({ flag: `--${key}`, key, value });
    await expect(
      RunFolder.open(dir, {}, { resume: true, fixed: [fixed('lr', 2), fixed('preset', 'x')] }),
    ).rejects.toThrow(
      /--resume keeps the run's settings, and --lr 2 \(the run's: 1\), --preset x would change them/,
    );
    await RunFolder.open(dir, {}, { resume: true, fixed: [fixed('lr', 1)] });
  });

  it('stops on a NaN loss, naming the step, and keeps the last good checkpoint', async () => {
    const job = makeJob();
    const dir = mkdtempSync(join(tmpdir(), 'run-e-'));
    const { run } = await RunFolder.open(dir, {});
    const poisoned = async (i: number) => {
      if (i === 3) {
        // A NaN in the data poisons the loss; trainStep refuses to apply the update.
        const w = job.model.parameters().get('weight')!;
        const before = Array.from(w.dataSync());
        const x = tf.fill([8, 3], NaN);
        await expect(
          trainStep(
            job.model,
            new AdamW(job.model.parameters(), { lr: 0.1 }),
            () => tf.sum(job.model.forward(x)) as tf.Scalar,
          ),
        ).rejects.toThrow();
        expect(Array.from(w.dataSync())).toEqual(before);
        x.dispose();
        throw new NonFiniteError(3, 'loss', NaN);
      }
      return job.step(i);
    };
    await expect(
      trainLoop({
        run,
        label: 'e',
        startStep: 0,
        totalSteps: 10,
        step: poisoned,
        checkpointEvery: 2,
        save: job.save,
        signals: [],
      }),
    ).rejects.toThrow(/training diverged at step 3: .*the last good checkpoint is .*step-2/);
    expect(readlinkSync(join(dir, 'latest'))).toBe(join('checkpoints', 'step-2'));
    expect(existsSync(join(dir, 'checkpoints', 'step-4'))).toBe(false);
  });

  it('counts a jump far above the recent range as diverged, and keeps the checkpoint before it', async () => {
    const job = makeJob();
    const dir = mkdtempSync(join(tmpdir(), 'run-f-'));
    const { run } = await RunFolder.open(dir, {});
    // Step 3 reports a finite loss 1000× the others, as a run whose lr is far too high does.
    const jumpy = async (i: number) => {
      const m = await job.step(i);
      return i === 3 ? { loss: m.loss * 1000 + 1000 } : m;
    };
    const opts = { run, label: 'f', startStep: 0, totalSteps: 10, step: jumpy, save: job.save };
    await expect(trainLoop({ ...opts, checkpointEvery: 1, signals: [] })).rejects.toThrow(
      /diverged at step 3: loss .* is over 10× the largest of the last 3 steps .*the last good checkpoint is .*step-2 \(.*step-3 holds the weights that diverged\)\. Lower the learning rate \(--lr\), clip gradients, or check the data/,
    );
    // step-3's weights are those that gave the jump: `latest` goes back to step-2.
    expect(readlinkSync(join(dir, 'latest'))).toBe(join('checkpoints', 'step-2'));
    // With clipping on, the advice does not suggest it.
    const dir2 = mkdtempSync(join(tmpdir(), 'run-g-'));
    const second = await RunFolder.open(dir2, {});
    await expect(
      trainLoop({ ...opts, run: second.run, checkpointEvery: 100, signals: [], clipNorm: 1 }),
    ).rejects.toThrow(/last good checkpoint is \(none yet\)\. .*already clipped to 1\)/);
    expect(existsSync(join(dir2, 'latest'))).toBe(false);
  });

  it("divergence: not finite, or over LOSS_JUMP / GRAD_NORM_JUMP times the window's largest", () => {
    const recent = { loss: [2, 0.5, 1], gradNorm: [3, 1] };
    expect(LOSS_JUMP).toBe(10);
    expect(GRAD_NORM_JUMP).toBe(100);
    expect(divergence({ loss: 19.9, gradNorm: 299 }, recent)).toBeUndefined();
    expect(divergence({ loss: 20.1 }, recent)).toMatch(
      /loss 20.1 is over 10× .*last 3 steps \(2.00\)/,
    );
    expect(divergence({ loss: 1, gradNorm: 301 }, recent)).toMatch(
      /gradient norm 301 is over 100×/,
    );
    expect(divergence({ loss: NaN }, recent)).toBe('loss is NaN');
    expect(divergence({ loss: 1, gradNorm: Infinity }, recent)).toBe('gradient norm is Infinity');
    // No history yet: only a non-finite value counts.
    expect(divergence({ loss: 1e30 }, { loss: [], gradNorm: [] })).toBeUndefined();
  });
});
