// The page's handle on the generation worker.
import type { FromWorker, GenerateRequest, ToWorker } from './protocol.js';

export class GenerationClient {
  private readonly worker: Worker;
  private nextId = 1;

  constructor(onMessage: (m: FromWorker) => void) {
    this.worker = new Worker(new URL('./worker.ts', import.meta.url), {
      type: 'module',
      name: 'sgdiff-generation',
    });
    this.worker.onmessage = (e: MessageEvent<FromWorker>) => onMessage(e.data);
    this.worker.onerror = (e) =>
      onMessage({
        type: 'error',
        stage: 'init',
        message: e.message || 'the worker failed to start',
      });
  }

  private send(m: ToWorker): void {
    this.worker.postMessage(m);
  }

  init(backend: string, modelUrl: string): void {
    this.send({ type: 'init', backend, modelUrl });
  }

  /** Starts a generation and returns its id (for cancel and for matching replies). */
  generate(req: Omit<GenerateRequest, 'id'>): number {
    const id = this.nextId++;
    this.send({ type: 'generate', id, ...req });
    return id;
  }

  cancel(id: number): void {
    this.send({ type: 'cancel', id });
  }

  dispose(): void {
    this.worker.terminate();
  }
}
