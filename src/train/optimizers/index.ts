// Optimisers with PyTorch's semantics, run with tfjs ops on the active backend. The training loop
// calls createOptimizer once per stage with the trainable parameters, then step(grads, lr).
import * as tf from '@tensorflow/tfjs';
import type { OptimizerConfig } from '../../config/types.js';
import { inputError } from '../../errors.js';
import { optimizers } from './registry.js';
import type { EngineOptimizer } from './optimizer.js';

export type { EngineOptimizer, OptimizerState } from './optimizer.js';
export { optimizers } from './registry.js';

export function createOptimizer(config: OptimizerConfig, params: readonly tf.Variable[]): EngineOptimizer {
  const op = optimizers.find((o) => o.name === config.type);
  if (!op) throw inputError(`unknown optimizer '${String(config.type)}' (known: ${optimizers.map((o) => o.name).join(', ')})`, { path: 'optimizer.type' });
  return op.create(tf, config, params);
}
