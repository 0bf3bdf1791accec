#!/usr/bin/env node
// End-to-end test of the production build in Debian's Chromium, driven by playwright-core.
//
//   node e2e/run.mjs [--backends webgl,wasm,webgpu] [--keep-open]
//
// Serves apps/web/dist on 127.0.0.1 and, on each backend: loads the page, generates with a few
// steps, checks the image is not blank, edits a node, regenerates with the same seed and checks
// that the image changed. On the first backend it also drives the editors (text ↔ form ↔ graph,
// inline validation), the difference overlay, PNG download, URL state and a cached reload.
// Screenshots and timings go to apps/web/e2e-output/ (git-ignored).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { JS_BUDGET, measureBuild } from '../scripts/bundle-size.mjs';
import { serveStatic } from './static-server.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const dist = resolve(here, '../dist');
const out = resolve(here, '../e2e-output');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// From docs/toolchain.md: no network chatter, and a SwiftShader WebGPU adapter.
const FLAGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--disable-dev-shm-usage',
  '--enable-unsafe-webgpu',
];
const STEPS = 3;
// SwiftShader's WebGPU takes seconds per UNet step and far longer per decoder pass: fewer steps,
// and no per-step preview decode, keep that run to about a minute.
const BACKEND_QUERY = { webgpu: { steps: '2', preview: '0' } };
const GRAPH = 'red circle left of blue square; blue square above grass';
const GENERATE_TIMEOUT = 150_000;

const { values } = parseArgs({
  options: { backends: { type: 'string', default: 'wasm,webgl,webgpu' } },
});
const backends = values.backends.split(',').filter(Boolean);

if (!existsSync(join(dist, 'index.html'))) {
  console.error(`e2e: no build at ${dist}; run npx nx run @sgdiff/web:build first`);
  process.exit(1);
}
// The build serves the trained default model when the repo has one, else the placeholder.
const servedManifest = JSON.parse(readFileSync(join(dist, 'models/default/sgdiff.json'), 'utf8'));
const PLACEHOLDER = servedManifest.provenance?.placeholder === true;
if (!existsSync(CHROMIUM)) {
  console.error(
    `e2e: ${CHROMIUM} not found; install Debian's chromium (apt-get install -y chromium), see .ci/system-deps.sh`,
  );
  process.exit(1);
}
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const t0 = performance.now();
const log = (msg) => console.log(`[e2e ${((performance.now() - t0) / 1000).toFixed(1)}s] ${msg}`);

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(what())), ms))),
  ]).finally(() => clearTimeout(timer));
}

/** Pixel statistics of a canvas, read in the page. */
function canvasStats(page, testId) {
  return page.evaluate((id) => {
    const c = document.querySelector(`[data-testid="${id}"]`);
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let sum = 0;
    let sq = 0;
    let opaque = 0;
    const n = d.length / 4;
    for (let p = 0; p < n; p++) {
      const v = (d[p * 4] + d[p * 4 + 1] + d[p * 4 + 2]) / 3;
      sum += v;
      sq += v * v;
      if (d[p * 4 + 3] === 255) opaque++;
    }
    const mean = sum / n;
    return {
      width: c.width,
      height: c.height,
      mean,
      std: Math.sqrt(Math.max(0, sq / n - mean * mean)),
      opaque: opaque / n,
      pixels: Array.from(d),
    };
  }, testId);
}

function meanAbsDiff(a, b) {
  assert.equal(a.length, b.length);
  let s = 0;
  for (let i = 0; i < a.length; i++) if (i % 4 !== 3) s += Math.abs(a[i] - b[i]);
  return s / ((a.length * 3) / 4);
}

function assertNotBlank(stats, what) {
  assert.ok(
    stats.width >= 16 && stats.height >= 16,
    `${what}: canvas is ${stats.width}×${stats.height}`,
  );
  assert.equal(stats.opaque, 1, `${what}: some pixels are transparent (nothing drawn?)`);
  // A canvas nothing was drawn on is constant (std 0); a few-step sample of a trained model can be
  // low in contrast (std 1.99 at 3 steps, seed 7, for the 5 474-step default), and that is fine.
  assert.ok(stats.std > 0.5, `${what}: pixels are (nearly) constant, std ${stats.std.toFixed(2)}`);
}

