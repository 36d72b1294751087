// Issue 18 point 1, the language: nodes and block uses computed only where their `if` holds (a
// skipped node's name stands for its input), a block reading its input's shape (`in.channels`),
// the copy of a repeat (`repeat.index`), torchvision-style numbering (`index_from: 0`) and the
// pipeline's `params`; each misuse refused with its location.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolvePipeline } from '../../src/config/resolve.js';
import { analyzeGraphs, type GraphPlan } from '../../src/graph/analyze.js';
import { InputError, formatDiagnostic } from '../../src/errors.js';

// torchvision's BasicBlock: the downsample branch exists exactly when the stride or the channels change.
const BASIC = `blocks:
  basic:
    params: {planes: required, stride: 1}
    nodes:
      - {op: conv, name: conv1, filters: $planes, kernel: 3, stride: '\${stride if repeat.index == 0 else 1}', padding: 1, bias: false}
      - {op: batchnorm, name: bn1}
      - {op: relu, name: relu}
      - {op: conv, name: conv2, filters: $planes, kernel: 3, padding: 1, bias: false}
      - {op: batchnorm, name: bn2}
      - {op: conv, name: down, from: input, if: '\${repeat.index == 0 and (stride != 1 or in.channels != planes)}', filters: $planes, kernel: 1, stride: $stride, bias: false}
      - {op: batchnorm, name: down_bn, if: '\${repeat.index == 0 and (stride != 1 or in.channels != planes)}'}
      - {op: add, from: [down_bn, bn2]}
`;

function pipeline(nodes: string[], extra = BASIC, head = ''): string {
  return `name: t
${head}dataset: {format: image-folder, root: data}
${extra}models:
  m:
    input: [8, 8, 4]
    nodes:
${nodes.map((n) => `      - ${n}`).join('\n')}
stages:
  s: {kind: classify, model: m, train: {split: train}, epochs: 1, optimizer: {type: sgd, lr: 0.1}}
`;
}

async function analyze(text: string, sets: string[] = []): Promise<{ plan?: GraphPlan; errors: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'pipe-expand-'));
  writeFileSync(join(dir, 'p.yaml'), text);
  try {
    const { pipeline: p, locate } = await resolvePipeline('p.yaml', { cwd: dir, sets });
    return { plan: analyzeGraphs(p, locate), errors: [] };
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    return { errors: e.diagnostics.map((d) => formatDiagnostic({ ...d, location: d.location && { ...d.location, file: 'p.yaml' } })) };
  }
}

const summary = (plan: GraphPlan) => plan.nodes.m.map((n) => `${n.name}<${n.inputs.join(',')}>`);

