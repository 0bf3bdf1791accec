import {
  formatMetricsTable,
  predicateTable,
  recallByLabelTable,
  recallBySizeTable,
  substitutionTable,
  renderReportHtml,
  type EvalReport,
} from './report.js';

const report: EvalReport = {
  kind: 'model-vs-real',
  created: '2026-11-26T00:00:00.000Z',
  model: 'models/<tiny>',
  data: 'data/synth',
  split: 'test',
  images: 2,
  ceiling: {
    objectRecall: 0.99,
    relationAccuracy: 0.975,
    recallByLabel: { sky: { objects: 2, found: 2 }, 'red circle': { objects: 1, found: 1 } },
  },
  runs: [
    {
      label: 'guidance 1',
      guidance: 1,
      metrics: {
        images: 2,
        fidOracle: 12.3456,
        kidOracle: { mean: 0.0123, std: 0.001 },
        objectRecall: 0.5,
        relationAccuracy: 0.25,
        relationAccuracyFound: 0.5,
        relationsByPredicate: {
          above: { relations: 1, bothFound: 0, satisfied: 0, drawn: {} },
          'left of': {
            relations: 3,
            bothFound: 2,
            satisfied: 1,
            drawn: { 'left of': 1, below: 1 },
          },
        },
        recallByLabel: { sky: { objects: 2, found: 1 }, 'red circle': { objects: 1, found: 0 } },
        recallBySize: { '≥0.5': { objects: 2, found: 1 }, '<0.15': { objects: 1, found: 0 } },
        substitutions: { sky: { sand: 1, water: 1 }, 'red circle': { 'red square': 1 } },
        warnings: ['few samples'],
      },
    },
    {
      label: 'guidance 4',
      guidance: 4,
      metrics: {
        images: 2,
        fidOracle: 20,
        objectRecall: 0.75,
        relationAccuracy: 0.5,
        warnings: [],
      },
    },
  ],
  samples: [
    {
      index: 0,
      graphText: 'red circle left of sky & "x"',
      real: 'real/00000.png',
      generated: ['a.png', 'b.png'],
      compliance: ['objects 1/2', 'objects 2/2'],
    },
  ],
  notes: ['no --inception'],
};

describe('report rendering', () => {
  it('tabulates every run plus the real-image ceiling', () => {
    const text = formatMetricsTable(report).split('\n');
    expect(text).toHaveLength(4);
    expect(text[1]).toMatch(
      /^guidance 1\s+2\s+12\.346\s+12\.300 ± 1\.000\s+50\.0%\s+25\.0%\s+50\.0%\s+—/,
    );
    expect(text[3]).toMatch(/^real images \(ceiling\)\s+2\s+—\s+—\s+99\.0%\s+97\.5%/);
  });

  it('tabulates recall per label, most frequent first, with — where a run has none', () => {
    expect(recallByLabelTable(report)).toEqual({
      header: ['object', 'in graphs', 'guidance 1', 'real images (ceiling)'],
      rows: [
        ['sky', '2', '50.0%', '100.0%'],
        ['red circle', '1', '0.0%', '100.0%'],
      ],
    });
    expect(renderReportHtml(report)).toContain('<h2>Object recall by class</h2>');
    const none = { ...report, ceiling: undefined, runs: [report.runs[1]] };
    expect(recallByLabelTable(none).rows).toEqual([]);
    expect(renderReportHtml(none)).not.toContain('Object recall by class');
  });

  it('tabulates recall per box size, smallest first, for the runs that have it', () => {
    expect(recallBySizeTable(report)).toEqual({
      header: ['box side', 'in graphs', 'guidance 1'],
      rows: [
        ['<0.15', '1', '0.0%'],
        ['≥0.5', '2', '50.0%'],
      ],
    });
    expect(renderReportHtml(report)).toContain('<h2>Object recall by box size</h2>');
    const none = { ...report, runs: [report.runs[1]] };
    expect(renderReportHtml(none)).not.toContain('Object recall by box size');
  });

  it('lists what was drawn in place of missed objects, commonest first', () => {
    expect(substitutionTable(report)).toEqual({
      header: ['run', 'missed', 'misses', 'drawn instead', 'times', 'of the misses'],
      rows: [
        ['guidance 1', 'red circle', '1', 'red square', '1', '100.0%'],
        ['guidance 1', 'sky', '1', 'sand', '1', '100.0%'],
        ['guidance 1', 'sky', '1', 'water', '1', '100.0%'],
      ],
    });
    expect(substitutionTable(report, 1).rows).toHaveLength(1);
    expect(renderReportHtml(report)).toContain('<td>red square</td>');
    expect(substitutionTable({ ...report, runs: [report.runs[1]] }).rows).toEqual([]);
  });

  it('splits relations by predicate, most asked for first, with what the boxes gave instead', () => {
    expect(predicateTable(report)).toEqual({
      header: [
        'run',
        'predicate',
        'relations',
        'both found',
        'held, both found',
        'boxes gave instead',
      ],
      rows: [
        ['guidance 1', 'left of', '3', '66.7%', '50.0%', 'below 1'],
        ['guidance 1', 'above', '1', '0.0%', '—', '—'],
      ],
    });
    expect(renderReportHtml(report)).toContain('<h2>Relations by predicate</h2>');
    expect(predicateTable({ ...report, runs: [report.runs[1]] }).rows).toEqual([]);
  });

  it('writes HTML with escaped graph text, every image and the notes', () => {
    const html = renderReportHtml(report);
    expect(html).toContain('red circle left of sky &amp; &quot;x&quot;');
    expect(html).toContain('models/&lt;tiny&gt;');
    for (const src of ['real/00000.png', 'a.png', 'b.png']) expect(html).toContain(`src="${src}"`);
    expect(html).toContain('guidance 1: few samples');
    expect(html).toContain('<li>no --inception</li>');
  });
});
