import { join } from 'node:path';
import type { AdamW, AdamWState } from '../optim/adamw.js';
import { CheckpointError } from '../checkpoint/errors.js';
import { loadCheckpoint, saveCheckpoint } from './checkpoint.js';

/** Optimiser state lives in `<trainingCheckpoint>/optimizer/`, in the module checkpoint format. */
export const OPTIMIZER_DIR = 'optimizer';

export async function saveOptimizerState(checkpointDir: string, optimizer: AdamW): Promise<void> {
  await saveCheckpoint(
    join(checkpointDir, OPTIMIZER_DIR),
    { parameters: () => optimizer.stateTensors() },
    {
      optimizer: 'AdamW',
      state: optimizer.state(),
    },
  );
}

/** Restores moments and step count, so training continues exactly where it stopped. */
export async function loadOptimizerState(checkpointDir: string, optimizer: AdamW): Promise<void> {
  const dir = join(checkpointDir, OPTIMIZER_DIR);
  const expect = new Map(
    [...optimizer.stateTensors()].map(([k, v]) => [k, { shape: v.shape, dtype: v.dtype }]),
  );
  const ckpt = await loadCheckpoint(dir, { expect });
  try {
    const state = ckpt.meta.state as AdamWState | undefined;
    if (ckpt.meta.optimizer !== 'AdamW' || !state || !Number.isSafeInteger(state.step)) {
      throw new CheckpointError(`${dir}: not an AdamW state checkpoint`, { file: 'model.json' });
    }
    optimizer.loadState(state, ckpt.weights);
  } finally {
    ckpt.dispose();
  }
}
