import { readFileSync } from 'node:fs';
import {
  parseSceneGraphSource,
  type ParseOptions,
  type SceneGraph,
  type Vocabulary,
} from '@sgdiff/scene-graph';
import { UserError } from './errors.js';

/** Reads a scene graph file (or `-` for stdin) in JSON or the text syntax. */
export function readGraphFile(
  path: string,
  vocab: Vocabulary,
  options: ParseOptions = {},
): SceneGraph {
  let source: string;
  try {
    source = readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (e) {
    throw new UserError(
      `${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  return parseSceneGraphSource(source, vocab, options);
}
