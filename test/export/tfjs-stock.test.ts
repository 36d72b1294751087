// The stock rewrite, layer by layer: each engine layer (and each form of it) in a small model,
// compiled with its random init, exported, loaded by stock tfjs in a process where the engine's
// layers are not registered, and compared with the engine's prediction; then what is refused.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.js';
import { readLayersModel, STOCK_CLASSES, toStockLayers, writeExportModel } from '../../src/export/index.js';
import { InputError } from '../../src/errors.js';
import { maxDifference, savedModelOf, stockPredict, type SavedModel } from '../helpers/stock-export.js';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';

/** A pipeline whose model `m` is `nodes` over an input of `input`. */
const SAME = 'conv padding that TF pads the same -> Conv2D padding same';

function pipelineOf(nodes: readonly string[], input = '[8, 8, 3]'): string {
  return `name: stock
dataset: {format: image-folder, root: data}
models:
  m:
    input: ${input}
    nodes:
${nodes.map((n) => `      - ${n}`).join('\n')}
stages:
  s: {kind: classify, model: m, train: {split: train}, epochs: 1, optimizer: {type: sgd, lr: 0.1}}
`;
}

interface Case {
  readonly nodes: readonly string[];
  /** Layer classes the exported model must hold (in order of first appearance, among others). */
  readonly classes: readonly string[];
  /** Added to every input value: -3 makes every value negative, so a -Infinity pad read as 0 shows. */
  readonly offset?: number;
}

