import { plainNumber, type JsonSchema } from '../../config/schema/fragments.js';

export function learningRate(dflt?: number): JsonSchema {
  return plainNumber('Learning rate (the schedule starts from it).', { exclusiveMinimum: 0, ...(dflt === undefined ? {} : { default: dflt }) });
}

export function weightDecay(description: string, dflt = 0): JsonSchema {
  return plainNumber(description, { minimum: 0, default: dflt });
}

export function betas(): JsonSchema {
  return {
    description: 'Decay rates of the first and second moment estimates.',
    type: 'array',
    items: { type: 'number', minimum: 0, exclusiveMaximum: 1 },
    minItems: 2,
    maxItems: 2,
    default: [0.9, 0.999],
  };
}
