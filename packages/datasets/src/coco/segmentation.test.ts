import fc from 'fast-check';
import { encodeRleString, maskToRuns, rectRle } from '../testing/coco-rle.js';
import {
  boxMask,
  checkSegmentation,
  decodeRleString,
  polygonsToMask,
  rleToMask,
  segmentationToMask,
} from './segmentation.js';

const rows = (m: Uint8Array, w: number) =>
  Array.from({ length: m.length / w }, (_, y) =>
    Array.from(m.subarray(y * w, (y + 1) * w)).join(''),
  );

describe('COCO RLE', () => {
  it('decodes runs column-major', () => {
    // 3×3, runs: 1 zero, 2 ones (rows 1–2 of column 0), 3 zeros (column 1), 3 ones (column 2).
    expect(rows(rleToMask([1, 2, 3, 3], 3, 3), 3)).toEqual(['001', '101', '101']);
  });

  it('decodes hand-encoded strings', () => {
    // [1, 2, 3, 3]: first three are plain 5-bit values (+48 → "1", "2", "3"); the fourth is
    // the delta 3 − 2 = 1 → "1".
    expect(decodeRleString('1231')).toEqual([1, 2, 3, 3]);
    // 40 = 0b01000 | (1 << 5): chunk 8 with the continuation bit → 8 + 32 + 48 = 88 'X', then 1 → '1'.
    expect(decodeRleString('X1')).toEqual([40]);
    // Deltas start at the fourth run: [5, 10, 2, 1] stores 1 − 10 = −9 as the 5-bit chunk
    // 0b10111 = 23 → 'G' (its 0x10 bit sign-extends).
    expect(decodeRleString('5:2G')).toEqual([5, 10, 2, 1]);
  });

  it('round-trips any run list through the reference encoder', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 100000 }), { maxLength: 40 }), (counts) => {
        expect(decodeRleString(encodeRleString(counts))).toEqual(counts);
      }),
    );
  });

  it('decodes a rectangle encoded by the reference encoder', () => {
    const m = segmentationToMask(rectRle(5, 6, [1, 2, 3, 2]), 5, 6);
    expect(rows(m, 6)).toEqual(['000000', '000000', '011100', '011100', '000000']);
    expect(maskToRuns(m, 5, 6)).toEqual([7, 2, 3, 2, 3, 2, 11]);
  });

  it('reads either RLE form through segmentationToMask', () => {
    const a = segmentationToMask({ counts: [1, 2, 3, 3], size: [3, 3] }, 3, 3);
    const b = segmentationToMask({ counts: '1231', size: [3, 3] }, 3, 3);
    expect(Array.from(b)).toEqual(Array.from(a));
  });
});

describe('COCO polygons', () => {
  it('fills pixels whose centres are inside', () => {
    // Square from (1,1) to (3,3) covers pixel centres 1.5 and 2.5.
    expect(rows(polygonsToMask([[1, 1, 3, 1, 3, 3, 1, 3]], 4, 4), 4)).toEqual([
      '0000',
      '0110',
      '0110',
      '0000',
    ]);
    // Right triangle (0,0), (4,0), (0,4): centre (x+.5, y+.5) inside when x + y + 1 < 4.
    expect(rows(polygonsToMask([[0, 0, 4, 0, 0, 4]], 4, 4), 4)).toEqual([
      '1110',
      '1100',
      '1000',
      '0000',
    ]);
  });

  it('unions several rings', () => {
    const m = polygonsToMask(
      [
        [0, 0, 1, 0, 1, 1, 0, 1],
        [2, 2, 3, 2, 3, 3, 2, 3],
      ],
      3,
      3,
    );
    expect(rows(m, 3)).toEqual(['100', '000', '001']);
  });
});