const CASES: Record<string, Case> = {
  'conv and avgpool padding -> ZeroPadding2D': { nodes: ['{op: conv, filters: 4, kernel: 3, padding: 2}', '{op: conv, filters: 4, kernel: 3, stride: 2, padding: 1}', '{op: avgpool, kernel: 3, stride: 2, padding: 1}'], classes: ['ZeroPadding2D', 'Conv2D', 'AveragePooling2D'] },
  // PyTorch's padding as TF's 'same' pads it (stride 1 with an odd reach; 'same' with kernel 2,
  // the odd pixel after): the conv pads itself, no padding layer in either form (checked below).
  [SAME]: { nodes: ['{op: conv, filters: 4, kernel: 3, padding: 1}', '{op: conv, filters: 4, kernel: 2, padding: same}', '{op: conv, filters: 4, kernel: 5, dilation: 2, padding: 4}'], classes: ['Conv2D'] },
  'maxpool padding after relu -> ZeroPadding2D': { nodes: ['{op: conv, filters: 4, kernel: 3, bias: false}', '{op: relu}', '{op: maxpool, kernel: 3, stride: 2, padding: 1}'], classes: ['ReLU', 'ZeroPadding2D', 'MaxPooling2D'], offset: -3 },
  'maxpool padding after concat of relus -> ZeroPadding2D': { nodes: ['{op: relu, name: a}', '{op: sigmoid, name: b, from: input}', '{op: concat, from: [a, b]}', '{op: maxpool, kernel: 3, stride: 2, padding: 1}'], classes: ['Concatenate', 'ZeroPadding2D', 'MaxPooling2D'], offset: -3 },
  'maxpool padding on negative values, k3 s2 p1 -> same pool, stride': { nodes: ['{op: batchnorm}', '{op: maxpool, kernel: 3, stride: 2, padding: 1}'], classes: ['BatchNormalization', 'MaxPooling2D'], offset: -3 },
  'maxpool padding on negative values, k5 s2 p1 -> same pool, crop, stride': { nodes: ['{op: maxpool, kernel: 5, stride: 2, padding: 1}'], classes: ['MaxPooling2D', 'Cropping2D', 'MaxPooling2D'], offset: -3 },
  'maxpool padding on negative values, k3 s1 p1 -> same pool': { nodes: ['{op: maxpool, kernel: 3, stride: 1, padding: 1}'], classes: ['MaxPooling2D'], offset: -3 },
  'conv_transpose k3 s2 p1 op1 -> crop': { nodes: ['{op: conv_transpose, filters: 3, kernel: 3, stride: 2, padding: 1, output_padding: 1}'], classes: ['Conv2DTranspose', 'Cropping2D'] },
  'conv_transpose k4 s2 p1 (task 2) -> crop': { nodes: ['{op: conv_transpose, filters: 3, kernel: 4, stride: 2, padding: 1}'], classes: ['Conv2DTranspose', 'Cropping2D'] },
  'conv_transpose k2 s2 -> as it is': { nodes: ['{op: conv_transpose, filters: 3, kernel: 2, stride: 2}'], classes: ['Conv2DTranspose'] },
  'conv_transpose k1 s3 op2 (kernel under stride) -> as it is': { nodes: ['{op: conv_transpose, filters: 3, kernel: 1, stride: 3, output_padding: 2}'], classes: ['Conv2DTranspose'] },
  'conv_transpose k3 s2 p0 op1 -> zero rows, bias after': { nodes: ['{op: conv_transpose, filters: 3, kernel: 3, stride: 2, output_padding: 1}'], classes: ['Conv2DTranspose', 'ZeroPadding2D', 'DepthwiseConv2D'] },
  'conv_transpose [3, 1] s[2, 3] p[0, 0] op[1, 2], no bias -> zero rows': { nodes: ['{op: conv_transpose, filters: 2, kernel: [3, 1], stride: [2, 3], output_padding: [1, 2], bias: false}'], classes: ['Conv2DTranspose', 'ZeroPadding2D'] },
  'elu alpha 0.5 -> relu, elu, rescaling, add': { nodes: ['{op: elu, alpha: 0.5}'], classes: ['ReLU', 'Activation', 'Rescaling', 'Add'] },
  'elu alpha 1 -> ELU': { nodes: ['{op: elu}'], classes: ['ELU'] },
  'scale -> Rescaling': { nodes: ['{op: scale, factor: 0.1}', '{op: scale, factor: -2.5}'], classes: ['Rescaling'] },
  'dropout -> Dropout': { nodes: ['{op: flatten}', '{op: dropout, p: 0.5}', '{op: dense, units: 4}'], classes: ['Flatten', 'Dropout', 'Dense'] },
  'nearest upsample x2, x4 -> UpSampling2D': { nodes: ['{op: upsample, scale_factor: 2}', '{op: upsample, scale_factor: 4}'], classes: ['UpSampling2D'] },
  'dilated conv, stride 1 -> Conv2D as it is': { nodes: ['{op: conv, filters: 3, kernel: 3, dilation: 2, padding: 3}'], classes: ['ZeroPadding2D', 'Conv2D'] },
  'dilated conv, stride 2 -> Conv2D with the wide kernel': { nodes: ['{op: conv, filters: 3, kernel: [3, 2], dilation: [2, 3], stride: 2, padding: 1}'], classes: ['ZeroPadding2D', 'Conv2D'] },
  'depthwise conv x2, stride 2 -> DepthwiseConv2D': { nodes: ['{op: conv, filters: 6, kernel: 3, stride: 2, padding: 1, groups: depthwise}'], classes: ['ZeroPadding2D', 'DepthwiseConv2D'] },
  'depthwise conv, dilation 2 and stride 2, no bias -> DepthwiseConv2D with the wide kernel': { nodes: ['{op: conv, filters: 3, kernel: 3, stride: 2, dilation: 2, padding: 2, groups: depthwise, bias: false}'], classes: ['ZeroPadding2D', 'DepthwiseConv2D'] },
  'grouped conv (2 and 3 groups) -> Conv2D over the block-diagonal kernel': { nodes: ['{op: conv, filters: 6, kernel: 1}', '{op: conv, filters: 4, kernel: 3, padding: 1, groups: 2, activation: relu}', '{op: conv, filters: 6, kernel: [3, 2], groups: 2, dilation: 2, stride: 2}', '{op: conv, filters: 3, kernel: 1, groups: 3}'], classes: ['Conv2D', 'ZeroPadding2D', 'Conv2D', 'Activation', 'Conv2D'] },
  'relu6, hardsigmoid, hardswish, silu, gelu -> ReLU, Rescaling, Multiply, Activation': {
    nodes: ['{op: scale, name: wide, factor: 3}', '{op: relu6, name: a}', '{op: hardsigmoid, name: b, from: wide}', '{op: hardswish, name: c, from: wide}', '{op: silu, name: d, from: wide}', '{op: gelu, name: e, from: wide}', '{op: concat, from: [a, b, c, d, e]}'],
    classes: ['Rescaling', 'ReLU', 'Multiply', 'Activation'],
  },
  'squeeze-and-excitation: adaptive_avgpool 1, multiply -> GlobalAveragePooling2D, Reshape, Multiply': {
    nodes: ['{op: conv, name: map, filters: 4, kernel: 3}', '{op: adaptive_avgpool, size: 1}', '{op: conv, filters: 4, kernel: 1}', '{op: hardsigmoid, name: gate}', '{op: multiply, from: [map, gate]}'],
    classes: ['Conv2D', 'GlobalAveragePooling2D', 'Reshape', 'Multiply'],
  },
  'stochastic depth, layer scale, batchnorm affine false -> Activation, BatchNormalization': {
    nodes: ['{op: stochastic_depth, p: 0.5}', '{op: layer_scale, value: 0.3}', '{op: batchnorm, affine: false}', '{op: flatten}', '{op: dense, units: 5}', '{op: layer_scale, value: -2}'],
    classes: ['Activation', 'BatchNormalization', 'Flatten', 'Dense', 'BatchNormalization'],
  },
  'stock layers as they are': { nodes: ['{op: leaky_relu}', '{op: tanh, name: t}', '{op: identity, name: i, from: input}', '{op: add, from: [t, i]}', '{op: global_avgpool}', '{op: dense, units: 3, activation: softmax}'], classes: ['LeakyReLU', 'Activation', 'Add', 'GlobalAveragePooling2D', 'Dense'] },
};

