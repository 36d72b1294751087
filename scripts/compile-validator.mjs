// Compiles schemas/pipeline.schema.json into a standalone validator module in dist/, so `pipe`
// does not spend ~0.5 s compiling the schema on every start. Options must match
// src/config/validate.ts, which compiles at run time when this file is absent (tests from src/).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import standaloneCode from 'ajv/dist/standalone/index.js';

const schema = JSON.parse(readFileSync(new URL('../schemas/pipeline.schema.json', import.meta.url), 'utf8'));
const ajv = new Ajv2020({ allErrors: true, verbose: true, discriminator: true, useDefaults: true, strict: false, code: { source: true, esm: true } });
// ajv's ESM output still calls require() for a few runtime helpers (ucs2length for minLength).
const code = "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);\n" + standaloneCode.default(ajv, ajv.compile(schema));
mkdirSync(new URL('../dist/config/', import.meta.url), { recursive: true });
writeFileSync(new URL('../dist/config/pipeline-validator.js', import.meta.url), code);