async function waitReady(page, backend) {
  await page.waitForSelector('[data-model-state="ready"], [data-model-state="error"]', {
    timeout: 90_000,
  });
  const fatal = await page.locator('[data-testid="fatal"]').count();
  if (fatal)
    throw new Error(`${backend}: ${await page.locator('[data-testid="fatal"]').innerText()}`);
  const label = await page.getByTestId('backend').innerText();
  assert.ok(label.startsWith(backend), `asked for ${backend}, page shows "${label}"`);
  return label;
}

/** Presses a button and waits for the generation it starts to finish; returns its timing. */
async function runGeneration(page, testId) {
  const before = await page.locator('[data-testid="history"] li').count();
  await page.getByTestId(testId).click();
  await page.waitForFunction(
    (n) =>
      document.querySelectorAll('[data-testid="history"] li').length > n ||
      document.querySelector('[data-testid="gen-error"]'),
    before,
    { timeout: GENERATE_TIMEOUT },
  );
  const err = page.getByTestId('gen-error');
  if (await err.count()) throw new Error(`generation failed: ${await err.innerText()}`);
  const timing = page.getByTestId('timing');
  return {
    msPerStep: Number(await timing.getAttribute('data-ms-per-step')),
    totalMs: Number(await timing.getAttribute('data-total-ms')),
    previews: Number(await timing.getAttribute('data-previews')),
  };
}

/** Relabels object row `index` through the form (type, then Enter). */
async function relabel(page, index, label) {
  const input = page.locator('[data-testid="object-rows"] li').nth(index).locator('input');
  await input.fill(label);
  await input.press('Enter');
}

