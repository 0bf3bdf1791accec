import { cp, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  loadCheckpointInto,
  saveCheckpoint,
  writeDirAtomically,
  type WeightSource,
} from '@sgdiff/nn/node';
import {
  SGDiffPipeline,
  type LoadPipelineOptions,
  type ModelSource,
} from '../pipeline/pipeline.js';
import { MODEL_MANIFEST, type ModelManifest } from '../pipeline/manifest.js';

/** Reads a model directory from disk (paths or file: URLs). */
export function fsModelSource(): ModelSource {
  return {
    async readJson(path) {
      return JSON.parse(await readFile(path, 'utf8'));
    },
    async loadInto(module, path, onProgress) {
      await loadCheckpointInto(module, path, { onProgress });
    },
  };
}

/** `SGDiffPipeline.load` for a folder on disk, or a URL (http: is fetched). */
export function loadPipeline(
  dirOrUrl: string,
  options: LoadPipelineOptions = {},
): Promise<SGDiffPipeline> {
  const isUrl = /^https?:\/\//.test(dirOrUrl);
  return SGDiffPipeline.load(dirOrUrl, {
    ...options,
    source: options.source ?? (isUrl ? undefined : fsModelSource()),
  });
}

/**
 * Writes a model directory atomically: sgdiff.json plus one checkpoint per part. The weights
 * come from any WeightSource (a module, or an EMA's averaged weights). Files already in `out`
 * that are not part of a model (a TRAINING.md, a README) are carried into the new folder.
 */
export async function writeModelDirectory(
  out: string,
  manifest: ModelManifest,
  weights: { encoder: WeightSource; autoencoder: WeightSource; unet: WeightSource },
  { float16 = false }: { float16?: boolean } = {},
): Promise<void> {
  const parts = ['encoder', 'autoencoder', 'unet'] as const;
  const written = new Set<string>([MODEL_MANIFEST, ...parts.map((p) => manifest.parts[p].path)]);
  await writeDirAtomically(out, async (tmp) => {
    for (const part of parts) {
      await saveCheckpoint(
        join(tmp, manifest.parts[part].path),
        weights[part],
        { kind: part, config: manifest.parts[part].config },
        { float16 },
      );
    }
    await writeFile(join(tmp, MODEL_MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
    const old = await readdir(out).catch(() => [] as string[]);
    const previous = await readJsonOr(join(out, MODEL_MANIFEST));
    // The old model's own part folders go, even where the new one names its parts differently.
    for (const p of Object.values(previous?.parts ?? {}))
      if (typeof p?.path === 'string') written.add(p.path);
    for (const name of old)
      if (!written.has(name)) await cp(join(out, name), join(tmp, name), { recursive: true });
  });
}

async function readJsonOr(path: string): Promise<Partial<ModelManifest> | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Partial<ModelManifest>;
  } catch {
    return undefined;
  }
}
