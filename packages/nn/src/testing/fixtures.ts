import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Reads a JSON fixture (numpy-generated; the script sits beside it). */
export function readFixture<T>(...path: string[]): T {
  return JSON.parse(readFileSync(join(__dirname, '..', ...path), 'utf8')) as T;
}

/** Flattens nested number arrays. */
export function flat(x: unknown): number[] {
  return Array.isArray(x) ? x.flatMap(flat) : [x as number];
}
