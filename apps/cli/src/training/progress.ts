import { SingleBar } from 'cli-progress';

/** A progress bar on a terminal; on a pipe or in CI, a plain line every ~5% instead. */
export interface Progress {
  update(value: number, payload?: Record<string, string | number>): void;
  stop(): void;
}

export function createProgress(
  label: string,
  total: number,
  start = 0,
  stream: NodeJS.WriteStream = process.stderr,
): Progress {
  if (stream.isTTY) {
    const bar = new SingleBar({
      format: `${label} {bar} {value}/{total} | {info} | {rate} it/s | ETA {eta_formatted}`,
      hideCursor: true,
      etaBuffer: 50,
      stream,
    });
    bar.start(total, start, { info: '', rate: '-' });
    const t0 = Date.now();
    return {
      update(value, payload = {}) {
        const rate = ((value - start) / Math.max(1e-3, (Date.now() - t0) / 1000)).toFixed(2);
        bar.update(value, { info: formatPayload(payload), rate });
      },
      stop: () => bar.stop(),
    };
  }
  const every = Math.max(1, Math.round(total / 20));
  const t0 = Date.now();
  return {
    update(value, payload = {}) {
      if (value % every !== 0 && value !== total) return;
      const rate = (value - start) / Math.max(1e-3, (Date.now() - t0) / 1000);
      const eta = rate > 0 ? Math.round((total - value) / rate) : NaN;
      stream.write(
        `${label} ${value}/${total} | ${formatPayload(payload)} | ${rate.toFixed(2)} it/s | ETA ${eta}s\n`,
      );
    },
    stop() {
      // Plain lines need no cleanup.
    },
  };
}

function formatPayload(payload: Record<string, string | number>): string {
  return Object.entries(payload)
    .map(
      ([k, v]) =>
        `${k} ${typeof v === 'number' ? (Math.abs(v) < 1e-3 && v !== 0 ? v.toExponential(2) : v.toFixed(4)) : v}`,
    )
    .join(' ');
}
