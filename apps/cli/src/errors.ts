import { SceneGraphError } from '@sgdiff/scene-graph';

/**
 * A mistake in what the user asked for (bad flag, missing file, invalid graph). The CLI prints
 * its message without a stack trace and exits with `exitCode`.
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

/** Error classes from the packages whose messages are written for users. */
const userFacing = new Set([
  'SceneGraphError',
  'UserError',
  'CheckpointError',
  'DatasetError',
  'EvalError',
  'ModelError',
]);

export function isUserFacing(e: unknown): e is Error {
  return e instanceof SceneGraphError || (e instanceof Error && userFacing.has(e.name));
}

/** Node's fs errors for paths the user gave become one-line messages. */
export function describeFsError(e: unknown): string | undefined {
  const err = e as NodeJS.ErrnoException;
  if (!err || typeof err.code !== 'string' || !err.path) return undefined;
  const what: Record<string, string> = {
    ENOENT: 'no such file or folder',
    EACCES: 'permission denied',
    EISDIR: 'is a folder, expected a file',
    ENOTDIR: 'not a folder',
    ENOSPC: 'no space left on device',
  };
  return what[err.code] ? `${err.path}: ${what[err.code]}` : undefined;
}

/** Longest run of non-space characters printed whole; longer ones (a pasted label) are cut. */
const MAX_WORD = 80;
const LONG_WORD = new RegExp(`\\S{${MAX_WORD + 1},}`, 'g');

/**
 * Text from user files made safe to print: control characters (terminal escapes, bells, line
 * breaks inside a label) shown as `\xNN`, and very long words cut with `…`.
 */
export function terminalSafe(text: string): string {
  return text
    .replace(
      // eslint-disable-next-line no-control-regex -- matching control characters is the point
      /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g,
      (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
    )
    .replace(LONG_WORD, (w) => `${w.slice(0, MAX_WORD - 1)}…(${w.length} chars)`);
}