const saved = new Map<string, SavedModel>();
const exported = new Map<string, { dir: string; classes: string[] }>();
let outputs: number[][] | undefined;
let error: string | undefined;

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
  for (const [name, c] of Object.entries(CASES)) {
    const m = await savedModelOf(pipelineOf(c.nodes), 'm', c.offset ?? 0);
    saved.set(name, m);
    const dir = mkdtempSync(join(tmpdir(), 'pipe-stock-out-'));
    const { topology } = await writeExportModel('tfjs', m.dir, dir);
    exported.set(name, { dir, classes: topology.config.layers.map((l) => l.class_name) });
  }
  ({ outputs, error } = stockPredict(Object.keys(CASES).map((name) => ({ ...saved.get(name)!, dir: exported.get(name)!.dir }))));
}, 120_000);

describe('the stock rewrite', () => {
  it('pads inside the conv where TF\'s same pads as PyTorch: no padding layer in the engine\'s form or the export', () => {
    const engine = readLayersModel(saved.get(SAME)!.dir).topology.config.layers.map((l) => l.class_name);
    expect(engine).toEqual(['InputLayer', 'Conv2D', 'Conv2D', 'Conv2D']);
    expect(exported.get(SAME)!.classes).toEqual(['InputLayer', 'Conv2D', 'Conv2D', 'Conv2D']);
  });

  it.each(Object.keys(CASES))('%s', (name) => {
    const { classes } = exported.get(name)!;
    expect(classes.filter((c) => !STOCK_CLASSES.has(c))).toEqual([]);
    const firstSeen = [...new Set(classes)];
    const wanted = CASES[name].classes;
    expect(firstSeen.filter((c) => wanted.includes(c)), classes.join(' ')).toEqual([...new Set(wanted)]);
    // Each class as often as the case says (e.g. the 'same' pool path's two pools).
    for (const c of new Set(wanted)) expect(classes.filter((k) => k === c).length).toBeGreaterThanOrEqual(wanted.filter((k) => k === c).length);
    expect(error).toBeUndefined();
    const got = outputs![Object.keys(CASES).indexOf(name)];
    expect(got.length).toBe(saved.get(name)!.expected.length);
    expect(maxDifference(got, saved.get(name)!.expected)).toBeLessThan(1e-5);
  });

  it('reads a -Infinity pad as stored (tfjs saves it as "-_infinity")', () => {
    const m = saved.get('maxpool padding on negative values, k3 s1 p1 -> same pool')!;
    expect(readFileSync(join(m.dir, 'model.json'), 'utf8')).toContain('"value":"-_infinity"');
  });

  it('leaves weights it does not change under their names, bytes equal', () => {
    const m = saved.get('conv and avgpool padding -> ZeroPadding2D')!;
    const before = readLayersModel(m.dir).weights;
    const after = readLayersModel(exported.get('conv and avgpool padding -> ZeroPadding2D')!.dir).weights;
    expect(after.map((w) => w.name)).toEqual(before.map((w) => w.name));
    after.forEach((w, i) => expect(Buffer.from(w.data.buffer, w.data.byteOffset, w.data.byteLength).equals(Buffer.from(before[i].data.buffer, before[i].data.byteOffset, before[i].data.byteLength))).toBe(true));
  });
});