async function editorFlow(page) {
  const text = page.getByTestId('graph-text');
  // Text → form and graph view.
  await text.fill(GRAPH);
  await page.waitForFunction(
    () => document.querySelectorAll('[data-testid="object-rows"] li').length === 3,
  );
  assert.equal(await page.locator('[data-testid="relation-rows"] li').count(), 2);
  assert.equal(await page.locator('[data-testid="graph-view"] .node').count(), 3);
  assert.equal(await page.locator('[data-testid="graph-view"] .edge').count(), 2);
  log('text box → form and graph view: 3 objects, 2 relations');

  // An unknown label in the text: the error names the clause, and the form keeps the last valid graph.
  await text.fill(`${GRAPH}; pink circle above sky`);
  const issues = page.getByTestId('text-issues');
  await issues.waitFor();
  const msg = await issues.innerText();
  assert.match(msg, /Clause 3/);
  assert.match(msg, /unknown object label "pink circle"/);
  assert.equal(await text.getAttribute('aria-invalid'), 'true');
  assert.equal(
    await page.getByTestId('generate').isDisabled(),
    true,
    'Generate must be disabled while the text is invalid',
  );
  log(`inline text error: ${msg.split('\n')[0]}`);
  await text.fill(GRAPH);
  await issues.waitFor({ state: 'detached' });

  // An unknown label in the form: the error appears in that object's row.
  await relabel(page, 0, 'pink circle');
  const rowIssue = page.locator('[data-testid="object-rows"] li').nth(0).locator('.issues');
  await rowIssue.waitFor();
  assert.match(await rowIssue.innerText(), /pink circle/);
  log(`inline form error: ${(await rowIssue.innerText()).trim()}`);
  await relabel(page, 0, 'red circle');
  await rowIssue.waitFor({ state: 'detached' });

  // Form → text: add an object and a relation.
  await page.getByLabel('New object label').fill('yellow triangle');
  await page.getByRole('button', { name: 'Add object' }).click();
  await page.waitForFunction(() =>
    document.querySelector('[data-testid="graph-text"]').value.includes('yellow triangle'),
  );
  await page.locator('.add-relation select').nth(0).selectOption({ label: 'yellow triangle' });
  await page.locator('.add-relation select').nth(1).selectOption('above');
  await page.locator('.add-relation select').nth(2).selectOption({ label: 'grass' });
  await page.getByRole('button', { name: 'Add relation' }).click();
  await page.waitForFunction(() =>
    document
      .querySelector('[data-testid="graph-text"]')
      .value.includes('yellow triangle above grass'),
  );
  assert.equal(await page.locator('[data-testid="graph-view"] .edge').count(), 3);
  log(`form → text: "${await text.inputValue()}"`);

  // Graph view → form: clicking a node selects its row; keyboard works too.
  await page.locator('[data-testid="graph-view"] .node[aria-label="Object: blue square"]').click();
  await page.waitForFunction(() =>
    document.activeElement?.closest('li')?.classList.contains('selected'),
  );
  assert.equal(await page.evaluate(() => document.activeElement.value), 'blue square');
  await page.locator('[data-testid="graph-view"] .edge').first().focus();
  await page.keyboard.press('Enter');
  await page.waitForFunction(
    () =>
      document.activeElement?.tagName === 'SELECT' && document.activeElement.closest('li.selected'),
  );
  log('graph view → form: node click and edge Enter select their rows');

  // Back to the test graph.
  await text.fill(GRAPH);
  await page.waitForFunction(
    () => document.querySelectorAll('[data-testid="object-rows"] li').length === 3,
  );

  // Keyboard: Tab from the top reaches the text box, the graph, the form and Generate, in that order.
  await page.locator('h1').click(); // sets the sequential focus starting point at the top
  const order = [];
  for (let k = 0; k < 60 && !order.includes('generate'); k++) {
    // A page that yanks focus back can wedge the renderer: fail fast with the order so far.
    await withTimeout(
      page.keyboard.press('Tab'),
      10_000,
      () => `Tab hung after: ${order.join(' ')}`,
    );
    order.push(
      await page.evaluate(() => {
        const a = document.activeElement;
        if (a?.id === 'graph-text') return 'text';
        if (a?.closest?.('[data-testid="graph-view"]')) return 'graph';
        if (a?.closest?.('[data-testid="object-rows"]')) return 'form';
        if (a?.dataset?.testid === 'generate') return 'generate';
        return a?.tagName ?? 'none';
      }),
    );
  }
  const first = (what) => order.indexOf(what);
  assert.ok(
    first('text') >= 0 &&
      first('text') < first('graph') &&
      first('graph') < first('form') &&
      first('form') < first('generate'),
    `tab order: ${order.join(' ')}`,
  );
  log(
    `keyboard: Tab reaches text (${first('text') + 1}), graph (${first('graph') + 1}), form (${first('form') + 1}), Generate (${first('generate') + 1})`,
  );
}

/** Starts a long generation and cancels it after the first step. */
async function cancelFlow(page) {
  const steps = page.getByTestId('steps');
  await steps.fill('200');
  await steps.press('Tab');
  await page.getByTestId('generate').click();
  await page.waitForFunction(() =>
    /^Step [1-9]/.test(document.querySelector('[data-testid="status"]').textContent),
  );
  await page.getByTestId('cancel').click();
  await page.waitForFunction(
    () => document.querySelector('[data-testid="status"]').textContent.includes('cancelled'),
    null,
    {
      timeout: 30_000,
    },
  );
  assert.equal(
    await page.locator('[data-testid="history"] li').count(),
    0,
    'a cancelled run must not add to the history',
  );
  assert.equal(await page.getByTestId('generate').isDisabled(), false);
  await steps.fill(String(STEPS));
  await steps.press('Tab');
  log('cancel: a 200-step run stopped after its first steps; Generate is enabled again');
}

