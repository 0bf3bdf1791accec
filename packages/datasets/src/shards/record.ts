import type { SceneGraph } from '@sgdiff/scene-graph';
import { crc32 } from './crc32.js';

/**
 * One sample as stored in a shard. `image` holds the bytes in the manifest's image encoding
 * (raw RGB or PNG); `masks` are box-relative, one M×M plane per graph object, when the
 * dataset has them.
 */
export interface ShardRecord {
  /** Unique within the dataset, e.g. "train/17" or "vg/2345". */
  key: string;
  graph: SceneGraph;
  /** Source details: original image id, file, size; for synthetic, the pairwise ground truth. */
  meta?: Record<string, unknown>;
  image: Uint8Array;
  // masks: Uint8Array [graph.objects.length, M, M] or empty
  masks?: Uint8Array;
}

/** "SGDS", then the format version, little-endian u32. */
export const SHARD_MAGIC = 0x53444753;
export const SHARD_VERSION = 1;
export const SHARD_HEADER_BYTES = 8;
/** Each record is framed as u32 body length, u32 CRC-32 of the body, then the body. */
export const RECORD_FRAME_BYTES = 8;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function shardHeader(): Uint8Array {
  const out = new Uint8Array(SHARD_HEADER_BYTES);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, SHARD_MAGIC, true);
  dv.setUint32(4, SHARD_VERSION, true);
  return out;
}

/**
 * Frames a record: `u32 len | u32 crc | body`, where body is
 * `u32 jsonLen | JSON {key, graph, meta, imageBytes, maskBytes} | image | masks`.
 */
export function encodeRecord(rec: ShardRecord): Uint8Array {
  const masks = rec.masks ?? new Uint8Array(0);
  const json = encoder.encode(
    JSON.stringify({
      key: rec.key,
      graph: rec.graph,
      ...(rec.meta ? { meta: rec.meta } : {}),
      imageBytes: rec.image.length,
      maskBytes: masks.length,
    }),
  );
  const bodyLen = 4 + json.length + rec.image.length + masks.length;
  const out = new Uint8Array(RECORD_FRAME_BYTES + bodyLen);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, bodyLen, true);
  dv.setUint32(8, json.length, true);
  out.set(json, 12);
  out.set(rec.image, 12 + json.length);
  out.set(masks, 12 + json.length + rec.image.length);
  dv.setUint32(4, crc32(out.subarray(RECORD_FRAME_BYTES)), true);
  return out;
}

/** Where a record's body sits inside a shard's bytes. */
export interface RecordSpan {
  offset: number;
  length: number;
}

export interface ShardScan {
  spans: RecordSpan[];
  /** True when the bytes end inside a record (a cut-off download or an interrupted write). */
  truncated: boolean;
  /** False when the shard header is wrong; then nothing in it is read. */
  validHeader: boolean;
}

/** Finds record boundaries without parsing them, so a reader can index a shard cheaply. */
export function scanShard(bytes: Uint8Array): ShardScan {
  if (bytes.length < SHARD_HEADER_BYTES) return { spans: [], truncated: true, validHeader: false };
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dv.getUint32(0, true) !== SHARD_MAGIC || dv.getUint32(4, true) !== SHARD_VERSION) {
    return { spans: [], truncated: false, validHeader: false };
  }
  const spans: RecordSpan[] = [];
  let p = SHARD_HEADER_BYTES;
  while (p < bytes.length) {
    if (p + RECORD_FRAME_BYTES > bytes.length) return { spans, truncated: true, validHeader: true };
    const len = dv.getUint32(p, true);
    if (p + RECORD_FRAME_BYTES + len > bytes.length)
      return { spans, truncated: true, validHeader: true };
    spans.push({ offset: p, length: RECORD_FRAME_BYTES + len });
    p += RECORD_FRAME_BYTES + len;
  }
  return { spans, truncated: false, validHeader: true };
}

/**
 * Decodes one framed record. Returns undefined when its CRC or structure is wrong, so a
 * reader can skip it and carry on. Image and mask bytes are views into `frame`.
 */
export function decodeRecord(frame: Uint8Array): ShardRecord | undefined {
  if (frame.length < RECORD_FRAME_BYTES + 4) return undefined;
  const dv = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const bodyLen = dv.getUint32(0, true);
  if (bodyLen !== frame.length - RECORD_FRAME_BYTES) return undefined;
  const body = frame.subarray(RECORD_FRAME_BYTES);
  if (crc32(body) !== dv.getUint32(4, true)) return undefined;
  const jsonLen = dv.getUint32(8, true);
  if (4 + jsonLen > body.length) return undefined;
  try {
    const head = JSON.parse(decoder.decode(body.subarray(4, 4 + jsonLen))) as {
      key: string;
      graph: SceneGraph;
      meta?: Record<string, unknown>;
      imageBytes: number;
      maskBytes: number;
    };
    const start = 4 + jsonLen;
    if (start + head.imageBytes + head.maskBytes !== body.length) return undefined;
    return {
      key: head.key,
      graph: head.graph,
      ...(head.meta ? { meta: head.meta } : {}),
      image: body.subarray(start, start + head.imageBytes),
      masks: body.subarray(start + head.imageBytes, start + head.imageBytes + head.maskBytes),
    };
  } catch {
    return undefined;
  }
}
