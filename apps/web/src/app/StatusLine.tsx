// The page header: what runs the model, and which model it is.
import type { ModelInfo } from '../generation/protocol.js';
import type { BackendInfo, ModelState } from './useModel.js';

export function StatusLine({
  backend,
  model,
  modelState,
  placeholder,
}: {
  backend: BackendInfo | null;
  model: ModelInfo | null;
  modelState: ModelState;
  placeholder: boolean;
}) {
  return (
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
  );
}
