// Point 7 of issue 17: a model too large to build is refused while it is analysed, quickly and
// located: past MAX_GRAPH_NODES nodes (at the repeat or node that crosses it), or past
// MAX_MODEL_PARAMETERS parameters (at its largest node, naming what to lower).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolvePipeline } from '../../src/config/resolve.js';
import { analyzeGraphs } from '../../src/graph/analyze.js';
import { MAX_GRAPH_NODES } from '../../src/graph/expand.js';
import { MAX_MODEL_PARAMETERS } from '../../src/graph/footprint.js';
import { InputError, formatDiagnostic } from '../../src/errors.js';

const BLOCKS = `blocks:
  unit:
    params: {c: 8, n: 1}
    nodes:
      - {op: conv, filters: $c, kernel: 3, padding: 1}
  pair:
    params: {n: 1}
    nodes:
      - {block: unit, repeat: $n}
      - {block: unit, repeat: $n}
  fan:
    nodes:
      - {block: pair, args: {n: 10}}
      - {block: pair, args: {n: 10}}
      - {block: pair, args: {n: 10}}
  fan2:
    nodes: [{block: fan}, {block: fan}, {block: fan}, {block: fan}, {block: fan}, {block: fan}]
  fan3:
    nodes: [{block: fan2}, {block: fan2}, {block: fan2}, {block: fan2}, {block: fan2}, {block: fan2}, {block: fan2}, {block: fan2}, {block: fan2}, {block: fan2}]
  fan4:
    nodes: [{block: fan3}, {block: fan3}, {block: fan3}, {block: fan3}, {block: fan3}, {block: fan3}, {block: fan3}, {block: fan3}, {block: fan3}, {block: fan3}]
`;

const pipeline = (first: string, input = '[32, 32, 3]') => `name: t
seed: 0
dataset: {format: tiny-imagenet, root: data, channels: 3, image_size: [32, 32]}
${BLOCKS}models:
  net:
    input: ${input}
    nodes:
      - ${first}
      - {op: global_avgpool}
      - {op: dense, units: 6}
stages:
  train: {kind: classify, model: net, train: {split: train}, val: {split: val}, epochs: 1, batch_size: 8, optimizer: {type: sgd, lr: 0.1}}
`;

async function analyze(text: string): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'pipe-limits-'));
  writeFileSync(join(dir, 'p.yaml'), text);
  try {
    const { pipeline: p, locate } = await resolvePipeline(join(dir, 'p.yaml'), { cwd: dir });
    analyzeGraphs(p, locate);
    return [];
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    return e.diagnostics.map((d) => formatDiagnostic({ ...d, location: d.location && { ...d.location, file: 'p.yaml' } }));
  }
}

describe('graph size limits', () => {
  it.each([
    ['a repeat of a billion', '{block: unit, repeat: 1000000000}', /^p\.yaml:\d+:\d+: models\.net\.nodes\[0\]\.repeat: the model expands to more than 10000 nodes: repeat: 1000000000 copies of block 'unit' \(1 node each\) make 1,000,000,000; lower repeat/],
    ['a repeat just past the limit', `{block: unit, repeat: ${MAX_GRAPH_NODES + 1}}`, /models\.net\.nodes\[0\]\.repeat: the model expands to more than 10000 nodes: repeat: 10001 copies .* make 10,001;/],
    ['a repeat inside a repeated block', '{block: pair, args: {n: 100000000}, repeat: 3}', /^p\.yaml:\d+:\d+: blocks\.pair\.nodes\[0\]\.repeat: .*repeat: 100000000 copies of block 'unit'.* \(in a block used at models\.net\.nodes\[0\]/],
    ['an outer repeat of a large block', '{block: pair, args: {n: 4000}, repeat: 1000000}', /models\.net\.nodes\[0\]\.repeat: the model expands to more than 10000 nodes: repeat: 1000000 copies of block 'pair' \(8000 nodes each\)/],
    ['blocks nesting blocks without repeat', '{block: fan4}', /the model expands to more than 10000 nodes: this node would be node 10001;/],
  ])('%s is refused quickly, located', async (_what, first, message) => {
    const started = Date.now();
    const found = await analyze(pipeline(first));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(message);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('a model of the limit itself is accepted', async () => {
    // 9,998 repeated convs, the pool and the dense layer: 10,000 nodes.
    expect(await analyze(pipeline(`{block: unit, repeat: ${MAX_GRAPH_NODES - 2}}`))).toEqual([]);
  }, 60_000);

  it.each([
    ['filters: 1e9', '{op: conv, filters: 1000000000, kernel: 3}', /nodes\[0\]\.filters: model 'net' has 34,000,000,006 parameters, over the limit of 536,870,912: their weights and gradients alone need 253 GiB; its largest node, conv 'conv_0', has 28,000,000,000: lower its filters or kernel/],
    ['a huge kernel', '{op: conv, filters: 64, kernel: 30000, padding: 15000}', /nodes\[0\]\.filters: model 'net' has .* parameters, over the limit.*conv 'conv_0'.*lower its filters or kernel/],
    ['a huge input into dense', '{op: flatten}', /nodes\[2\]\.units: model 'net' has .* parameters.*dense 'dense_2'.*lower its units/],
  ])('%s: more than MAX_MODEL_PARAMETERS is refused at the largest node', async (_what, first, message) => {
    const input = first === '{op: flatten}' ? '[20000, 20000, 3]' : undefined;
    const text = pipeline(first, input).replace('{op: global_avgpool}', first === '{op: flatten}' ? '{op: dropout, p: 0.1}' : '{op: global_avgpool}');
    const found = await analyze(text);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(message);
  });

  it('a model at the parameter limit is accepted', async () => {
    // The conv has 3*3*3*8 + 8 = 224; the dense layer 9 per unit (8 inputs and a bias): the most units under the limit.
    const units = Math.floor((MAX_MODEL_PARAMETERS - 224) / 9);
    expect(await analyze(pipeline('{op: conv, filters: 8, kernel: 3}').replace('units: 6', `units: ${units}`))).toEqual([]);
  });
});
