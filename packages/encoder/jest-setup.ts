// Every encoder test runs on the cpu backend: exact, and independent of nn's WASM kernels.
import { initBackend } from '@sgdiff/nn/node';

beforeAll(async () => {
  // initBackend registers nn's cpu kernels, UnsortedSegmentSum (the gather/embedding gradient) among them.
  await initBackend({ backend: 'cpu', log: false });
});