async function backendRun(browser, backend, { full }) {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    acceptDownloads: true,
  });
  const page = await context.newPage();
  const consoleErrors = [];
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  const query = new URLSearchParams({
    backend,
    steps: String(STEPS),
    seed: '7',
    g: GRAPH,
    ...BACKEND_QUERY[backend],
  });
  const previewOn = query.get('preview') !== '0';
  const loadStart = performance.now();
  await page.goto(`${server.url}?${query}`);
  const adapter = await waitReady(page, backend);
  const firstLoad = performance.now() - loadStart;
  assert.match(
    await page.getByTestId('model-label').innerText(),
    PLACEHOLDER ? /untrained placeholder model/ : /^trained, \d+×\d+/,
  );
  log(`${backend}: ready (${adapter}) in ${(firstLoad / 1000).toFixed(1)} s`);

  if (full) {
    await editorFlow(page);
    await cancelFlow(page);
  }

  const gen1 = await runGeneration(page, 'generate');
  const image1 = await canvasStats(page, 'image');
  assertNotBlank(image1, `${backend} first image`);
  if (previewOn)
    assert.equal(
      gen1.previews,
      Number(query.get('steps')),
      `${backend}: expected a live preview per step`,
    );
  log(
    `${backend}: generated ${image1.width}×${image1.height} in ${gen1.totalMs} ms, ${gen1.msPerStep} ms/step, ${gen1.previews} previews, pixel std ${image1.std.toFixed(1)}`,
  );

  // Manipulation: edit a node, regenerate with the same seed.
  await relabel(page, 0, 'green circle');
  await page.waitForFunction(() =>
    document.querySelector('[data-testid="graph-text"]').value.startsWith('green circle left of'),
  );
  const gen2 = await runGeneration(page, 'regenerate');
  await page.getByTestId('compare').waitFor();
  const before = await canvasStats(page, 'before');
  const after = await canvasStats(page, 'after');
  assertNotBlank(after, `${backend} edited image`);
  assert.equal(
    meanAbsDiff(before.pixels, image1.pixels),
    0,
    'the "before" image must be the first image',
  );
  // Same seed and an unchanged graph reproduce the image exactly (checked above), so any change
  // shows the edit reached the model. A trained model changes only the edited object's region.
  const changed = meanAbsDiff(before.pixels, after.pixels);
  assert.ok(
    changed > 0,
    `${backend}: the edit did not change the image (mean |Δ| ${changed.toFixed(3)})`,
  );
  assert.equal(await page.getByTestId('seed').inputValue(), '7');
  log(
    `${backend}: same-seed regenerate after the edit: mean |Δ| ${changed.toFixed(1)} of 255, ${gen2.msPerStep} ms/step`,
  );

  const result = {
    backend,
    adapter,
    firstLoadMs: Math.round(firstLoad),
    msPerStep: [gen1.msPerStep, gen2.msPerStep],
    totalMs: [gen1.totalMs, gen2.totalMs],
    editDelta: +changed.toFixed(2),
  };

  if (full) {
    await page.getByTestId('overlay').check();
    await page.waitForSelector('[data-testid="after"][data-overlay="on"]');
    const overlaid = await canvasStats(page, 'after');
    assert.ok(
      meanAbsDiff(overlaid.pixels, after.pixels) > 0,
      'the difference overlay changed nothing',
    );
    // The layout each image was drawn in: the relabel re-places the circle only (the text editor's
    // label-derived ids are matched by position, so the square and grass keep their boxes).
    await page.getByTestId('show-layout').check();
    const boxes = async (id) =>
      page
        .locator(`[data-testid="${id}"] + [data-testid="layout-boxes"] g`)
        .evaluateAll((gs) =>
          gs.map((g) =>
            [
              g.textContent,
              ...['x', 'y', 'width', 'height'].map((a) => g.firstElementChild.getAttribute(a)),
            ].join(' '),
          ),
        );
    const [boxesBefore, boxesAfter] = [await boxes('before'), await boxes('after')];
    assert.deepEqual(
      boxesAfter.map((b) => b.split(' ').slice(0, -4).join(' ')).sort(),
      ['blue square', 'grass', 'green circle'],
      `layout boxes: ${boxesAfter.join('; ')}`,
    );
    for (const label of ['blue square', 'grass']) {
      const box = (bs) => bs.find((b) => b.startsWith(`${label} `));
      assert.equal(box(boxesAfter), box(boxesBefore), `the untouched ${label} was re-placed`);
    }
    await page.getByTestId('compare').screenshot({ path: join(out, 'layout-boxes.png') });
    log(`layout boxes shown: ${boxesAfter.join('; ')}`);
    assert.equal(await page.locator('[data-testid="history"] li').count(), 2);
    const q = new URL(page.url()).searchParams;
    assert.equal(q.get('g'), 'green circle left of blue square; blue square above grass');
    assert.equal(q.get('seed'), '7');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('download-png').click(),
    ]);
    const png = join(out, download.suggestedFilename());
    await download.saveAs(png);
    assert.deepEqual(
      [...readFileSync(png).subarray(0, 8)],
      [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
      'the download is not a PNG',
    );
    log(
      `overlay, history (2), URL state and PNG download (${download.suggestedFilename()}) checked`,
    );
    await page.screenshot({ path: join(out, `desktop-${backend}.png`), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: join(out, `phone-${backend}.png`), fullPage: true });
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - window.innerWidth,
    );
    assert.ok(overflow <= 0, `the page scrolls sideways at phone width (${overflow}px)`);
    await page.setViewportSize({ width: 1280, height: 900 });

    // Reload: the URL brings the graph back, and the weights come from the Cache API.
    const reloadStart = performance.now();
    await page.reload();
    await waitReady(page, backend);
    result.reloadMs = Math.round(performance.now() - reloadStart);
    assert.equal(
      await page.getByTestId('graph-text').inputValue(),
      'green circle left of blue square; blue square above grass',
    );
    result.cachedShards = await page.evaluate(async () => {
      let n = 0;
      for (const name of await caches.keys()) n += (await (await caches.open(name)).keys()).length;
      return n;
    });
    assert.ok(result.cachedShards >= 3, `expected cached shards, found ${result.cachedShards}`);
    log(
      `reload: ready in ${(result.reloadMs / 1000).toFixed(1)} s with ${result.cachedShards} shards from the Cache API; graph restored from the URL`,
    );
  } else {
    await page.screenshot({ path: join(out, `desktop-${backend}.png`), fullPage: true });
  }
  const relevant = consoleErrors.filter((e) => !/favicon|Failed to load resource.*404/.test(e));
  assert.deepEqual(relevant, [], `${backend}: console errors`);
  await context.close();
  return result;
}

