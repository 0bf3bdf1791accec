// Test-only helpers (excluded from the build).

/** pycocotools' `rleToString`, written out from its C source as a test-side encoder. */
export function encodeRleString(counts: number[]): string {
  let s = '';
  for (let i = 0; i < counts.length; i++) {
    let x = counts[i];
    if (i > 2) x -= counts[i - 2];
    let more = 1;
    while (more) {
      let c = x & 0x1f;
      x >>= 5;
      more = c & 0x10 ? (x !== -1 ? 1 : 0) : x !== 0 ? 1 : 0;
      if (more) c |= 0x20;
      s += String.fromCharCode(c + 48);
    }
  }
  return s;
}

/** Column-major runs of a row-major 0/1 mask, starting with a run of zeros. */
export function maskToRuns(mask: ArrayLike<number>, h: number, w: number): number[] {
  const runs: number[] = [];
  let value = 0;
  let run = 0;
  for (let x = 0; x < w; x++) {
    for (let y = 0; y < h; y++) {
      const v = mask[y * w + x] ? 1 : 0;
      if (v !== value) {
        runs.push(run);
        run = 0;
        value = v;
      }
      run++;
    }
  }
  runs.push(run);
  return runs;
}

/** Compressed RLE of an axis-aligned rectangle [x, y, w, h] in an H×W image. */
export function rectRle(
  H: number,
  W: number,
  [x, y, w, h]: number[],
): { counts: string; size: [number, number] } {
  const mask = new Uint8Array(H * W);
  for (let yy = y; yy < y + h; yy++) for (let xx = x; xx < x + w; xx++) mask[yy * W + xx] = 1;
  return { counts: encodeRleString(maskToRuns(mask, H, W)), size: [H, W] };
}