describe('conditional nodes and the input shape', () => {
  it('a block with the same channels and stride 1 has no downsample: the add reads the block input', async () => {
    const { plan } = await analyze(pipeline(['{block: basic, name: layer1, args: {planes: 4}}']));
    expect(summary(plan!)).toEqual([
      'layer1/conv1<input>', 'layer1/bn1<layer1/conv1>', 'layer1/relu<layer1/bn1>', 'layer1/conv2<layer1/relu>', 'layer1/bn2<layer1/conv2>', 'layer1/add_7<input,layer1/bn2>',
    ]);
  });

  it.each([
    ['more channels', '{planes: 8}', [8, 8, 8]],
    ['a stride', '{planes: 4, stride: 2}', [4, 4, 4]],
  ])('%s switches the downsample on', async (_what, args, shape) => {
    const { plan } = await analyze(pipeline([`{block: basic, name: layer1, args: ${args}}`]));
    const down = plan!.nodes.m.find((n) => n.name === 'layer1/down')!;
    expect(down.inputs).toEqual(['input']);
    expect(down.shape).toEqual(shape);
    expect(plan!.nodes.m.at(-1)!.inputs).toEqual(['layer1/down_bn', 'layer1/bn2']);
  });

  it('repeat copies see their own input: only the first downsamples and strides; index_from: 0 numbers as torchvision', async () => {
    const { plan } = await analyze(pipeline(['{block: basic, name: layer2, repeat: 3, index_from: 0, args: {planes: 8, stride: 2}}']));
    const names = plan!.nodes.m.map((n) => n.name);
    expect(names.filter((n) => n.endsWith('/down'))).toEqual(['layer2/0/down']);
    expect(names.filter((n) => n.endsWith('/conv1'))).toEqual(['layer2/0/conv1', 'layer2/1/conv1', 'layer2/2/conv1']);
    expect(plan!.nodes.m.filter((n) => n.op === 'conv').map((n) => n.params.stride)).toEqual([2, 1, 2, 1, 1, 1, 1]);
    expect(plan!.models.m.output).toEqual([4, 4, 8]);
  });

  it('index_from numbers even a single copy; without it one copy has no number', async () => {
    const one = await analyze(pipeline(['{block: basic, name: b, index_from: 0, args: {planes: 4}}']));
    expect(one.plan!.nodes.m[0].name).toBe('b/0/conv1');
    const plain = await analyze(pipeline(['{block: basic, name: b, args: {planes: 4}}']));
    expect(plain.plan!.nodes.m[0].name).toBe('b/conv1');
  });

  it('in.height, in.width and in.channels are the block input\'s; a whole block can be skipped', async () => {
    const blocks = `blocks:
  widen:
    params: {by: 2}
    nodes:
      - {op: conv, filters: '\${in.channels * by}', kernel: '\${in.height // 2}'}
  maybe:
    params: {on: true}
    nodes:
      - {block: widen, if: $on}
`;
    const { plan } = await analyze(pipeline(['{block: widen}', '{block: maybe, args: {on: false}}', '{block: maybe, name: last}'], blocks));
    expect(plan!.nodes.m.map((n) => [n.name, n.shape])).toEqual([['widen_0/conv_0', [5, 5, 8]], ['last/widen_0/conv_0', [4, 4, 16]]]);
  });

  it('a skipped node with a from passes that node on to the next default input', async () => {
    const { plan } = await analyze(pipeline(['{op: conv, name: a, filters: 2, kernel: 1}', '{op: relu, name: r, from: input, if: false}', '{op: conv, name: c, filters: 3, kernel: 1}', '{op: concat, from: [a, c]}'], ''));
    expect(summary(plan!)).toEqual(['a<input>', 'c<input>', 'concat_3<a,c>']);
  });

  it('a skipped join stands for its last input: a residual add written [input, main] leaves main', async () => {
    const { plan } = await analyze(pipeline(['{op: conv, name: main, filters: 4, kernel: 1}', '{op: add, name: res, from: [input, main], if: false}', '{op: relu, from: res}'], ''));
    expect(summary(plan!)).toEqual(['main<input>', 'relu_2<main>']);
  });

  it('params: the models\' expressions read them and --set changes them', async () => {
    const text = pipeline(['{op: global_avgpool}', '{op: dense, name: fc, units: $num_classes}'], '', 'params: {num_classes: 1000}\n');
    expect((await analyze(text)).plan!.models.m.output).toEqual([1000]);
    expect((await analyze(text, ['params.num_classes=10'])).plan!.models.m.output).toEqual([10]);
  });

  it('node names may be numbers, as torchvision\'s Sequential children', async () => {
    const { plan } = await analyze(pipeline(["{op: conv, name: '0', filters: 2, kernel: 1}", "{op: relu, name: '1', from: '0'}"], ''));
    expect(summary(plan!)).toEqual(['0<input>', '1<0>']);
  });

  it.each([
    ['an if that is not a boolean', ['{block: b}'], 'blocks:\n  b:\n    params: {c: 3}\n    nodes: [{op: relu, if: $c}]\n', 'ignored',
      /^p\.yaml:\d+:\d+: blocks\.b\.nodes\[0\]\.if: if must be true or false, found 3 \(in a block used at models\.m\.nodes\[0\] \(p\.yaml:\d+\)\)$/],
    ['in.height of a flat input', ['{op: global_avgpool}', '{block: b}'], 'blocks:\n  b:\n    nodes: [{op: dense, units: \'${in.height}\'}]\n', 'ignored',
      /blocks\.b\.nodes\[0\]: unknown parameter 'in\.height' in '\$\{in\.height\}' \(parameters: in\.channels, repeat\.index, repeat\.count\)/],
    ['arithmetic on a boolean', ['{op: conv, filters: \'${(in.channels > 2) * 2}\', kernel: 1}'], '', 'ignored',
      /models\.m\.nodes\[0\]: '\*' needs a number, found true, in/],
    ['a model reading a block parameter', ['{op: conv, filters: $planes, kernel: 1}'], '', 'ignored',
      /models\.m\.nodes\[0\]: unknown parameter 'planes' in '\$planes' \(parameters: in\.height, in\.width, in\.channels\)/],
  ])('%s is refused, located', async (_what, nodes, blocks, _unused, message) => {
    const { errors } = await analyze(pipeline(nodes, blocks));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(message);
  });

  it('an if that is neither a boolean nor an expression is a schema error', async () => {
    const { errors } = await analyze(pipeline(['{op: relu, if: sometimes}'], ''));
    expect(errors.join('\n')).toMatch(/models\.m\.nodes\[0\]\.if: /);
  });
});

