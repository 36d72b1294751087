// An op's settings with its schema defaults filled in. The resolver already fills them for a
// pipeline; this makes the builders safe to call with a hand-written config too (tests, the loop's
// own defaults) and keeps the schema fragment the one place a default is written.
import type { SchemaEntry } from '../../config/schema/fragments.js';

export function withDefaults<T>(entry: SchemaEntry, config: object): T {
  const properties = (entry.schema.properties ?? {}) as Record<string, { default?: unknown }>;
  const filled: Record<string, unknown> = {};
  for (const [key, property] of Object.entries(properties)) if (property.default !== undefined) filled[key] = property.default;
  for (const [key, value] of Object.entries(config)) if (value !== undefined) filled[key] = value;
  return filled as T;
}
