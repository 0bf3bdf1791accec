/**
 * A checkpoint that cannot be read or written. The message names the file or weight and says what
 * is wrong, so a CLI can print it without a stack trace.
 */
export class CheckpointError extends Error {
  constructor(
    message: string,
    readonly details: { file?: string; weight?: string } = {},
  ) {
    super(message);
    this.name = 'CheckpointError';
  }
}
