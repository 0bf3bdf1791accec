import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tf } from '@sgdiff/nn';
import { EvalError } from '../errors.js';
import {
  InceptionExtractor,
  type InceptionLikeModel,
  type InceptionOptions,
} from '../features/inception.js';

/** The subset of @tensorflow/tfjs-converter used here (an optional package, imported lazily). */
interface ConverterModule {
  loadGraphModel(handler: unknown): Promise<{
    outputs: { name: string }[];
    execute(x: tf.Tensor, outputs?: string[]): tf.Tensor | tf.Tensor[];
    dispose(): void;
  }>;
}

export interface InceptionPathOptions extends InceptionOptions {
  /** Output node names of the pool features and the logits; default: the model's outputs, the 2048-wide one is pool. */
  outputs?: { pool: string; logits?: string };
}

/**
 * Loads an InceptionV3 tfjs graph model (converted as packages/eval/README.md describes) from a
 * folder holding model.json and its weight files. UNTESTED against real weights here: none can be
 * downloaded on these machines. Needs the optional package @tensorflow/tfjs-converter.
 */
export async function loadInceptionFromPath(
  dir: string,
  options: InceptionPathOptions = {},
): Promise<InceptionExtractor> {
  if (!existsSync(dir))
    throw new EvalError(
      `--inception ${dir}: no such folder (convert the pytorch-fid InceptionV3 weights as packages/eval/README.md describes)`,
    );
  if (!statSync(dir).isDirectory() || !existsSync(join(dir, 'model.json'))) {
    throw new EvalError(
      `--inception ${dir}: no model.json in it; expected a tfjs graph model folder (see packages/eval/README.md)`,
    );
  }
  let converter: ConverterModule;
  try {
    const name = '@tensorflow/tfjs-converter';
    converter = (await import(name)) as ConverterModule;
  } catch {
    throw new EvalError(
      `--inception needs the optional package @tensorflow/tfjs-converter (npm i @tensorflow/tfjs-converter@4.22.0)`,
    );
  }
  const modelJson = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
  const specs = (modelJson.weightsManifest ?? []).flatMap((g: { weights: unknown[] }) => g.weights);
  const buffers = [];
  for (const group of modelJson.weightsManifest ?? [])
    for (const p of group.paths as string[]) buffers.push(await readFile(join(dir, p)));
  const weightData = Buffer.concat(buffers);
  const handler = tf.io.fromMemory({
    modelTopology: modelJson.modelTopology,
    weightSpecs: specs,
    weightData: weightData.buffer.slice(
      weightData.byteOffset,
      weightData.byteOffset + weightData.byteLength,
    ),
    format: modelJson.format,
    generatedBy: modelJson.generatedBy,
    convertedBy: modelJson.convertedBy,
    signature: modelJson.signature,
    userDefinedMetadata: modelJson.userDefinedMetadata,
  });
  const graph = await converter.loadGraphModel(handler);
  const names = options.outputs ?? { pool: graph.outputs[0].name, logits: graph.outputs[1]?.name };
  const model: InceptionLikeModel = {
    predict(x) {
      const wanted = names.logits ? [names.pool, names.logits] : [names.pool];
      const out = graph.execute(x, wanted);
      const list = Array.isArray(out) ? out : [out];
      // Without explicit names, the 2048-wide output is pool3.
      if (!options.outputs && list.length === 2 && list[1].shape[list[1].shape.length - 1] === 2048)
        list.reverse();
      return { pool: list[0], logits: list[1] };
    },
    dispose: () => graph.dispose(),
  };
  return new InceptionExtractor(model, options);
}