describe('what has no stock form is refused, naming the layer', () => {
  const HINT = " (--format tfjs-engine exports the engine's layers as they are (register src/graph/layers before tf.loadLayersModel))";
  it.each([
    ['bilinear upsampling', ['{op: upsample, name: up, mode: bilinear}'], 0,
      "cannot export model 'm' for stock TensorFlow.js: layer 'm/up' (PipeTorchUpsample2D): it upsamples bilinearly as PyTorch's align_corners=False, at half-pixel centres; stock UpSampling2D samples at the corners and has no option for it"],
    ['nearest upsampling by 3', ['{op: upsample, name: up, scale_factor: 3}'], 0,
      "cannot export model 'm' for stock TensorFlow.js: layer 'm/up' (PipeTorchUpsample2D): its factor 3 is not a power of two: stock UpSampling2D picks rows as floor(o * (in / (in * 3))), which rounding can move off PyTorch's floor(o / 3)"],
    ['a 2x2 max pool padded 1 over values that may be negative', ['{op: batchnorm}', '{op: maxpool, name: pool, kernel: 2, stride: 2, padding: 1}'], 0,
      "cannot export model 'm' for stock TensorFlow.js: layer 'm/pool/pad' (PipeTorchPad2D): it pads [[1,1],[1,1]] with -Infinity for the 2x2 max pool m/pool, whose input may be negative: no stock form (tfjs's 'same' pooling pads [[0,1],[0,1]])"],
    ['a channel shuffle', ['{op: channel_shuffle, name: shuffle, groups: 3}'], 0,
      "cannot export model 'm' for stock TensorFlow.js: layer 'm/shuffle' (PipeChannelShuffle): stock layers shuffle channels only through Reshape and Permute to a fixed [h, w, groups, c / groups], and model.json does not record this layer's input size; --format onnx writes it (Reshape, Transpose, Reshape)"],
    ['an adaptive average pool to 2x2', ['{op: adaptive_avgpool, name: pool, size: 2}'], 0,
      "cannot export model 'm' for stock TensorFlow.js: layer 'm/pool' (PipeTorchAdaptiveAvgPool2D): it pools to 2x2; PyTorch's bins depend on the input's height and width, which model.json does not record at this layer, and no stock layer computes them (--format onnx writes it exactly)"],
    ['an average pool with ceil_mode', ['{op: avgpool, name: pool, kernel: 3, stride: 2, ceil_mode: true}'], 0,
      "cannot export model 'm' for stock TensorFlow.js: layer 'm/pool' (PipeTorchAvgPool2D): it divides each window by PyTorch's count (ceil_mode's partial windows, or count_include_pad false), which varies by position with the input's size; stock AveragePooling2D divides by the kernel's area or, with 'same', centres its windows as TensorFlow does (--format onnx writes it exactly)"],
  ] as const)('%s', async (_name, nodes, offset, message) => {
    const m = await savedModelOf(pipelineOf(nodes), 'm', offset);
    const to = mkdtempSync(join(tmpdir(), 'pipe-stock-refused-'));
    let caught: unknown;
    try {
      await writeExportModel('tfjs', m.dir, to);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(InputError);
    expect((caught as InputError).message).toBe(message + HINT);
  });

  it('a 2x2 max pool padded 1 after a ReLU is exported (zeros pad as well as -Infinity there)', async () => {
    const m = await savedModelOf(pipelineOf(['{op: relu}', '{op: maxpool, kernel: 2, stride: 2, padding: 1}']), 'm', -1);
    const to = mkdtempSync(join(tmpdir(), 'pipe-stock-'));
    expect((await writeExportModel('tfjs', m.dir, to)).topology.config.layers.map((l) => l.class_name)).toEqual(['InputLayer', 'ReLU', 'ZeroPadding2D', 'MaxPooling2D']);
    const { outputs: got, error: failed } = stockPredict([{ ...m, dir: to }]);
    expect(failed).toBeUndefined();
    expect(maxDifference(got![0], m.expected)).toBeLessThan(1e-6);
  });

  it('a layer class it does not know', () => {
    const model = {
      meta: {},
      weights: [],
      topology: {
        class_name: 'Model',
        config: {
          name: 'm',
          layers: [
            { name: 'm/input', class_name: 'InputLayer', config: { batch_input_shape: [null, 4, 4, 1] }, inbound_nodes: [] },
            { name: 'm/x', class_name: 'PipeSomethingNew', config: {}, inbound_nodes: [[['m/input', 0, 0, {}]]] },
          ],
          input_layers: [['m/input', 0, 0]],
          output_layers: [['m/x', 0, 0]],
        },
      },
    } as unknown as Parameters<typeof toStockLayers>[0];
    expect(() => toStockLayers(model)).toThrow("cannot export model 'm' for stock TensorFlow.js: layer 'm/x' (PipeSomethingNew): stock TensorFlow.js has no such layer and pipe has no stock rewrite for it" + HINT);
  });
});
