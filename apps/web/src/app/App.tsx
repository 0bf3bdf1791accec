// The demo page: the graph editors on one side, generation and manipulation on the other. State
// lives in hooks (useModel, useGraphState, useGeneration); the views below only draw it.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { formatSceneGraphText } from '@sgdiff/scene-graph';
import { FormEditor } from '../editor/FormEditor.js';
import { GraphView } from '../editor/GraphView.js';
import { TextEditor } from '../editor/TextEditor.js';
import type { GenerationClient } from '../generation/client.js';
import type { ModelInfo } from '../generation/protocol.js';
import { readUrlState, writeUrlState, type Settings } from '../state/url-state.js';
import { Controls } from './Controls.js';
import { formatBytes, formatMs } from './format.js';
import { History, ResultView } from './ResultView.js';
import { StatusLine } from './StatusLine.js';
import { useGeneration, type Result } from './useGeneration.js';
import { useGraphState } from './useGraphState.js';
import { useModel } from './useModel.js';

export type { Result } from './useGeneration.js';

// Absolute, because the worker resolves relative URLs against its own script's URL.
const MODEL_URL = new URL(`${import.meta.env.BASE_URL}models/default/`, location.href).href;
const DEFAULT_GRAPH =
  'red circle left of blue square; blue square above grass; yellow triangle inside sky';

export function App() {
  const initial = useMemo(() => readUrlState(location.search), []);
  const [settings, setSettings] = useState<Settings>({
    seed: 42,
    steps: 10,
    sampler: 'ddim',
    guidance: 3,
    ...initial.settings,
  });
  // Decoding the denoised estimate costs about one decoder pass per step; slow backends may skip it.
  const [livePreview, setLivePreview] = useState(initial.preview);

  const onManifest = (m: ModelInfo) =>
    setSettings((s) => ({
      ...s,
      steps: initial.settings.steps ?? m.defaults.steps,
      sampler: initial.settings.sampler ?? m.defaults.sampler,
      guidance: initial.settings.guidance ?? m.defaults.guidance,
    }));
  const client = useRef<GenerationClient | null>(null);
  const gen = useGeneration(client);
  const m = useModel(MODEL_URL, initial.backend, client, gen.handle, onManifest);
  const g = useGraphState(initial.graph ?? DEFAULT_GRAPH, m.vocab, m.model?.maxObjects);
  const { model, modelState } = m;
  const { running, result } = gen;

  // Share: the last valid graph and the settings live in the URL.
  useEffect(() => {
    if (!g.graph) return;
    const search = writeUrlState({
      graph: formatSceneGraphText(g.graph),
      settings,
      backend: initial.backend,
      preview: livePreview,
    });
    if (search !== location.search) window.history.replaceState(null, '', search);
  }, [g.graph, settings, initial.backend, livePreview]);

  const canGenerate = modelState === 'ready' && !!g.graph && !g.stale && !running;
  const generate = (sameSeed: boolean) => {
    if (!g.graph) return;
    const s = gen.start(g.graph, settings, livePreview, sameSeed);
    if (s !== settings) setSettings(s);
  };
  const restore = (r: Result) => {
    g.onText(r.text);
    setSettings(r.settings);
    gen.show(r);
  };
  const placeholder = model?.provenance?.placeholder === true;

  return (
    <div
      class="app"
      data-model-state={modelState}
      data-gen-state={running ? 'running' : result ? 'done' : 'idle'}
      data-testid="app"
    >
      <StatusLine
        backend={m.backend}
        model={model}
        modelState={modelState}
        placeholder={placeholder}
      />

      {m.fatal && (
        <p class="fatal" role="alert" data-testid="fatal">
          {m.fatal}
        </p>
      )}

      <main class="layout">
        <section class="panel editor" aria-labelledby="editor-heading">
          <h2 id="editor-heading">Scene graph</h2>
          <TextEditor text={g.text} issues={g.textIssues} onInput={g.onText} />
          {g.graph && m.vocab && model ? (
            <>
              <GraphView
                graph={g.graph}
                selection={g.selection}
                onSelect={g.selectFromGraph}
                stale={g.stale}
              />
              <FormEditor
                graph={g.graph}
                vocab={m.vocab}
                maxObjects={model.maxObjects}
                selection={g.selection}
                onSelect={g.setSelection}
                focusRequest={g.focusRequest}
                onEdit={g.onEdit}
                stale={g.stale}
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
                {m.download.total
                  ? `: ${formatBytes(m.download.loaded)} of ${formatBytes(m.download.total)} so far`
                  : '…'}
              </label>
              <progress
                id="download-progress"
                max={m.download.total || 1}
                value={m.download.loaded}
              />
            </div>
          )}
          {modelState === 'ready' && m.loadMs !== null && (
            <p class="hint" data-testid="load-time">
              Model loaded in {formatMs(m.loadMs)}; its weights stay in the browser cache for the
              next visit.
            </p>
          )}

          <Controls
            settings={settings}
            setSettings={setSettings}
            model={model}
            livePreview={livePreview}
            setLivePreview={setLivePreview}
            canGenerate={canGenerate}
            hasResult={!!result}
            running={!!running}
            generate={generate}
            cancel={gen.cancel}
          />

          <p class="status" role="status" aria-live="polite" data-testid="status">
            {running
              ? `Step ${running.i} of ${running.steps}${running.msPerStep ? ` · ${running.msPerStep.toFixed(0)} ms/step` : ''}`
              : gen.status}
          </p>
          {running && (
            <progress
              class="steps"
              max={running.steps}
              value={running.i}
              aria-label="Sampling progress"
            />
          )}
          {gen.genError && (
            <p class="fatal" role="alert" data-testid="gen-error">
              {gen.genError}
            </p>
          )}

          <ResultView running={running} result={result} compare={gen.compare} />
          <History history={gen.history} current={result} onRestore={restore} />
        </section>
      </main>
    </div>
  );
}
