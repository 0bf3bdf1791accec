// The wasm BatchMatMul replacement and the im2col conv-gradient paths, against the cpu backend.
import * as tf from '../tf/index.js';
import { describeOnBackends, maxRelError, onCpu, randomArray } from '../testing/backends.js';
import { isReplacementInstalled } from './register.js';
import { conv2dBackpropFilterIm2col } from './wasm/conv2d-backprop-filter.js';
import { conv2dBackpropInputIm2col } from './wasm/conv2d-backprop-input.js';

interface MatMulCase {
  a: number[];
  b: number[];
  ta: boolean;
  tb: boolean;
}

// Plain, each transpose flag, both; odd sizes; batch 1, batch > 1, a shared right-hand matrix
// (rank 2 and batch 1) and a shared left-hand one; products above and below the per-slice size.
const MATMULS: MatMulCase[] = [
  { a: [7, 5], b: [5, 3], ta: false, tb: false },
  { a: [5, 7], b: [5, 3], ta: true, tb: false },
  { a: [7, 5], b: [3, 5], ta: false, tb: true },
  { a: [5, 7], b: [3, 5], ta: true, tb: true },
  { a: [3, 9, 11], b: [3, 11, 13], ta: false, tb: false },
  { a: [3, 11, 9], b: [3, 11, 13], ta: true, tb: false },
  { a: [3, 9, 11], b: [3, 13, 11], ta: false, tb: true },
  { a: [3, 11, 9], b: [3, 13, 11], ta: true, tb: true },
  { a: [2, 3, 9, 11], b: [11, 13], ta: false, tb: false },
  { a: [2, 3, 11, 9], b: [1, 13, 11], ta: true, tb: true },
  { a: [1, 9, 11], b: [4, 11, 13], ta: false, tb: false },
  { a: [1, 11, 9], b: [4, 13, 11], ta: true, tb: true },
  { a: [2, 47, 37], b: [2, 37, 41], ta: false, tb: false }, // ≥ PER_SLICE_MIN_MACS per entry
  { a: [2, 37, 47], b: [2, 41, 37], ta: true, tb: true },
  { a: [1, 1], b: [1, 1], ta: true, tb: true },
];

function matmulLabel(c: MatMulCase): string {
  return `[${c.a}]${c.ta ? 'ᵀ' : ''}·[${c.b}]${c.tb ? 'ᵀ' : ''}`;
}

function matmulCase(c: MatMulCase): tf.Tensor[] {
  const size = (s: number[]) => s.reduce((x, y) => x * y, 1);
  const a = tf.tensor(randomArray(size(c.a), 11), c.a);
  const b = tf.tensor(randomArray(size(c.b), 12), c.b);
  const y = tf.matMul(a, b, c.ta, c.tb);
  // tfjs 4.22's BatchMatMul gradient does not reduce broadcast batch dims (on any backend).
  if (c.a.length !== c.b.length || size(c.a.slice(0, -2)) !== size(c.b.slice(0, -2))) return [y];
  const r = tf.tensor(randomArray(y.size, 13), y.shape);
  const [ga, gb] = tf.grads((p: tf.Tensor, q: tf.Tensor) =>
    tf.sum(tf.mul(tf.matMul(p, q, c.ta, c.tb), r)),
  )([a, b]);
  return [y, ga, gb];
}

