// Writes schemas/pipeline.schema.json from the registries. The committed file is the contract
// (editors read it, the CLI validates with it); test/config/schema.test.ts fails when it is stale.
// Run: npx tsx scripts/gen-schema.ts
import { writeFileSync } from 'node:fs';
import { generatedSchemaText } from '../src/cli/schema.js';

const path = new URL('../schemas/pipeline.schema.json', import.meta.url);
writeFileSync(path, generatedSchemaText());
console.log(`wrote ${path.pathname}`);
