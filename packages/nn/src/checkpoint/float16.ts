import { Float16Array, getFloat16 } from '@petamoriken/float16';

// Element access on the polyfilled Float16Array is slow (~0.4 µs); a 64 Ki-entry table of every
// half float, filled once by the library, widens a 6 M-weight UNet in tens of milliseconds.
let widen: Float32Array | undefined;
function table(): Float32Array {
  if (!widen) {
    widen = new Float32Array(65536);
    const view = new DataView(new ArrayBuffer(2));
    for (let bits = 0; bits < 65536; bits++) {
      view.setUint16(0, bits, true);
      widen[bits] = getFloat16(view, 0, true);
    }
  }
  return widen;
}

/** IEEE half floats (little-endian bytes) widened to float32. */
export function float16ToFloat32(bytes: ArrayBuffer): Float32Array {
  const bits = new Uint16Array(bytes);
  const t = table();
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = t[bits[i]];
  return out;
}

/**
 * float32 values rounded to the nearest half float (ties to even), as little-endian bytes, and
 * the index of the first finite value that overflowed to ±Infinity, if any.
 */
export function float32ToFloat16(values: Float32Array): { bytes: Uint8Array; overflow?: number } {
  const bits = new Uint16Array(new Float16Array(values).buffer);
  const bytes = new Uint8Array(bits.buffer);
  for (let i = 0; i < values.length; i++)
    if ((bits[i] & 0x7fff) === 0x7c00 && Number.isFinite(values[i])) return { bytes, overflow: i };
  return { bytes };
}