const bundle = measureBuild(dist);
log(
  `bundle: ${(bundle.js.bytes / 1e6).toFixed(2)} MB of JavaScript (${(bundle.js.gzip / 1e6).toFixed(2)} MB gzipped), ${(bundle.wasm.bytes / 1e6).toFixed(2)} MB of WASM; model ${(bundle.model.bytes / 1e6).toFixed(2)} MB`,
);
assert.ok(
  bundle.js.bytes <= JS_BUDGET,
  `the build has ${bundle.js.bytes} bytes of JavaScript, over the ${JS_BUDGET}-byte budget`,
);
const server = await serveStatic(dist);
log(`serving ${dist} at ${server.url}`);
const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
const results = [];
let failed = false;
try {
  for (const [i, backend] of backends.entries()) {
    try {
      results.push(await backendRun(browser, backend, { full: i === 0 }));
    } catch (e) {
      failed = true;
      console.error(`[e2e] ${backend}: FAILED\n${e.stack ?? e}`);
      results.push({ backend, error: String(e.message ?? e) });
    }
  }
} finally {
  await browser.close();
  await server.close();
}
const summary = {
  seconds: +((performance.now() - t0) / 1000).toFixed(1),
  steps: STEPS,
  bundle: {
    jsBytes: bundle.js.bytes,
    jsGzip: bundle.js.gzip,
    wasmBytes: bundle.wasm.bytes,
    modelBytes: bundle.model.bytes,
  },
  results,
};
writeFileSync(join(out, 'timings.json'), JSON.stringify(summary, null, 2) + '\n');
console.log('\nbackend | adapter | ms/step (first, same-seed) | total ms');
for (const r of results) {
  console.log(
    r.error
      ? `${r.backend} | FAILED: ${r.error.split('\n')[0]}`
      : `${r.backend} | ${r.adapter} | ${r.msPerStep.join(', ')} | ${r.totalMs.join(', ')}`,
  );
}
console.log(`e2e ${failed ? 'FAILED' : 'passed'} in ${summary.seconds} s; screenshots in ${out}`);
process.exit(failed ? 1 : 0);
