import type { SyntheticObject } from './scene.js';
import { renderLayout, renderMasks } from './render.js';

const SKY = [170, 205, 235];
const GRASS = [112, 140, 84];
const RED = [220, 40, 40];
const OUTLINE = [24, 24, 24];

const px = (img: Uint8Array, S: number, x: number, y: number) =>
  Array.from(img.subarray((y * S + x) * 3, (y * S + x) * 3 + 3));
const sky: SyntheticObject = {
  id: 's0',
  label: 'sky',
  kind: 'stuff',
  colour: 'sky',
  box: [0, 0, 1, 1],
};

describe('renderLayout', () => {
  it('fills one band with its colour', () => {
    const img = renderLayout([sky], 8);
    for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) expect(px(img, 8, x, y)).toEqual(SKY);
  });

  it('anti-aliases a band edge by row coverage', () => {
    // Split at y = 3.5 px: row 3 is half sky, half grass.
    const img = renderLayout(
      [
        { ...sky, box: [0, 0, 1, 0.4375] },
        { id: 's1', label: 'grass', kind: 'stuff', colour: 'grass', box: [0, 0.4375, 1, 1] },
      ],
      8,
    );
    expect(px(img, 8, 0, 2)).toEqual(SKY);
    expect(px(img, 8, 5, 3)).toEqual([141, 173, 160]); // (170+112)/2, (205+140)/2 = 172.5, (235+84)/2 = 159.5
    expect(px(img, 8, 7, 4)).toEqual(GRASS);
  });

  it('draws a square as a 1 px outline around its fill, with exact partial coverage', () => {
    const sq: SyntheticObject = {
      id: 't0',
      label: 'red square',
      kind: 'square',
      colour: 'red',
      box: [0.25, 0.25, 0.75, 0.75],
    };
    const img = renderLayout([sky, sq], 16);
    expect(px(img, 16, 3, 3)).toEqual(SKY); // outside
    expect(px(img, 16, 4, 4)).toEqual(OUTLINE); // border pixel
    expect(px(img, 16, 4, 8)).toEqual(OUTLINE);
    expect(px(img, 16, 5, 5)).toEqual(RED);
    expect(px(img, 16, 8, 8)).toEqual(RED);
    expect(px(img, 16, 12, 8)).toEqual(SKY);
    // Left edge at x = 4.5 px: pixel 4 is half covered by outline.
    const half = renderLayout([sky, { ...sq, box: [4.5 / 16, 0.25, 0.75, 0.75] }], 16);
    expect(px(half, 16, 4, 8)).toEqual([97, 115, 130]); // sky + (24 − sky) · 0.5
  });

  it('draws an anti-aliased circle', () => {
    const c: SyntheticObject = {
      id: 't0',
      label: 'red circle',
      kind: 'circle',
      colour: 'red',
      box: [0.25, 0.25, 0.75, 0.75],
    };
    const img = renderLayout([sky, c], 16);
    expect(px(img, 16, 7, 7)).toEqual(RED);
    expect(px(img, 16, 4, 4)).toEqual(SKY); // box corner, outside the circle
    // Pixel (4, 7): centre (4.5, 7.5) lies 3.5355 px from (8, 8); outline coverage 0.9645.
    const cov = 4 - Math.sqrt(3.5 ** 2 + 0.5 ** 2) + 0.5;
    expect(px(img, 16, 4, 7)).toEqual(SKY.map((v, i) => Math.round(v + (OUTLINE[i] - v) * cov)));
  });

  it('draws an upward triangle with its base on the box bottom', () => {
    const t: SyntheticObject = {
      id: 't0',
      label: 'red triangle',
      kind: 'triangle',
      colour: 'red',
      box: [0.25, 0.25, 0.75, 0.75],
    };
    const img = renderLayout([sky, t], 16);
    expect(px(img, 16, 7, 9)).toEqual(RED);
    expect(px(img, 16, 4, 4)).toEqual(SKY);
    expect(px(img, 16, 11, 4)).toEqual(SKY);
    expect(px(img, 16, 8, 11)).toEqual(OUTLINE); // 0.5 px above the base
  });
});

describe('renderMasks', () => {
  it('samples silhouettes on a box-relative grid', () => {
    const masks = renderMasks(
      [
        sky,
        { id: 't0', label: 'red square', kind: 'square', colour: 'red', box: [0.1, 0.1, 0.3, 0.3] },
        { id: 't1', label: 'red circle', kind: 'circle', colour: 'red', box: [0.5, 0.5, 0.9, 0.9] },
      ],
      4,
    );
    expect(masks.length).toBe(3 * 16);
    expect(Array.from(masks.subarray(0, 32)).every((v) => v === 255)).toBe(true);
    // Circle of radius 2 cells: corner cell centre is √4.5 from the centre → 255·(2 − 2.1213 + 0.5).
    expect(masks[32]).toBe(97);
    expect(masks[32 + 5]).toBe(255);
  });
});
