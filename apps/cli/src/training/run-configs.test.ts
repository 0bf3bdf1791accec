import { UserError } from '../errors.js';
import {
  parseCommandRunConfig,
  parsePretrainRunConfig,
  parseTrainRunConfig,
} from './run-configs.js';

const train = {
  command: 'train',
  data: 'data/synthetic-64',
  encoderRun: 'runs/encoder',
  autoencoderRun: 'runs/ae',
  encoderCheckpoint: 'runs/encoder/checkpoints/step-700',
  autoencoderCheckpoint: 'runs/ae/checkpoints/step-1291',
  preset: 'synthetic-64',
  denoiser: { context: { localDim: 128 }, unet: {} },
  schedule: { kind: 'linear' },
  training: { lr: 1e-4 },
  latentScale: 1.2,
  batch: 24,
  seed: 1,
  imageSize: 64,
  maxObjects: 8,
};

describe('run configs', () => {
  it('parses a train config and keeps the part configs whole', () => {
    const cfg = parseTrainRunConfig(train, 'runs/ldm/config.json');
    expect(cfg.denoiser).toEqual(train.denoiser);
    expect(cfg.batch).toBe(24);
  });

  it('names every problem of a damaged config, with the file', () => {
    const broken = { ...train, batch: 0, preset: 'huge', denoiser: undefined };
    let error: unknown;
    try {
      parseTrainRunConfig(broken, 'runs/ldm/config.json');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UserError);
    const message = (error as Error).message;
    expect(message).toMatch(/^runs\/ldm\/config\.json: not a valid run config: /);
    for (const field of ['preset', 'denoiser', 'batch']) expect(message).toContain(`${field}:`);
  });

  it('tells a pretrain config from a train one', () => {
    expect(() => parsePretrainRunConfig(train, 'runs/x/config.json')).toThrow(
      /command: .*"pretrain"/,
    );
  });
});

describe('autoencoder and oracle run configs', () => {
  const fresh = {
    command: 'train-autoencoder',
    data: 'data/synthetic-64',
    preset: 'f4-cpu',
    model: { latentChannels: 4 },
    training: { lr: 1e-3, totalSteps: 100 },
    batch: 8,
    seed: 1,
    imageSize: 64,
  };
  it('reads back what the command wrote, and names a damaged field', () => {
    expect(parseCommandRunConfig(fresh, fresh, 'c.json')).toEqual(fresh);
    expect(() =>
      parseCommandRunConfig(fresh, { ...fresh, training: { lr: -1 } }, 'c.json'),
    ).toThrow(/^c\.json: not a valid run config: training\.lr: .*; training\.totalSteps: /);
    expect(() =>
      parseCommandRunConfig({ ...fresh, command: 'eval train-oracle' }, fresh, 'c.json'),
    ).toThrow(/command: /);
  });
});
