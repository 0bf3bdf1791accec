import { readFile, writeFile } from 'node:fs/promises';
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
 * come from any WeightSource (a module, or an EMA's averaged weights).
 */
export async function writeModelDirectory(
  out: string,
  manifest: ModelManifest,
  weights: { encoder: WeightSource; autoencoder: WeightSource; unet: WeightSource },
): Promise<void> {
  await writeDirAtomically(out, async (tmp) => {
    for (const part of ['encoder', 'autoencoder', 'unet'] as const) {
      await saveCheckpoint(join(tmp, manifest.parts[part].path), weights[part], {
        kind: part,
        config: manifest.parts[part].config,
      });
    }
    await writeFile(join(tmp, MODEL_MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
  });
}
