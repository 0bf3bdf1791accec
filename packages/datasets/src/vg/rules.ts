import { Vocabulary, type Box, type SceneGraph } from '@sgdiff/scene-graph';
import { deriveSeed, Rng } from '../random.js';

/** sg2im's `preprocess_vg.py` defaults. */
export interface VgRules {
  minImageSize: number;
  minObjectInstances: number;
  minAttributeInstances: number;
  minObjectSize: number;
  minObjectsPerImage: number;
  maxObjectsPerImage: number;
  maxAttributesPerObject: number;
  minRelationshipInstances: number;
  minRelationshipsPerImage: number;
  maxRelationshipsPerImage: number;
  /**
   * sg2im lower-cases and aliases predicates only of train-split relationships while counting
   * them, so val/test relationships keep their raw predicate and lose any that does not match
   * the vocabulary verbatim. false (the default) keeps that quirk, which the published split
   * sizes include; true normalises every split.
   */
  normalizeAllPredicates: boolean;
}

export const VG_RULES: VgRules = {
  minImageSize: 200,
  minObjectInstances: 2000,
  minAttributeInstances: 2000,
  minObjectSize: 32,
  minObjectsPerImage: 3,
  maxObjectsPerImage: 30,
  maxAttributesPerObject: 30,
  minRelationshipInstances: 500,
  minRelationshipsPerImage: 1,
  maxRelationshipsPerImage: 30,
  normalizeAllPredicates: false,
};

/** `image_data.json` element (v1.4 uses `image_id`, older releases `id`). */
export interface VgImageData {
  image_id?: number;
  id?: number;
  url?: string;
  width: number;
  height: number;
}
export interface VgObjectsEntry {
  image_id?: number;
  id?: number;
  objects: {
    object_id: number;
    x: number;
    y: number;
    w: number;
    h: number;
    names?: string[];
    name?: string;
  }[];
}
export interface VgAttributesEntry {
  image_id?: number;
  id?: number;
  attributes: { object_id: number; attributes?: string[] }[];
}
export interface VgRelationshipsEntry {
  image_id?: number;
  id?: number;
  relationships: {
    relationship_id: number;
    predicate: string;
    subject: { object_id: number };
    object: { object_id: number };
  }[];
}

export type VgSplits = Record<string, number[]>;

const imageIdOf = (e: { image_id?: number; id?: number }) => (e.image_id ?? e.id)!;

/** sg2im's alias files: each line "canonical,alias,alias…"; every name maps to the first. */
export function parseAliases(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const names = line.split(',').map((s) => s.trim());
    if (names.length === 1 && names[0] === '') continue;
    for (const n of names) out.set(n, names[0]);
  }
  return out;
}

/** Names with at least `min` counts, most frequent first, ties in first-seen order (Counter.most_common). */
function frequentNames(counts: Map<string, number>, min: number): string[] {
  return [...counts.entries()]
    .map(([name, n], i) => ({ name, n, i }))
    .filter((e) => e.n >= min)
    .sort((a, b) => b.n - a.n || a.i - b.i)
    .map((e) => e.name);
}

interface KeptObject {
  objectId: number;
  name: string;
  box: [number, number, number, number];
}
interface KeptRelation {
  relationshipId: number;
  subject: number;
  object: number;
  predicate: string;
}

export interface VgEncodedImage {
  imageId: number;
  split: string;
  width: number;
  height: number;
  url?: string;
  graph: SceneGraph;
  objectIds: number[];
  relationshipIds: number[];
}

/**
 * sg2im's Visual Genome preprocessing, step by step in its order. A caller streams each file
 * through the matching `*Pass` method, so no file is ever held whole:
 *  1. `addImage` (image_data.json), `setSplits` (vg_splits.json, or a seeded 80/10/10);
 *  2. `removeSmallImages`: shorter side < minImageSize;
 *  3. `countObjectNames` (objects.json, train images): a name counts once per object after
 *     aliasing; `buildObjectVocab` keeps names with ≥ minObjectInstances;
 *  4. `countAttributes` (attributes.json, train images); `buildAttributeVocab` (≥ minAttributeInstances);
 *  5. `filterObjects` (objects.json, all split images): a box with a `vgBoxProblem` is dropped
 *     first (not sg2im: it would clamp it); an object keeps its first name that is in the
 *     vocabulary, and is dropped when w or h < minObjectSize;
 *  6. `addRelationships` (relationships.json): train predicates are lower-cased, stripped and
 *     aliased, and counted when both endpoints survived step 5; `buildPredicateVocab` keeps
 *     those with ≥ minRelationshipInstances, in first-seen order;
 *  7. `addAttributes` (attributes.json): each surviving object's attributes in the vocabulary,
 *     at most maxAttributesPerObject;
 *  8. `encode`: per image, its surviving objects in file order; minObjects–maxObjects; then its
 *     relationships whose predicate is in the vocabulary and whose endpoints are both in the
 *     image; minRelationships–maxRelationships.
 * Step 7 is sg2im's encode-time attribute lookup, moved before step 8; it depends on nothing
 * that step 8 changes.
 */
