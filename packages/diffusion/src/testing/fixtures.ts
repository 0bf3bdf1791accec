// Test-only: reads a JSON fixture from src/fixtures (numpy-generated; scripts/ has the generators).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export function readFixture<T>(name: string): T {
  return JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', name), 'utf8')) as T;
}
