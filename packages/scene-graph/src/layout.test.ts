import { asciiLayout, svgLayout } from './layout.js';
import type { SceneGraph } from './types.js';

const g: SceneGraph = {
  objects: [
    { id: 's', label: 'sky', box: [0, 0, 1, 0.5] },
    { id: 'c', label: 'red circle', box: [0.5, 0.5, 1, 1] },
    { id: 'n', label: 'grass' },
  ],
  relations: [{ subject: 's', predicate: 'above', object: 'c' }],
};

describe('layouts', () => {
  it('draws boxes at their positions in ASCII', () => {
    const lines = asciiLayout(g, { width: 20, height: 10 }).split('\n');
    expect(lines).toHaveLength(13);
    expect(lines[0]).toBe(`+${'-'.repeat(20)}+`);
    // The sky spans the top half and is labelled in its first inner row.
    expect(lines[1]).toBe(`|+${'-'.repeat(18)}+|`);
    expect(lines[2].startsWith('||sky')).toBe(true);
    // The circle spans inner columns round(0.5 * 19) = 10 to 19 and rows 5 to 9; its top edge
    // shares row 5 with the sky's bottom edge, and its label is cut to the 8 columns inside.
    expect(lines[6]).toBe('|+---------+--------+|');
    expect(lines[7]).toBe(`|${' '.repeat(10)}|red circ||`);
    expect(lines[10]).toBe(`|${' '.repeat(10)}+--------+|`);
    expect(lines[12]).toBe('(no box: grass)');
  });

  it('writes an SVG with a rect per box and an arrow per relation', () => {
    const svg = svgLayout(g, 100);
    expect(svg.match(/<rect /g)).toHaveLength(3); // background + 2 boxes
    expect(svg).toContain('<rect x="50" y="50" width="50" height="50"');
    expect(svg).toContain('<line x1="50" y1="25" x2="75" y2="75"');
    expect(svg).toContain('>above</text>');
    expect(
      svgLayout({ objects: [{ id: 'x', label: 'a<b', box: [0, 0, 1, 1] }], relations: [] }),
    ).toContain('a&#60;b');
  });
});
