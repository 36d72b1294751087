// Every optimiser, keyed by its YAML `type`: a plain list, so each one is visible here.
import { adam, adamw } from './adam.js';
import type { OptimizerOp } from './optimizer.js';
import { rmsprop } from './rmsprop.js';
import { sgd } from './sgd.js';

export const optimizers: readonly OptimizerOp[] = [sgd, adam, adamw, rmsprop];
