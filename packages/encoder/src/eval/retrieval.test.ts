import { syntheticVocabulary, type SceneGraph } from '@sgdiff/scene-graph';
import { EncoderError } from '../errors.js';
import { ablationConfig, pretrainConfig } from '../pretrain/config.js';
import { MaskedContrastiveModel } from '../pretrain/model.js';
import { Rng } from '../random.js';
import { complianceDiscrimination } from './compliance.js';
import { cosineMatrix, recallAtK, scoreGraphsImages, type ScoreMatrix } from './retrieval.js';

const vocab = syntheticVocabulary();

describe('recallAtK', () => {
  // Rows are graphs, columns images; the pair of graph i is image i.
  const m: ScoreMatrix = {
    graphs: 3,
    images: 3,
    scores: Float32Array.from([
      0.9,
      0.1,
      0.2, // graph 0: own image best
      0.8,
      0.5,
      0.1, // graph 1: own image second
      0.1,
      0.2,
      0.0, // graph 2: own image last
    ]),
  };

  it('counts hits by hand in both directions', () => {
    expect(recallAtK(m, 1, 'graph→image')).toBeCloseTo(1 / 3);
    expect(recallAtK(m, 2, 'graph→image')).toBeCloseTo(2 / 3);
    expect(recallAtK(m, 3, 'graph→image')).toBe(1);
    // Columns: image 0 best matched by graph 0 (0.9 > 0.8); image 1 by graph 1 (0.5 > 0.2, 0.1);
    // image 2: graph 0 (0.2) and graph 1 (0.1) beat graph 2 (0.0).
    expect(recallAtK(m, 1, 'image→graph')).toBeCloseTo(2 / 3);
  });

  it('gives a constant scorer no credit for ties', () => {
    expect(recallAtK({ graphs: 2, images: 2, scores: new Float32Array(4) }, 1, 'graph→image')).toBe(
      0,
    );
  });

  it('computes cosine matrices of unit rows', () => {
    const s = cosineMatrix(Float32Array.from([1, 0, 0, 1]), Float32Array.from([0.6, 0.8]), 2);
    expect(Array.from(s).map((v) => Math.round(v * 100) / 100)).toEqual([0.6, 0.8]);
  });
});

describe('graph–image scoring', () => {
  const graphs: SceneGraph[] = [
    {
      objects: [
        { id: 'a', label: 'red circle' },
        { id: 'b', label: 'blue square' },
      ],
      relations: [{ subject: 'a', predicate: 'left of', object: 'b' }],
    },
    {
      objects: [
        { id: 'c', label: 'sky' },
        { id: 'd', label: 'red circle' },
      ],
      relations: [],
    },
    {
      objects: [
        { id: 'e', label: 'sand' },
        { id: 'f', label: 'cyan triangle' },
      ],
      relations: [{ subject: 'f', predicate: 'inside', object: 'e' }],
    },
  ];
  const images = new Uint8Array(3 * 16 * 16 * 3).map((_, i) => (i * 37) % 256);

  it('scores every graph against every image with cosines in [-1, 1]', () => {
    const model = new MaskedContrastiveModel(pretrainConfig(vocab, 'tiny'));
    const m = scoreGraphsImages(model, graphs, images, vocab, 2);
    expect([m.graphs, m.images, m.scores.length]).toEqual([3, 3, 9]);
    for (const s of m.scores) expect(Math.abs(s)).toBeLessThanOrEqual(1 + 1e-5);
    model.dispose();
  });

  it('reports compliance discrimination per perturbation kind, over the pairs that allow it', () => {
    const model = new MaskedContrastiveModel(pretrainConfig(vocab, 'tiny'));
    const r = complianceDiscrimination(model, graphs, images, vocab, new Rng(5));
    expect(r.swap.total).toBe(2);
    expect(r.invert.total).toBe(2);
    expect(r.relabel.total).toBe(3);
    for (const k of ['swap', 'invert', 'relabel'] as const) {
      expect(r[k].correct).toBeLessThanOrEqual(r[k].total);
      expect(r[k].accuracy).toBeCloseTo(r[k].correct / r[k].total);
    }
    model.dispose();
  });

  it('refuses to score images with a model pre-trained without the image tower', () => {
    const model = new MaskedContrastiveModel(
      ablationConfig(pretrainConfig(vocab, 'tiny'), 'masked'),
    );
    expect(() => scoreGraphsImages(model, graphs, images, vocab)).toThrow(EncoderError);
    model.dispose();
  });
});
