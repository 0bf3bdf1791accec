import { IMAGE_OBJECT, IN_IMAGE_PREDICATE, Vocabulary } from '../vocabulary.js';
import { COCO_OTHER, COCO_STUFF, COCO_THINGS } from './coco-stuff-categories.js';
import { GEOMETRIC_PREDICATES } from '../relation.js';

/**
 * The COCO-Stuff vocabulary in sg2im's layout: object index = COCO category id, `__image__` at 0,
 * unused ids are holes; predicates are `__in_image__` plus the six geometric ones.
 * `includeOther` keeps id 183 ("other"), which sg2im's preparation excludes.
 */
export function cocoStuffVocabulary({ includeOther = false } = {}): Vocabulary {
  const entries = [...COCO_THINGS, ...COCO_STUFF, ...(includeOther ? [COCO_OTHER] : [])];
  const size = Math.max(...entries.map(([id]) => id)) + 1;
  const idxToName: (string | null)[] = new Array(size).fill(null);
  idxToName[0] = IMAGE_OBJECT;
  for (const [id, name] of entries) idxToName[id] = name;
  const preds = [IN_IMAGE_PREDICATE, ...GEOMETRIC_PREDICATES];
  return Vocabulary.fromJSON({
    name: 'coco-stuff',
    object_idx_to_name: idxToName,
    object_name_to_idx: Object.fromEntries(
      idxToName.flatMap((n, i) => (n === null ? [] : [[n, i]])),
    ),
    pred_idx_to_name: preds,
    pred_name_to_idx: Object.fromEntries(preds.map((p, i) => [p, i])),
    attribute_idx_to_name: [],
    attribute_name_to_idx: {},
  });
}
