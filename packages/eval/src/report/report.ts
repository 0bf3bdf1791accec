import type { MeanStd } from '../metrics/kid.js';
import { sizeBins, type LabelRecall, type PredicateCompliance } from '../compliance/compliance.js';
import type { ImageSetMetrics } from './evaluate.js';

/** One evaluated setting (a guidance scale), or the real-vs-real floor. */
export interface ReportRun {
  label: string;
  guidance?: number;
  /** Relation guidance r, where it was used. */
  relationGuidance?: number;
  /** Guidance `scale` at timesteps below `below`, where it was used. */
  lateGuidance?: { scale: number; below: number };
  metrics: ImageSetMetrics;
  /** Folder of this run's images, relative to the report. */
  imageDir?: string;
}

/** One sample row of the HTML grid. */
export interface ReportSample {
  index: number;
  graphText: string;
  /** Image paths relative to the report: the real image and one per run (same order as runs). */
  real: string;
  generated: string[];
  /** Per run, "found/objects, satisfied/relations" for this image. */
  compliance: string[];
}

/** What `report.json` holds. */
export interface EvalReport {
  kind: 'model-vs-real' | 'real-vs-real';
  created: string;
  model?: string;
  data: string;
  /** Split of the graphs and reference images (`test`), and for real-vs-real the other split. */
  split: string;
  against?: string;
  images: number;
  generation?: { steps?: number; sampler?: string; seed: number };
  oracle?: { path: string; featureDim: number };
  inception?: { path: string };
  /** The oracle on the reference (real) images: the ceiling of compliance. */
  ceiling?: {
    objectRecall: number;
    relationAccuracy: number;
    relationAccuracyFound?: number;
    retrievalR1?: number;
    recallByLabel?: Record<string, LabelRecall>;
    recallBySize?: Record<string, LabelRecall>;
    relationsByPredicate?: Record<string, PredicateCompliance>;
  };
  runs: ReportRun[];
  samples: ReportSample[];
  notes: string[];
}

const esc = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

function num(v: number | undefined, digits = 3): string {
  return v === undefined || Number.isNaN(v) ? '—' : v.toFixed(digits);
}

function pm(v: MeanStd | undefined, scale = 1, digits = 3): string {
  return v ? `${(v.mean * scale).toFixed(digits)} ± ${(v.std * scale).toFixed(digits)}` : '—';
}

function pct(v: number | undefined): string {
  return v === undefined || Number.isNaN(v) ? '—' : `${(100 * v).toFixed(1)}%`;
}

/** Metrics as rows × runs: the guidance trade-off table when there are several runs. */
export function metricsTable(report: EvalReport): { header: string[]; rows: string[][] } {
  const header = [
    'run',
    'images',
    'FID (oracle)',
    'KID×10³ (oracle)',
    'object recall',
    'relation acc.',
    'rel. acc., both found',
    'retrieval R@1',
    'FID (Inception)',
    'KID×10³ (Inception)',
    'IS',
  ];
  const rows = report.runs.map((r) => {
    const m = r.metrics;
    return [
      r.label,
      String(m.images),
      num(m.fidOracle),
      pm(m.kidOracle, 1000),
      pct(m.objectRecall),
      pct(m.relationAccuracy),
      pct(m.relationAccuracyFound),
      pct(m.retrieval?.r1),
      num(m.fidInception),
      pm(m.kidInception, 1000),
      pm(m.inceptionScore, 1, 2),
    ];
  });
  if (report.ceiling)
    rows.push([
      'real images (ceiling)',
      String(report.images),
      '—',
      '—',
      pct(report.ceiling.objectRecall),
      pct(report.ceiling.relationAccuracy),
      pct(report.ceiling.relationAccuracyFound),
      pct(report.ceiling.retrievalR1),
      '—',
      '—',
      '—',
    ]);
  return { header, rows };
}

/**
 * Object recall per label, labels × (graph objects, each run, the ceiling), most frequent label
 * first: which classes the model draws. Empty when no run has compliance.
 */
