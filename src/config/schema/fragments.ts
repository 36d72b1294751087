// Building blocks for JSON Schema fragments. Every registry entry (layer op, augmentation,
// optimiser, schedule) describes its YAML form with these, so the generated schema reads the
// same everywhere and every property carries a description, its default and its unit.

export type JsonSchema = { readonly [key: string]: unknown };

/** The shape every registry entry exposes to the schema generator. */
export interface SchemaEntry {
  /** The YAML name, e.g. `conv`, `random_crop`, `sgd`, `cyclic`. */
  readonly name: string;
  /** One line, shown in the schema and the docs. */
  readonly description: string;
  /** JSON Schema 2020-12 object for this entry's map, discriminator property included. */
  readonly schema: JsonSchema;
}

/**
 * A parameter, `$c` (or `$in.channels`), or an expression over them, `${rate * c}`. The short form
 * exists because YAML flow lists and maps (`[$kh, $kw]`) cannot hold unquoted braces.
 */
export const EXPRESSION_PATTERN = '^\\$([A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)?|\\{[^{}]+\\})$';

/** Letters, digits and `_`; a name may be a number, as torchvision's Sequential children are (`features/0`). */
export const NODE_NAME_PATTERN = '^[A-Za-z0-9_]{1,100}$';

/** A node's or block use's name: written, or an expression (`${1 if expand else 0}`) giving one. */
export function nodeName(description: string): JsonSchema {
  return { description, anyOf: [{ type: 'string', pattern: NODE_NAME_PATTERN }, { type: 'string', pattern: EXPRESSION_PATTERN }] };
}

/** `if` on a node or a block use: computed only where it holds. */
export const conditionField: JsonSchema = {
  description:
    'Compute this node only where this holds: true, false, or an expression such as ${stride != 1 or in.channels != c}. Where it does not, the node is skipped and its name stands for what it would have read (its input), so a `from` naming it reads that instead. Default: true.',
  // No schema default: a filled `if: true` would print on every node of `pipe show`.
  anyOf: [{ type: 'boolean' }, { type: 'string', pattern: EXPRESSION_PATTERN }],
};

const expression = {
  type: 'string',
  pattern: EXPRESSION_PATTERN,
  description: 'a parameter ($c, $in.channels) or an expression over them (${rate * c}, ${stride != 1 or in.channels != c})',
};

/** An integer, or (inside blocks) an expression that must evaluate to one. */
export function int(description: string, opts: { minimum?: number; default?: number; maximum?: number } = {}): JsonSchema {
  const { default: dflt, ...bounds } = opts;
  return withDefault({ description, anyOf: [{ type: 'integer', ...bounds }, expression] }, dflt);
}

/** A number, or (inside blocks) an expression. */
export function num(description: string, opts: { minimum?: number; maximum?: number; exclusiveMinimum?: number; exclusiveMaximum?: number; default?: number } = {}): JsonSchema {
  const { default: dflt, ...bounds } = opts;
  return withDefault({ description, anyOf: [{ type: 'number', ...bounds }, expression] }, dflt);
}

/** A plain number (no expressions): for settings outside graphs. */
export function plainNumber(description: string, opts: { minimum?: number; maximum?: number; exclusiveMinimum?: number; exclusiveMaximum?: number; default?: number } = {}): JsonSchema {
  const { default: dflt, ...bounds } = opts;
  return withDefault({ description, type: 'number', ...bounds }, dflt);
}

export function plainInt(description: string, opts: { minimum?: number; maximum?: number; default?: number } = {}): JsonSchema {
  const { default: dflt, ...bounds } = opts;
  return withDefault({ description, type: 'integer', ...bounds }, dflt);
}

export function probability(description: string, dflt?: number): JsonSchema {
  return withDefault({ description, type: 'number', minimum: 0, maximum: 1 }, dflt);
}

export function bool(description: string, dflt?: boolean): JsonSchema {
  return withDefault({ description, type: 'boolean' }, dflt);
}

export function oneOfStrings(description: string, values: readonly string[], dflt?: string): JsonSchema {
  return withDefault({ description, type: 'string', enum: values }, dflt);
}

/** An int or an [a, b] pair of ints (kernel sizes, strides: [height, width]). */
export function intOrPair(description: string, opts: { minimum?: number; default?: number | readonly number[] } = {}): JsonSchema {
  const item = { anyOf: [{ type: 'integer', minimum: opts.minimum ?? 0 }, expression] };
  return withDefault({ description, anyOf: [...item.anyOf, { type: 'array', items: item, minItems: 2, maxItems: 2 }] }, opts.default);
}

/** The discriminator property of a registry entry, e.g. `op: {const: 'conv'}`. */
export function tag(property: string, name: string, description: string): JsonSchema {
  return { [property]: { const: name, description } };
}

/** A closed object: unknown keys are errors (the validator then suggests the closest key). */
export function entry(
  property: string,
  name: string,
  description: string,
  properties: Record<string, JsonSchema>,
  required: readonly string[] = [],
): JsonSchema {
  return {
    type: 'object',
    description,
    properties: { ...tag(property, name, description), ...properties },
    required: [property, ...required],
    additionalProperties: false,
  };
}

function withDefault(schema: Record<string, unknown>, dflt: unknown): JsonSchema {
  return dflt === undefined ? schema : { ...schema, default: dflt };
}