describeOnBackends(['wasm'], () => {
  it('installs the BatchMatMul replacement', () => {
    expect(isReplacementInstalled('BatchMatMul', 'wasm')).toBe(true);
  });

  it.each(MATMULS.map((c) => [matmulLabel(c), c] as const))(
    'matMul and its gradients match cpu: %s',
    async (_, c) => {
      const ref = await onCpu(() => matmulCase(c));
      expect(tf.getBackend()).toBe('wasm');
      const before = tf.memory().numTensors;
      const out = tf.tidy(() => matmulCase(c));
      expect(tf.memory().numTensors).toBe(before + ref.length);
      for (let i = 0; i < ref.length; i++)
        expect(maxRelError(await out[i].data(), ref[i])).toBeLessThan(1e-5);
      tf.dispose(out);
    },
  );

  it('a product with no tensors left over at the backend (heap ids freed)', () => {
    expect(tf.getBackend()).toBe('wasm');
    const a = tf.tensor(randomArray(2 * 40 * 40, 1), [2, 40, 40]);
    const b = tf.tensor(randomArray(2 * 40 * 40, 2), [2, 40, 40]);
    const b2 = tf.tensor(randomArray(40 * 40, 3), [40, 40]);
    const dataBefore = tf.backend().numDataIds();
    for (const [ta, tb] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ]) {
      tf.matMul(a, b, ta, tb).dispose();
      tf.matMul(a, b2, ta, tb).dispose();
    }
    expect(tf.backend().numDataIds()).toBe(dataBefore);
    tf.dispose([a, b, b2]);
  });

  // Small chunk sizes force the multi-chunk paths (accumulation, slices across images).
  it.each([
    ['B3 7x6 3->4 k3 s1 same', [3, 7, 6, 3], [3, 3, 3, 4], 1, 'same'],
    ['B2 9x8 4->3 k4 s2 same', [2, 9, 8, 4], [4, 4, 4, 3], 2, 'same'],
    ['B2 10x10 3->3 k5 s2 valid', [2, 10, 10, 3], [5, 5, 3, 3], 2, 'valid'],
  ] as const)(
    'chunked im2col conv gradients match cpu: %s',
    async (_, xShape, wShape, stride, pad) => {
      const attrs = {
        strides: [stride, stride],
        pad,
        dataFormat: 'NHWC',
        dimRoundingMode: undefined,
      };
      const make = () => {
        const x = tf.tensor4d(
          randomArray(
            xShape.reduce((p, q) => p * q, 1),
            1,
          ),
          [...xShape],
        );
        const w = tf.tensor4d(
          randomArray(
            wShape.reduce((p, q) => p * q, 1),
            2,
          ),
          [...wShape],
        );
        const y = tf.conv2d(x, w, stride, pad);
        const dy = tf.tensor(randomArray(y.size, 3), y.shape);
        return { x, w, dy };
      };
      const [refDw, refDx] = await onCpu(() => {
        const { x, w, dy } = make();
        return [
          tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
            ...attrs,
            filterShape: [...wShape],
          } as never) as tf.Tensor,
          tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, {
            ...attrs,
            inputShape: [...xShape],
          } as never) as tf.Tensor,
        ];
      });
      expect(tf.getBackend()).toBe('wasm');
      const { x, w, dy } = make();
      const backend = tf.backend();
      for (const chunk of [1, 40, 1 << 22]) {
        const filter = conv2dBackpropFilterIm2col('wasm', chunk).kernelFunc;
        const input = conv2dBackpropInputIm2col('wasm', chunk).kernelFunc;
        const before = backend.numDataIds();
        const dwInfo = filter({
          inputs: { x, dy },
          attrs: { ...attrs, filterShape: [...wShape] } as never,
          backend,
        }) as tf.TensorInfo;
        const dxInfo = input({
          inputs: { dy, filter: w },
          attrs: { ...attrs, inputShape: [...xShape] } as never,
          backend,
        }) as tf.TensorInfo;
        expect(backend.numDataIds()).toBe(before + 2); // the two outputs; every intermediate freed
        const dw = tf.engine().makeTensorFromTensorInfo(dwInfo);
        const dx = tf.engine().makeTensorFromTensorInfo(dxInfo);
        expect(dw.shape).toEqual([...wShape]);
        expect(dx.shape).toEqual([...xShape]);
        expect(maxRelError(await dw.data(), refDw)).toBeLessThan(1e-4);
        expect(maxRelError(await dx.data(), refDx)).toBeLessThan(1e-4);
        tf.dispose([dw, dx]);
      }
      tf.dispose([x, w, dy]);
    },
  );
});

