import type { ThreadsChoice } from '@sgdiff/nn/node';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SAMPLER_NAMES, type SamplerName } from '@sgdiff/diffusion';
import { loadPipeline } from '@sgdiff/diffusion/node';
import type { BackendChoice } from '@sgdiff/nn';
import { describeBrokenRelations, findContradictions, type SceneGraph } from '@sgdiff/scene-graph';
import { Option, type Command } from 'commander';
import { UserError } from '../errors.js';
import { checkOutputFile, readGraphSource } from '../graph-input.js';
import {
  backendOption,
  threadsOption,
  nonNegativeInt,
  lateGuidance,
  nonNegativeNumber,
  positiveInt,
  startBackend,
} from '../options.js';
import { gridImage, writePng } from '../png.js';
import { createProgress } from '../training/progress.js';

export const DEFAULT_MODEL = 'models/default';

export interface SamplingFlags {
  model: string;
  seed: number;
  steps?: number;
  sampler?: SamplerName;
  guidance?: number;
  relationGuidance?: number;
  lateGuidance?: { scale: number; below: number };
  backend: BackendChoice;
  threads?: ThreadsChoice;
}

export function addSamplingOptions(cmd: Command): Command {
  return cmd
    .option('--model <dir>', 'model directory (sgdiff export)', DEFAULT_MODEL)
    .option('--seed <n>', 'noise seed', nonNegativeInt, 0)
    .option('--steps <n>', 'sampler steps (default: the model’s)', positiveInt)
    .addOption(
      new Option('--sampler <name>', 'sampler (default: the model’s)').choices(SAMPLER_NAMES),
    )
    .option(
      '--guidance <g>',
      'classifier-free guidance scale (default: the model’s)',
      nonNegativeNumber,
    )
    .option(
      '--relation-guidance <r>',
      'push the layout away from the graph with its relations inverted, with weight r (a third model call per step; default: the model’s, else 0)',
      nonNegativeNumber,
    )
    .option(
      '--late-guidance <g@t>',
      'guidance g instead at timesteps below t, the low-noise end (e.g. 4@500)',
      lateGuidance,
    )
    .addOption(backendOption())
    .addOption(threadsOption());
}

export async function openModel(flags: SamplingFlags) {
  if (!existsSync(join(flags.model, 'sgdiff.json'))) {
    throw new UserError(
      flags.model === DEFAULT_MODEL
        ? `no model at ${DEFAULT_MODEL}: train and export one (see README), or pass --model`
        : `--model ${flags.model}: no sgdiff.json there (write one with sgdiff export)`,
    );
  }
  await startBackend(flags);
  return loadPipeline(flags.model);
}

interface Flags extends SamplingFlags {
  graph?: string;
  text?: string;
  out: string;
  n: number;
  batch: number;
}

export function registerSample(program: Command): void {
  addSamplingOptions(
    program
      .command('sample')
      .description('generate images for a scene graph with a model directory')
      .option('--graph <file>', 'scene graph file (JSON or text syntax)')
      .option('--text <graph>', 'scene graph in the text syntax')
      .requiredOption('--out <file.png>', 'output PNG')
      .option(
        '--n <k>',
        'images to draw (seeds seed … seed+k−1); k > 1 also writes a grid',
        positiveInt,
        1,
      )
      .option('--batch <b>', 'images generated together (faster; same images)', positiveInt, 8),
  ).action(async (flags: Flags) => {
    if (!flags.graph === !flags.text)
      throw new UserError('give exactly one of --graph FILE or --text "…"');
    const source = flags.text ?? readGraphSource(flags.graph!);
    checkOutputFile(flags.out);
    const pipe = await openModel(flags);
    const graph = pipe.parseGraph(source);
    // Relations that cannot all hold are drawn anyway; say which, before the work and after.
    for (const w of findContradictions(graph)) console.error(`warning: ${w.path}: ${w.message}`);
    const steps = flags.steps ?? pipe.manifest.defaults.steps;
    const progress = createProgress('sample', flags.n * steps);
    const images = [];
    const layouts: SceneGraph[] = [];
    // Images are drawn `--batch` at a time; image k still starts from seed + k alone, so the
    // batch size changes the speed, not the pictures.
    for (let k0 = 0; k0 < flags.n; k0 += flags.batch) {
      const b = Math.min(flags.batch, flags.n - k0);
      const r = await pipe.generate(Array<SceneGraph>(b).fill(graph), {
        seed: flags.seed + k0,
        steps,
        sampler: flags.sampler,
        guidance: flags.guidance,
        relationGuidance: flags.relationGuidance,
        lateGuidance: flags.lateGuidance,
        onStep: (s) => progress.update(k0 * steps + b * (s.i + 1)),
      });
      images.push(...r.images);
      if (r.layouts) layouts.push(...r.layouts);
    }
    progress.stop();
    const base = flags.out.replace(/\.png$/i, '');
    const paths: string[] = [];
    images.forEach((img, k) => {
      const path = flags.n === 1 ? flags.out : `${base}-${k + 1}.png`;
      writePng(path, img.rgba, img.width, img.height);
      paths.push(path);
      // A model with layout input drew the image in these boxes: keep them beside it.
      if (layouts[k]) {
        for (const line of describeBrokenRelations(layouts[k]))
          console.error(`warning: ${path}: its layout could not satisfy ${line}`);
        const json = path.replace(/\.png$/i, '') + '.layout.json';
        writeFileSync(json, JSON.stringify(layouts[k], null, 2) + '\n');
        paths.push(json);
      }
    });
    if (flags.n > 1) {
      const grid = gridImage(images);
      writePng(`${base}-grid.png`, grid.rgba, grid.width, grid.height);
      paths.push(`${base}-grid.png`);
    }
    for (const p of paths) console.log(p);
    pipe.dispose();
  });
}