/**
 * A VG box that no rule should see: not four finite numbers, a negative width or height, or
 * wholly outside its image. A box partly outside is kept and clamped, as sg2im does.
 */
export function vgBoxProblem(
  o: { x: unknown; y: unknown; w: unknown; h: unknown },
  image: { width: number; height: number } | undefined,
): 'box_invalid' | 'box_negative_size' | 'box_outside_image' | undefined {
  const v = [o.x, o.y, o.w, o.h];
  if (!v.every((n) => typeof n === 'number' && Number.isFinite(n))) return 'box_invalid';
  const [x, y, w, h] = v as number[];
  if (w < 0 || h < 0) return 'box_negative_size';
  if (image && (x >= image.width || y >= image.height || x + w <= 0 || y + h <= 0))
    return 'box_outside_image';
  return undefined;
}

export class VgPreprocessor {
  readonly images = new Map<number, VgImageData>();
  splits: VgSplits = {};
  readonly skipped: Record<string, number> = {};
  private objectAliases = new Map<string, string>();
  private predicateAliases = new Map<string, string>();
  private trainIds = new Set<number>();
  private splitOf = new Map<number, string>();
  private objectCounts = new Map<string, number>();
  private attributeCounts = new Map<string, number>();
  private predicateCounts = new Map<string, number>();
  objectNames: string[] = [];
  attributeNames: string[] = [];
  predicateNames: string[] = [];
  private objectVocab = new Set<string>();
  private attributeVocab = new Set<string>();
  /** object_id → its surviving form (sg2im's object_id_to_obj). */
  private kept = new Map<number, KeptObject>();
  /** Per image, surviving object ids in file order. */
  private imageObjects = new Map<number, number[]>();
  private imageRelations = new Map<number, KeptRelation[]>();
  private objectAttributes = new Map<number, string[]>();

  constructor(
    readonly rules: VgRules = VG_RULES,
    readonly trainSplit = 'train',
  ) {}

  private count(rule: string, n = 1): void {
    this.skipped[rule] = (this.skipped[rule] ?? 0) + n;
  }

  setAliases(objects: Map<string, string>, predicates: Map<string, string>): void {
    this.objectAliases = objects;
    this.predicateAliases = predicates;
  }

  addImage(e: VgImageData): void {
    this.images.set(imageIdOf(e), e);
  }

  /** sg2im's published splits; without them, a seeded 80/10/10 over image ids. */
  setSplits(splits: VgSplits | undefined, seed = 0): void {
    if (splits) this.splits = splits;
    else {
      this.splits = { train: [], val: [], test: [] };
      for (const id of [...this.images.keys()].sort((a, b) => a - b)) {
        const u = new Rng(deriveSeed(seed, id)).next();
        this.splits[u < 0.8 ? 'train' : u < 0.9 ? 'val' : 'test'].push(id);
      }
    }
  }

  removeSmallImages(): void {
    for (const [name, ids] of Object.entries(this.splits)) {
      this.splits[name] = ids.filter((id) => {
        const im = this.images.get(id);
        if (!im) {
          this.count('image_missing_from_image_data');
          return false;
        }
        if (Math.min(im.width, im.height) < this.rules.minImageSize) {
          this.count('image_too_small');
          return false;
        }
        return true;
      });
    }
    this.trainIds = new Set(this.splits[this.trainSplit] ?? []);
    this.splitOf = new Map(
      Object.entries(this.splits).flatMap(([name, ids]) => ids.map((id) => [id, name] as const)),
    );
  }

  private alias = (n: string) => this.objectAliases.get(n) ?? n;

  countObjectNames(e: VgObjectsEntry): void {
    if (!this.trainIds.has(imageIdOf(e))) return;
    for (const o of e.objects) {
      for (const n of new Set((o.names ?? (o.name ? [o.name] : [])).map(this.alias))) {
        this.objectCounts.set(n, (this.objectCounts.get(n) ?? 0) + 1);
      }
    }
  }

  buildObjectVocab(): void {
    this.objectNames = frequentNames(this.objectCounts, this.rules.minObjectInstances);
    this.objectVocab = new Set(this.objectNames);
    this.objectCounts.clear();
  }

  countAttributes(e: VgAttributesEntry): void {
    if (!this.trainIds.has(imageIdOf(e))) return;
    for (const a of e.attributes) {
      if (!a.attributes) continue;
      for (const n of new Set(a.attributes))
        this.attributeCounts.set(n, (this.attributeCounts.get(n) ?? 0) + 1);
    }
  }

  buildAttributeVocab(): void {
    this.attributeNames = frequentNames(this.attributeCounts, this.rules.minAttributeInstances);
    this.attributeVocab = new Set(this.attributeNames);
    this.attributeCounts.clear();
  }

