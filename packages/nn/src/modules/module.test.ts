import * as tf from '../tf/index.js';
import { useBackend } from '../testing/backends.js';
import { decays, Module } from './module.js';
import { Linear } from './linear.js';
import { LayerNorm } from './norm.js';
import { MultiHeadAttention } from './attention.js';
import { MLP } from './mlp.js';

class Block extends Module {
  readonly norm = new LayerNorm(4);
  readonly attn = new MultiHeadAttention(4, { heads: 2 });
  readonly mlp = new MLP(4, { hidden: 8 });
}

class Tiny extends Module {
  readonly embed = new Linear(3, 4);
  readonly blocks = [new Block(), new Block()];
  readonly head: Linear;
  readonly scale: tf.Variable;
  constructor() {
    super();
    this.head = new Linear(4, 2, { bias: false });
    this.scale = this.param(() => tf.scalar(1));
  }
}

beforeAll(async () => {
  await useBackend('cpu');
});

describe('Module', () => {
  it('names parameters with stable dotted paths in field order', () => {
    const m = new Tiny();
    const names = [...m.parameters().keys()];
    expect(names.slice(0, 4)).toEqual([
      'scale',
      'embed.weight',
      'embed.bias',
      'blocks.0.norm.weight',
    ]);
    expect(names).toContain('blocks.1.attn.out.bias');
    expect(names).toContain('blocks.0.mlp.fc2.weight');
    expect(names[names.length - 1]).toBe('head.weight');
    expect(names).toHaveLength(1 + 2 + 2 * (2 + 8 + 4) + 1);
    expect(m.numParameters()).toBe(1 + 16 + 2 * (8 + 4 * 20 + (4 * 8 + 8 + 8 * 4 + 4)) + 8);
    m.dispose();
  });

  it('lists a shared module once, under its first name', () => {
    class Tied extends Module {
      readonly a = new Linear(2, 2);
      readonly b = this.a;
    }
    const m = new Tied();
    expect([...m.parameters().keys()]).toEqual(['a.weight', 'a.bias']);
    m.dispose();
  });

  it('train()/eval() reach every submodule', () => {
    const m = new Tiny();
    m.eval();
    expect([...m.modules().values()].every((x) => !x.training)).toBe(true);
    m.train();
    expect(m.blocks[1].attn.out.training).toBe(true);
    m.dispose();
  });

  it('excludes biases and norm gains from weight decay by default', () => {
    const m = new Tiny();
    const p = m.parameters();
    expect(decays(p.get('embed.weight') as tf.Variable)).toBe(true);
    expect(decays(p.get('embed.bias') as tf.Variable)).toBe(false);
    expect(decays(p.get('blocks.0.norm.weight') as tf.Variable)).toBe(false);
    expect(decays(p.get('scale') as tf.Variable)).toBe(false);
    m.dispose();
  });

  it('loadWeights checks every name, shape and dtype before assigning anything', () => {
    const m = new Linear(2, 3);
    const good = new Map([
      ['weight', tf.ones([2, 3])],
      ['bias', tf.zeros([3])],
    ]);
    const wrongShape = new Map([...good, ['bias', tf.zeros([4])]]);
    expect(() => m.loadWeights(wrongShape)).toThrow('"bias" has shape [4], expected [3]');
    expect(() => m.loadWeights(new Map([['weight', good.get('weight') as tf.Tensor]]))).toThrow(
      'missing weight "bias"',
    );
    expect(() => m.loadWeights(new Map([...good, ['extra', tf.zeros([1])]]))).toThrow(
      'unexpected weight "extra"',
    );
    expect(Array.from(m.weight.dataSync())).not.toEqual([1, 1, 1, 1, 1, 1]);
    m.loadWeights(good);
    expect(Array.from(m.weight.dataSync())).toEqual([1, 1, 1, 1, 1, 1]);
    m.dispose();
  });

  it('dispose frees every variable', () => {
    const before = tf.memory().numTensors;
    const m = new Tiny();
    expect(tf.memory().numTensors).toBe(before + m.parameters().size);
    m.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
