// The reference half of the docs, generated from the schema so it cannot drift from it.
import type { JsonSchema } from './fragments.js';

type Defs = Record<string, JsonSchema>;

export function referenceMarkdown(schema: JsonSchema): string {
  const defs = schema.$defs as Defs;
  const out: string[] = [
    '# Pipeline language reference',
    '',
    'Generated from `schemas/pipeline.schema.json` by `npm run schema`; do not edit by hand.',
    'The guide with examples is [pipeline-language.md](pipeline-language.md).',
    '',
    section('Top level', schema, defs),
    section('dataset', defs.dataset, defs),
    section('Data source (a stage\'s `train:` / `val:`)', defs.data_source, defs),
    section('Model (a layer graph)', defs.model, defs),
    section('Model `weights`', defs.weights_import, defs),
    section('Stage', defs.stage, defs),
    section('early_stopping', defs.early_stopping, defs),
    section('Block', defs.block, defs),
    section('Block use (a node with `block:`)', defs.block_node, defs),
    section('report', defs.report, defs),
    section('Initialiser objects', defs.initializer_object, defs),
  ];
  for (const [title, prefix] of [['Layer ops (`op:`)', 'op_'], ['Augmentation ops (`op:`)', 'augment_'], ['Optimisers (`type:`)', 'optimizer_'], ['Schedules (`type:`)', 'schedule_']] as const) {
    out.push(`## ${title}`, '');
    for (const [name, def] of Object.entries(defs).filter(([n]) => n.startsWith(prefix))) {
      out.push(section(name.slice(prefix.length), def, defs, 3));
    }
  }
  return out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd() + '\n';
}

function section(title: string, s: JsonSchema, defs: Defs, level = 2): string {
  const props = (s.properties ?? (s.else as JsonSchema | undefined)?.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((s.required as string[] | undefined) ?? []);
  const rows = Object.entries(props).map(([name, p]) => {
    const target = typeof p.$ref === 'string' ? defs[(p.$ref as string).replace('#/$defs/', '')] : p;
    const text = String(p.description ?? target?.description ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');
    const dflt = 'default' in p ? `\`${JSON.stringify(p.default)}\`` : required.has(name) ? 'required' : '';
    return `| \`${name}\` | ${dflt} | ${text} |`;
  });
  const head = `${'#'.repeat(level)} ${title}`;
  const description = typeof s.description === 'string' ? `${s.description}\n\n` : '';
  return rows.length ? `${head}\n\n${description}| field | default | meaning |\n|---|---|---|\n${rows.join('\n')}\n` : `${head}\n\n${description}`;
}