describeOnBackends(['cpu', 'wasm'], () => {
  it('unsortedSegmentSum: rank-2 ids, inner shape, ids out of range dropped (hand values)', async () => {
    const x = tf.tensor3d(
      Array.from({ length: 2 * 3 * 2 }, (_, i) => i + 1),
      [2, 3, 2],
    );
    const ids = tf.tensor2d([1, -1, 1, 0, 5, 1], [2, 3], 'int32');
    // tfjs types segmentIds as 1-D, but the kernels (and the gather gradient) take any rank.
    const y = tf.unsortedSegmentSum(x, ids as unknown as tf.Tensor1D, 3);
    expect(y.shape).toEqual([3, 2]);
    // rows: 1:[1,2] -1:[3,4] 1:[5,6] 0:[7,8] 5:[9,10] 1:[11,12]
    expect(Array.from(await y.data())).toEqual([7, 8, 1 + 5 + 11, 2 + 6 + 12, 0, 0]);
    tf.dispose([x, ids, y]);
  });

  it('unsortedSegmentSum of int32 values stays int32', async () => {
    const x = tf.tensor1d([1, 2, 3, 4], 'int32');
    const ids = tf.tensor1d([0, 0, 1, 0], 'int32');
    const y = tf.unsortedSegmentSum(x, ids, 2);
    expect(y.dtype).toBe('int32');
    expect(Array.from(await y.data())).toEqual([7, 3]);
    tf.dispose([x, ids, y]);
  });
});

// Concat and SplitV as block copies (src/kernels/wasm/concat-split.ts): every axis, several
// inputs, an empty input, int32, explicit sizes with -1, and Concat's gradient (a SplitV).
describeOnBackends(['wasm'], () => {
  it('installs the Concat and SplitV replacements', () => {
    expect(isReplacementInstalled('Concat', 'wasm')).toBe(true);
    expect(isReplacementInstalled('SplitV', 'wasm')).toBe(true);
  });

  it('concat and split match the cpu backend on every axis', async () => {
    const shapes: number[][] = [[3, 4, 5, 2], [2, 3], [7]];
    const run = () => {
      const out: tf.Tensor[] = [];
      shapes.forEach((shape, si) => {
        for (let axis = -1; axis < shape.length; axis++) {
          const ax = axis < 0 ? shape.length - 1 : axis;
          const parts = [1, 3, 0, 2].map((n, k) => {
            const s = [...shape];
            s[ax] = n;
            return tf.tensor(
              randomArray(
                s.reduce((p, q) => p * q, 1),
                si * 10 + k,
              ),
              s,
            );
          });
          const joined = tf.concat(parts, axis);
          out.push(joined, ...tf.split(joined, [2, -1, 1], axis), ...tf.split(joined, 3, axis));
          const ints = tf.concat([tf.cast(parts[1], 'int32'), tf.cast(parts[3], 'int32')], ax);
          out.push(tf.cast(ints, 'float32'));
          const r = tf.tensor(randomArray(joined.size, 99), joined.shape);
          const g = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
            tf.sum(
              tf.mul(
                tf.concat([a, b], axis),
                tf.slice(
                  r,
                  0,
                  [...a.shape].map((d, i) => (i === ax ? a.shape[i] + b.shape[i] : d)),
                ),
              ),
            ),
          )([parts[1], parts[3]]);
          out.push(...g);
        }
      });
      return out;
    };
    const ref = await onCpu(run);
    const got = tf.tidy(run);
    expect(got.length).toBe(ref.length);
    for (let i = 0; i < got.length; i++) {
      expect(Array.from(await got[i].data())).toEqual(Array.from(ref[i]));
    }
    tf.dispose(got);
  });
});
