import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sceneGraphJsonSchema } from './schema.js';

describe('published JSON Schema', () => {
  it('matches the zod schema (regenerate with scripts/generate-json-schema.mjs)', () => {
    const committed = JSON.parse(
      readFileSync(join(__dirname, '..', 'schema', 'scene-graph.schema.json'), 'utf8'),
    );
    expect(committed).toEqual(sceneGraphJsonSchema());
  });

  it('describes the documented shape', () => {
    const s = sceneGraphJsonSchema() as {
      required: string[];
      properties: { objects: { items: { required: string[]; additionalProperties: boolean } } };
    };
    expect(s.required).toEqual(['objects']);
    expect(s.properties.objects.items.required).toEqual(['id', 'label']);
    expect(s.properties.objects.items.additionalProperties).toBe(false);
  });
});
