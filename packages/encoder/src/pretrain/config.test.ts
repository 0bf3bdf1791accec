import { syntheticVocabulary } from '@sgdiff/scene-graph';
import { ENCODER_PRESETS } from '../model/config.js';
import { ABLATION_VARIANTS, ablationConfig, pretrainConfig } from './config.js';

describe('pretrain config', () => {
  const vocab = syntheticVocabulary();

  it("has the paper's encoder as the sgdiff preset", () => {
    expect(ENCODER_PRESETS.sgdiff).toMatchObject({ dim: 512, layers: 6, tokens: 15 });
    const c = pretrainConfig(vocab, 'sgdiff');
    expect(c.masked.masking).toEqual({ objectProb: 0.8, imageProb: 0.1 });
    expect(c.contrastive.temperature.initTemperature).toBe(0.07);
    expect(c.lambda).toBe(1);
  });

  it('takes table sizes from the vocabulary and survives a JSON round trip', () => {
    const c = pretrainConfig(vocab, 'synthetic', { useBoxes: true });
    expect(c.encoder).toMatchObject({
      numObjects: vocab.numObjects,
      numPredicates: vocab.numPredicates,
      inImagePredicate: vocab.inImageIndex,
      useBoxes: true,
    });
    expect(JSON.parse(JSON.stringify(c))).toEqual(c);
  });

  it('makes each ablation variant without touching the base config', () => {
    const base = pretrainConfig(vocab, 'synthetic');
    const frozen = structuredClone(base);
    const v = Object.fromEntries(
      ABLATION_VARIANTS.map((name) => [name, ablationConfig(base, name)]),
    );
    expect(base).toEqual(frozen);
    expect([v.contrastive.contrastive.enabled, v.contrastive.masked.enabled]).toEqual([
      true,
      false,
    ]);
    expect([v.masked.contrastive.enabled, v.masked.masked.enabled]).toEqual([false, true]);
    expect(v.both.contrastive.hardNegatives).toEqual([]);
    expect(v['both+hard'].contrastive.hardNegatives).toEqual(['swap', 'invert', 'relabel']);
    expect(v['bag-of-objects'].encoder.useRelations).toBe(false);
  });
});
