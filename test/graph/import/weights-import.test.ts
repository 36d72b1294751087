// `weights:` on a model: PyTorch-named tensors from a safetensors file become the compiled model's
// starting weights. Checked against a forward pass written here in PyTorch's own layouts (NCHW
// conv, eval BatchNorm, channel-first flatten, Linear), so a wrong transpose or flatten order
// fails; every refusal is asserted with its exact message and place; the file's bytes are in the
// stage key, its place is not.
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../src/backend/index.js';
import { changedKeyFields, stageKeys } from '../../../src/cache/key.js';
import { resolvePipeline } from '../../../src/config/resolve.js';
import { analyzeGraphs } from '../../../src/graph/analyze.js';
import { compileGraphs } from '../../../src/graph/compile.js';
import { permute } from '../../../src/graph/import/torch-layouts.js';
import { runPipe } from '../../helpers/cli.js';
import { f32, writeSafetensors, type RawTensor } from '../../helpers/safetensors.js';

const root = mkdtempSync(join(tmpdir(), 'pipe-weights-'));
let serial = 0;

/** conv 2 -> 3 channels (3x3, padding 1) on 4x4, batchnorm, relu, flatten, dropout, dense 48 -> 2. */
const NODES = `
      - {op: conv, name: conv, filters: 3, kernel: 3, padding: 1, bias: false}
      - {op: batchnorm, name: bn}
      - {op: relu}
      - {op: flatten}
      - {op: dropout, p: 0.5}
      - {op: dense, name: fc, units: 2}`;
const PIPELINE = (weights: string, nodes = NODES) => `name: tiny
dataset: {format: image-folder, root: data}
models:
  net:
    input: [4, 4, 2]
    weights: ${weights}
    nodes:${nodes}
stages:
  train: {kind: classify, model: net, train: {split: train}, epochs: 1, optimizer: {type: sgd, lr: 0.1}}
`;

const values = (n: number, seed: number) => Array.from({ length: n }, (_, i) => Math.sin(seed * 7.3 + i * 1.7) * 0.8);
const TORCH = {
  'conv.weight': f32([3, 2, 3, 3], values(54, 1)),
  'bn.weight': f32([3], [0.5, 1.5, -1]),
  'bn.bias': f32([3], [0.1, -0.2, 0.3]),
  'bn.running_mean': f32([3], [0.05, -0.1, 0.2]),
  'bn.running_var': f32([3], [0.5, 2, 1.2]),
  'bn.num_batches_tracked': { dtype: 'I64', shape: [], data: new Uint8Array(8) },
  'fc.weight': f32([2, 48], values(96, 2)),
  'fc.bias': f32([2], [0.25, -0.5]),
} satisfies Record<string, RawTensor>;

/** A fresh folder with the pipeline and its weights file (tensors as given). */
function setup(tensors: Record<string, RawTensor> = TORCH, weights = '{file: w.safetensors}', nodes = NODES): { dir: string; file: string; weights: string } {
  const dir = join(root, `case${serial++}`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'p.yaml'), PIPELINE(weights, nodes));
  return { dir, file: join(dir, 'p.yaml'), weights: writeSafetensors(join(dir, 'w.safetensors'), tensors) };
}

async function planned(file: string, cwd: string, sets: string[] = []) {
  const { pipeline, locate } = await resolvePipeline(file, { cwd, sets });
  return { pipeline, plan: analyzeGraphs(pipeline, locate) };
}

