// The image: live preview while sampling, the result (or before/after of a same-seed edit), its
// actions, and the history strip.
import { useMemo, useState } from 'preact/hooks';
import { differenceOverlay } from '../images/difference.js';
import { downloadPng, ImageCanvas } from '../results/ImageCanvas.js';
import { FramedImage } from '../results/LayoutBoxes.js';
import { formatMs } from './format.js';
import type { Result, Running } from './useGeneration.js';

export function ResultView({
  running,
  result,
  compare,
}: {
  running: Running | null;
  result: Result | null;
  compare: { before: Result; after: Result } | null;
}) {
  const [overlay, setOverlay] = useState(false);
  const [showLayout, setShowLayout] = useState(false);
  const overlayFrame = useMemo(
    () =>
      compare && overlay ? differenceOverlay(compare.before.frame, compare.after.frame) : null,
    [compare, overlay],
  );
  const shown = running?.preview ?? result?.frame ?? null;
  return (
    <>
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
    </>
  );
}

export function History({
  history,
  current,
  onRestore,
}: {
  history: Result[];
  current: Result | null;
  onRestore: (r: Result) => void;
}) {
  if (history.length === 0) return null;
  return (
    <div class="history">
      <h3 id="history-heading">History</h3>
      <ol class="strip" aria-labelledby="history-heading" data-testid="history">
        {history.map((h, i) => (
          <li key={history.length - i}>
            <button
              type="button"
              class={h === current ? 'current' : ''}
              onClick={() => onRestore(h)}
              aria-label={`Restore ${h.text}, seed ${h.seed}`}
              title={`${h.text} (seed ${h.seed})`}
            >
              <ImageCanvas frame={h.frame} label="" size="thumb" />
            </button>
          </li>
        ))}
      </ol>
    </div>
  );
}
