import type { CheckpointReader, ProgressCallback } from './read.js';

/** The slice of the Cache API we use (window.caches / self.caches in workers). */
export interface CacheLike {
  match(key: string): Promise<{ arrayBuffer(): Promise<ArrayBuffer> } | undefined>;
  put(key: string, response: Response): Promise<void>;
}

export interface FetchReaderOptions {
  /** A Cache API cache, `false` for none. Default: caches.open('sgdiff-nn-weights') where present. */
  cache?: CacheLike | false;
  fetch?: typeof fetch;
}

const CACHE_NAME = 'sgdiff-nn-weights';

async function defaultCache(): Promise<CacheLike | null> {
  const caches = (globalThis as { caches?: { open(name: string): Promise<CacheLike> } }).caches;
  if (!caches) return null;
  try {
    return await caches.open(CACHE_NAME);
  } catch {
    return null; // e.g. opaque origins
  }
}

/**
 * Reads a checkpoint over HTTP. model.json is always fetched fresh; shards are cached under their
 * URL plus sha256, so a cached shard is only reused for the exact content the manifest names.
 */
export function fetchReader(baseUrl: string, options: FetchReaderOptions = {}): CheckpointReader {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  let cachePromise: Promise<CacheLike | null> | null = null;
  const cache = () =>
    (cachePromise ??=
      options.cache === false
        ? Promise.resolve(null)
        : options.cache
          ? Promise.resolve(options.cache)
          : defaultCache());
  const expectedHash = new Map<string, string>();
  const key = (file: string, sha: string) => `${base}${file}#sha256=${sha}`;

  return {
    where: base.slice(0, -1),
    async readText(file) {
      const res = await doFetch(base + file, { cache: 'no-cache' });
      if (!res.ok) throw new Error(`HTTP ${res.status} for ${base + file}`);
      const text = await res.text();
      // Remember the checksums so the shard cache can be consulted by content.
      try {
        const shards = (
          JSON.parse(text) as {
            userDefinedMetadata?: { shards?: Array<{ path: string; sha256: string }> };
          }
        ).userDefinedMetadata?.shards;
        for (const s of shards ?? []) expectedHash.set(s.path, s.sha256);
      } catch {
        // readManifest reports invalid JSON
      }
      return text;
    },
    async readBytes(file, expectedBytes, onProgress?: ProgressCallback) {
      const sha = expectedHash.get(file);
      const c = await cache();
      if (c && sha) {
        const hit = await c.match(key(file, sha));
        if (hit) {
          const bytes = new Uint8Array(await hit.arrayBuffer());
          onProgress?.({ status: 'done', file, loaded: bytes.byteLength, total: expectedBytes });
          return bytes;
        }
      }
      const res = await doFetch(base + file);
      if (!res.ok) throw new Error(`HTTP ${res.status} for ${base + file}`);
      const total = Number(res.headers.get('content-length')) || expectedBytes;
      if (!res.body) {
        const bytes = new Uint8Array(await res.arrayBuffer());
        onProgress?.({ status: 'done', file, loaded: bytes.byteLength, total });
        return bytes;
      }
      const reader = res.body.getReader();
      const chunks: Uint8Array[] = [];
      let loaded = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        loaded += value.byteLength;
        onProgress?.({ status: 'progress', file, loaded, total });
      }
      const bytes = new Uint8Array(loaded);
      let at = 0;
      for (const chunk of chunks) {
        bytes.set(chunk, at);
        at += chunk.byteLength;
      }
      onProgress?.({ status: 'done', file, loaded, total });
      return bytes;
    },
    async sha256(bytes) {
      const digest = await globalThis.crypto.subtle.digest(
        'SHA-256',
        bytes as Uint8Array<ArrayBuffer>,
      );
      return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
    },
    async verified(file, sha, bytes) {
      const c = await cache();
      if (!c) return;
      try {
        await c.put(key(file, sha), new Response(bytes as Uint8Array<ArrayBuffer>));
      } catch {
        // quota exceeded or similar: caching is best effort
      }
    },
  };
}
