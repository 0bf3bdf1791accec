/** Thrown when the loss or gradients stop being finite: training halts before anything is saved. */
export class NonFiniteError extends Error {
  constructor(
    readonly step: number,
    readonly what: string,
    readonly value: number,
  ) {
    super(
      `${what} is ${Number.isNaN(value) ? 'NaN' : value > 0 ? '+Infinity' : '-Infinity'} at step ${step}; ` +
        'training stopped before writing a checkpoint (lower the learning rate, or enable gradient clipping)',
    );
    this.name = 'NonFiniteError';
  }
}

/** Throws NonFiniteError naming the first non-finite quantity. */
export function assertFinite(step: number, values: Record<string, number>): void {
  for (const [what, value] of Object.entries(values)) {
    if (!Number.isFinite(value)) throw new NonFiniteError(step, what, value);
  }
}
