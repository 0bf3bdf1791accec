import { accessSync, constants, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  parseSceneGraphSource,
  type ParseOptions,
  type SceneGraph,
  type Vocabulary,
} from '@sgdiff/scene-graph';
import { UserError } from './errors.js';

/** The text of a scene graph file (or `-` for stdin); a folder or unreadable path is a UserError. */
export function readGraphSource(path: string, flag = '--graph'): string {
  if (path !== '-' && existsSync(path) && statSync(path).isDirectory())
    throw new UserError(`${flag} ${path}: is a folder; give a scene graph file (JSON or text)`);
  try {
    return readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (e) {
    throw new UserError(
      `${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
}

/** Reads a scene graph file (or `-` for stdin) in JSON or the text syntax. */
export function readGraphFile(
  path: string,
  vocab: Vocabulary,
  options: ParseOptions = {},
): SceneGraph {
  return parseSceneGraphSource(readGraphSource(path), vocab, options);
}

/**
 * Checks an output file path before the work that fills it: not a folder, and its folder can be
 * made and written. Generated images are not lost to a bad --out at the end.
 */
export function checkOutputFile(path: string, flag = '--out'): void {
  if (existsSync(path) && statSync(path).isDirectory())
    throw new UserError(`${flag} ${path}: is a folder; give a file name (e.g. ${path}/out.png)`);
  const dir = dirname(path);
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (e) {
    throw new UserError(
      `${flag} ${path}: cannot write into ${dir} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
}
