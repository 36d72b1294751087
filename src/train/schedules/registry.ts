// Every lr schedule, keyed by its YAML `type`.
import type { SchemaEntry } from '../../config/schema/fragments.js';
import { cyclic } from './cyclic.js';
import { manual } from './manual.js';
import { constant, cosine, exponential, linear, multistep, step } from './per-epoch.js';
import { reduceOnPlateau } from './plateau.js';
import { sequential } from './sequential.js';

export const schedules: readonly SchemaEntry[] = [
  constant, step, multistep, exponential, cosine, cyclic, reduceOnPlateau, linear, sequential, manual,
];
