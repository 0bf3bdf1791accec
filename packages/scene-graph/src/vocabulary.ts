import { z } from 'zod';
import { SceneGraphError } from './errors.js';

export const IMAGE_OBJECT = '__image__';
export const IN_IMAGE_PREDICATE = '__in_image__';

/**
 * sg2im's vocabulary layout, so existing vocabularies drop in. `*_idx_to_name` may hold
 * `null` (or sg2im's "NONE") at unused indices, as COCO's sparse category ids leave.
 */
export const VocabularyJsonSchema = z.object({
  object_idx_to_name: z.array(z.string().nullable()),
  object_name_to_idx: z.record(z.string(), z.number().int().nonnegative()),
  pred_idx_to_name: z.array(z.string().nullable()),
  pred_name_to_idx: z.record(z.string(), z.number().int().nonnegative()),
  attribute_idx_to_name: z.array(z.string().nullable()).optional(),
  attribute_name_to_idx: z.record(z.string(), z.number().int().nonnegative()).optional(),
  /** Extra names that resolve to a canonical one, e.g. "over" → "above". */
  object_aliases: z.record(z.string(), z.string()).optional(),
  pred_aliases: z.record(z.string(), z.string()).optional(),
  name: z.string().optional(),
});
export type VocabularyJson = z.infer<typeof VocabularyJsonSchema>;

export interface VocabularyNames {
  name?: string;
  /** Object names, without `__image__` (it is added at index 0). */
  objects: string[];
  /** Predicate names, without `__in_image__` (it is added at index 0). */
  predicates: string[];
  attributes?: string[];
  objectAliases?: Record<string, string>;
  predicateAliases?: Record<string, string>;
}

/** Object, predicate and attribute names ↔ indices, with the special image node and edge. */
export class Vocabulary {
  readonly name: string;
  private readonly json: VocabularyJson;
  private readonly objectAliases: Map<string, string>;
  private readonly predicateAliases: Map<string, string>;

  private constructor(json: VocabularyJson) {
    this.json = json;
    this.name = json.name ?? 'custom';
    this.objectAliases = new Map(Object.entries(json.object_aliases ?? {}));
    this.predicateAliases = new Map(Object.entries(json.pred_aliases ?? {}));
  }

  static fromNames(names: VocabularyNames): Vocabulary {
    const objects = [IMAGE_OBJECT, ...names.objects];
    const preds = [IN_IMAGE_PREDICATE, ...names.predicates];
    const attrs = names.attributes ?? [];
    const index = (xs: string[]) => Object.fromEntries(xs.map((x, i) => [x, i]));
    return Vocabulary.fromJSON({
      name: names.name,
      object_idx_to_name: objects,
      object_name_to_idx: index(objects),
      pred_idx_to_name: preds,
      pred_name_to_idx: index(preds),
      attribute_idx_to_name: attrs,
      attribute_name_to_idx: index(attrs),
      object_aliases: names.objectAliases,
      pred_aliases: names.predicateAliases,
    });
  }

  /** Loads sg2im's layout; throws SceneGraphError naming every inconsistency. */
  static fromJSON(input: unknown): Vocabulary {
    const parsed = VocabularyJsonSchema.safeParse(input);
    if (!parsed.success) {
      throw new SceneGraphError(
        parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
        'invalid vocabulary',
      );
    }
    const v = parsed.data;
    const issues: { path: string; message: string }[] = [];
    const checkTable = (
      kind: string,
      toName: (string | null)[],
      toIdx: Record<string, number>,
      required?: string,
    ) => {
      for (const [name, idx] of Object.entries(toIdx)) {
        if (toName[idx] !== name) {
          issues.push({
            path: `${kind}_name_to_idx.${name}`,
            message: `index ${idx} maps back to ${JSON.stringify(toName[idx] ?? null)}, not "${name}"`,
          });
        }
      }
      if (required !== undefined && toIdx[required] === undefined) {
        issues.push({
          path: `${kind}_name_to_idx`,
          message: `missing the special "${required}" entry`,
        });
      }
    };
    checkTable('object', v.object_idx_to_name, v.object_name_to_idx, IMAGE_OBJECT);
    checkTable('pred', v.pred_idx_to_name, v.pred_name_to_idx, IN_IMAGE_PREDICATE);
    if (v.attribute_idx_to_name && v.attribute_name_to_idx) {
      checkTable('attribute', v.attribute_idx_to_name, v.attribute_name_to_idx);
    }
    for (const [alias, target] of Object.entries(v.object_aliases ?? {})) {
      if (v.object_name_to_idx[target] === undefined)
        issues.push({
          path: `object_aliases.${alias}`,
          message: `targets unknown object "${target}"`,
        });
    }
    for (const [alias, target] of Object.entries(v.pred_aliases ?? {})) {
      if (v.pred_name_to_idx[target] === undefined)
        issues.push({
          path: `pred_aliases.${alias}`,
          message: `targets unknown predicate "${target}"`,
        });
    }
    if (issues.length) throw new SceneGraphError(issues, 'invalid vocabulary');
    return new Vocabulary(structuredClone(v));
  }

