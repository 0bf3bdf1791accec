// The demo page: the graph editors on one side, generation and manipulation on the other.
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import {
  formatSceneGraphText,
  Vocabulary,
  type EditResult,
  type SceneGraph,
  type SceneGraphIssue,
} from '@sgdiff/scene-graph';
import { FormEditor } from '../editor/FormEditor.js';
import { GraphView } from '../editor/GraphView.js';
import type { Selection } from '../editor/selection.js';
import { TextEditor } from '../editor/TextEditor.js';
import { GenerationClient } from '../generation/client.js';
import type { DownloadProgress, Frame, FromWorker, ModelInfo } from '../generation/protocol.js';
import { differenceOverlay } from '../images/difference.js';
import { downloadPng, ImageCanvas } from '../results/ImageCanvas.js';
import { FramedImage } from '../results/LayoutBoxes.js';
import { readGraphInput } from '../state/graph-input.js';
import { readUrlState, SAMPLERS, writeUrlState, type Settings } from '../state/url-state.js';

// Absolute, because the worker resolves relative URLs against its own script's URL.
const MODEL_URL = new URL(`${import.meta.env.BASE_URL}models/default/`, location.href).href;
const DEFAULT_GRAPH =
  'red circle left of blue square; blue square above grass; yellow triangle inside sky';
const HISTORY_LIMIT = 12;

export interface Result {
  frame: Frame;
  seed: number;
  text: string;
  settings: Settings;
  msPerStep: number;
  totalMs: number;
  /** How many live previews arrived while it was generated. */
  previews: number;
  /** The boxes it was drawn in (a model with layout input). */
  layout?: SceneGraph;
}

interface Running {
  id: number;
  i: number;
  steps: number;
  msPerStep?: number;
  preview?: Frame;
}

type ModelState = 'manifest' | 'loading' | 'ready' | 'error';

