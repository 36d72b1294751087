// Validates a study file's data against schemas/study.schema.json (defaults filled in place),
// with the pipeline's explainer: located messages, the closest key for a typo.
import { readFileSync } from 'node:fs';
import type { ValidateFunction } from 'ajv';
import type { Diagnostic } from '../errors.js';
import { nonFiniteNumbers, withoutNonFinitePlaces } from '../config/finite.js';
import type { JsonSchema } from '../config/schema/fragments.js';
import { explain, type ExplainContext, type Locate } from '../config/validate.js';

const SCHEMA_URL = new URL('../../schemas/study.schema.json', import.meta.url);

let schemaCache: JsonSchema | undefined;
let validatorCache: Promise<ValidateFunction> | undefined;

function studyJsonSchema(): JsonSchema {
  schemaCache ??= JSON.parse(readFileSync(SCHEMA_URL, 'utf8')) as JsonSchema;
  return schemaCache;
}

// The study schema is small: compiled at first use (a few ms), not ahead of time as the pipeline's.
function validator(): Promise<ValidateFunction> {
  validatorCache ??= import('ajv/dist/2020.js').then((m) => new m.Ajv2020({ allErrors: true, verbose: true, useDefaults: true, strict: false }).compile(studyJsonSchema()));
  return validatorCache;
}

const CONTEXT: ExplainContext = {
  resolveRef: (ref) => {
    const m = /^#\/\$defs\/(.+)$/.exec(ref);
    return m ? (studyJsonSchema().$defs as Record<string, JsonSchema>)[m[1]] : undefined;
  },
  root: 'the study',
};

/** Validates `data` in place (defaults are filled) and explains every error found; a value that
 *  is not a finite number is refused anywhere, as in pipelines. */
export async function validateStudyData(data: unknown, locate: Locate): Promise<Diagnostic[]> {
  const validate = await validator();
  const nonFinite = nonFiniteNumbers(data, locate);
  if (validate(data)) return nonFinite;
  return [...nonFinite, ...withoutNonFinitePlaces(explain(validate.errors ?? [], data, locate, CONTEXT), nonFinite)];
}
