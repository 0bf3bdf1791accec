// Child of bench.mjs: runs only Visual Genome's JSON phase and reports time and peak memory.
import { resolveVisualGenome } from '../dist/node/index.js';

const t0 = performance.now();
const c0 = process.cpuUsage();
const { pre } = await resolveVisualGenome(
  process.argv[2],
  JSON.parse(process.argv[3] ?? '{}'),
  0,
  undefined,
  process.argv[4],
);
let kept = 0;
for (const split of Object.keys(pre.splits)) kept += [...pre.encode(split)].length;
const seconds = (performance.now() - t0) / 1000;
const c = process.cpuUsage(c0);
const cpuSeconds = (c.user + c.system) / 1e6;
process.stdout.write(
  JSON.stringify({
    seconds,
    cpuSeconds,
    maxRssKb: process.resourceUsage().maxRSS,
    kept,
    objects: pre.objectNames.length,
    predicates: pre.predicateNames.length,
  }),
);