describe('alternatives sharing a name', () => {
  const blocks = `blocks:
  cna:
    params: {act: relu}
    nodes:
      - {op: conv, name: '0', filters: 4, kernel: 1}
      - {op: relu, name: '1', if: "\${act == 'relu'}"}
      - {op: hardswish, name: '1', if: "\${act == 'hardswish'}"}
      - {op: silu, name: '1', if: "\${act == 'silu'}"}
`;
  it.each([['relu'], ['hardswish'], ['silu']])('act %s computes that one node under the shared name', async (act) => {
    const { plan } = await analyze(pipeline([`{block: cna, name: b, args: {act: ${act}}}`], blocks));
    expect(plan!.nodes.m.map((n) => [n.name, n.op])).toEqual([['b/0', 'conv'], ['b/1', act]]);
  });

  it('two computed nodes of one name are refused, saying why', async () => {
    const twice = blocks.replace("if: \"${act == 'silu'}\"", 'if: true');
    const { errors } = await analyze(pipeline(['{block: cna, name: b}'], twice));
    expect(errors).toEqual([expect.stringMatching(/blocks\.cna\.nodes\[3\]: the name '1' is used twice in this list and both nodes are computed here \(of nodes sharing a name, at most one may have a true if\) \(in a block used at models\.m\.nodes\[0\]/)]);
    const plain = await analyze(pipeline(['{op: relu, name: a}', '{op: relu, name: a}'], ''));
    expect(plain.errors).toEqual([expect.stringMatching(/models\.m\.nodes\[1\]: the name 'a' is used twice in this list$/)]);
  });
});

describe('computed names', () => {
  const blocks = `blocks:
  b:
    params: {expand: true}
    nodes:
      - {op: conv, name: '0', if: $expand, filters: 8, kernel: 1}
      - {op: relu, name: '\${1 if expand else 0}'}
`;
  it.each([['true', ['b/0', 'b/1']], ['false', ['b/0']]])('expand %s numbers the nodes as torchvision\'s Sequential', async (expand, names) => {
    const { plan } = await analyze(pipeline([`{block: b, name: b, args: {expand: ${expand}}}`], blocks));
    expect(plan!.nodes.m.map((n) => n.name)).toEqual(names);
  });

  it.each([
    ["'${0.5}'", /models\.m\.nodes\[0\]\.name: name "\$\{0\.5\}" gives 0\.5: a node name is letters, digits and _ \(at most 100\)/],
    ["'${1 > 0}'", /models\.m\.nodes\[0\]\.name: name "\$\{1 > 0\}" gives true: a node name/],
    ['$act', /models\.m\.nodes\[0\]\.name: unknown parameter 'act' in '\$act'/],
  ])('name %s is refused, located', async (name, message) => {
    const { errors } = await analyze(pipeline([`{op: relu, name: ${name}}`], ''));
    expect(errors).toEqual([expect.stringMatching(message)]);
  });
});
