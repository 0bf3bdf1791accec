import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MODEL_MANIFEST, parseModelManifest, type ModelManifest } from '@sgdiff/diffusion';
import type { Module } from '@sgdiff/nn';
import { CheckpointError } from '@sgdiff/nn';
import { loadCheckpoint } from '@sgdiff/nn/node';
import { UserError } from './errors.js';
import { RunFolder } from './training/run-folder.js';

/** Reads a checkpoint folder; a missing, corrupt or mismatched one is a `UserError` naming `what`. */
export async function readCheckpoint(
  dir: string,
  what: string,
): Promise<Awaited<ReturnType<typeof loadCheckpoint>>> {
  try {
    return await loadCheckpoint(dir);
  } catch (e) {
    if (e instanceof CheckpointError) throw new UserError(`${what}: ${e.message}`);
    throw new UserError(`${what}: cannot read ${dir} (${(e as Error).message})`);
  }
}

/**
 * Builds a module from a checkpoint's saved config and loads its weights: `build` gets
 * `meta.config`. `what` names the part in errors ("encoder of run X").
 */
export async function loadModuleFromCheckpoint<M extends Module, C>(
  dir: string,
  build: (config: C) => M,
  what: string,
): Promise<{ module: M; meta: Record<string, unknown> }> {
  const ckpt = await readCheckpoint(dir, what);
  try {
    const config = ckpt.meta.config as C | undefined;
    if (!config) throw new UserError(`${what}: ${dir} has no saved config`);
    const module = build(config);
    try {
      module.loadWeights(ckpt.weights);
    } catch (e) {
      module.dispose();
      throw new UserError(`${what}: ${dir} does not fit its own config (${(e as Error).message})`);
    }
    return { module, meta: ckpt.meta };
  } finally {
    ckpt.dispose();
  }
}

/** The newest checkpoint folder of a training run, or a clear error. */
export async function latestCheckpointOf(runDir: string, what: string): Promise<string> {
  let latest;
  try {
    ({ latest } = await RunFolder.existing(runDir));
  } catch (e) {
    throw new UserError(`${what}: ${(e as Error).message}`);
  }
  if (!latest) throw new UserError(`${what}: ${runDir} has no checkpoint yet`);
  return latest.dir;
}

/**
 * Where a frozen part (`encoder` or `autoencoder`) comes from: the latest checkpoint of a training
 * run, or a model directory (sgdiff.json), whose part folders have the same layout. The result is a
 * folder holding `<part>/`.
 */
export async function frozenPartSource(
  dir: string,
  part: 'encoder' | 'autoencoder',
  what: string,
): Promise<string> {
  const manifest = await readModelManifest(dir, what);
  if (!manifest) return latestCheckpointOf(dir, what);
  checkPartFolder(dir, manifest, part, what);
  return dir;
}

/** A model directory's parsed sgdiff.json, or undefined where the folder has none. */
export async function readModelManifest(
  dir: string,
  what: string,
): Promise<ModelManifest | undefined> {
  const manifestPath = join(dir, MODEL_MANIFEST);
  if (!existsSync(manifestPath)) return undefined;
  try {
    return parseModelManifest(JSON.parse(await readFile(manifestPath, 'utf8')), manifestPath);
  } catch (e) {
    throw new UserError(`${what}: ${(e as Error).message}`);
  }
}

/** Only the standard layout is read: `<dir>/<part>/`. */
export function checkPartFolder(
  dir: string,
  manifest: ModelManifest,
  part: keyof ModelManifest['parts'],
  what: string,
): void {
  const entry = manifest.parts[part];
  if (!entry) throw new UserError(`${what}: model directory ${dir} has no ${part} part`);
  if (entry.path !== part)
    throw new UserError(
      `${what}: model directory ${dir} keeps its ${part} in "${entry.path}"; only "${part}" is supported`,
    );
}

export function partDir(checkpoint: string, part: string): string {
  return join(checkpoint, part);
}
