import { z } from 'zod';

/** The JSON form users write (docs/architecture.md). Vocabulary checks come after, in `parseSceneGraph`. */
export const BoxSchema = z
  .tuple([z.number(), z.number(), z.number(), z.number()])
  .describe('[x0, y0, x1, y1], normalised to [0, 1], origin top-left');

export const SceneObjectSchema = z
  .object({
    id: z.string().min(1, 'id must not be empty'),
    label: z.string().min(1, 'label must not be empty'),
    box: BoxSchema.optional(),
    attributes: z.array(z.string()).optional(),
  })
  .strict();

export const RelationSchema = z
  .object({
    subject: z.string().min(1),
    predicate: z.string().min(1),
    object: z.string().min(1),
  })
  .strict();

export const SceneGraphSchema = z
  .object({
    objects: z.array(SceneObjectSchema),
    relations: z.array(RelationSchema).default([]),
  })
  .strict()
  .describe('An SGDiff scene graph');

/** JSON Schema for the JSON form, generated from the zod schema (published as `schema.json`). */
export function sceneGraphJsonSchema(): Record<string, unknown> {
  return {
    $id: 'urn:sgdiff:scene-graph:1',
    title: 'SGDiff scene graph',
    ...z.toJSONSchema(SceneGraphSchema, { io: 'input' }),
  };
}
