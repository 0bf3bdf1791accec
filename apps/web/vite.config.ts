import { cpSync, createReadStream, existsSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, defaultClientConditions, type Connect, type Plugin } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));
const MODEL_ROUTE = '/models/default/';

/**
 * The model the site serves at /models/default/: the trained default model at the repo root
 * (issue #10) when it exists, else the placeholder that scripts/make-random-model.mjs writes.
 */
export function modelDirectory(): string {
  const trained = resolve(here, '../../models/default');
  if (existsSync(join(trained, 'sgdiff.json'))) return trained;
  return resolve(here, '.generated/models/placeholder');
}

const TYPES: Record<string, string> = {
  '.json': 'application/json',
  '.bin': 'application/octet-stream',
};

function serveModel(dir: string): Connect.NextHandleFunction {
  return (req, res, next) => {
    const url = (req.url ?? '').split('?')[0];
    if (!url.startsWith(MODEL_ROUTE)) return next();
    const file = normalize(join(dir, decodeURIComponent(url.slice(MODEL_ROUTE.length))));
    if (!file.startsWith(dir) || !existsSync(file) || !statSync(file).isFile()) return next();
    res.setHeader('Content-Type', TYPES[extname(file)] ?? 'application/octet-stream');
    res.setHeader('Content-Length', statSync(file).size);
    createReadStream(file).pipe(res);
  };
}

/** Serves the model in dev and preview, and copies it into the build. */
function modelPlugin(): Plugin {
  let outDir = '';
  return {
    name: 'sgdiff-model',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
    },
    configureServer(server) {
      server.middlewares.use(serveModel(modelDirectory()));
    },
    configurePreviewServer(server) {
      server.middlewares.use(serveModel(resolve(outDir, 'models/default')));
    },
    closeBundle() {
      const dir = modelDirectory();
      if (!existsSync(join(dir, 'sgdiff.json'))) {
        throw new Error(`no model at ${dir}: run node scripts/make-random-model.mjs`);
      }
      cpSync(dir, join(outDir, 'models/default'), { recursive: true });
    },
  };
}

export default defineConfig({
  root: here,
  base: './',
  // Workspace packages resolve to their TypeScript sources, so no package build is needed here.
  resolve: { conditions: ['@sgdiff/source', ...defaultClientConditions] },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  worker: { format: 'es' },
  build: { target: 'es2022', outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 2048 },
  plugins: [modelPlugin()],
});
