import { tf } from '@sgdiff/nn';
import { initBackend } from '@sgdiff/nn/node';
import { AutoencoderKL, autoencoderLoss } from './autoencoder-kl.js';
import { AUTOENCODER_PRESETS, downsamplingFactor } from './config.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm', log: false });
});

const config = { ...AUTOENCODER_PRESETS['f4-small'], baseChannels: 8, groups: 4 };

describe('AutoencoderKL', () => {
  let ae: AutoencoderKL;
  beforeAll(() => {
    ae = new AutoencoderKL(config);
  });

  it('encodes 16×16 images to 4×4×4 latents and decodes back (f = 4)', () => {
    expect(downsamplingFactor(config)).toBe(4);
    const x = tf.randomUniform([2, 16, 16, 3], -1, 1) as tf.Tensor4D;
    const dist = ae.encode(x);
    expect(dist.mean.shape).toEqual([2, 4, 4, 4]);
    expect(dist.logvar.shape).toEqual([2, 4, 4, 4]);
    expect(ae.decode(ae.sample(dist, 1)).shape).toEqual([2, 16, 16, 3]);
  });

  it('computes L1 + weighted KL as hand-computed', () => {
    // One image of 2 pixels (1×2×1… padded to RGB) and one latent element pair.
    const images = tf.tensor4d([0, 0, 0, 1, 1, 1], [1, 1, 2, 3]);
    const recon = tf.tensor4d([0.5, 0, 0, 1, 1, 0], [1, 1, 2, 3]);
    const dist = {
      mean: tf.tensor4d([1, 0], [1, 1, 1, 2]),
      logvar: tf.tensor4d([0, Math.log(2)], [1, 1, 1, 2]),
    };
    const { loss, rec, kl } = autoencoderLoss(images, recon, dist, { klWeight: 0.1 });
    // L1 mean = (0.5 + 1) / 6 = 0.25
    expect(rec.dataSync()[0]).toBeCloseTo(0.25, 6);
    // KL = ½(1 + 1 − 1 − 0) + ½(0 + 2 − 1 − ln 2) = 0.5 + 0.5·(1 − ln 2)
    const wantKl = 0.5 + 0.5 * (1 - Math.log(2));
    expect(kl.dataSync()[0]).toBeCloseTo(wantKl, 5);
    expect(loss.dataSync()[0]).toBeCloseTo(0.25 + 0.1 * wantKl, 5);
  });

  it('learns to reconstruct a fixed batch (loss falls)', () => {
    const small = new AutoencoderKL({ ...config, channelMult: [1, 2] });
    const x = tf.tidy(() =>
      tf.sub(tf.mul(tf.randomUniform([2, 8, 8, 3], 0, 1, 'float32', 3), 2), 1),
    ) as tf.Tensor4D;
    const opt = tf.train.adam(3e-3);
    const vars = [...small.parameters().values()];
    const step = () =>
      opt.minimize(
        () => {
          const dist = small.encode(x);
          return autoencoderLoss(x, small.decode(small.sample(dist, 5)), dist).loss;
        },
        true,
        vars,
      )!;
    const first = step().dataSync()[0];
    let last = first;
    for (let i = 0; i < 40; i++) last = step().dataSync()[0];
    expect(last).toBeLessThan(first * 0.7);
  });
});
