// Writes schemas/pipeline.schema.json from the registries and schemas/study.schema.json from
// src/study/schema.ts. The committed files are the contract (editors read them, the CLI
// validates with them); test/config/schema.test.ts and test/study/schema.test.ts fail when one
// is stale. Run: npx tsx scripts/gen-schema.ts
import { writeFileSync } from 'node:fs';
import { generatedSchemaText } from '../src/cli/schema.js';
import { studySchemaText } from '../src/study/schema.js';

for (const [name, text] of [['pipeline', generatedSchemaText()], ['study', studySchemaText()]]) {
  const path = new URL(`../schemas/${name}.schema.json`, import.meta.url);
  writeFileSync(path, text);
  console.log(`wrote ${path.pathname}`);
}
