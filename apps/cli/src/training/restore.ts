import { join } from 'node:path';
import type { AdamW } from '@sgdiff/nn';
import { loadCheckpointInto, loadOptimizerState } from '@sgdiff/nn/node';
import type { RunState } from './run-folder.js';

/**
 * Loads a resumed run's checkpoint: each module from its sub-folder, then the optimizer state.
 * Returns the step to continue from: 0 for a fresh run (`from` undefined).
 */
export async function restoreTraining(
  from: { dir: string; state: RunState } | undefined,
  modules: Record<string, Parameters<typeof loadCheckpointInto>[0]>,
  optimizer: AdamW,
): Promise<number> {
  if (!from) return 0;
  for (const [name, module] of Object.entries(modules))
    await loadCheckpointInto(module, join(from.dir, name));
  await loadOptimizerState(from.dir, optimizer);
  process.stderr.write(`resuming from ${from.dir} (step ${from.state.step})\n`);
  return from.state.step;
}
