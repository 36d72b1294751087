// slice_channels (ShuffleNetV2's x.chunk(2)): its shape rule and what it refuses, as `pipe
// validate` prints it. Forward and gradients against PyTorch are in zoo-ops.test.ts.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolvePipeline } from '../../src/config/resolve.js';
import { analyzeGraphs } from '../../src/graph/analyze.js';
import { runPipe } from '../helpers/cli.js';

function pipelineWith(nodes: readonly string[], input = '[4, 4, 6]'): string {
  const dir = mkdtempSync(join(tmpdir(), 'pipe-slice-'));
  writeFileSync(join(dir, 'p.yaml'), `name: t
dataset: {format: image-folder, root: data}
models:
  m:
    input: ${input}
    nodes:
${nodes.map((n) => `      - ${n}`).join('\n')}
stages:
  s: {kind: classify, model: m, train: {split: train}, epochs: 1, optimizer: {type: sgd, lr: 0.1}}
`);
  return dir;
}

describe('slice_channels', () => {
  it('keeps size channels from start, with no weights; two halves concatenated are the input\'s shape', async () => {
    const dir = pipelineWith(['{op: slice_channels, name: a, size: 3}', '{op: slice_channels, name: b, from: input, start: 3, size: 3}', '{op: concat, name: cat, from: [a, b]}']);
    const { pipeline, locate } = await resolvePipeline('p.yaml', { cwd: dir });
    const plan = analyzeGraphs(pipeline, locate);
    expect(plan.nodes.m.map((n) => [n.name, n.shape])).toEqual([['a', [4, 4, 3]], ['b', [4, 4, 3]], ['cat', [4, 4, 6]]]);
    expect(plan.models.m.trainable).toBe(0);
    expect(plan.models.m.macs).toBe(0);
  });

  it.each([
    ['a run past the last channel', ['{op: slice_channels, start: 4, size: 3}'], '[4, 4, 6]', "channels 4 to 6 (start 4, size 3) pass the input's 6 channels"],
    ['a start past the channels (a huge one)', ['{op: slice_channels, start: 1000000000000, size: 1}'], '[4, 4, 6]', "channels 1000000000000 to 1000000000000 (start 1000000000000, size 1) pass the input's 6 channels"],
    ['a flat input', ['{op: flatten}', '{op: slice_channels, size: 2}'], '[4, 4, 6]', 'slice_channels needs an image input [height, width, channels], found [96]; it cannot follow flatten, dense or global_avgpool'],
  ])('refuses %s, naming the node\'s place', (_what, nodes, input, message) => {
    const r = runPipe(['validate', 'p.yaml'], { cwd: pipelineWith(nodes, input) });
    expect(r.code).toBe(2);
    const at = nodes.length - 1;
    expect(r.stderr).toBe(`error: p.yaml:${7 + at}:9: models.m.nodes[${at}]: node 'slice_channels_${at}': ${message}\n`);
  });

  it.each([
    ['a negative start', '{op: slice_channels, start: -1, size: 2}', 'error: p.yaml:7:37: models.m.nodes[0].start: expected an integer >= 0, found -1'],
    ['a zero size', '{op: slice_channels, size: 0}', 'error: p.yaml:7:36: models.m.nodes[0].size: expected an integer >= 1, found 0'],
    ['no size', '{op: slice_channels, start: 1}', "error: p.yaml:7:9: missing required key 'size' in models.m.nodes[0]"],
  ])('the schema refuses %s', (_what, node, message) => {
    const r = runPipe(['validate', 'p.yaml'], { cwd: pipelineWith([node]) });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`${message}\n`);
  });
});
