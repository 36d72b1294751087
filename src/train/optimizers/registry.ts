// Every optimiser, keyed by its YAML `type`.
import type { SchemaEntry } from '../../config/schema/fragments.js';
import { adam, adamw } from './adam.js';
import { rmsprop } from './rmsprop.js';
import { sgd } from './sgd.js';

export const optimizers: readonly SchemaEntry[] = [sgd, adam, adamw, rmsprop];
