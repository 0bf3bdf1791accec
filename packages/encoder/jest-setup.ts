// Every encoder test runs on the cpu backend: exact, and independent of nn's WASM kernels.
import { tf } from '@sgdiff/nn';
import { initBackend } from '@sgdiff/nn/node';

/**
 * tfjs-backend-cpu's UnsortedSegmentSum runs ~5 kernels per segment over the whole input
 * (O(segments · N · D)): 280 ms for 40 rows into 10 segments, and it is also the gradient of
 * every gather and embedding lookup. This is the plain loop, for these tests only, until nn
 * registers a cpu replacement the way it does for wasm.
 */
function registerFastCpuSegmentSum(): void {
  if (tf.getKernel('UnsortedSegmentSum', 'cpu')) tf.unregisterKernel('UnsortedSegmentSum', 'cpu');
  tf.registerKernel({
    kernelName: 'UnsortedSegmentSum',
    backendName: 'cpu',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
      const numSegments = (attrs as { numSegments: number }).numSegments;
      type CpuData = { data: { get(id: object): { values: ArrayLike<number> } }; makeTensorInfo(s: number[], d: string, v: Float32Array): tf.TensorInfo };
      const cpu = backend as unknown as CpuData;
      const xs = cpu.data.get(x.dataId).values;
      const ids = cpu.data.get(segmentIds.dataId).values;
      const n = ids.length;
      const inner = n === 0 ? 0 : xs.length / n;
      const out = new Float32Array(numSegments * inner);
      for (let i = 0; i < n; i++) {
        const s = ids[i];
        if (s < 0 || s >= numSegments) continue;
        for (let j = 0; j < inner; j++) out[s * inner + j] += xs[i * inner + j];
      }
      return cpu.makeTensorInfo([numSegments, ...x.shape.slice(segmentIds.shape.length)], x.dtype, out);
    },
  });
}

beforeAll(async () => {
  await initBackend({ backend: 'cpu', log: false });
  registerFastCpuSegmentSum();
});
