// The generation worker: backend selection, model download (cached by @sgdiff/nn in the Cache
// API) and sampling, all off the main thread so that the page never freezes.
import { keepUntouchedBoxes, SGDiffPipeline } from '@sgdiff/diffusion';
import { initBackend, tf, type BackendChoice } from '@sgdiff/nn';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { alignIdsByPosition } from './align-ids.js';
import type { FromWorker, GenerateRequest, ToWorker } from './protocol.js';

// The DOM lib is in scope for the whole app; a worker needs only these two members.
const scope = self as unknown as {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
};

const post = (m: FromWorker, transfer: Transferable[] = []) => scope.postMessage(m, transfer);

let pipeline: Promise<SGDiffPipeline> | undefined;
const running = new Map<number, AbortController>();
// One generation at a time: later requests wait for the earlier ones.
let queue: Promise<void> = Promise.resolve();

async function init(backend: string, modelUrl: string): Promise<SGDiffPipeline> {
  const info = await initBackend({
    backend: backend as BackendChoice,
    wasmPaths: {
      'tfjs-backend-wasm.wasm': wasmPlain,
      'tfjs-backend-wasm-simd.wasm': wasmSimd,
      'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
    },
  });
  post({ type: 'backend', ...info });
  const t0 = performance.now();
  const pipe = await SGDiffPipeline.load(modelUrl, {
    onProgress: (e) =>
      post({
        type: 'progress',
        progress: {
          status: e.status,
          file: e.file,
          part: e.part,
          loaded: e.loaded ?? 0,
          total: e.total ?? 0,
        },
      }),
  });
  const m = pipe.manifest;
  post({
    type: 'ready',
    loadMs: performance.now() - t0,
    model: {
      imageSize: m.imageSize,
      maxObjects: m.maxObjects,
      defaults: m.defaults,
      provenance: m.provenance,
      vocabulary: m.vocabulary,
    },
  });
  return pipe;
}

async function generate(req: GenerateRequest, abort: AbortController): Promise<void> {
  if (abort.signal.aborted) {
    post({ type: 'cancelled', id: req.id });
    return;
  }
  const t0 = performance.now();
  // ms/step counts the sampler's own work: from the end of one step callback to the start of the
  // next (the callback reads the step's result back, so GPU work is finished by then). Preview
  // decodes and the final decode are left out.
  let samplingMs = 0;
  let mark = t0;
  let stepsDone = 0;
  const msPerStep = () => samplingMs / Math.max(1, stepsDone);
  try {
    if (!pipeline) throw new Error('the model is not loaded');
    const pipe = await pipeline;
    let graph = req.graph;
    if (req.previousLayout) {
      const edited = pipe.parseGraph(req.graph);
      graph = keepUntouchedBoxes(alignIdsByPosition(req.previousLayout, edited), edited);
    }
    const result = await pipe.generate(graph, {
      seed: req.seed,
      steps: req.steps,
      sampler: req.sampler,
      // The model's own scale is left out, so that its late guidance applies (resolveSettings).
      guidance: req.guidance === pipe.manifest.defaults.guidance ? undefined : req.guidance,
      signal: abort.signal,
      onStep: async ({ i, steps, t, denoised }) => {
        // A small read-back waits for this step's GPU work, for honest timing and a prompt cancel.
        await denoised.data();
        samplingMs += performance.now() - mark;
        stepsDone = i + 1;
        let preview;
        if (req.preview) {
          const [rgba] = await pipe.decode(denoised as tf.Tensor4D);
          preview = { rgba, width: pipe.manifest.imageSize, height: pipe.manifest.imageSize };
        }
        // On WASM, awaiting tensor data settles in microtasks only: yield a macrotask so that a
        // cancel message can arrive between steps.
        await new Promise((r) => setTimeout(r, 0));
        post(
          { type: 'step', id: req.id, i, steps, t, preview, msPerStep: msPerStep() },
          preview ? [preview.rgba.buffer] : [],
        );
        mark = performance.now();
      },
    });
    const image = result.images[0];
    post(
      {
        type: 'done',
        id: req.id,
        image,
        ...(result.layouts ? { layout: result.layouts[0] } : {}),
        totalMs: performance.now() - t0,
        msPerStep: msPerStep(),
      },
      [image.rgba.buffer],
    );
  } catch (e) {
    if (abort.signal.aborted && (e as Error).name === 'AbortError')
      post({ type: 'cancelled', id: req.id });
    else post({ type: 'error', id: req.id, stage: 'generate', message: (e as Error).message });
  } finally {
    running.delete(req.id);
  }
}

scope.onmessage = (e) => {
  const msg = e.data;
  switch (msg.type) {
    case 'init':
      pipeline = init(msg.backend, msg.modelUrl);
      pipeline.catch((err: Error) => post({ type: 'error', stage: 'init', message: err.message }));
      break;
    case 'generate': {
      const { type: _type, ...req } = msg;
      const abort = new AbortController();
      running.set(req.id, abort);
      queue = queue.then(() => generate(req, abort));
      break;
    }
    case 'cancel':
      running.get(msg.id)?.abort(new DOMException('cancelled', 'AbortError'));
      break;
  }
};
