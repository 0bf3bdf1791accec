// Browser/bundler side of "#tfjs-gradients": tfjs-core's ESM build resolves its own imports here.
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops.js';
