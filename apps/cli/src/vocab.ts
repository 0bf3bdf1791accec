import { readFileSync } from 'node:fs';
import { cocoStuffVocabulary, syntheticVocabulary, Vocabulary } from '@sgdiff/scene-graph';
import { UserError } from './errors.js';

/** `--vocab synthetic|coco|<path to sg2im vocab.json or dataset manifest.json>`. */
export function loadVocabulary(spec: string): Vocabulary {
  if (spec === 'synthetic') return syntheticVocabulary();
  if (spec === 'coco' || spec === 'coco-stuff') return cocoStuffVocabulary();
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(spec, 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(
      code === 'ENOENT'
        ? `--vocab ${spec}: not "synthetic", "coco", or an existing file`
        : `--vocab ${spec}: cannot read it as JSON (${(e as Error).message})`,
    );
  }
  // A dataset manifest carries its vocabulary under `vocab`.
  const body = (json as { vocab?: unknown })?.vocab ?? json;
  return Vocabulary.fromJSON(body);
}
