// Generation: the running request and its previews, the result, the before/after pair of a
// same-seed regeneration, the history strip and the status line.
import { useCallback, useRef, useState, type MutableRef } from 'preact/hooks';
import { formatSceneGraphText, type SceneGraph } from '@sgdiff/scene-graph';
import type { GenerationClient } from '../generation/client.js';
import type { Frame, FromWorker } from '../generation/protocol.js';
import type { Settings } from '../state/url-state.js';
import { formatMs } from './format.js';

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

export interface Running {
  id: number;
  i: number;
  steps: number;
  msPerStep?: number;
  preview?: Frame;
}

export function useGeneration(client: MutableRef<GenerationClient | null>) {
  const [running, setRunning] = useState<Running | null>(null);
  const [genError, setGenError] = useState<string | null>(null);
  const [result, setResult] = useState<Result | null>(null);
  const [compare, setCompare] = useState<{ before: Result; after: Result } | null>(null);
  const [history, setHistory] = useState<Result[]>([]);
  const [status, setStatus] = useState('');
  // What the running request was asked for, to file its result.
  const pending = useRef<{ text: string; settings: Settings; before: Result | null } | null>(null);
  const previewCount = useRef(0);
  const lastResult = useRef<Result | null>(null);
  lastResult.current = result;

  /** The worker's messages about generation (and the model being ready). */
  const handle = useCallback((m: FromWorker) => {
    switch (m.type) {
      case 'ready':
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
        if (m.stage !== 'init') setGenError(m.message);
        setRunning(null);
        break;
    }
  }, []);

  /**
   * Starts generating `graph`. With `sameSeed`, the last image's seed, and its boxes for the
   * objects an edit left alone. Returns the settings it runs with.
   */
  const start = (graph: SceneGraph, settings: Settings, preview: boolean, sameSeed: boolean) => {
    if (!client.current) return settings;
    const before = sameSeed ? lastResult.current : null;
    const s = before ? { ...settings, seed: before.seed } : settings;
    setGenError(null);
    previewCount.current = 0;
    pending.current = { text: formatSceneGraphText(graph), settings: s, before };
    const id = client.current.generate({
      graph,
      ...s,
      preview,
      ...(before?.layout ? { previousLayout: before.layout } : {}),
    });
    setRunning({ id, i: 0, steps: s.steps });
    setStatus(before ? `Regenerating with seed ${s.seed}…` : `Generating with seed ${s.seed}…`);
    return s;
  };

  const cancel = () => {
    if (running) client.current?.cancel(running.id);
  };

  /** Shows a history entry as the current result. */
  const show = (r: Result) => {
    setResult(r);
    setCompare(null);
  };

  return { running, genError, result, compare, history, status, handle, start, cancel, show };
}
