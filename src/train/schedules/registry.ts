// Every lr schedule, keyed by its YAML `type`: a plain list, so each one is visible here.
import { cyclic } from './cyclic.js';
import { manual } from './manual.js';
import { constant, cosine, exponential, linear, multistep, step } from './per-epoch.js';
import { reduceOnPlateau } from './plateau.js';
import type { ScheduleOp } from './schedule.js';
import { sequential } from './sequential.js';

export const schedules: readonly ScheduleOp[] = [
  constant, step, multistep, exponential, cosine, cyclic, reduceOnPlateau, linear, sequential, manual,
];