export function recallByLabelTable(report: EvalReport): { header: string[]; rows: string[][] } {
  return recallTable(report, 'recallByLabel', 'object', (counts) =>
    [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([k]) => k),
  );
}

/** Object recall per box size (where the scored graphs gave boxes), smallest first. */
export function recallBySizeTable(report: EvalReport): { header: string[]; rows: string[][] } {
  return recallTable(report, 'recallBySize', 'box side', (counts) =>
    sizeBins().filter((b) => counts.has(b)),
  );
}

function recallTable(
  report: EvalReport,
  key: 'recallByLabel' | 'recallBySize',
  first: string,
  order: (counts: Map<string, number>) => string[],
): { header: string[]; rows: string[][] } {
  const sources = [
    ...report.runs.map((r) => ({ label: r.label, table: r.metrics[key] })),
    ...(report.ceiling?.[key]
      ? [{ label: 'real images (ceiling)', table: report.ceiling[key] }]
      : []),
  ].filter((s) => s.table);
  if (!sources.length) return { header: [], rows: [] };
  const objects = new Map<string, number>();
  for (const s of sources)
    for (const [k, r] of Object.entries(s.table!))
      objects.set(k, Math.max(objects.get(k) ?? 0, r.objects));
  return {
    header: [first, 'in graphs', ...sources.map((s) => s.label)],
    rows: order(objects).map((k) => [
      k,
      String(objects.get(k)),
      ...sources.map((s) => {
        const r = s.table![k];
        return r ? pct(r.found / r.objects) : '—';
      }),
    ]),
  };
}

/**
 * The commonest substitutions per run: a wanted label that was missed, a label drawn instead in the
 * same images, how often, and that count as a share of the wanted label's misses.
 */
export function substitutionTable(
  report: EvalReport,
  limit = 12,
): { header: string[]; rows: string[][] } {
  const rows: string[][] = [];
  for (const run of report.runs) {
    const { substitutions, recallByLabel } = run.metrics;
    if (!substitutions || !recallByLabel) continue;
    const pairs = Object.entries(substitutions).flatMap(([wanted, drawn]) => {
      const r = recallByLabel[wanted];
      const missed = r ? r.objects - r.found : 0;
      return Object.entries(drawn).map(([instead, n]) => ({ wanted, instead, n, missed }));
    });
    pairs.sort(
      (a, b) => b.n - a.n || a.wanted.localeCompare(b.wanted) || a.instead.localeCompare(b.instead),
    );
    for (const p of pairs.slice(0, limit))
      rows.push([
        run.label,
        p.wanted,
        String(p.missed),
        p.instead,
        String(p.n),
        pct(p.n / p.missed),
      ]);
  }
  return rows.length
    ? { header: ['run', 'missed', 'misses', 'drawn instead', 'times', 'of the misses'], rows }
    : { header: [], rows: [] };
}

/**
 * Relations per predicate, for each run and the ceiling: how many were asked for, the share with
 * both objects found, the share of those whose boxes give the predicate, and the predicates the
 * boxes gave instead (commonest first). It tells placement apart from finding the objects.
 */
export function predicateTable(report: EvalReport): { header: string[]; rows: string[][] } {
  const sources = [
    ...report.runs.map((r) => ({ label: r.label, by: r.metrics.relationsByPredicate })),
    { label: 'real images (ceiling)', by: report.ceiling?.relationsByPredicate },
  ];
  const rows: string[][] = [];
  for (const { label, by } of sources) {
    if (!by) continue;
    const entries = Object.entries(by).sort(
      (a, b) => b[1].relations - a[1].relations || a[0].localeCompare(b[0]),
    );
    for (const [predicate, p] of entries) {
      const instead = Object.entries(p.drawn)
        .filter(([d]) => d !== predicate)
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .map(([d, n]) => `${d} ${n}`)
        .join(', ');
      rows.push([
        label,
        predicate,
        String(p.relations),
        pct(p.bothFound / p.relations),
        pct(p.satisfied / p.bothFound),
        instead || '—',
      ]);
    }
  }
  return rows.length
    ? {
        header: [
          'run',
          'predicate',
          'relations',
          'both found',
          'held, both found',
          'boxes gave instead',
        ],
        rows,
      }
    : { header: [], rows: [] };
}

