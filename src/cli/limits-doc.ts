// The limits every input meets, stated once for docs/reference.md (appended by
// scripts/gen-reference.ts; test/config/docs.test.ts keeps the file in step), from the very
// constants that enforce them.
import { MAX_ALIASES, MAX_NODES, RESERVED_NAMES } from '../config/document-limits.js';
import { MAX_GRAPH_NODES } from '../graph/expand.js';
import { MAX_MODEL_PARAMETERS } from '../graph/footprint.js';
import { MAX_SEED } from '../random.js';
import { WASM_HEAP_BYTES } from '../train/budget.js';
import { MAX_PLANNED_EPOCHS } from '../train/lr-check.js';

const n = (v: number) => v.toLocaleString('en-US');

export function limitsMarkdown(): string {
  const rows: [string, string, string][] = [
    ['YAML aliases', `at most ${n(MAX_ALIASES)} aliases (\`*name\`) to lists or maps per document, and ${n(MAX_NODES)} values once every alias is expanded (a "billion laughs" is refused at once)`, 'every file read (the pipeline and each base it extends) and every `--set` value'],
    ['reserved names', `no key anywhere, and no name or reference (\`name\`, \`from\`, \`model\`, \`input\`, \`block\`, \`compose\`, \`needs\`, \`freeze\`, \`augment\`, \`corrupt\`, \`monitor\`), may be a name every JavaScript object has: ${[...RESERVED_NAMES].sort().map((r) => `\`${r}\``).join(', ')}`, 'files and `--set` paths and values'],
    ['names', 'pipeline, model, stage, block, chain and node names: at most 100 characters (they become folder and file names)', 'the schema'],
    ['numbers', 'every number is finite: `.inf`, `-.inf`, `.nan` and numbers past a double (`1e400`) are refused where they are written, as is a block expression that evaluates to one', 'validation'],
    ['seeds', `\`seed\` and a data source's \`seed\`: whole numbers 0 to ${n(MAX_SEED)} (32 bits; a larger seed would repeat a smaller one's draws)`, 'the schema; `pipe preview --seed`'],
    ['graph size', `at most ${n(MAX_GRAPH_NODES)} op nodes per model once blocks and \`repeat\` are expanded, and ${n(MAX_MODEL_PARAMETERS)} parameters per graph model`, 'validation'],
    ['pooling padding', 'at most half the kernel (floor(kernel / 2)) on each axis, as PyTorch', 'validation'],
    ['class scores', 'a classify or evaluate stage\'s model gives at least one score per class: against `dataset.class_names` at validation, against the loaded splits\' classes and labels before the first step', 'validation; `pipe run`'],
    ['memory', `a stage whose weights, optimiser state, gradients and one pass of activations cannot fit is refused before anything is decoded or trained, with the estimate and what to lower: ${n(WASM_HEAP_BYTES / 2 ** 30)} GiB per worker on the wasm backends, and the machine's memory`, '`pipe run`, `pipe export`'],
    ['lr schedules', `a schedule that takes a finite lr past a double within the stage's epochs (up to ${n(MAX_PLANNED_EPOCHS)}) is refused, naming the epoch`, '`pipe run`'],
  ];
  return [
    '## Limits',
    '',
    'What every input meets beyond each field\'s own range, and where it is enforced.',
    '',
    '| limit | rule | checked by |',
    '|---|---|---|',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    '',
  ].join('\n');
}
