// CPU training and sampling speed, tfjs-wasm against PyTorch CPU, side by side in one run.
// Usage, from the repo root after `npm run build`:
//   npm run bench:cpu -w @sgdiff/cli [-- --rounds 2 --iters 3 --python PATH --with-load]
// Each round starts one process per configuration (tfjs at 1 and 2 threads, PyTorch at 1 and 2
// threads), interleaved so that drift in machine load hits every column alike; a measure's value
// is the median over rounds. PyTorch: --python, else $SGDIFF_TORCH_PYTHON, else python3, else
// /usr/bin/python3 (Debian's python3-torch), the first that imports torch.
// --with-load adds a round beside a busy process on one core: threads 1, 2 and auto.
// --baseline DIR adds a column for another checkout (built, e.g. a git worktree of an older
// commit) at 1 thread, run with this child script: "today's" speed in the same run.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '2' },
    iters: { type: 'string', default: '3' },
    python: { type: 'string' },
    what: { type: 'string', default: 'ref,unet,train,sample' },
    'with-load': { type: 'boolean', default: false },
    baseline: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const rounds = Number(values.rounds);
process.chdir(new URL('../../..', import.meta.url).pathname); // paths below are from the repo root
const child = new URL('./bench-cpu-child.mjs', import.meta.url).pathname;
const refPy = 'packages/nn/bench/reference_block.py';
const unetPy = 'packages/diffusion/bench/unet_twin.py';

function findTorch() {
  const candidates = [
    values.python,
    process.env.SGDIFF_TORCH_PYTHON,
    'python3',
    '/usr/bin/python3',
  ];
  for (const py of candidates.filter(Boolean)) {
    const r = spawnSync(py, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
    if (r.status === 0) return { py, version: r.stdout.trim() };
  }
  return null;
}

function lines(cmd, args) {
  const out = execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));
}

const results = new Map(); // key → values over rounds
const record = (key, v) => {
  if (v === undefined || v === null) return;
  process.stderr.write(`  ${key.replace('|', ' @ ')}: ${v.toFixed(1)}\n`); // raw, as it comes
  if (!results.has(key)) results.set(key, []);
  results.get(key).push(v);
};

function runTfjs(threads, what = values.what, tag = `tfjs-${threads}t`, script = child) {
  for (const r of lines(process.execPath, [
    script,
    '--threads',
    String(threads),
    '--what',
    what,
    '--iters',
    values.iters,
  ])) {
    const id = `${r.model} B${r.batch}`;
    record(`${id} forward|${tag}`, r.forwardMs);
    record(`${id} train step|${tag}`, r.trainStepMs);
    record(`${id} ms/image|${tag}`, r.msPerImage);
  }
}

function runTorch(torch, threads) {
  const tag = `torch-${threads}t`;
  if (values.what.includes('ref'))
    for (const r of lines(torch.py, [
      refPy,
      '--batches',
      '1,8',
      '--iters',
      values.iters,
      '--warmup',
      '1',
      '--threads',
      String(threads),
    ])) {
      const id = `reference-block B${r.shape[0]}`;
      record(`${id} forward|${tag}`, r.forwardMs);
      record(`${id} train step|${tag}`, r.trainStepMs);
    }
  if ((values.what.includes('unet') || values.what.includes('train')) && existsSync(unetPy))
    for (const r of lines(torch.py, [
      unetPy,
      '--config',
      'models/default/sgdiff.json',
      '--threads',
      String(threads),
      '--batches',
      '1,16',
      '--train-batch',
      '24',
      '--iters',
      values.iters,
    ])) {
      if (r.batch === undefined) continue;
      const id = `default-unet B${r.batch}`;
      record(`${id} forward|${tag}`, r.forwardMs);
      record(`${id} train step|${tag}`, r.trainStepMs);
    }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const torch = findTorch();
const loadStart = loadavg();
const t0 = Date.now();
process.stderr.write(
  `cpu: ${cpus()[0]?.model} ×${cpus().length}; torch: ${torch ? `${torch.version} (${torch.py})` : 'not found'}; load ${loadStart.map((l) => l.toFixed(2)).join(' ')}\n`,
);
let baseChild;
if (values.baseline) {
  baseChild = `${values.baseline}/apps/cli/scripts/bench-cpu-child.mjs`;
  copyFileSync(child, baseChild);
}
for (let r = 0; r < rounds; r++) {
  process.stderr.write(`round ${r + 1}/${rounds}\n`);
  if (baseChild) runTfjs(1, values.what, 'baseline-1t', baseChild);
  runTfjs(1);
  runTfjs(2);
  if (torch) {
    runTorch(torch, 1);
    runTorch(torch, 2);
  }
}

if (values['with-load']) {
  // A competitor that keeps one core busy for the whole round.
  const busy = spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 1000));
  try {
    for (const threads of [1, 2, 'auto']) runTfjs(threads, 'ref', `tfjs-${threads}t+load`);
  } finally {
    busy.kill();
  }
}

