import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import {
  SceneGraphError,
  asciiLayout,
  formatSceneGraphText,
  inferLayout,
  svgLayout,
} from '@sgdiff/scene-graph';
import type { Command } from 'commander';
import { UserError } from '../errors.js';
import { readGraphFile } from '../graph-input.js';
import { loadVocabulary } from '../vocab.js';
import { nonNegativeInt } from '../options.js';
import { writePng } from '../png.js';
import { DEFAULT_MODEL, openModel } from './sample.js';

interface ShowOptions {
  vocab: string;
  out: string;
  svg: boolean;
  /** A model directory, or false (`--no-model`). */
  model: string | false;
  seed: number;
}

const GRAPH_EXTENSIONS = new Set(['.json', '.txt', '.sg']);

/** Files named directly, plus the graph files inside any folder named. */
function expandInputs(inputs: string[]): string[] {
  return inputs.flatMap((p) => {
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new UserError(`${p}: no such file or folder`);
    }
    if (!st.isDirectory()) return [p];
    return readdirSync(p)
      .filter((f) => GRAPH_EXTENSIONS.has(extname(f)))
      .sort()
      .map((f) => join(p, f));
  });
}

export function registerShow(program: Command): void {
  program
    .command('show')
    .description('validate scene graphs and draw their layouts (ASCII in the terminal, SVG files)')
    .argument('<paths...>', 'scene graph files or folders of them (.json, .txt, .sg)')
    .option(
      '--vocab <name|path>',
      'synthetic, coco, or a vocabulary/manifest JSON path',
      'synthetic',
    )
    .option('--out <dir>', 'where SVG layouts are written', 'out')
    .option('--no-svg', 'do not write SVG files')
    .option(
      '--model <dir>',
      'also generate a PNG per graph with this model directory, when it exists',
      DEFAULT_MODEL,
    )
    .option('--no-model', 'do not generate images')
    .option('--seed <n>', 'noise seed for generated images', nonNegativeInt, 0)
    .action(async (paths: string[], opts: ShowOptions) => {
      const pipe =
        opts.model && existsSync(join(opts.model, 'sgdiff.json'))
          ? await openModel({ model: opts.model, seed: opts.seed, backend: 'auto' })
          : undefined;
      const vocab = pipe?.vocab ?? loadVocabulary(opts.vocab);
      const files = expandInputs(paths);
      if (!files.length)
        throw new UserError(`no scene graph files (.json, .txt, .sg) in ${paths.join(', ')}`);
      let failures = 0;
      for (const file of files) {
        console.log(`\n== ${file}`);
        try {
          const graph = readGraphFile(file, vocab);
          console.log(formatSceneGraphText(graph, { separator: '\n' }));
          const inferred = graph.objects.some((o) => !o.box);
          // A model with layout input draws the image in the boxes it draws for this seed: show those.
          const drawn = pipe?.denoiser.layoutMap !== undefined;
          const laidOut = drawn ? pipe!.layoutGraphs([graph], opts.seed)[0] : inferLayout(graph);
          console.log(asciiLayout(laidOut));
          if (inferred)
            console.log(
              drawn
                ? "(boxes not given in the graph were drawn from its relations by the model's layout sampler; the image is drawn in them)"
                : '(boxes not given in the graph were inferred from its relations)',
            );
          if (opts.svg) {
            mkdirSync(opts.out, { recursive: true });
            const target = join(opts.out, `${basename(file, extname(file))}.svg`);
            writeFileSync(target, svgLayout(laidOut));
            console.log(`layout: ${target}`);
          }
          if (pipe) {
            // The layout shown, drawn once: generate keeps boxes the graph gives.
            const image = (await pipe.generate(drawn ? laidOut : graph, { seed: opts.seed }))
              .images[0];
            const png = join(opts.out, `${basename(file, extname(file))}.png`);
            writePng(png, image.rgba, image.width, image.height);
            console.log(`image: ${png}`);
          }
        } catch (e) {
          if (!(e instanceof SceneGraphError)) throw e;
          failures++;
          console.log(`✗ ${e.issues.length} problem(s):`);
          for (const i of e.issues) console.log(`  ${i.path ? `${i.path}: ` : ''}${i.message}`);
        }
      }
      console.log(`\n${files.length - failures}/${files.length} scene graphs valid`);
      if (!pipe && opts.model)
        console.log(`(no model at ${opts.model}: layouts only; see the README to train one)`);
      pipe?.dispose();
      process.exitCode = failures ? 1 : 0;
    });
}
