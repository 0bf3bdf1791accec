// Test-only (excluded from the build): runs the CLI in-process and captures what it prints.
import { runCli } from '../program.js';

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/**
 * Runs `sgdiff ARGV…` and returns its exit code with stdout (console.log) and stderr
 * (console.error, progress bars, warnings). Output is restored after each call, so the test
 * runner's own reporting is never swallowed.
 */
export async function cli(...argv: string[]): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const saved = { log: console.log, error: console.error, write: process.stderr.write };
  console.log = (...a: unknown[]) => void out.push(a.join(' '));
  console.error = (...a: unknown[]) => void err.push(a.join(' '));
  process.stderr.write = ((s: unknown) => (
    err.push(String(s)),
    true
  )) as typeof process.stderr.write;
  try {
    const code = await runCli(argv);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    console.log = saved.log;
    console.error = saved.error;
    process.stderr.write = saved.write;
  }
}
