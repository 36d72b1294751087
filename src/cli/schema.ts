// The registries of every phase, composed into the one JSON Schema. The CLI composes phases, so
// this lives here: config itself never imports graph, data or train.
import { pipelineSchema } from '../config/schema/pipeline.js';
import { augmentOps } from '../data/augment/registry.js';
import { graphOps } from '../graph/ops/registry.js';
import { optimizers } from '../train/optimizers/registry.js';
import { schedules } from '../train/schedules/registry.js';

export function generatedSchema() {
  return pipelineSchema({ graphOps, augmentOps, optimizers, schedules });
}

export function generatedSchemaText(): string {
  return JSON.stringify(generatedSchema(), null, 2) + '\n';
}
