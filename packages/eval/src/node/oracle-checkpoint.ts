import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadCheckpointInto, saveCheckpoint } from '@sgdiff/nn/node';
import { EvalError } from '../errors.js';
import { oracleConfig, type OracleConfig } from '../oracle/config.js';
import { SyntheticOracle } from '../oracle/model.js';

/** Writes the oracle as a module checkpoint whose metadata carries its config. */
export async function saveOracle(
  dir: string,
  oracle: SyntheticOracle,
  extra: Record<string, unknown> = {},
): Promise<void> {
  await saveCheckpoint(dir, oracle, { kind: 'oracle', config: oracle.config, ...extra });
}

/** The checkpoint folder of an oracle path: the folder itself, or a `train-oracle` run's `oracle/`. */
export function oracleCheckpointDir(path: string): string {
  return existsSync(join(path, 'model.json')) ? path : join(path, 'oracle');
}

/**
 * Loads an oracle from its checkpoint folder, or from a `train-oracle` run folder (its
 * `oracle/`). The network is rebuilt from the config saved with the weights.
 */
export async function loadOracle(path: string): Promise<SyntheticOracle> {
  const dir = oracleCheckpointDir(path);
  let json: { userDefinedMetadata?: { meta?: { kind?: string; config?: Partial<OracleConfig> } } };
  try {
    json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
  } catch (e) {
    throw new EvalError(
      `${path}: not an oracle checkpoint (cannot read model.json: ${(e as Error).message}); train one with "sgdiff eval train-oracle"`,
    );
  }
  const meta = json.userDefinedMetadata?.meta;
  if (meta?.kind !== 'oracle' || !meta.config)
    throw new EvalError(
      `${dir}: model.json is not an oracle checkpoint (meta.kind is ${JSON.stringify(meta?.kind)})`,
    );
  const oracle = new SyntheticOracle(oracleConfig(meta.config));
  try {
    await loadCheckpointInto(oracle, dir);
  } catch (e) {
    oracle.dispose();
    throw e;
  }
  return oracle.eval();
}
