import {
  appendFile,
  mkdir,
  readFile,
  readdir,
  readlink,
  rename,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { readFileSync, unlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { writeDirAtomically } from '@sgdiff/nn/node';
import { UserError } from '../errors.js';

/** A path a command records in its run config, e.g. `--data` as `data`. */
export interface RunInput {
  flag: string;
  value: string | undefined;
  key: string;
  /** Values that are not paths (e.g. `--encoder random`): kept as they are. */
  literals?: string[];
}

/**
 * The input paths of a run, in order: the flags of a new run, which must all be given (made
 * absolute, so that `--resume` works from any directory); or, with `resume`, those saved in
 * `out`'s config, which a flag that is given must match.
 */
export async function runInputs(
  out: string,
  resume: boolean | undefined,
  inputs: RunInput[],
): Promise<string[]> {
  if (!resume) {
    const missing = inputs.filter((i) => i.value === undefined).map((i) => i.flag);
    if (missing.length)
      throw new UserError(
        `missing ${missing.join(', ')} (needed to start a run; --resume reads them from the run)`,
      );
    return inputs.map((i) => (i.literals?.includes(i.value!) ? i.value! : resolve(i.value!)));
  }
  const saved = await savedConfig(out);
  return inputs.map(({ flag, value, key }) => {
    const path = saved[key];
    if (typeof path !== 'string')
      throw new UserError(`${join(out, 'config.json')} records no "${key}" to resume with`);
    if (value !== undefined && resolve(value) !== resolve(path))
      throw new UserError(
        `${flag} ${value}: the run in ${out} was started with ${path}, and a resumed run keeps its inputs (leave ${flag} out)`,
      );
    return path;
  });
}

/** The config of the run in `dir`, for --resume. */
async function savedConfig(dir: string): Promise<Record<string, unknown>> {
  const configPath = join(dir, 'config.json');
  if (!(await exists(configPath)))
    throw new UserError(`--resume: ${dir} holds no training run (no config.json)`);
  return JSON.parse(await readFile(configPath, 'utf8')) as Record<string, unknown>;
}

/**
 * What a training checkpoint needs besides weights to continue exactly. Per-step randomness is
 * derived from (seed, step), so no generator state has to be saved.
 */
export interface RunState {
  step: number;
  seed: number;
  /** The data loader's position, opaque to the run folder. */
  data?: unknown;
  [key: string]: unknown;
}

export const STATE_JSON = 'state.json';

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** The lock file of a run folder in use: who holds it. */
export const RUN_LOCK = 'run.lock';

interface LockHolder {
  pid: number;
  host: string;
  since: string;
  command: string;
}

function readHolder(path: string): LockHolder | undefined {
  try {
    const h = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockHolder>;
    return typeof h.pid === 'number' && typeof h.host === 'string' ? (h as LockHolder) : undefined;
  } catch {
    return undefined; // gone, or half-written by a process that died
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // alive, another user's
  }
}

/** Locks this process holds, released on exit (and by `RunFolder.release`). */
const held = new Set<string>();
/** Removes the lock at `path` if this process holds it. */
function unlinkIfMine(path: string): void {
  try {
    if (readHolder(path)?.pid === process.pid) unlinkSync(path);
  } catch {
    // already gone
  }
}
process.on('exit', () => held.forEach(unlinkIfMine));

/**
 * Takes `dir`'s run lock (`run.lock`: pid, host, start, command) with an exclusive create, so two
 * trainings never write one folder. A live holder on this host is refused by PID; a lock whose
 * process is gone is taken over with a notice; one from another host is refused (its process
 * cannot be checked from here). This process's own lock (an earlier in-process command) is reused.
 */
export async function lockRunFolder(dir: string): Promise<void> {
  const path = join(dir, RUN_LOCK);
  const me: LockHolder = {
    pid: process.pid,
    host: hostname(),
    since: new Date().toISOString(),
    command: process.argv.slice(2).join(' '),
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await writeFile(path, JSON.stringify(me) + '\n', { flag: 'wx' });
      held.add(path);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = readHolder(path);
    if (holder && holder.pid !== process.pid) {
      const what = `process ${holder.pid} on ${holder.host} (since ${holder.since}${holder.command ? `: sgdiff ${holder.command}` : ''})`;
      if (holder.host !== me.host)
        throw new UserError(`${dir} is locked by ${what}; if that run is over, delete ${path}`);
      if (processAlive(holder.pid))
        throw new UserError(
          `${dir} is in use by ${what}; wait for it to finish or stop it (if it is not an sgdiff run, delete ${path})`,
        );
      process.stderr.write(`taking over the lock of ${dir}: ${what} is gone\n`);
    }
    await rm(path, { force: true });
  }
  throw new UserError(
    `${dir}: could not take the run lock ${path} (another run is starting there?)`,
  );
}

/**
 * A training run folder (docs/architecture.md): config.json, metrics.jsonl, checkpoints/step-N/
 * (module checkpoints, optimizer/, state.json) and `latest`, a link to the newest complete one.
 */
export class RunFolder {
  private constructor(
    readonly dir: string,
    readonly config: Record<string, unknown>,
  ) {}

  /**
   * Starts a run in `dir` (which must not hold one) or, with `resume`, reopens it: the saved
   * config wins over `config`, except for `changes` (config paths such as `training.lr` that a
   * resumed run may change: its `--steps`, `--lr`, `--checkpoint-every`), which are written back,
   * so a later plain `--resume` keeps them, and logged in metrics.jsonl. `fixed` are other flags
   * given: each must repeat the run's value of that name, else the resume is refused with the
   * list (a flag the config does not hold by its name cannot be checked, and is refused too).
   */
  static async open(
    dir: string,
    config: object,
    {
      resume = false,
      changes = {},
      fixed = [],
    }: { resume?: boolean } & Partial<ResumeRequest> = {},
  ): Promise<{ run: RunFolder; resumeFrom?: { dir: string; state: RunState } }> {
    const configPath = join(dir, 'config.json');
    if (resume) {
      const saved = await savedConfig(dir);
      const refused = fixed
        .filter(({ key, value }) => JSON.stringify(saved[key]) !== JSON.stringify(value))
        .map(({ flag, key, value }) =>
          key in saved
            ? `${flag} ${String(value)} (the run's: ${JSON.stringify(saved[key])})`
            : `${flag} ${String(value)}`,
        );
      if (refused.length)
        throw new UserError(
          `--resume keeps the run's settings, and ${refused.join(', ')} would change them (see ${configPath}); leave ${refused.length > 1 ? 'them' : 'it'} out, or start a new run in another --out`,
        );
      await lockRunFolder(dir);
      const changed: Record<string, [unknown, unknown]> = {};
      for (const [path, value] of Object.entries(changes)) {
        const keys = path.split('.');
        let node = saved;
        for (const k of keys.slice(0, -1)) {
          if (typeof node[k] !== 'object' || node[k] === null)
            throw new UserError(`${configPath} has no "${k}" section to set ${path} in`);
          node = node[k] as Record<string, unknown>;
        }
        const last = keys[keys.length - 1];
        if (node[last] !== value) changed[path] = [node[last] ?? null, value];
        node[last] = value;
      }
      if (Object.keys(changed).length) {
        await writeFile(`${configPath}.tmp`, JSON.stringify(saved, null, 2) + '\n');
        await rename(`${configPath}.tmp`, configPath);
      }
      const run = new RunFolder(dir, saved);
      await run.removeLeftovers();
      const latest = await run.latest();
      if (!latest)
        process.stderr.write(`--resume: ${dir} has no checkpoint yet; starting from step 0\n`);
      // Marks where this session starts: rows after it with the same steps as rows before it
      // are the re-run of steps past the checkpoint.
      const hasChanges = Object.keys(changed).length > 0;
      await run.appendMetrics({
        event: 'resume',
        step: latest?.state.step ?? 0,
        ...(hasChanges ? { changed } : {}),
      });
      if (hasChanges) {
        const list = Object.entries(changed).map(
          ([k, [a, b]]) => `${k} ${String(a)} → ${String(b)}`,
        );
        process.stderr.write(`resuming with ${list.join(', ')}\n`);
      }
      return { run, resumeFrom: latest };
    }
    if (await exists(configPath)) {
      throw new UserError(
        `${dir} already holds a training run; pass --resume to continue it, or choose another --out`,
      );
    }
    await mkdir(join(dir, 'checkpoints'), { recursive: true });
    await lockRunFolder(dir);
    // Another run may have started here between the check above and the lock.
    if (await exists(configPath)) {
      RunFolder.releaseLock(dir);
      throw new UserError(`${dir} already holds a training run (it started just now)`);
    }
    await writeFile(configPath, JSON.stringify(config, null, 2) + '\n');
    return { run: new RunFolder(dir, { ...config }) };
  }

  /** Opens an existing run read-only (to take its checkpoints elsewhere). */
  static async existing(
    dir: string,
  ): Promise<{ run: RunFolder; latest?: { dir: string; state: RunState } }> {
    let config: Record<string, unknown>;
    try {
      config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as Record<
        string,
        unknown
      >;
    } catch {
      throw new UserError(`${dir} holds no training run (no readable config.json)`);
    }
    const run = new RunFolder(dir, config);
    return { run, latest: await run.latest() };
  }

  /**
   * Removes what an interrupted checkpoint write left (`checkpoints/.step-N.tmp-*`, `.old-*`, a
   * `.latest-PID` link). Only with the run lock held: no other process writes here.
   */
  async removeLeftovers(): Promise<void> {
    const ckpts = join(this.dir, 'checkpoints');
    const stale = [
      ...(await readdir(ckpts).catch(() => [] as string[]))
        .filter((n) => /^\.step-\d+\.(tmp|old)-/.test(n))
        .map((n) => join(ckpts, n)),
      ...(await readdir(this.dir))
        .filter((n) => /^\.latest-\d+$/.test(n))
        .map((n) => join(this.dir, n)),
    ];
    for (const path of stale) await rm(path, { recursive: true, force: true });
    if (stale.length)
      process.stderr.write(
        `removed ${stale.length} leftover(s) of an interrupted checkpoint write in ${this.dir}\n`,
      );
  }

  /** The run's checkpoint interval, where it saved one (runs from before it did not). */
  get checkpointEvery(): number | undefined {
    const k = this.config.checkpointEvery;
    return typeof k === 'number' ? k : undefined;
  }

  /** Gives up this folder's run lock (also done when the process exits). */
  release(): void {
    RunFolder.releaseLock(this.dir);
  }

  private static releaseLock(dir: string): void {
    const path = join(dir, RUN_LOCK);
    if (held.delete(path)) unlinkIfMine(path);
  }

  async appendMetrics(record: Record<string, unknown>): Promise<void> {
    await appendFile(
      join(this.dir, 'metrics.jsonl'),
      JSON.stringify({ time: new Date().toISOString(), ...record }) + '\n',
    );
  }

  /** The newest complete checkpoint, if any. */
  async latest(): Promise<{ dir: string; state: RunState } | undefined> {
    let target: string;
    try {
      target = await readlink(join(this.dir, 'latest'));
    } catch {
      return undefined;
    }
    const dir = join(this.dir, target);
    let state: RunState;
    try {
      state = JSON.parse(await readFile(join(dir, STATE_JSON), 'utf8')) as RunState;
    } catch (e) {
      throw new UserError(
        `${dir}: checkpoint has no readable ${STATE_JSON} (${(e as Error).message})`,
      );
    }
    if (!Number.isSafeInteger(state.step) || state.step < 0) {
      throw new UserError(`${join(dir, STATE_JSON)}: "step" must be a non-negative integer`);
    }
    return { dir, state };
  }

  /** Points `latest` at checkpoint folder `dir` (atomically), or removes it where `dir` is undefined. */
  async pointLatestAt(dir: string | undefined): Promise<void> {
    if (dir === undefined) {
      await rm(join(this.dir, 'latest'), { force: true });
      return;
    }
    const tmpLink = join(this.dir, `.latest-${process.pid}`);
    await rm(tmpLink, { force: true });
    await symlink(join('checkpoints', basename(dir)), tmpLink);
    await rename(tmpLink, join(this.dir, 'latest'));
  }

  /**
   * Writes checkpoints/step-N atomically (`write` fills a temporary folder and returns the run
   * state, which goes in last as state.json), then points `latest` at it, then keeps only the
   * newest `keep` checkpoints.
   */
  async saveCheckpoint(
    step: number,
    write: (dir: string) => Promise<RunState>,
    { keep = 3 } = {},
  ): Promise<string> {
    const name = `step-${step}`;
    const target = join(this.dir, 'checkpoints', name);
    await writeDirAtomically(target, async (tmp) => {
      const state = await write(tmp);
      if (state.step !== step)
        throw new Error(`checkpoint state says step ${state.step}, saving step ${step}`);
      await writeFile(join(tmp, STATE_JSON), JSON.stringify(state, null, 2) + '\n');
    });
    await this.pointLatestAt(target);
    const steps = (await readdir(join(this.dir, 'checkpoints')))
      .map((n) => /^step-(\d+)$/.exec(n))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => b - a);
    for (const old of steps.slice(Math.max(keep, 1))) {
      if (old !== step)
        await rm(join(this.dir, 'checkpoints', `step-${old}`), { recursive: true, force: true });
    }
    return target;
  }
}

/** What a resumed run does with the flags given on its command line (see `resumeRequest`). */
export interface ResumeRequest {
  /** Config paths to set, e.g. `training.lr`. */
  changes: Record<string, unknown>;
  /** Other flags given: each must equal the run's own top-level config value of that name. */
  fixed: Array<{ flag: string; key: string; value: unknown }>;
}

/**
 * `RunFolder.open` for a command's run from its flags (`--resume`, `--steps`), with the config in
 * force (the saved one on resume) parsed by `parse`, which names the file when it is broken.
 */
export async function openCommandRun<T>(
  out: string,
  fresh: T & object,
  flags: { resume?: boolean; checkpointEvery: number },
  request: ResumeRequest,
  parse: (config: unknown, where: string) => T,
): Promise<{ run: RunFolder; resumeFrom?: { dir: string; state: RunState }; cfg: T }> {
  const config = { ...fresh, checkpointEvery: flags.checkpointEvery };
  const { run, resumeFrom } = await RunFolder.open(out, config, {
    resume: flags.resume,
    ...request,
  });
  return { run, resumeFrom, cfg: parse(run.config, join(out, 'config.json')) };
}

/** A training config's defaults with the `--steps`/`--lr` a user gave (absent ones are not set). */
export function withStepsAndLr<T extends { totalSteps: number; lr: number }>(
  defaults: T,
  flags: { steps?: number; lr?: number },
): T {
  return {
    ...defaults,
    ...(flags.steps ? { totalSteps: flags.steps } : {}),
    ...(flags.lr ? { lr: flags.lr } : {}),
  };
}
