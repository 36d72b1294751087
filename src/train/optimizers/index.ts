// Optimisers with PyTorch's semantics, each one fused pass in JavaScript over every parameter.
// The training thread calls createOptimizer once per stage with the trainable variables, then
// step(grads, lr); data-parallel training (src/train/parallel) calls createFusedOptimizer with the
// parameters' sizes and updates one shared array of all of them.
import * as tf from '@tensorflow/tfjs';
import type { OptimizerConfig } from '../../config/types.js';
import { inputError } from '../../errors.js';
import type { FusedOptimizer } from './optimizer.js';
import { optimizers } from './registry.js';
import { onVariables, type VariableOptimizer } from './variables.js';

export type { EngineOptimizer, FusedOptimizer, OptimizerState } from './optimizer.js';
export type { VariableOptimizer } from './variables.js';
export { optimizers } from './registry.js';

export function createFusedOptimizer(config: OptimizerConfig, sizes: readonly number[]): FusedOptimizer {
  const op = optimizers.find((o) => o.name === config.type);
  if (!op) throw inputError(`unknown optimizer '${String(config.type)}' (known: ${optimizers.map((o) => o.name).join(', ')})`, { path: 'optimizer.type' });
  return op.create(config, sizes);
}

export function createOptimizer(config: OptimizerConfig, params: readonly tf.Variable[]): VariableOptimizer {
  return onVariables(tf, createFusedOptimizer(config, params.map((p) => p.size)), params);
}
