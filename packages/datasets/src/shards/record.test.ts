import { crc32 } from './crc32.js';
import { decodeRecord, encodeRecord, scanShard, shardHeader, type ShardRecord } from './record.js';

const rec = (k: number): ShardRecord => ({
  key: `train/${k}`,
  graph: { objects: [{ id: 'a', label: 'sky', box: [0, 0, 1, 1] }], relations: [] },
  meta: { n: k },
  image: new Uint8Array([k, 1, 2, 3, 4, 5]),
  masks: new Uint8Array([9, 9, 9, 9]),
});

const concat = (parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

describe('crc32', () => {
  it('matches the standard check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });
});

describe('shard records', () => {
  it('round-trips records and finds their boundaries', () => {
    const bytes = concat([shardHeader(), encodeRecord(rec(1)), encodeRecord(rec(2))]);
    expect(Array.from(bytes.subarray(0, 4))).toEqual([0x53, 0x47, 0x44, 0x53]); // "SGDS"
    const scan = scanShard(bytes);
    expect(scan).toMatchObject({ truncated: false, validHeader: true });
    expect(scan.spans).toHaveLength(2);
    const back = decodeRecord(
      bytes.subarray(scan.spans[1].offset, scan.spans[1].offset + scan.spans[1].length),
    )!;
    expect(back.key).toBe('train/2');
    expect(back.graph).toEqual(rec(2).graph);
    expect(back.meta).toEqual({ n: 2 });
    expect(Array.from(back.image)).toEqual([2, 1, 2, 3, 4, 5]);
    expect(Array.from(back.masks!)).toEqual([9, 9, 9, 9]);
  });

  it('rejects a record with a flipped byte', () => {
    const frame = encodeRecord(rec(1));
    frame[frame.length - 3] ^= 0xff;
    expect(decodeRecord(frame)).toBeUndefined();
  });

  it('reports a truncated shard and keeps its whole records', () => {
    const bytes = concat([shardHeader(), encodeRecord(rec(1)), encodeRecord(rec(2))]);
    const scan = scanShard(bytes.subarray(0, bytes.length - 10));
    expect(scan.truncated).toBe(true);
    expect(scan.spans).toHaveLength(1);
  });

  it('rejects a file that is not a shard', () => {
    expect(scanShard(new TextEncoder().encode('<html>not found</html>')).validHeader).toBe(false);
  });
});
