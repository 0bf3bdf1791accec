import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Transform } from 'node:stream';
import StreamJson from 'stream-json';
import Pick from 'stream-json/filters/Pick.js';
import StreamArray from 'stream-json/streamers/StreamArray.js';
import StreamValues from 'stream-json/streamers/StreamValues.js';
import { DatasetError } from '../errors.js';
import { JsonElementScanner } from './json-scan.js';

/**
 * `scan` (the default) splits elements bytewise and JSON.parses each one; `stream-json` runs
 * the token-streaming parser (about 15× slower here), kept as a reference and fallback.
 */
export type JsonEngine = 'scan' | 'stream-json';

/** Packed tokens only: stream-json then skips emitting string/number chunks, roughly 2× faster. */
const PARSER_OPTIONS = {
  packKeys: true,
  packStrings: true,
  packNumbers: true,
  streamKeys: false,
  streamStrings: false,
  streamNumbers: false,
};

function byteCounter(onBytes?: (done: number) => void): Transform {
  let done = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      done += chunk.length;
      onBytes?.(done);
      cb(null, chunk);
    },
  });
}

async function consume(
  file: string,
  stages: NodeJS.ReadWriteStream[],
  onValue: (value: unknown) => void,
  onBytes?: (done: number, total: number) => void,
): Promise<void> {
  const total = (await stat(file)).size;
  const input = createReadStream(file, { highWaterMark: 1 << 20 });
  let stream: NodeJS.ReadableStream = input.pipe(byteCounter((d) => onBytes?.(d, total)));
  for (const s of stages) stream = stream.pipe(s);
  // Errors anywhere in the chain surface on the iterator.
  const fail = (e: Error) => (stream as unknown as { destroy(e: Error): void }).destroy(e);
  input.on('error', fail);
  for (const s of stages) s.on('error', fail);
  try {
    for await (const item of stream as AsyncIterable<{ value: unknown }>) onValue(item.value);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code && err.path) throw e;
    throw new DatasetError(`${file}: not valid JSON (${err.message})`);
  } finally {
    input.destroy();
  }
}

/**
 * Calls `onItem` for each element of a file holding one big JSON array (Visual Genome's
 * layout), holding one element in memory at a time.
 */
export function streamJsonArray(
  file: string,
  onItem: (value: unknown) => void,
  onBytes?: (done: number, total: number) => void,
  engine: JsonEngine = 'scan',
): Promise<void> {
  if (engine === 'scan') return scanFile(file, undefined, onItem, onBytes);
  return consume(
    file,
    [StreamJson.parser(PARSER_OPTIONS), StreamArray.streamArray()],
    onItem,
    onBytes,
  );
}

/**
 * Calls `onItem` for each element of the arrays under the given top-level keys of a JSON
 * object (COCO's layout: `images`, `annotations`, `categories`), in file order.
 */
export function streamJsonObjectArrays(
  file: string,
  keys: readonly string[],
  onItem: (value: unknown) => void,
  onBytes?: (done: number, total: number) => void,
  engine: JsonEngine = 'scan',
  required: readonly string[] = [],
): Promise<void> {
  // `required` (keys that must be present as lists) is checked by the scan engine only.
  if (engine === 'scan') return scanFile(file, new Set(keys), onItem, onBytes, required);
  const filter = new RegExp(`^(${keys.join('|')})\\.\\d+$`);
  return consume(
    file,
    [StreamJson.parser(PARSER_OPTIONS), Pick.pick({ filter }), StreamValues.streamValues()],
    onItem,
    onBytes,
  );
}

async function scanFile(
  file: string,
  keys: ReadonlySet<string> | undefined,
  onItem: (value: unknown) => void,
  onBytes?: (done: number, total: number) => void,
  required: readonly string[] = [],
): Promise<void> {
  const total = (await stat(file)).size;
  const scanner = new JsonElementScanner(onItem, keys, file, required);
  let done = 0;
  for await (const chunk of createReadStream(file, {
    highWaterMark: 1 << 20,
  }) as AsyncIterable<Buffer>) {
    scanner.push(chunk);
    done += chunk.length;
    onBytes?.(done, total);
  }
  scanner.end();
}