async function refusal(file: string, cwd: string, sets: string[] = []): Promise<string> {
  try {
    await planned(file, cwd, sets);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected the pipeline to be refused');
}

/** The tiny model in PyTorch's layouts: NCHW conv, eval BN (eps 1e-5), relu, flatten (c, h, w), Linear. */
function torchForward(x: Float32Array): number[] {
  const t = (k: keyof typeof TORCH) => new Float32Array(TORCH[k].data.buffer.slice(0));
  const [w, g, b, m, v, fw, fb] = [t('conv.weight'), t('bn.weight'), t('bn.bias'), t('bn.running_mean'), t('bn.running_var'), t('fc.weight'), t('fc.bias')];
  const nchw = permute(x, [4, 4, 2], [2, 0, 1]); // the test's input is NHWC [1, 4, 4, 2]
  const feat: number[] = [];
  for (let o = 0; o < 3; o++) {
    for (let y = 0; y < 4; y++) {
      for (let xx = 0; xx < 4; xx++) {
        let s = 0;
        for (let i = 0; i < 2; i++) for (let ky = 0; ky < 3; ky++) for (let kx = 0; kx < 3; kx++) {
          const yy = y + ky - 1, xi = xx + kx - 1;
          if (yy >= 0 && yy < 4 && xi >= 0 && xi < 4) s += nchw[i * 16 + yy * 4 + xi] * w[((o * 2 + i) * 3 + ky) * 3 + kx];
        }
        feat.push(Math.max(0, ((s - m[o]) / Math.sqrt(v[o] + 1e-5)) * g[o] + b[o])); // index o * 16 + y * 4 + x: PyTorch's flatten
      }
    }
  }
  return [0, 1].map((o) => feat.reduce((acc, f, i) => acc + f * fw[o * 48 + i], fb[o]));
}

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('weights from a safetensors file', () => {
  it('gives the model PyTorch\'s function: conv OIHW -> HWIO, eval batchnorm, Linear after a channel-first flatten', async () => {
    const { dir, file } = setup();
    const { pipeline, plan } = await planned(file, dir);
    expect(plan.weights?.net.nodes.map((n) => [n.node, n.tensors.map((t) => t.tensor)])).toEqual([
      ['conv', ['conv.weight']],
      ['bn', ['bn.weight', 'bn.bias', 'bn.running_mean', 'bn.running_var']],
      ['fc', ['fc.weight', 'fc.bias']],
    ]);
    const x = new Float32Array(values(32, 3));
    const model = compileGraphs(pipeline, plan).model('net');
    const y = Array.from((model.predict(tf.tensor4d(x, [1, 4, 4, 2])) as tf.Tensor).dataSync());
    model.dispose();
    const expected = torchForward(x);
    y.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 5));
  });

  it('gives a transposed conv PyTorch\'s [in, out, kh, kw] weight as ConvTranspose2d uses it', async () => {
    const w = values(36, 4); // [in 2, out 2, 3, 3]
    const { dir, file } = setup({ 'up.weight': f32([2, 2, 3, 3], w), 'up.bias': f32([2], [0.3, -0.2]) }, '{file: w.safetensors}', `
      - {op: conv_transpose, name: up, filters: 2, kernel: 3, stride: 2, padding: 1, output_padding: 1}`);
    writeFileSync(file, readFileSync(file, 'utf8').replace('input: [4, 4, 2]', 'input: [3, 3, 2]'));
    const { pipeline, plan } = await planned(file, dir);
    const x = new Float32Array(values(18, 5)); // NHWC [1, 3, 3, 2]
    const model = compileGraphs(pipeline, plan).model('net');
    const y = (model.predict(tf.tensor4d(x, [1, 3, 3, 2])) as tf.Tensor).dataSync();
    model.dispose();
    // PyTorch: each input pixel (iy, ix) adds x * w[i, o, ky, kx] at (2 * iy - 1 + ky, 2 * ix - 1 + kx).
    const expected = new Float32Array(6 * 6 * 2);
    for (let oy = 0; oy < 6; oy++) for (let ox = 0; ox < 6; ox++) expected.set([0.3, -0.2], (oy * 6 + ox) * 2);
    for (let iy = 0; iy < 3; iy++) for (let ix = 0; ix < 3; ix++) for (let i = 0; i < 2; i++) for (let o = 0; o < 2; o++) for (let ky = 0; ky < 3; ky++) for (let kx = 0; kx < 3; kx++) {
      const [oy, ox] = [2 * iy - 1 + ky, 2 * ix - 1 + kx];
      if (oy >= 0 && oy < 6 && ox >= 0 && ox < 6) expected[(oy * 6 + ox) * 2 + o] += x[(iy * 3 + ix) * 2 + i] * w[((i * 2 + o) * 3 + ky) * 3 + kx];
    }
    Array.from(y).forEach((v, k) => expect(v).toBeCloseTo(expected[k], 5));
  });

  it('leaves excluded nodes to their initialisers, and their tensors are not unused', async () => {
    const { dir, file } = setup(TORCH, "{file: w.safetensors, exclude: ['^fc$']}");
    const { pipeline, plan } = await planned(file, dir);
    expect(plan.weights?.net.nodes.map((n) => n.node)).toEqual(['conv', 'bn']);
    const fc = compileGraphs(pipeline, plan).model('net').getLayer('net/fc').getWeights()[1].dataSync();
    expect(Array.from(fc)).not.toEqual([0.25, -0.5]);
  });

  it('maps names with rename rules, applied in order after the default rule', async () => {
    const renamed = Object.fromEntries(Object.entries(TORCH).map(([k, v]) => [`backbone.${k.replace('fc.', 'head.0.')}`, v]));
    const { dir, file } = setup(renamed, "{file: w.safetensors, rename: [{match: '^fc', to: 'head_0'}, {match: '_(\\d+)', to: '.$1'}, {match: '^', to: 'backbone.'}]}");
    const { plan } = await planned(file, dir);
    expect(plan.weights?.net.nodes.flatMap((n) => n.tensors.map((t) => t.tensor))).toEqual([
      'backbone.conv.weight', 'backbone.bn.weight', 'backbone.bn.bias', 'backbone.bn.running_mean', 'backbone.bn.running_var', 'backbone.head.0.weight', 'backbone.head.0.bias',
    ]);
  });

  it('names missing tensors with the nearest in the file, wrong shapes and dtypes with both sides, and unused tensors', async () => {
    const { 'fc.weight': fcw, 'bn.running_var': _v, ...rest } = TORCH;
    const { dir, file, weights } = setup({ ...rest, 'fc.weights': fcw, 'conv.weight': f32([3, 2, 1, 1], values(6, 1)), 'bn.running_var': { dtype: 'I64', shape: [3], data: new Uint8Array(24) }, 'extra.bias': f32([1], [0]) });
    expect(await refusal(file, dir)).toBe([
      `${file}:6:14: models.net.weights: tensor "conv.weight" is [3, 2, 1, 1] in the file, but node 'conv' (conv) needs [3, 2, 3, 3] for its kernel`,
      `${file}:6:14: models.net.weights: tensor "bn.running_var" is I64; node 'bn' needs floats (F32, F16, BF16, F64)`,
      `${file}:6:14: models.net.weights: tensor "fc.weight" of node 'fc' is not in ${weights}; nearest: "fc.weights" (map node names to the file's with rename, or exclude the node)`,
      `${file}:6:14: models.net.weights: 2 tensors in ${weights} no node takes: "fc.weights", "extra.bias" (map them with rename, or set strict: false to leave them)`,
    ].join('\n'));
  });

  it('with strict: false, leaves unused tensors', async () => {
    const { dir, file } = setup({ ...TORCH, 'aux.weight': f32([1], [1]) }, '{file: w.safetensors, strict: false}');
    expect((await planned(file, dir)).plan.weights?.net.nodes).toHaveLength(3);
  });

  it('refuses a missing file, a folder, a damaged file and a pattern that is not a regular expression, at their places', async () => {
    const { dir, file } = setup(TORCH, "{file: nope.safetensors, rename: [{match: 'a(', to: b}], exclude: ['[z']}");
    expect(await refusal(file, dir)).toBe([
      `${file}:6:56: models.net.weights.rename[0].match: not a regular expression: Invalid regular expression: /a(/g: Unterminated group`,
      `${file}:6:81: models.net.weights.exclude[0]: not a regular expression: Invalid regular expression: /[z/: Unterminated character class`,
      `${file}:6:21: models.net.weights.file: cannot read ${join(dir, 'nope.safetensors')}: no such file`,
    ].join('\n'));
    const folder = setup(TORCH, '{file: folder.safetensors}');
    mkdirSync(join(folder.dir, 'folder.safetensors'));
    expect(await refusal(folder.file, folder.dir)).toBe(`${folder.file}:6:21: models.net.weights.file: cannot read ${join(folder.dir, 'folder.safetensors')}: a folder, not a file`);
    // Any file a path leads to (traversal included) is only read as safetensors, and refused as one.
    writeFileSync(join(dir, 'passwd'), 'root:x:0:0:root:/root:/bin/bash\n');
    const traversal = `models.net.weights.file=../../../../../../..${join(dir, 'passwd')}`;
    const length = Buffer.from('root:x:0').readBigUInt64LE();
    expect(await refusal(folder.file, folder.dir, [traversal])).toBe(`--set ${traversal}: models.net.weights.file: ${join(dir, 'passwd')}: the header is ${length} bytes, over the limit of 100000000 (is it a safetensors file?)`);
  });

  it('refuses a Linear reading a join of flattened maps, whose PyTorch order cannot be told', async () => {
    const { dir, file } = setup(TORCH, '{file: w.safetensors}', `${NODES.slice(0, NODES.indexOf('      - {op: dropout'))}      - {op: flatten, name: f2, from: bn}
      - {op: concat, name: both, from: [flatten_3, f2]}
      - {op: dense, name: fc, units: 2}`);
    expect(await refusal(file, dir)).toBe(`${file}:6:14: models.net.weights: node 'fc': its input joins flattened feature maps (concat 'both'): their PyTorch feature order cannot be told; flatten after the join, or use global_avgpool`);
  });

  it('reads the file relative to the pipeline that names it, and --set relative to the working folder', async () => {
    const { dir, file, weights } = setup();
    expect((await planned(file, root)).plan.weights?.net.file).toBe(weights);
    mkdirSync(join(dir, 'sub'));
    renameSync(weights, join(dir, 'sub', 'moved.safetensors'));
    expect((await planned(file, join(dir, 'sub'), ['models.net.weights.file=moved.safetensors'])).plan.weights?.net.file).toBe(join(dir, 'sub', 'moved.safetensors'));
  });

  it('keys stages on the file\'s bytes, not its place', async () => {
    const keyOf = async (file: string, cwd: string, sets: string[] = []) => {
      const { pipeline, plan } = await planned(file, cwd, sets);
      return stageKeys(pipeline, plan, { backend: 'wasm', workers: 1, fingerprint: () => 'data' }).train;
    };
    const { dir, file, weights } = setup();
    const before = await keyOf(file, dir);
    expect(before.input.graphs[0].weights?.sha256).toMatch(/^[0-9a-f]{64}$/);
    renameSync(weights, join(dir, 'elsewhere.safetensors'));
    expect((await keyOf(file, dir, ['models.net.weights.file=elsewhere.safetensors'])).key).toBe(before.key);
    writeSafetensors(join(dir, 'w.safetensors'), { ...TORCH, 'fc.bias': f32([2], [0.25, -0.4]) });
    const after = await keyOf(file, dir);
    expect(after.key).not.toBe(before.key);
    expect(changedKeyFields(before.input, after.input)).toEqual(['graphs.net.weights']);
    writeFileSync(file, PIPELINE('{file: w.safetensors}').replace(/ {4}weights: .*\n/, ''));
    expect((await keyOf(file, dir)).input.graphs[0]).not.toHaveProperty('weights');
  });

  it('refuses to load a file replaced after the pipeline was checked', async () => {
    const { dir, file, weights } = setup();
    const { pipeline, plan } = await planned(file, dir);
    writeSafetensors(weights, { ...TORCH, 'fc.bias': f32([2], [9, 9]) });
    expect(() => compileGraphs(pipeline, plan).model('net')).toThrow(`${weights} changed after the pipeline was checked`);
  });

  it('pipe validate prints the refusal with its place and exits 2', () => {
    const { 'bn.bias': _b, ...rest } = TORCH;
    const { dir, weights } = setup(rest);
    const r = runPipe(['validate', 'p.yaml'], { cwd: dir });
    expect(r.code).toBe(2);
    // The nearest name is sought among the tensors no node takes: here none.
    expect(r.stderr).toBe(`error: p.yaml:6:14: models.net.weights: tensor "bn.bias" of node 'bn' is not in ${weights} (map node names to the file's with rename, or exclude the node)\n`);
  });
});