describe('boxMask', () => {
  it('crops to the box and resizes with a half threshold', () => {
    // 4×8 image, mask fills the left half of the box [0, 0, 8, 4].
    const mask = new Uint8Array(32);
    for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) mask[y * 8 + x] = 1;
    expect(rows(boxMask(mask, 4, 8, [0, 0, 8, 4], 2), 2)).toEqual(['2550', '2550']);
    // Cropping to [4, 0, 4, 4] (the empty right half) gives an empty mask.
    expect(Array.from(boxMask(mask, 4, 8, [4, 0, 4, 4], 2))).toEqual([0, 0, 0, 0]);
  });
});

describe('checkSegmentation', () => {
  // A 4×5 image: RLE runs must add up to 20.
  const rle = rectRle(4, 5, [1, 1, 2, 2]);

  it('passes well-formed polygons and both RLE forms, giving the RLE size', () => {
    expect(checkSegmentation([[0, 0, 4, 0, 4, 3]])).toEqual({});
    expect(checkSegmentation(rle)).toEqual({ rleSize: [4, 5] });
    expect(checkSegmentation({ counts: [5, 2, 13], size: [4, 5] })).toEqual({ rleSize: [4, 5] });
  });

  it('names what is wrong instead of decoding garbage into an empty mask', () => {
    expect(checkSegmentation(null).problem).toBe('segmentation_missing');
    expect(checkSegmentation(undefined).problem).toBe('segmentation_missing');
    // Fewer than 6 numbers (3 points), an odd count, a non-number, no ring at all.
    expect(checkSegmentation([[0, 0, 4, 0]]).problem).toBe('segmentation_bad_polygon');
    expect(checkSegmentation([[0, 0, 4, 0, 4, 3, 1]]).problem).toBe('segmentation_bad_polygon');
    expect(checkSegmentation([[0, 0, 4, 0, 4, '3']]).problem).toBe('segmentation_bad_polygon');
    expect(
      checkSegmentation([
        [0, 0, 4, 0, 4, 3],
        [1, 2],
      ]).problem,
    ).toBe('segmentation_bad_polygon');
    expect(checkSegmentation([]).problem).toBe('segmentation_bad_polygon');
    // Runs that do not add up to h × w (5 + 2 + 12 = 19), a negative run, a fractional one.
    expect(checkSegmentation({ counts: [5, 2, 12], size: [4, 5] }).problem).toBe(
      'segmentation_bad_rle',
    );
    expect(checkSegmentation({ counts: [5, -2, 17], size: [4, 5] }).problem).toBe(
      'segmentation_bad_rle',
    );
    expect(checkSegmentation({ counts: [5, 2.5, 12.5], size: [4, 5] }).problem).toBe(
      'segmentation_bad_rle',
    );
    // A compressed string: characters outside pycocotools' alphabet, cut short, wrong total.
    expect(checkSegmentation({ counts: 'hello world!', size: [4, 5] }).problem).toBe(
      'segmentation_bad_rle',
    );
    expect(checkSegmentation({ counts: rle.counts + 'P', size: [4, 5] }).problem).toBe(
      'segmentation_bad_rle',
    );
    expect(checkSegmentation({ counts: rle.counts, size: [4, 6] }).problem).toBe(
      'segmentation_bad_rle',
    );
    // Sizes that are not two positive integers; counts of the wrong type.
    expect(checkSegmentation({ counts: [0], size: [0, 0] }).problem).toBe('segmentation_bad_rle');
    expect(checkSegmentation({ counts: [20], size: [4] }).problem).toBe('segmentation_bad_rle');
    expect(checkSegmentation({ counts: 20, size: [4, 5] }).problem).toBe('segmentation_bad_rle');
    expect(checkSegmentation('polygon').problem).toBe('segmentation_unknown_format');
    expect(checkSegmentation({ points: [1, 2] }).problem).toBe('segmentation_unknown_format');
  });

  it('refuses to decode an RLE whose size is not the image size', () => {
    expect(() => segmentationToMask(rle, 5, 4)).toThrow(
      'RLE of size 4×5 does not fit its 5×4 image',
    );
  });
});
