import type { Command } from 'commander';
import { registerData } from './data.js';
import { registerShow } from './show.js';
import { registerTrainAutoencoder } from './train-autoencoder.js';
import { registerTrain } from './train.js';
import { registerPretrain } from './pretrain.js';
import { registerScoreEncoder } from './score-encoder.js';
import { registerExport } from './export.js';
import { registerSample } from './sample.js';
import { registerEdit } from './edit.js';
import { registerEval } from './eval.js';
import { registerValidate } from './validate.js';

/** Every sgdiff command; each module registers one command (or a group) on the program. */
export const commands: ((program: Command) => void)[] = [
  registerValidate,
  registerShow,
  registerData,
  registerPretrain,
  registerScoreEncoder,
  registerTrainAutoencoder,
  registerTrain,
  registerExport,
  registerSample,
  registerEdit,
  registerEval,
];