// FLOPs per sample: reference block forward = 8 convs × 2·32·32·128·128·9; a train step ≈ 3×.
// The default UNet forward = 0.642 GFLOP (321 M MACs, counted for docs/toolchain.md).
const GFLOP = { 'reference-block': 2.416, 'default-unet': 0.642 };
const cols = [...new Set([...results.keys()].map((k) => k.split('|')[1]))];
const rows = [...new Set([...results.keys()].map((k) => k.split('|')[0]))];
const table = rows.map((row) => {
  const cell = Object.fromEntries(
    cols.map((c) => [
      c,
      results.has(`${row}|${c}`) ? median(results.get(`${row}|${c}`)) : undefined,
    ]),
  );
  const ratio = (a, b) => (cell[a] && cell[b] ? cell[a] / cell[b] : undefined);
  const [model, b] = row.split(' ');
  const batch = Number(b.slice(1));
  const flops =
    GFLOP[model] &&
    (row.includes('forward') ? 1 : row.includes('train') ? 3 : 0) * GFLOP[model] * batch;
  return {
    measure: row,
    ...cell,
    'tfjs 1t→2t speed-up': ratio('tfjs-1t', 'tfjs-2t'),
    ...(baseChild ? { 'baseline 1t→tfjs 2t': ratio('baseline-1t', 'tfjs-2t') } : {}),
    'tfjs÷torch 1t': ratio('tfjs-1t', 'torch-1t'),
    'tfjs÷torch 2t': ratio('tfjs-2t', 'torch-2t'),
    'tfjs 2t GFLOP/s': flops && cell['tfjs-2t'] ? (flops / cell['tfjs-2t']) * 1000 : undefined,
  };
});
const loadEnd = loadavg();
if (values.json) {
  console.log(
    JSON.stringify(
      { torch, loadStart, loadEnd, seconds: (Date.now() - t0) / 1000, table },
      null,
      2,
    ),
  );
} else {
  const keys = [
    'measure',
    ...cols,
    'tfjs 1t→2t speed-up',
    ...(baseChild ? ['baseline 1t→tfjs 2t'] : []),
    'tfjs÷torch 1t',
    'tfjs÷torch 2t',
    'tfjs 2t GFLOP/s',
  ];
  const fmt = (v) =>
    v === undefined ? '—' : typeof v === 'number' ? (v >= 100 ? v.toFixed(0) : v.toFixed(2)) : v;
  console.log(`| ${keys.join(' | ')} |`);
  console.log(`|${keys.map(() => '---').join('|')}|`);
  for (const r of table) console.log(`| ${keys.map((k) => fmt(r[k])).join(' | ')} |`);
  console.log(
    `\nms unless named; medians over ${rounds} round(s). load average ${loadStart.map((l) => l.toFixed(2)).join(' ')} → ${loadEnd.map((l) => l.toFixed(2)).join(' ')}; ${((Date.now() - t0) / 1000).toFixed(0)} s. AVX2 peak of one core here: 78–112 GFLOP/s (docs/toolchain.md).`,
  );
}