const htmlTable = ({ header, rows }: { header: string[]; rows: string[][] }) =>
  `<table><thead><tr>${header.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((v) => `<td>${esc(v)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;

/** Plain-text version of the metrics table (for the terminal). */
export function formatMetricsTable(report: EvalReport): string {
  const { header, rows } = metricsTable(report);
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((r) => r[c].length)));
  return all.map((r) => r.map((v, c) => v.padEnd(widths[c])).join('  ')).join('\n');
}

/** A self-contained HTML page (images by relative path): metrics table, notes, sample grid. */
export function renderReportHtml(report: EvalReport): string {
  const table = htmlTable(metricsTable(report));
  const byLabel = recallByLabelTable(report);
  const bySize = recallBySizeTable(report);
  const swaps = substitutionTable(report);
  const predicates = predicateTable(report);
  const runHeads = report.runs.map((r) => `<th>${esc(r.label)}</th>`).join('');
  const samples = report.samples
    .map(
      (s) =>
        `<tr><td class="graph"><b>#${s.index}</b><pre>${esc(s.graphText)}</pre></td><td><img src="${esc(s.real)}" alt="real ${s.index}"></td>${s.generated
          .map(
            (g, i) =>
              `<td><img src="${esc(g)}" alt="generated ${s.index}"><div class="c">${esc(s.compliance[i] ?? '')}</div></td>`,
          )
          .join('')}</tr>`,
    )
    .join('\n');
  const warnings = report.runs.flatMap((r) => r.metrics.warnings.map((w) => `${r.label}: ${w}`));
  const notes = [...report.notes, ...warnings].map((n) => `<li>${esc(n)}</li>`).join('');
  const title =
    report.kind === 'real-vs-real'
      ? `real ${report.against} vs real ${report.split}`
      : `${report.model ?? 'model'} on ${report.split}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>sgdiff eval: ${esc(title)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f3f3f3}img{width:128px;height:128px;image-rendering:pixelated;display:block}
pre{margin:4px 0;font-size:12px;white-space:pre-wrap;max-width:28em}.c{font-size:11px;color:#555}
</style></head><body>
<h1>sgdiff eval: ${esc(title)}</h1>
<p>${esc(report.created)} · data <code>${esc(report.data)}</code> · ${report.images} images${report.oracle ? ` · oracle <code>${esc(report.oracle.path)}</code>` : ''}${report.inception ? ` · Inception <code>${esc(report.inception.path)}</code>` : ''}</p>
<h2>Metrics</h2>
${table}
${notes ? `<ul>${notes}</ul>` : ''}
${byLabel.rows.length ? `<h2>Object recall by class</h2>\n${htmlTable(byLabel)}` : ''}
${bySize.rows.length ? `<h2>Object recall by box size</h2>\n<p>The side (√area) of each object's box as a share of the image's: the layout a generated image was drawn in, the real boxes of a real one.</p>\n${htmlTable(bySize)}` : ''}
${swaps.rows.length ? `<h2>Missed objects: what was drawn instead</h2>\n<p>A missed object counts once for each label that its image has an unclaimed detection of.</p>\n${htmlTable(swaps)}` : ''}
${predicates.rows.length ? `<h2>Relations by predicate</h2>\n<p>Whether the boxes of the two matched objects give the predicate, apart from whether both were found.</p>\n${htmlTable(predicates)}` : ''}
<h2>Samples</h2>
<table><thead><tr><th>graph</th><th>real</th>${runHeads}</tr></thead><tbody>
${samples}
</tbody></table>
</body></html>
`;
}
