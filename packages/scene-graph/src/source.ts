import { parseSceneGraph, type ParseOptions } from './parse.js';
import { parseSceneGraphText } from './text.js';
import type { SceneGraph } from './types.js';
import type { Vocabulary } from './vocabulary.js';

/**
 * Parses what a user wrote, in either form: JSON when it starts like JSON (`{`, or `[` so that a
 * JSON array gets the JSON error rather than a text-syntax one), otherwise the text syntax.
 */
export function parseSceneGraphSource(
  source: string,
  vocab: Vocabulary,
  options: ParseOptions = {},
): SceneGraph {
  const start = source.trimStart()[0];
  return start === '{' || start === '['
    ? parseSceneGraph(source, vocab, options)
    : parseSceneGraphText(source, vocab, options);
}