  toJSON(): VocabularyJson {
    return structuredClone(this.json);
  }

  /** Size of the object index space (the embedding table size), holes included. */
  get numObjects(): number {
    return this.json.object_idx_to_name.length;
  }
  get numPredicates(): number {
    return this.json.pred_idx_to_name.length;
  }
  get numAttributes(): number {
    return this.json.attribute_idx_to_name?.length ?? 0;
  }
  get imageIndex(): number {
    return this.json.object_name_to_idx[IMAGE_OBJECT];
  }
  get inImageIndex(): number {
    return this.json.pred_name_to_idx[IN_IMAGE_PREDICATE];
  }

  /** User-facing object names (no specials, no holes), in index order. */
  get objectNames(): string[] {
    return Object.keys(this.json.object_name_to_idx)
      .filter((n) => n !== IMAGE_OBJECT)
      .sort((a, b) => this.json.object_name_to_idx[a] - this.json.object_name_to_idx[b]);
  }
  get predicateNames(): string[] {
    return Object.keys(this.json.pred_name_to_idx)
      .filter((n) => n !== IN_IMAGE_PREDICATE)
      .sort((a, b) => this.json.pred_name_to_idx[a] - this.json.pred_name_to_idx[b]);
  }
  get attributeNames(): string[] {
    const m = this.json.attribute_name_to_idx ?? {};
    return Object.keys(m).sort((a, b) => m[a] - m[b]);
  }
  /** Alias names, for matching in the text syntax. */
  get objectAliasNames(): string[] {
    return [...this.objectAliases.keys()];
  }
  get predicateAliasNames(): string[] {
    return [...this.predicateAliases.keys()];
  }

  /** Canonical object name for a name or alias, or undefined if unknown. */
  resolveObject(name: string): string | undefined {
    const canon = this.objectAliases.get(name) ?? name;
    return canon !== IMAGE_OBJECT && this.json.object_name_to_idx[canon] !== undefined
      ? canon
      : undefined;
  }
  resolvePredicate(name: string): string | undefined {
    const canon = this.predicateAliases.get(name) ?? name;
    return canon !== IN_IMAGE_PREDICATE && this.json.pred_name_to_idx[canon] !== undefined
      ? canon
      : undefined;
  }
  hasAttribute(name: string): boolean {
    return this.json.attribute_name_to_idx?.[name] !== undefined;
  }

  objectIndex(name: string): number {
    const idx = this.json.object_name_to_idx[this.objectAliases.get(name) ?? name];
    if (idx === undefined)
      throw new SceneGraphError([{ path: '', message: `unknown object "${name}"` }]);
    return idx;
  }
  predicateIndex(name: string): number {
    const idx = this.json.pred_name_to_idx[this.predicateAliases.get(name) ?? name];
    if (idx === undefined)
      throw new SceneGraphError([{ path: '', message: `unknown predicate "${name}"` }]);
    return idx;
  }
  attributeIndex(name: string): number {
    const idx = this.json.attribute_name_to_idx?.[name];
    if (idx === undefined)
      throw new SceneGraphError([{ path: '', message: `unknown attribute "${name}"` }]);
    return idx;
  }
  objectName(idx: number): string {
    const n = this.json.object_idx_to_name[idx];
    if (n == null) throw new SceneGraphError([{ path: '', message: `no object at index ${idx}` }]);
    return n;
  }
  predicateName(idx: number): string {
    const n = this.json.pred_idx_to_name[idx];
    if (n == null)
      throw new SceneGraphError([{ path: '', message: `no predicate at index ${idx}` }]);
    return n;
  }
}