  filterObjects(e: VgObjectsEntry): void {
    const imageId = imageIdOf(e);
    if (!this.splitOf.has(imageId)) return;
    const list: number[] = [];
    for (const o of e.objects) {
      const name = (o.names ?? (o.name ? [o.name] : []))
        .map(this.alias)
        .find((n) => this.objectVocab.has(n));
      const fault = vgBoxProblem(o, this.images.get(imageId));
      if (fault) {
        this.count(fault);
        continue;
      }
      const tooSmall = o.w < this.rules.minObjectSize || o.h < this.rules.minObjectSize;
      if (tooSmall) this.count('object_too_small');
      else if (name === undefined) this.count('object_not_in_vocab');
      if (name !== undefined && !tooSmall) {
        this.kept.set(o.object_id, { objectId: o.object_id, name, box: [o.x, o.y, o.w, o.h] });
        list.push(o.object_id);
      }
    }
    this.imageObjects.set(imageId, list);
  }

  normalizePredicate(p: string): string {
    const s = p.toLowerCase().trim();
    return this.predicateAliases.get(s) ?? s;
  }

  addRelationships(e: VgRelationshipsEntry): void {
    const imageId = imageIdOf(e);
    if (!this.splitOf.has(imageId)) return;
    const train = this.trainIds.has(imageId);
    const list: KeptRelation[] = [];
    for (const r of e.relationships) {
      const s = r.subject.object_id;
      const o = r.object.object_id;
      // Relationships with a lost endpoint never make it into an image (step 8).
      if (!this.kept.has(s) || !this.kept.has(o)) continue;
      const predicate =
        train || this.rules.normalizeAllPredicates
          ? this.normalizePredicate(r.predicate)
          : r.predicate;
      if (train)
        this.predicateCounts.set(predicate, (this.predicateCounts.get(predicate) ?? 0) + 1);
      list.push({ relationshipId: r.relationship_id, subject: s, object: o, predicate });
    }
    this.imageRelations.set(imageId, list);
  }

  buildPredicateVocab(): void {
    // Python dicts keep insertion order, and sg2im does not sort predicates by count.
    this.predicateNames = [...this.predicateCounts.entries()]
      .filter(([, n]) => n >= this.rules.minRelationshipInstances)
      .map(([p]) => p);
    this.predicateCounts.clear();
  }

  addAttributes(e: VgAttributesEntry): void {
    if (!this.splitOf.has(imageIdOf(e))) return;
    for (const a of e.attributes) {
      if (!this.kept.has(a.object_id)) continue;
      const names: string[] = [];
      for (const n of a.attributes ?? []) {
        if (this.attributeVocab.has(n)) names.push(n);
        if (names.length >= this.rules.maxAttributesPerObject) break;
      }
      // sg2im keeps the last entry for an object id.
      this.objectAttributes.set(a.object_id, names);
    }
  }

  vocabulary(): Vocabulary {
    return Vocabulary.fromNames({
      name: 'visual-genome',
      objects: this.objectNames,
      predicates: this.predicateNames,
      attributes: this.attributeNames,
    });
  }

  /** Step 8 for one split; images in split order. */
  *encode(split: string): Generator<VgEncodedImage> {
    const preds = new Set(this.predicateNames);
    const r = this.rules;
    for (const imageId of this.splits[split] ?? []) {
      const objectIds = this.imageObjects.get(imageId) ?? [];
      if (objectIds.length < r.minObjectsPerImage) {
        this.count('image_too_few_objects');
        continue;
      }
      if (objectIds.length > r.maxObjectsPerImage) {
        this.count('image_too_many_objects');
        continue;
      }
      // A repeated object id maps to its last position, as sg2im's dict does.
      const index = new Map(objectIds.map((id, i) => [id, i]));
      const rels = (this.imageRelations.get(imageId) ?? []).filter(
        (rel) => preds.has(rel.predicate) && index.has(rel.subject) && index.has(rel.object),
      );
      if (rels.length < r.minRelationshipsPerImage) {
        this.count('image_too_few_relationships');
        continue;
      }
      if (rels.length > r.maxRelationshipsPerImage) {
        this.count('image_too_many_relationships');
        continue;
      }
      const im = this.images.get(imageId)!;
      const clamp = (v: number) => Math.min(1, Math.max(0, v));
      const objects = objectIds.map((id, i) => {
        const k = this.kept.get(id)!;
        const [x, y, w, h] = k.box;
        const box: Box = [
          clamp(x / im.width),
          clamp(y / im.height),
          clamp((x + w) / im.width),
          clamp((y + h) / im.height),
        ];
        const attributes = this.objectAttributes.get(id);
        return { id: `o${i}`, label: k.name, box, ...(attributes?.length ? { attributes } : {}) };
      });
      yield {
        imageId,
        split,
        width: im.width,
        height: im.height,
        url: im.url,
        graph: {
          objects,
          relations: rels.map((rel) => ({
            subject: `o${index.get(rel.subject)}`,
            predicate: rel.predicate,
            object: `o${index.get(rel.object)}`,
          })),
        },
        objectIds,
        relationshipIds: rels.map((rel) => rel.relationshipId),
      };
    }
  }
}
