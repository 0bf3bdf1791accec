import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { readGraphSource } from '../graph-input.js';
import { join } from 'node:path';
import {
  addObject,
  addRelation,
  changePredicate,
  moveBox,
  relabelObject,
  removeObject,
  removeRelation,
  type EditResult,
  type SceneGraph,
} from '@sgdiff/scene-graph';
import type { Command } from 'commander';
import { z } from 'zod';
import { UserError } from '../errors.js';
import { diffImage, readPng, writePng } from '../png.js';
import { addSamplingOptions, openModel, type SamplingFlags } from './sample.js';

const Box = z.tuple([z.number(), z.number(), z.number(), z.number()]);
/** One step of an `--edits` file: a JSON array of these, applied in order. */
const EditSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('relabel'), id: z.string(), label: z.string() }),
  z.object({ op: z.literal('remove'), id: z.string() }),
  z.object({ op: z.literal('add-object'), id: z.string(), label: z.string(), box: Box.optional() }),
  z.object({
    op: z.literal('add-relation'),
    subject: z.string(),
    predicate: z.string(),
    object: z.string(),
  }),
  z.object({ op: z.literal('remove-relation'), index: z.number().int().nonnegative() }),
  z.object({
    op: z.literal('predicate'),
    index: z.number().int().nonnegative(),
    predicate: z.string(),
  }),
  z.object({ op: z.literal('move'), id: z.string(), box: Box }),
]);
export type EditOp = z.infer<typeof EditSchema>;

