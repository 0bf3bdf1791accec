// Test-only (excluded from the library build): the cpu backend, without tfjs's "install tfjs-node" nag.
import '@tensorflow/tfjs-backend-cpu';
import { tf } from '@sgdiff/nn';

export async function useCpuBackend(): Promise<void> {
  await tf.setBackend('cpu');
  (tf.backend() as unknown as { firstUse: boolean }).firstUse = false;
}
