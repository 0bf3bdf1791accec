/** Thrown for inputs a metric cannot be computed from: wrong shapes, NaNs, too few samples. */
export class EvalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EvalError';
  }
}

/** A recoverable problem: the metric is still computed, but differently or less reliably. */
export interface EvalWarning {
  code: 'few-samples' | 'singular-covariance' | 'indefinite-covariance';
  message: string;
}

export type WarningHandler = (warning: EvalWarning) => void;

export const warnToConsole: WarningHandler = (w) => console.warn(`[@sgdiff/eval] ${w.message}`);
