// Building blocks of the ops' JSON Schema fragments, so every op states its parameters the same
// way: a description with the unit, the default where there is one, closed objects.

import type { JsonSchema } from './op.js';

/** The object schema of one step: `op` fixed to `name`, unknown keys refused. */
export function stepSchema(name: string, description: string, properties: Record<string, JsonSchema>, required: readonly string[] = []): JsonSchema {
  return {
    type: 'object',
    description,
    properties: { op: { const: name, description: 'The augmentation op.' }, ...properties },
    required: ['op', ...required],
    additionalProperties: false,
  };
}

export function withDefault(schema: JsonSchema, dflt: unknown): JsonSchema {
  return dflt === undefined ? schema : { ...schema, default: dflt };
}

export function probability(description: string, dflt: number): JsonSchema {
  return { description: `${description} Probability, 0 to 1.`, type: 'number', minimum: 0, maximum: 1, default: dflt };
}

/** A size in pixels: n for n x n, or [height, width] (a one-item list also means square). */
export function sizeSchema(description: string): JsonSchema {
  const side = { type: 'integer', minimum: 1 };
  return { description: `${description} In pixels: n for n x n, or [height, width].`, anyOf: [side, { type: 'array', items: side, minItems: 1, maxItems: 2 }] };
}

/** A fill colour: one grey level for every channel, or one per channel. */
export function fillSchema(description: string, dflt: number): JsonSchema {
  const level = { type: 'integer', minimum: 0, maximum: 255 };
  return {
    description: `${description} Grey levels 0-255: one for every channel, or [r, g, b].`,
    anyOf: [level, { type: 'array', items: level, minItems: 1, maxItems: 3 }],
    default: dflt,
  };
}

/** A number n meaning a range around a centre (as torchvision reads it), or an explicit [min, max]. */
export function rangeSchema(description: string, item: JsonSchema, dflt?: unknown): JsonSchema {
  return withDefault({ description, anyOf: [item, { type: 'array', items: item, minItems: 2, maxItems: 2 }] }, dflt);
}

export function interpolationSchema(dflt: 'nearest' | 'bilinear'): JsonSchema {
  return {
    description: 'Resampling: nearest (the nearest input pixel) or bilinear (PIL\'s, weighted over the 2x2 neighbours).',
    enum: ['nearest', 'bilinear'],
    default: dflt,
  };
}

export function centerSchema(): JsonSchema {
  const xy = { type: 'array', items: { type: 'number' }, minItems: 2, maxItems: 2 };
  return { description: 'Centre of the transform as [x, y] in pixels from the top-left corner; null for the image centre.', anyOf: [xy, { type: 'null' }], default: null };
}

/** A nested step: the schema generator defines $defs.augment_step as the union of all ops. */
export const nestedStep: JsonSchema = { $ref: '#/$defs/augment_step' };
