import { DatasetError } from '../errors.js';

const QUOTE = 34;
const BACKSLASH = 92;
const OPEN_ARRAY = 91;
const CLOSE_ARRAY = 93;
const OPEN_OBJECT = 123;
const CLOSE_OBJECT = 125;
const COMMA = 44;
const COLON = 58;
const isSpace = (b: number) => b === 32 || b === 10 || b === 13 || b === 9;

const decoder = new TextDecoder();

/**
 * Splits a JSON document into the elements of its arrays without parsing the whole: either
 * the top-level array (`keys` undefined) or the arrays under the given keys of a top-level
 * object. It only tracks strings and nesting depth, byte by byte, and hands each element's
 * text to JSON.parse, which is ~15× faster than a token-streaming parser. UTF-8 is safe to
 * scan bytewise: multi-byte sequences never contain ASCII bytes.
 */
export class JsonElementScanner {
  private buf: Uint8Array = new Uint8Array(0);
  /** Absolute offset of buf[0] in the document. */
  private base = 0;
  private pos = 0;
  private depth = 0;
  private inString = false;
  private escape = false;
  private root: 'array' | 'object' | undefined;
  private capturing = false;
  private captureDepth = 1;
  private elemStart = -1;
  private keyStart = -1;
  private expectKey = false;
  private lastKey: string | undefined;
  /** A top-level key whose value has not started yet. */
  private valueKey: string | undefined;
  private readonly listsSeen = new Set<string>();

  /**
   * `required`: keys (among `keys`) that the top-level object must hold; `end()` throws
   * DatasetError when one is missing, and any of `keys` holding something else than a list
   * throws as soon as it is seen.
   */
  constructor(
    private readonly onElement: (value: unknown) => void,
    private readonly keys?: ReadonlySet<string>,
    private readonly where = 'JSON',
    private readonly required: readonly string[] = [],
  ) {}

  push(chunk: Uint8Array): void {
    // Keep only what a pending element or key still needs.
    const keepFrom = Math.min(
      ...[this.elemStart, this.keyStart].filter((x) => x >= 0),
      this.base + this.buf.length,
    );
    const kept = this.buf.subarray(keepFrom - this.base);
    const next = new Uint8Array(kept.length + chunk.length);
    next.set(kept);
    next.set(chunk, kept.length);
    this.buf = next;
    this.base = keepFrom;
    this.scan();
  }

  end(): void {
    if (this.root === undefined) throw new DatasetError(`${this.where}: empty, expected JSON`);
    if (this.depth !== 0 || this.inString)
      throw new DatasetError(`${this.where}: not valid JSON (ends early, truncated?)`);
    if (this.required.length === 0) return;
    const wanted = this.required.map((k) => `"${k}"`).join(', ');
    if (this.root !== 'object')
      throw new DatasetError(`${this.where}: expected a JSON object with ${wanted}, found a list`);
    const missing = this.required.filter((k) => !this.listsSeen.has(k));
    if (missing.length > 0)
      throw new DatasetError(
        `${this.where}: no ${missing.map((k) => `"${k}"`).join(', ')} list (expected ${wanted})`,
      );
  }

  /** The first byte of a top-level value: a wanted key must hold a list. */
  private checkValueStart(b: number): void {
    const key = this.valueKey!;
    this.valueKey = undefined;
    if (!this.keys?.has(key)) return;
    if (b === OPEN_ARRAY) {
      this.listsSeen.add(key);
      return;
    }
    const found =
      b === OPEN_OBJECT
        ? 'an object'
        : b === QUOTE
          ? 'a string'
          : b === 110
            ? 'null'
            : b === 116 || b === 102
              ? 'a boolean'
              : 'a number';
    throw new DatasetError(`${this.where}: "${key}" must be a list, found ${found}`);
  }

  private emit(endAbs: number): void {
    const text = decoder.decode(this.buf.subarray(this.elemStart - this.base, endAbs - this.base));
    this.elemStart = -1;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw new DatasetError(`${this.where}: not valid JSON (${(e as Error).message})`);
    }
    this.onElement(value);
  }

  private scan(): void {
    const buf = this.buf;
    const base = this.base;
    for (let i = this.pos - base; i < buf.length; i++) {
      const b = buf[i];
      if (this.inString) {
        if (this.escape) this.escape = false;
        else if (b === BACKSLASH) this.escape = true;
        else if (b === QUOTE) {
          this.inString = false;
          if (this.keyStart >= 0) {
            this.lastKey = decoder.decode(buf.subarray(this.keyStart - base + 1, i));
            this.valueKey = this.lastKey;
            this.keyStart = -1;
          }
        }
        continue;
      }
      if (isSpace(b)) continue;
      if (this.valueKey !== undefined && b !== COLON && this.depth === 1) this.checkValueStart(b);
      const atElement = this.capturing && this.depth === this.captureDepth;
      if (b === QUOTE) {
        this.inString = true;
        if (this.root === 'object' && this.depth === 1 && this.expectKey) {
          this.keyStart = base + i;
          this.expectKey = false;
        } else if (atElement && this.elemStart < 0) this.elemStart = base + i;
      } else if (b === OPEN_ARRAY || b === OPEN_OBJECT) {
        if (this.depth === 0) {
          if (this.root !== undefined)
            throw new DatasetError(`${this.where}: not valid JSON (data after the end)`);
          this.root = b === OPEN_ARRAY ? 'array' : 'object';
          // A reader of a top-level list given an object has the wrong file.
          if (this.root === 'object' && !this.keys)
            throw new DatasetError(`${this.where}: expected a JSON list, found an object`);
          if (this.root === 'array' && !this.keys) this.capturing = true;
          if (this.root === 'object') this.expectKey = true;
        } else if (atElement) {
          if (this.elemStart < 0) this.elemStart = base + i;
        } else if (
          this.root === 'object' &&
          this.depth === 1 &&
          b === OPEN_ARRAY &&
          this.keys?.has(this.lastKey ?? '')
        ) {
          this.capturing = true;
          this.captureDepth = 2;
        }
        this.depth++;
      } else if (b === CLOSE_ARRAY || b === CLOSE_OBJECT) {
        this.depth--;
        if (this.depth < 0)
          throw new DatasetError(`${this.where}: not valid JSON (unbalanced brackets)`);
        if (this.capturing && this.depth === this.captureDepth - 1) {
          if (this.elemStart >= 0) this.emit(base + i);
          this.capturing = false;
        }
      } else if (b === COMMA) {
        if (atElement) {
          if (this.elemStart < 0)
            throw new DatasetError(`${this.where}: not valid JSON (empty array element)`);
          this.emit(base + i);
        } else if (this.root === 'object' && this.depth === 1) this.expectKey = true;
      } else if (b !== COLON) {
        if (this.depth === 0)
          throw new DatasetError(`${this.where}: not valid JSON (expected [ or {)`);
        if (atElement && this.elemStart < 0) this.elemStart = base + i;
      }
    }
    this.pos = base + buf.length;
  }
}
