// The generation form: seed, steps, sampler, guidance, live preview, and the buttons.
import type { Dispatch, StateUpdater } from 'preact/hooks';
import type { ModelInfo } from '../generation/protocol.js';
import { SAMPLERS, type Settings } from '../state/url-state.js';

export function Controls({
  settings,
  setSettings,
  model,
  livePreview,
  setLivePreview,
  canGenerate,
  hasResult,
  running,
  generate,
  cancel,
}: {
  settings: Settings;
  setSettings: Dispatch<StateUpdater<Settings>>;
  model: ModelInfo | null;
  livePreview: boolean;
  setLivePreview: (on: boolean) => void;
  canGenerate: boolean;
  hasResult: boolean;
  running: boolean;
  generate: (sameSeed: boolean) => void;
  cancel: () => void;
}) {
  const setNum = (key: 'seed' | 'steps' | 'guidance') => (e: Event) => {
    const v = Number((e.target as HTMLInputElement).value);
    if (!Number.isFinite(v)) return;
    setSettings((s) => ({
      ...s,
      [key]: key === 'guidance' ? Math.max(0, v) : Math.max(key === 'steps' ? 1 : 0, Math.round(v)),
    }));
  };

  return (
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
            onClick={() => setSettings((s) => ({ ...s, seed: Math.floor(Math.random() * 1e6) }))}
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
          disabled={!canGenerate || !hasResult}
          onClick={() => generate(true)}
          data-testid="regenerate"
          title="Keep the last image's seed, use the edited graph"
        >
          Regenerate with same seed
        </button>
        <button type="button" disabled={!running} onClick={cancel} data-testid="cancel">
          Cancel
        </button>
      </div>
    </form>
  );
}

/** The model's late guidance, said where the guidance field is; undefined when it has none. */
function lateGuidanceNote(model: ModelInfo | null): string | undefined {
  const late = model?.defaults.lateGuidance;
  if (!model || !late) return undefined;
  return `At the model's ${model.defaults.guidance}, guidance rises to ${late.scale} below timestep ${late.below}; any other value is used at every step.`;
}
