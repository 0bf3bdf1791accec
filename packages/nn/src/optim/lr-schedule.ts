export interface WarmupCosineConfig {
  peakLr: number;
  warmupSteps: number;
  totalSteps: number;
  minLr?: number;
}

/**
 * Linear warmup to `peakLr` over `warmupSteps` (step 0 already gets peak/warmup), then a cosine
 * decay to `minLr` at `totalSteps`, constant after. `step` is 0-based.
 */
export function warmupCosine(config: WarmupCosineConfig): (step: number) => number {
  const { peakLr, warmupSteps, totalSteps } = config;
  const minLr = config.minLr ?? 0;
  return (step: number) => {
    if (step < warmupSteps) return (peakLr * (step + 1)) / warmupSteps;
    if (step >= totalSteps) return minLr;
    const progress = (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
    return minLr + 0.5 * (peakLr - minLr) * (1 + Math.cos(Math.PI * progress));
  };
}
