export type { Box, Relation, SceneGraph, SceneObject } from './types.js';
export { SceneGraphError, type SceneGraphIssue } from './errors.js';
export { nearestWords } from './suggest.js';
export {
  IMAGE_OBJECT,
  IN_IMAGE_PREDICATE,
  Vocabulary,
  VocabularyJsonSchema,
  type VocabularyJson,
  type VocabularyNames,
} from './vocabulary.js';
export {
  SYNTHETIC_COLOURS,
  SYNTHETIC_SHAPES,
  SYNTHETIC_STUFF,
  SYNTHETIC_LAYOUT_PRIOR,
  SYNTHETIC_THINGS,
  syntheticVocabulary,
} from './vocabularies/synthetic.js';
export { cocoStuffVocabulary } from './vocabularies/coco-stuff.js';
export { COCO_OTHER, COCO_STUFF, COCO_THINGS } from './vocabularies/coco-stuff-categories.js';
export {
  BoxSchema,
  RelationSchema,
  SceneGraphSchema,
  SceneObjectSchema,
  sceneGraphJsonSchema,
} from './schema.js';
export { parseSceneGraph, validateSceneGraph, type ParseOptions } from './parse.js';
export { formatSceneGraphText, parseSceneGraphText, type FormatOptions } from './text.js';
export { parseSceneGraphSource } from './source.js';
export {
  GEOMETRIC_PREDICATES,
  INVERSE_PREDICATE,
  invertRelations,
  relationFromBoxes,
  type GeometricPredicate,
} from './relation.js';
export {
  describeBrokenRelations,
  findContradictions,
  relationsBrokenByBoxes,
  type GraphWarning,
  type GraphWarningKind,
} from './contradictions.js';
export { packGraphs, unpackGraphs, type PackedGraphs } from './pack.js';
export {
  addObject,
  addRelation,
  changePredicate,
  moveBox,
  relabelObject,
  removeObject,
  removeRelation,
  type EditResult,
} from './edits.js';
export { asciiLayout, svgLayout, type AsciiLayoutOptions } from './layout.js';
export { inferLayout } from './infer-layout.js';
export {
  innerPlacement,
  LayoutPriorSchema,
  overlapShare,
  parseLayoutPrior,
  sampleGraphLayout,
  type InnerPlacement,
  type LayoutPrior,
  type SampledLayout,
  type SampleLayoutOptions,
} from './sample-layout.js';
export { Rng, deriveSeed, hashString } from './random.js';
export { resizeNearest, rgbToRgba, rgbaToRgb, type RgbaImage } from './image.js';
