// Writes schema/scene-graph.schema.json from the zod schema. Run after `nx build`:
//   node packages/scene-graph/scripts/generate-json-schema.mjs
// A test fails when the committed file and the schema drift apart.
import { writeFileSync } from 'node:fs';
import { sceneGraphJsonSchema } from '../dist/index.js';

const out = new URL('../schema/scene-graph.schema.json', import.meta.url);
writeFileSync(out, JSON.stringify(sceneGraphJsonSchema(), null, 2) + '\n');
console.log(`wrote ${out.pathname}`);
