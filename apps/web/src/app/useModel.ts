// The model: its manifest (read first, so that the editors work while the weights download), the
// generation worker that loads it, and what the worker says about loading.
import { useEffect, useMemo, useRef, useState, type MutableRef } from 'preact/hooks';
import { Vocabulary } from '@sgdiff/scene-graph';
import { GenerationClient } from '../generation/client.js';
import type { DownloadProgress, FromWorker, ModelInfo } from '../generation/protocol.js';

export type ModelState = 'manifest' | 'loading' | 'ready' | 'error';

export interface BackendInfo {
  backend: string;
  adapter: string;
  softwareFallback: boolean;
}

/**
 * Loads the model at `url` in a generation worker, kept in `client`. Every worker message also
 * goes to `onMessage` (read through a ref, so that a new callback does not restart the worker).
 */
export function useModel(
  url: string,
  backendChoice: string,
  client: MutableRef<GenerationClient | null>,
  onMessage: (m: FromWorker) => void,
  onManifest: (m: ModelInfo) => void,
) {
  const [model, setModel] = useState<ModelInfo | null>(null);
  const vocab = useMemo(() => (model ? Vocabulary.fromJSON(model.vocabulary) : null), [model]);
  const [modelState, setModelState] = useState<ModelState>('manifest');
  const [fatal, setFatal] = useState<string | null>(null);
  const [backend, setBackend] = useState<BackendInfo | null>(null);
  const [downloads, setDownloads] = useState<Record<string, DownloadProgress>>({});
  const [loadMs, setLoadMs] = useState<number | null>(null);
  const handlers = useRef({ onMessage, onManifest });
  handlers.current = { onMessage, onManifest };

  useEffect(() => {
    let live = true;
    const onWorker = (m: FromWorker) => {
      switch (m.type) {
        case 'backend':
          setBackend({
            backend: m.backend,
            adapter: m.adapter,
            softwareFallback: m.softwareFallback,
          });
          return;
        case 'progress':
          setDownloads((d) => ({ ...d, [`${m.progress.part}/${m.progress.file}`]: m.progress }));
          return;
        case 'ready':
          setLoadMs(m.loadMs);
          setModelState('ready');
          break;
        case 'error':
          if (m.stage === 'init') {
            setModelState('error');
            setFatal(m.message);
          }
          break;
      }
      handlers.current.onMessage(m);
    };
    fetch(`${url}sgdiff.json`, { cache: 'no-cache' })
      .then((r) => {
        if (!r.ok) throw new Error(`${url}sgdiff.json: HTTP ${r.status}`);
        return r.json();
      })
      .then((m: ModelInfo) => {
        if (!live) return;
        setModel(m);
        handlers.current.onManifest(m);
        setModelState('loading');
        const c = new GenerationClient(onWorker);
        client.current = c;
        c.init(backendChoice, url);
      })
      .catch((e: Error) => {
        setModelState('error');
        setFatal(e.message);
      });
    return () => {
      live = false;
      client.current?.dispose();
    };
  }, [url, backendChoice]);

  const dl = Object.values(downloads);
  return {
    model,
    vocab,
    modelState,
    fatal,
    backend,
    loadMs,
    download: {
      loaded: dl.reduce((a, d) => a + d.loaded, 0),
      total: dl.reduce((a, d) => a + d.total, 0),
    },
  };
}
