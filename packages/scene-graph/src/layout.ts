import type { Box, SceneGraph } from './types.js';

/**
 * Plain-text and SVG drawings of a graph's boxes, for terminals and reports. Objects without
 * boxes are listed, not drawn. Larger boxes are drawn first so smaller ones stay visible.
 */
function drawOrder(graph: SceneGraph): { id: string; label: string; box: Box }[] {
  const area = (b: Box) => (b[2] - b[0]) * (b[3] - b[1]);
  return graph.objects
    .flatMap((o) => (o.box ? [{ id: o.id, label: o.label, box: o.box }] : []))
    .sort((a, b) => area(b.box) - area(a.box));
}

export interface AsciiLayoutOptions {
  width?: number;
  height?: number;
}

export function asciiLayout(
  graph: SceneGraph,
  { width = 56, height = 20 }: AsciiLayoutOptions = {},
): string {
  const grid = Array.from({ length: height }, () => new Array<string>(width).fill(' '));
  const set = (x: number, y: number, ch: string) => {
    if (x >= 0 && x < width && y >= 0 && y < height) grid[y][x] = ch;
  };
  for (const { label, box } of drawOrder(graph)) {
    const x0 = Math.round(box[0] * (width - 1));
    const x1 = Math.max(x0 + 1, Math.round(box[2] * (width - 1)));
    const y0 = Math.round(box[1] * (height - 1));
    const y1 = Math.max(y0 + 1, Math.round(box[3] * (height - 1)));
    for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) set(x, y, ' ');
    for (let x = x0; x <= x1; x++) {
      set(x, y0, '-');
      set(x, y1, '-');
    }
    for (let y = y0; y <= y1; y++) {
      set(x0, y, '|');
      set(x1, y, '|');
    }
    for (const [x, y] of [
      [x0, y0],
      [x1, y0],
      [x0, y1],
      [x1, y1],
    ])
      set(x, y, '+');
    const text = label.slice(0, Math.max(0, x1 - x0 - 1));
    [...text].forEach((ch, i) => set(x0 + 1 + i, y0 + (y1 - y0 > 1 ? 1 : 0), ch));
  }
  const border = `+${'-'.repeat(width)}+`;
  const lines = [border, ...grid.map((row) => `|${row.join('')}|`), border];
  const unboxed = graph.objects.filter((o) => !o.box).map((o) => o.label);
  if (unboxed.length) lines.push(`(no box: ${unboxed.join(', ')})`);
  return lines.join('\n');
}

const NAMED_COLOURS: Record<string, string> = {
  red: '#e53935',
  green: '#43a047',
  blue: '#1e88e5',
  yellow: '#fdd835',
  purple: '#8e24aa',
  orange: '#fb8c00',
  cyan: '#00acc1',
  white: '#f5f5f5',
  sky: '#90caf9',
  grass: '#66bb6a',
  water: '#4fc3f7',
  sand: '#e6c88a',
};

function colourFor(label: string): string {
  for (const word of label.split(/\s+/)) if (NAMED_COLOURS[word]) return NAMED_COLOURS[word];
  let h = 0;
  for (const ch of label) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return `hsl(${h % 360}, 55%, 60%)`;
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** An SVG of the boxes with labels, and an arrow per relation labelled with its predicate. */
export function svgLayout(graph: SceneGraph, size = 256): string {
  const px = (v: number) => +(v * size).toFixed(2);
  const centre = new Map<string, [number, number]>();
  const shapes = drawOrder(graph).map(({ id, label, box }) => {
    centre.set(id, [px((box[0] + box[2]) / 2), px((box[1] + box[3]) / 2)]);
    return (
      `<rect x="${px(box[0])}" y="${px(box[1])}" width="${px(box[2] - box[0])}" height="${px(box[3] - box[1])}" ` +
      `fill="${colourFor(label)}" fill-opacity="0.55" stroke="#333"/>` +
      `<text x="${px(box[0]) + 3}" y="${px(box[1]) + 12}" font-size="10">${escapeXml(label)}</text>`
    );
  });
  const arrows = graph.relations.flatMap((r) => {
    const a = centre.get(r.subject);
    const b = centre.get(r.object);
    if (!a || !b) return [];
    return [
      `<line x1="${a[0]}" y1="${a[1]}" x2="${b[0]}" y2="${b[1]}" stroke="#000" marker-end="url(#arrow)"/>` +
        `<text x="${(a[0] + b[0]) / 2}" y="${(a[1] + b[1]) / 2 - 2}" font-size="9" text-anchor="middle">${escapeXml(r.predicate)}</text>`,
    ];
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 ${size} ${size}" font-family="sans-serif">`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>',
    `<rect width="${size}" height="${size}" fill="#fff" stroke="#999"/>`,
    ...shapes,
    ...arrows,
    '</svg>',
  ].join('\n');
}
