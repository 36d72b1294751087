// Writes docs/reference.md from schemas/pipeline.schema.json: every section, op, optimiser and
// schedule with its fields, defaults and descriptions. test/config/reference.test.ts fails when
// the committed file is stale. Run: npm run schema
import { writeFileSync } from 'node:fs';
import { referenceMarkdown } from '../src/config/schema/reference.js';
import { limitsMarkdown } from '../src/cli/limits-doc.js';
import { generatedSchema } from '../src/cli/schema.js';

writeFileSync(new URL('../docs/reference.md', import.meta.url), `${referenceMarkdown(generatedSchema())}\n${limitsMarkdown()}`);
console.log('wrote docs/reference.md');