function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`;
}

function formatBytes(n: number): string {
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

export function App() {
  const initial = useMemo(() => readUrlState(location.search), []);
  const [model, setModel] = useState<ModelInfo | null>(null);
  const vocab = useMemo(() => (model ? Vocabulary.fromJSON(model.vocabulary) : null), [model]);
  const [modelState, setModelState] = useState<ModelState>('manifest');
  const [fatal, setFatal] = useState<string | null>(null);
  const [backend, setBackend] = useState<{
    backend: string;
    adapter: string;
    softwareFallback: boolean;
  } | null>(null);
  const [downloads, setDownloads] = useState<Record<string, DownloadProgress>>({});
  const [loadMs, setLoadMs] = useState<number | null>(null);

  const [text, setText] = useState(initial.graph ?? DEFAULT_GRAPH);
  const [graph, setGraph] = useState<SceneGraph | null>(null);
  const [textIssues, setTextIssues] = useState<SceneGraphIssue[]>([]);
  const [selection, setSelection] = useState<Selection | null>(null);
  // Bumped when the graph view selects something, so that the form moves focus to that row
  // (and only then: focus moving inside the form must not be pulled back).
  const [focusRequest, setFocusRequest] = useState(0);
  const selectFromGraph = useCallback((s: Selection) => {
    setSelection(s);
    setFocusRequest((n) => n + 1);
  }, []);
  const [settings, setSettings] = useState<Settings>({
    seed: 42,
    steps: 10,
    sampler: 'ddim',
    guidance: 3,
    ...initial.settings,
  });

  const [running, setRunning] = useState<Running | null>(null);
  const [genError, setGenError] = useState<string | null>(null);
  const [result, setResult] = useState<Result | null>(null);
  const [compare, setCompare] = useState<{ before: Result; after: Result } | null>(null);
  const [overlay, setOverlay] = useState(false);
  const [showLayout, setShowLayout] = useState(false);
  // Decoding the denoised estimate costs about one decoder pass per step; slow backends may skip it.
  const [livePreview, setLivePreview] = useState(initial.preview);
  const [history, setHistory] = useState<Result[]>([]);
  const [status, setStatus] = useState('');

  const client = useRef<GenerationClient | null>(null);
  // What the running request was asked for, to file its result.
  const pending = useRef<{ text: string; settings: Settings; before: Result | null } | null>(null);
  const previewCount = useRef(0);
  const lastResult = useRef<Result | null>(null);
  lastResult.current = result;

  const onWorker = useCallback((m: FromWorker) => {
    switch (m.type) {
      case 'backend':
        setBackend({
          backend: m.backend,
          adapter: m.adapter,
          softwareFallback: m.softwareFallback,
        });
        break;
      case 'progress':
        setDownloads((d) => ({ ...d, [`${m.progress.part}/${m.progress.file}`]: m.progress }));
        break;
      case 'ready':
        setLoadMs(m.loadMs);
        setModelState('ready');
        setStatus('Model ready.');
        break;
      case 'step':
        if (m.preview) previewCount.current++;
        setRunning((r) =>
          r && r.id === m.id
            ? {
                ...r,
                i: m.i + 1,
                steps: m.steps,
                msPerStep: m.msPerStep,
                preview: m.preview ?? r.preview,
              }
            : r,
        );
        break;
      case 'done': {
        const req = pending.current!;
        const res: Result = {
          frame: m.image,
          seed: m.image.seed,
          text: req.text,
          settings: req.settings,
          msPerStep: m.msPerStep,
          totalMs: m.totalMs,
          previews: previewCount.current,
          ...(m.layout ? { layout: m.layout } : {}),
        };
        setResult(res);
        setCompare(req.before ? { before: req.before, after: res } : null);
        setHistory((h) => [res, ...h].slice(0, HISTORY_LIMIT));
        setRunning(null);
        setStatus(`Image generated in ${formatMs(m.totalMs)}.`);
        break;
      }
      case 'cancelled':
        setRunning(null);
        setStatus('Generation cancelled.');
        break;
      case 'error':
        if (m.stage === 'init') {
          setModelState('error');
          setFatal(m.message);
        } else {
          setGenError(m.message);
        }
        setRunning(null);
        break;
    }
  }, []);

  // Read sgdiff.json here too, so that the editors work while the weights download.
  useEffect(() => {
    let live = true;
    fetch(`${MODEL_URL}sgdiff.json`, { cache: 'no-cache' })
      .then((r) => {
        if (!r.ok) throw new Error(`${MODEL_URL}sgdiff.json: HTTP ${r.status}`);
        return r.json();
      })
      .then((m: ModelInfo) => {
        if (!live) return;
        setModel(m);
        setSettings((s) => ({
          ...s,
          steps: initial.settings.steps ?? m.defaults.steps,
          sampler: initial.settings.sampler ?? m.defaults.sampler,
          guidance: initial.settings.guidance ?? m.defaults.guidance,
        }));
        setModelState('loading');
        const c = new GenerationClient(onWorker);
        client.current = c;
        c.init(initial.backend, MODEL_URL);
      })
      .catch((e: Error) => {
        setModelState('error');
        setFatal(e.message);
      });
    return () => {
      live = false;
      client.current?.dispose();
    };
  }, [initial, onWorker]);

  const onText = useCallback(
    (t: string) => {
      setText(t);
      if (!vocab || !model) return;
      const r = readGraphInput(t, vocab, model.maxObjects);
      if (r.ok) {
        setGraph(r.graph);
        setTextIssues([]);
        setSelection(null);
      } else {
        setTextIssues(r.issues);
      }
    },
    [vocab, model],
  );

  // Parse the initial text once the vocabulary is known.
  useEffect(() => {
    if (vocab) onText(text);
  }, [vocab]);

  const onEdit = useCallback((r: EditResult) => {
    setGraph(r.graph);
    setText(formatSceneGraphText(r.graph));
    setTextIssues([]);
  }, []);

  // Share: the last valid graph and the settings live in the URL.
  useEffect(() => {
    if (!graph) return;
    const search = writeUrlState({
      graph: formatSceneGraphText(graph),
      settings,
      backend: initial.backend,
      preview: livePreview,
    });
    if (search !== location.search) window.history.replaceState(null, '', search);
  }, [graph, settings, initial.backend, livePreview]);

  const canGenerate = modelState === 'ready' && !!graph && textIssues.length === 0 && !running;

  const generate = (sameSeed: boolean) => {
    if (!client.current || !graph) return;
    const before = sameSeed ? lastResult.current : null;
    const s = before ? { ...settings, seed: before.seed } : settings;
    if (before) setSettings(s);
    setGenError(null);
    previewCount.current = 0;
    pending.current = { text: formatSceneGraphText(graph), settings: s, before };
    // An edit with the same seed keeps the untouched objects where they were drawn.
    const id = client.current.generate({
      graph,
      ...s,
      preview: livePreview,
      ...(before?.layout ? { previousLayout: before.layout } : {}),
    });
    setRunning({ id, i: 0, steps: s.steps });
    setStatus(before ? `Regenerating with seed ${s.seed}…` : `Generating with seed ${s.seed}…`);
  };

  const restore = (r: Result) => {
    onText(r.text);
    setSettings(r.settings);
    setResult(r);
    setCompare(null);
  };

  const overlayFrame = useMemo(
    () =>
      compare && overlay ? differenceOverlay(compare.before.frame, compare.after.frame) : null,
    [compare, overlay],
  );
  const placeholder = model?.provenance?.placeholder === true;
  const dl = Object.values(downloads);
  const dlLoaded = dl.reduce((a, d) => a + d.loaded, 0);
  const dlTotal = dl.reduce((a, d) => a + d.total, 0);
  const shown = running?.preview ?? result?.frame ?? null;
  const stale = textIssues.length > 0;

  const setNum = (key: 'seed' | 'steps' | 'guidance') => (e: Event) => {
    const v = Number((e.target as HTMLInputElement).value);
    if (!Number.isFinite(v)) return;
    setSettings((s) => ({
      ...s,
      [key]: key === 'guidance' ? Math.max(0, v) : Math.max(key === 'steps' ? 1 : 0, Math.round(v)),
    }));
  };

  return (
    <div
      class="app"
      data-model-state={modelState}
      data-gen-state={running ? 'running' : result ? 'done' : 'idle'}
      data-testid="app"
    >
      <header class="top">
        <h1>SGDiff.js</h1>
        <p class="tagline">Scene graph → image, generated in your browser.</p>
        <dl class="status-line">
          <div>
            <dt>Backend</dt>
            <dd data-testid="backend">
              {backend
                ? `${backend.backend} · ${backend.adapter}${backend.softwareFallback ? ' (software)' : ''}`
                : modelState === 'error'
                  ? 'none'
                  : 'starting…'}
            </dd>
          </div>
          <div>
            <dt>Model</dt>
            <dd data-testid="model-label">
              {model ? (
                placeholder ? (
                  <span class="badge warn">untrained placeholder model</span>
                ) : (
                  `trained, ${model.imageSize}×${model.imageSize}`
                )
              ) : (
                '…'
              )}
            </dd>
          </div>
        </dl>
      </header>

      {fatal && (
        <p class="fatal" role="alert" data-testid="fatal">
          {fatal}
        </p>
      )}

      <main class="layout">
        <section class="panel editor" aria-labelledby="editor-heading">
          <h2 id="editor-heading">Scene graph</h2>
          <TextEditor text={text} issues={textIssues} onInput={onText} />
          {graph && vocab && model ? (
            <>
              <GraphView
                graph={graph}
                selection={selection}
                onSelect={selectFromGraph}
                stale={stale}
              />
              <FormEditor
                graph={graph}
                vocab={vocab}
                maxObjects={model.maxObjects}
                selection={selection}
                onSelect={setSelection}
                focusRequest={focusRequest}
                onEdit={onEdit}
                stale={stale}
              />
            </>
          ) : (
            <p class="hint">
              {modelState === 'error'
                ? 'The model manifest could not be read.'
                : 'Loading the vocabulary…'}
            </p>
          )}
        </section>

        <section class="panel generate" aria-labelledby="generate-heading">
          <h2 id="generate-heading">Image</h2>
          {placeholder && (
            <p class="note" data-testid="placeholder-note">
              This is an <strong>untrained placeholder model</strong> with random weights. It runs
              the whole pipeline, but its images are noise patterns, not scenes.
            </p>
          )}
          {modelState === 'loading' && (
            <div class="download" data-testid="download">
              <label for="download-progress">
                Downloading the model
                {dlTotal ? `: ${formatBytes(dlLoaded)} of ${formatBytes(dlTotal)} so far` : '…'}
              </label>
              <progress id="download-progress" max={dlTotal || 1} value={dlLoaded} />
            </div>
          )}
          {modelState === 'ready' && loadMs !== null && (
            <p class="hint" data-testid="load-time">
              Model loaded in {formatMs(loadMs)}; its weights stay in the browser cache for the next
              visit.
            </p>
          )}

          <form
            class="controls"
            onSubmit={(e) => {
              e.preventDefault();
              if (canGenerate) generate(false);
            }}
          >
            <label>
              Seed
              <span class="with-button">
                <input
                  type="number"
                  min={0}
                  step={1}
                  value={settings.seed}
                  onChange={setNum('seed')}
                  data-testid="seed"
                />
                <button
                  type="button"
                  class="icon"
                  aria-label="Random seed"
                  title="Random seed"
                  onClick={() =>
                    setSettings((s) => ({ ...s, seed: Math.floor(Math.random() * 1e6) }))
                  }
                >
                  ⚄
                </button>
              </span>
            </label>
            <label>
              Steps
              <input
                type="number"
                min={1}
                max={1000}
                step={1}
                value={settings.steps}
                onChange={setNum('steps')}
                data-testid="steps"
              />
            </label>
            <label>
              Sampler
              <select
                value={settings.sampler}
                onChange={(e) =>
                  setSettings((s) => ({
                    ...s,
                    sampler: (e.target as HTMLSelectElement).value as Settings['sampler'],
                  }))
                }
              >
                {SAMPLERS.map((s) => (
                  <option value={s}>{s}</option>
                ))}
              </select>
            </label>
            <label title={lateGuidanceNote(model)}>
              Guidance
              <input
                type="number"
                min={0}
                max={30}
                step={0.5}
                value={settings.guidance}
                onChange={setNum('guidance')}
              />
            </label>
            <label class="check">
              <input
                type="checkbox"
                checked={livePreview}
                onChange={(e) => setLivePreview((e.target as HTMLInputElement).checked)}
                data-testid="live-preview"
              />
              Live preview at every step
            </label>
            <div class="buttons">
              <button type="submit" class="primary" disabled={!canGenerate} data-testid="generate">
                Generate
              </button>
              <button
                type="button"
                disabled={!canGenerate || !result}
                onClick={() => generate(true)}
                data-testid="regenerate"
                title="Keep the last image's seed, use the edited graph"
              >
                Regenerate with same seed
              </button>
              <button
                type="button"
                disabled={!running}
                onClick={() => running && client.current?.cancel(running.id)}
                data-testid="cancel"
              >
                Cancel
              </button>
            </div>
          </form>

          <p class="status" role="status" aria-live="polite" data-testid="status">
            {running
              ? `Step ${running.i} of ${running.steps}${running.msPerStep ? ` · ${running.msPerStep.toFixed(0)} ms/step` : ''}`
              : status}
          </p>
          {running && (
            <progress
              class="steps"
              max={running.steps}
              value={running.i}
              aria-label="Sampling progress"
            />
          )}
          {genError && (
            <p class="fatal" role="alert" data-testid="gen-error">
              {genError}
            </p>
          )}

          {compare && !running ? (
            <div class="compare" data-testid="compare">
              <figure>
                <FramedImage
                  frame={compare.before.frame}
                  label={`Before: ${compare.before.text}`}
                  testId="before"
                  layout={showLayout ? compare.before.layout : undefined}
                />
                <figcaption>
                  <strong>Before</strong> · {compare.before.text}
                </figcaption>
              </figure>
              <figure>
                <FramedImage
                  frame={compare.after.frame}
                  overlay={overlayFrame}
                  label={`After: ${compare.after.text}`}
                  testId="after"
                  layout={showLayout ? compare.after.layout : undefined}
                />
                <figcaption>
                  <strong>After</strong> · {compare.after.text}
                </figcaption>
              </figure>
              <label class="check">
                <input
                  type="checkbox"
                  checked={overlay}
                  onChange={(e) => setOverlay((e.target as HTMLInputElement).checked)}
                  data-testid="overlay"
                />
                Difference overlay
              </label>
            </div>
          ) : (
            <figure class="single">
              <FramedImage
                frame={shown}
                label={
                  running
                    ? 'Live preview of the denoised estimate'
                    : result
                      ? `Generated image: ${result.text}`
                      : 'No image yet'
                }
                testId="image"
                layout={showLayout && !running ? result?.layout : undefined}
              />
              <figcaption>
                {running
                  ? 'Live preview (denoised estimate)'
                  : result
                    ? `Seed ${result.seed}: ${result.text}`
                    : 'No image yet: press Generate.'}
              </figcaption>
            </figure>
          )}
          {result && !running && (
            <p class="result-actions">
              <button
                type="button"
                onClick={() => void downloadPng(result.frame, `sgdiff-seed${result.seed}.png`)}
                data-testid="download-png"
              >
                Download PNG
              </button>
              {result.layout && (
                <label
                  class="check"
                  title="The boxes drawn from the graph's relations, which the model was given"
                >
                  <input
                    type="checkbox"
                    checked={showLayout}
                    onChange={(e) => setShowLayout((e.target as HTMLInputElement).checked)}
                    data-testid="show-layout"
                  />
                  Show layout
                </label>
              )}
              <span
                class="hint"
                data-testid="timing"
                data-ms-per-step={result.msPerStep.toFixed(1)}
                data-total-ms={result.totalMs.toFixed(0)}
                data-previews={result.previews}
              >
                {result.settings.steps} steps in {formatMs(result.totalMs)},{' '}
                {result.msPerStep.toFixed(0)} ms per sampling step (decodes excluded)
              </span>
            </p>
          )}

          {history.length > 0 && (
            <div class="history">
              <h3 id="history-heading">History</h3>
              <ol class="strip" aria-labelledby="history-heading" data-testid="history">
                {history.map((h, i) => (
                  <li key={history.length - i}>
                    <button
                      type="button"
                      class={h === result ? 'current' : ''}
                      onClick={() => restore(h)}
                      aria-label={`Restore ${h.text}, seed ${h.seed}`}
                      title={`${h.text} (seed ${h.seed})`}
                    >
                      <ImageCanvas frame={h.frame} label="" size="thumb" />
                    </button>
                  </li>
                ))}
              </ol>
            </div>
          )}
        </section>
      </main>
    </div>
  );
}

/** The model's late guidance, said where the guidance field is; undefined when it has none. */
function lateGuidanceNote(model: ModelInfo | null): string | undefined {
  const late = model?.defaults.lateGuidance;
  if (!model || !late) return undefined;
  return `At the model's ${model.defaults.guidance}, guidance rises to ${late.scale} below timestep ${late.below}; any other value is used at every step.`;
}
