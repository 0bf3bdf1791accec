// The page's shareable state lives in the query string: the graph as text plus the sampling
// settings. `backend` is read too, but only ever set by hand (?backend=webgl).
import { SAMPLER_NAMES, type SamplerName } from '@sgdiff/diffusion';

export const SAMPLERS: readonly SamplerName[] = SAMPLER_NAMES;
export const BACKENDS = ['auto', 'webgpu', 'webgl', 'wasm'] as const;
export type BackendParam = (typeof BACKENDS)[number];

export interface Settings {
  seed: number;
  steps: number;
  sampler: SamplerName;
  guidance: number;
}

export interface UrlState {
  /** Graph in the text syntax (or JSON); undefined when the URL has none. */
  graph?: string;
  settings: Partial<Settings>;
  backend: BackendParam;
  /** `?preview=0` turns the live preview off (for slow software backends). */
  preview: boolean;
}

const MAX_STEPS = 1000;

function intIn(v: string | null, lo: number, hi: number): number | undefined {
  if (v === null || !/^-?\d+$/.test(v.trim())) return undefined;
  const n = Number(v);
  return n >= lo && n <= hi ? n : undefined;
}

function finite(v: string | null): number | undefined {
  if (v === null || v.trim() === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

/** Reads `?g=…&seed=…&steps=…&sampler=…&guidance=…&backend=…`, ignoring values out of range. */
export function readUrlState(search: string): UrlState {
  const q = new URLSearchParams(search);
  const settings: Partial<Settings> = {};
  const seed = intIn(q.get('seed'), 0, 2 ** 31 - 1);
  if (seed !== undefined) settings.seed = seed;
  const steps = intIn(q.get('steps'), 1, MAX_STEPS);
  if (steps !== undefined) settings.steps = steps;
  const sampler = q.get('sampler');
  if (sampler && (SAMPLERS as readonly string[]).includes(sampler))
    settings.sampler = sampler as SamplerName;
  const guidance = finite(q.get('guidance'));
  if (guidance !== undefined && guidance >= 0 && guidance <= 30) settings.guidance = guidance;
  const b = q.get('backend');
  const backend = b && (BACKENDS as readonly string[]).includes(b) ? (b as BackendParam) : 'auto';
  const g = q.get('g');
  return {
    graph: g !== null && g.trim() !== '' ? g : undefined,
    settings,
    backend,
    preview: q.get('preview') !== '0',
  };
}

/** The query string for a graph and settings; keeps `backend` when it is not `auto`. */
export function writeUrlState(state: {
  graph: string;
  settings: Settings;
  backend: BackendParam;
  preview?: boolean;
}): string {
  const q = new URLSearchParams();
  q.set('g', state.graph);
  q.set('seed', String(state.settings.seed));
  q.set('steps', String(state.settings.steps));
  q.set('sampler', state.settings.sampler);
  q.set('guidance', String(state.settings.guidance));
  if (state.backend !== 'auto') q.set('backend', state.backend);
  if (state.preview === false) q.set('preview', '0');
  return `?${q.toString()}`;
}