interface Flags extends SamplingFlags {
  graph: string;
  edits?: string;
  relabel?: string[];
  predicate?: string[];
  remove?: string[];
  image?: string;
  out: string;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** `--relabel ID=LABEL`, `--predicate ID:IDX=PRED` (IDX: the relation's index), `--remove ID`. */
export function flagsToEdits(
  flags: Pick<Flags, 'relabel' | 'predicate' | 'remove'>,
  graph: SceneGraph,
): EditOp[] {
  const ops: EditOp[] = [];
  for (const r of flags.relabel ?? []) {
    const m = /^([^=]+)=(.+)$/.exec(r);
    if (!m) throw new UserError(`--relabel ${r}: expected ID=LABEL`);
    ops.push({ op: 'relabel', id: m[1], label: m[2] });
  }
  for (const p of flags.predicate ?? []) {
    const m = /^([^:]+):(\d+)=(.+)$/.exec(p);
    if (!m)
      throw new UserError(
        `--predicate ${p}: expected ID:IDX=PREDICATE (IDX is the relation's index)`,
      );
    const index = Number(m[2]);
    const rel = graph.relations[index];
    if (!rel) throw new UserError(`--predicate ${p}: the graph has no relation ${index}`);
    if (rel.subject !== m[1])
      throw new UserError(
        `--predicate ${p}: relation ${index}'s subject is "${rel.subject}", not "${m[1]}"`,
      );
    ops.push({ op: 'predicate', index, predicate: m[3] });
  }
  for (const id of flags.remove ?? []) ops.push({ op: 'remove', id });
  return ops;
}

export function applyEdits(graph: SceneGraph, ops: EditOp[]): EditResult {
  let g = graph;
  const touched = new Set<string>();
  for (const op of ops) {
    let r: EditResult;
    switch (op.op) {
      case 'relabel':
        r = relabelObject(g, op.id, op.label);
        break;
      case 'remove':
        r = removeObject(g, op.id);
        break;
      case 'add-object':
        r = addObject(g, { id: op.id, label: op.label, ...(op.box ? { box: op.box } : {}) });
        break;
      case 'add-relation':
        r = addRelation(g, { subject: op.subject, predicate: op.predicate, object: op.object });
        break;
      case 'remove-relation':
        r = removeRelation(g, op.index);
        break;
      case 'predicate':
        r = changePredicate(g, op.index, op.predicate);
        break;
      case 'move':
        r = moveBox(g, op.id, op.box);
        break;
    }
    g = r.graph;
    r.touched.forEach((t) => touched.add(t));
  }
  return { graph: g, touched: [...touched] };
}

function readEditsFile(path: string): EditOp[] {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UserError(`--edits ${path}: cannot read it as JSON (${(e as Error).message})`);
  }
  const r = z.array(EditSchema).safeParse(json);
  if (!r.success) {
    throw new UserError(
      `--edits ${path}: ${r.error.issues.map((i) => `[${i.path.join('.')}] ${i.message}`).join('; ')}`,
    );
  }
  return r.data;
}

export function registerEdit(program: Command): void {
  addSamplingOptions(
    program
      .command('edit')
      .description(
        'semantic manipulation: edit a graph and regenerate with the same seed (before/after/diff PNGs)',
      )
      .requiredOption('--graph <file>', 'scene graph file (JSON or text syntax)')
      .option(
        '--edits <file.json>',
        'JSON array of edits: {op: relabel|remove|add-object|add-relation|remove-relation|predicate|move, ...}',
      )
      .option('--relabel <id=label>', 'relabel an object (repeatable)', collect)
      .option(
        '--predicate <id:idx=pred>',
        'change relation IDX (whose subject is ID) to PRED (repeatable)',
        collect,
      )
      .option('--remove <id>', 'remove an object and its relations (repeatable)', collect)
      .option(
        '--image <file.png>',
        'edit this image (DDIM-inverted under --graph) instead of a seeded draw',
      )
      .requiredOption('--out <dir>', 'folder for before.png, after.png, diff.png'),
  ).action(async (flags: Flags) => {
    const source = readGraphSource(flags.graph);
    if (existsSync(flags.out) && !statSync(flags.out).isDirectory())
      throw new UserError(`--out ${flags.out}: is a file; edit writes a folder of images`);
    const pipe = await openModel(flags);
    const graph = pipe.parseGraph(source);
    const ops = [...(flags.edits ? readEditsFile(flags.edits) : []), ...flagsToEdits(flags, graph)];
    if (!ops.length)
      throw new UserError('no edit given: use --edits, --relabel, --predicate or --remove');
    const edited = applyEdits(graph, ops);
    let noise: Float32Array | undefined;
    if (flags.image) {
      const png = readPng(flags.image);
      noise = await pipe.invert({ rgba: png.data, width: png.width, height: png.height }, graph, {
        steps: flags.steps,
        seed: flags.seed,
      });
    }
    // An inverted image is redrawn by deterministic DDIM; a seeded draw uses the model's sampler.
    const sampler = flags.image ? 'ddim' : flags.sampler;
    const r = await pipe.edit(graph, edited.graph, {
      seed: flags.seed,
      steps: flags.steps,
      sampler,
      eta: flags.image ? 0 : undefined,
      guidance: flags.guidance,
      relationGuidance: flags.relationGuidance,
      lateGuidance: flags.lateGuidance,
      touched: edited.touched,
      noise,
    });
    const { width, height } = r.before;
    writePng(join(flags.out, 'before.png'), r.before.rgba, width, height);
    writePng(join(flags.out, 'after.png'), r.after.rgba, width, height);
    writePng(join(flags.out, 'diff.png'), diffImage(r.before.rgba, r.after.rgba), width, height);
    console.log(`touched: ${edited.touched.join(', ')}`);
    if (r.unchangedOutside !== undefined) {
      console.log(
        `unchanged outside the touched boxes: ${(100 * r.unchangedOutside).toFixed(1)}% of pixels`,
      );
    }
    const files = ['before.png', 'after.png', 'diff.png'];
    if (r.layouts) {
      // The boxes each image was drawn in (untouched objects keep theirs).
      r.layouts.forEach((g, i) => {
        const f = ['before.layout.json', 'after.layout.json'][i];
        writeFileSync(join(flags.out, f), JSON.stringify(g, null, 2) + '\n');
        files.push(f);
      });
    }
    for (const f of files) console.log(join(flags.out, f));
    pipe.dispose();
  });
}
