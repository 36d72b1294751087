// Hostile and damaged input to the ONNX export: names with quotes, backslashes, newlines and
// non-ASCII survive into the ONNX graph and its metadata (and are quoted in messages); damaged
// model.json files and weight files are refused with a message saying where and why, before
// anything is written.
import * as tf from '@tensorflow/tfjs';
import onnxProto from 'onnx-proto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.js';
import { convertToOnnx, layerConverters, readStoredModel } from '../../src/export/onnx/index.js';
import { REPO } from '../helpers/cli.js';
import { compiledModel, maxAbsDiff, randomizeBatchNorm, runOnnx, savedArtifacts, storedFrom, type SavedArtifacts } from '../helpers/onnx.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

let model: tf.LayersModel;
let base: SavedArtifacts;
let want: Float32Array;
let x: tf.Tensor;

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  model = await compiledModel('pipelines/demo.yaml', 'net', REPO);
  randomizeBatchNorm(model, 4);
  base = await savedArtifacts(model);
  x = tf.randomUniform([2, 32, 32, 3], -2, 2, 'float32', 8);
  want = tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync() as Float32Array);
});

/** A copy of the demo's artifacts changed by `edit` (topology and specs as plain JSON). */
function damaged(edit: (topology: Json, specs: Json[], bytes: Uint8Array) => Uint8Array | void): SavedArtifacts {
  const topology = structuredClone(base.modelTopology) as Json;
  const specs = structuredClone(base.weightSpecs) as Json[];
  const bytes = new Uint8Array(base.weightData.slice(0));
  const out = edit(topology, specs, bytes) ?? bytes;
  return { modelTopology: topology, weightSpecs: specs, weightData: out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength) as ArrayBuffer };
}

const convert = (a: SavedArtifacts, props: Record<string, string> = {}) => convertToOnnx(storedFrom(a), { producerVersion: 'test', props });

function messageOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  return 'no error';
}

/** Every layer name in the topology and the weight names renamed by `rename`. */
function renamed(rename: (name: string) => string): SavedArtifacts {
  return damaged((t, specs) => {
    for (const l of t.config.layers) {
      l.name = rename(l.name);
      l.config.name = l.name;
      for (const node of l.inbound_nodes) for (const r of node) r[0] = rename(r[0]);
    }
    for (const r of [...t.config.input_layers, ...t.config.output_layers]) r[0] = rename(r[0]);
    for (const s of specs) {
      const cut = s.name.lastIndexOf('/');
      s.name = `${rename(s.name.slice(0, cut))}/${s.name.slice(cut + 1)}`;
    }
  });
}

const HOSTILE = ` "quoted" 'single' back\\slash\nnewline ünïcødé 模型 😀`;

describe('hostile names', () => {
  it('survive as ONNX node, tensor and graph names and metadata, and the model runs the same', async () => {
    const onnx = convert(renamed((n) => n + HOSTILE), { classes: JSON.stringify(['T-shirt/top', 'a "b"', 'ü\n😀']), pipeline: 'p"\'' });
    expect(onnx.inputs[0].name).toBe(`net/input${HOSTILE}`);
    expect(onnx.outputs[0].name).toBe(`net/logits${HOSTILE}`);
    expect(maxAbsDiff(await runOnnx(onnx, x), want)).toBeLessThanOrEqual(1e-4);
    const decoded = onnxProto.onnx.ModelProto.decode(onnx.bytes);
    const props = Object.fromEntries(decoded.metadataProps.map((p) => [p.key, p.value]));
    expect(JSON.parse(props.classes!)).toEqual(['T-shirt/top', 'a "b"', 'ü\n😀']);
    expect(props.pipeline).toBe('p"\'');
    expect((decoded.graph?.node ?? []).find((n) => n.opType === 'Conv')!.name).toBe(`net/conv_0${HOSTILE}`);
    expect((decoded.graph?.initializer ?? []).map((i) => i.name)).toContain(`net/conv_0${HOSTILE}/kernel`);
  });

  it('are JSON-quoted in messages, so they cannot break the line', () => {
    const a = renamed((n) => n + HOSTILE);
    (a.modelTopology as Json).config.layers[1].class_name = 'Evil"Class\n';
    const known = layerConverters.map((c) => c.className).sort().join(', ');
    expect(messageOf(() => convert(a))).toBe(`model.json: layer ${JSON.stringify(`net/conv_0${HOSTILE}`)} is a "Evil\\"Class\\n", which the ONNX export cannot express (it converts ${known})`);
  });
});

describe('damaged artifacts are refused with where and why', () => {
  it('a truncated weight file', () => {
    const total = base.weightData.byteLength;
    const last = base.weightSpecs[base.weightSpecs.length - 1];
    const a = damaged((_t, _s, bytes) => bytes.subarray(0, total - 4));
    expect(messageOf(() => convert(a))).toBe(
      `model.json: weight '${last.name}' of shape [64] needs 256 bytes at offset ${total - 256}, but the weight files hold ${total - 4} bytes (the weight file is truncated or belongs to another model.json)`,
    );
  });

  it.each([
    ['bytes past the last weight', (_t: Json, _s: Json[], b: Uint8Array) => Uint8Array.from([...b, 0, 0, 0, 0, 0, 0, 0, 0]), `model.json: the weight files hold 314720 bytes, the manifest's weights 314712 (the weight file belongs to another model.json)`],
    ['a huge weight shape', (_t: Json, s: Json[]) => void (s[0].shape = [1e9, 1e9]), "model.json: weight 'net/conv_0/kernel' of shape [1000000000, 1000000000] needs 4000000000000000000 bytes at offset 0, but the weight files hold 314712 bytes (the weight file is truncated or belongs to another model.json)"],
    ['a weight of another dtype', (_t: Json, s: Json[]) => void (s[0].dtype = 'int32'), "model.json: weightsManifest weight 0: weight 'net/conv_0/kernel' is 'int32'; pipe saves float32 weights only (export a model that pipe run saved, or run its stage again)"],
    ['a weight whose shape disagrees with its layer', (_t: Json, s: Json[]) => void (s[0].shape = [3, 3, 16, 3]), "model.json: layer 'net/conv_0' (Conv2D): weight 'kernel' has shape [3, 3, 16, 3], the layer's config and input need [3, 3, 3, 16]"],
    ['a huge kernel size', (t: Json) => void (t.config.layers[1].config.kernel_size = [1e9, 1e9]), "model.json: layer 'net/conv_0' (Conv2D): weight 'kernel' has shape [3, 3, 3, 16], the layer's config and input need [1000000000, 1000000000, 3, 16]"],
    // A 'valid' conv whose window cannot fit its input (the first residual conv pads, then reads 'valid').
    ['a huge kernel size on a valid conv', (t: Json) => void (t.config.layers[5].config.kernel_size = [1e9, 1e9]), "model.json: layer 'net/res1/conv_0' (Conv2D): a 1000000000-pixel window does not fit the input's 34 pixels of height"],
    ['a negative filter count', (t: Json) => void (t.config.layers[1].config.filters = -1), "model.json: layer 'net/conv_0' (Conv2D): config.filters is -1; the export needs a whole number >= 1"],
    ['a pad value that is not a number', (t: Json) => void (t.config.layers[4].config.value = 'abc'), `model.json: layer 'net/res1/conv_0/pad' (PipeTorchPad2D): config.value is "abc"; the export needs a number or "-_infinity"`],
    ['a reference to no layer', (t: Json) => void (t.config.layers[2].inbound_nodes[0][0][0] = '../nowhere'), "model.json: modelTopology.config.layers[2].inbound_nodes[0][0]: names layer '../nowhere', which the file does not define"],
    ['a cycle', (t: Json) => void (t.config.layers[1].inbound_nodes[0][0][0] = 'net/logits'), "model.json: layers 'net/conv_0', 'net/batchnorm_1', 'net/relu_2' and 29 more read tensors no layer makes (a cycle?)"],
    ['a Sequential model', (t: Json) => void (t.class_name = 'Sequential'), 'model.json: modelTopology.class_name: the ONNX export reads functional models (class Model, as pipe saves them), found "Sequential"'],
    ['a layer without a name', (t: Json) => void (t.config.layers[1].name = 5), 'model.json: modelTopology.config.layers[1].name: expected a name, found 5'],
    ['an input of another rank', (t: Json) => void (t.config.layers[0].config.batch_input_shape = [null, 32, 3]), "model.json: layer 'net/input' (InputLayer): config.batch_input_shape is [null,32,3]; the export needs [null, h, w, c] or [null, n]"],
  ])('%s', (_what, edit, message) => {
    expect(messageOf(() => convert(damaged(edit)))).toBe(message);
  });
});

describe('model folders', () => {
  const folder = (modelJson: unknown, files: Record<string, Uint8Array> = {}) => {
    const dir = mkdtempSync(join(tmpdir(), 'pipe-onnx-folder-'));
    mkdirSync(join(dir, 'stage'));
    if (modelJson !== undefined) writeFileSync(join(dir, 'stage', 'model.json'), typeof modelJson === 'string' ? modelJson : JSON.stringify(modelJson));
    for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
    return join(dir, 'stage');
  };
  const manifest = (paths: string[]) => ({ modelTopology: base.modelTopology, weightsManifest: [{ paths, weights: base.weightSpecs }] });
  const weights = () => new Uint8Array(base.weightData);

  it('a stored folder converts to the same model as the artifacts', () => {
    const dir = folder(manifest(['weights.bin']));
    writeFileSync(join(dir, 'weights.bin'), weights());
    const fromFolder = convertToOnnx(readStoredModel(dir), { producerVersion: 'test', props: {} }).bytes;
    expect(Buffer.from(fromFolder).equals(Buffer.from(convert(base).bytes))).toBe(true);
  });

  // The folder is read by the export's one reader (src/export/model-files.ts), for every format.
  it('a weight path out of the folder is refused, not read', () => {
    const dir = folder(manifest(['../outside.bin']), { 'outside.bin': weights() });
    expect(messageOf(() => readStoredModel(dir))).toBe(`${dir}/model.json: weight file "../outside.bin" is not a file name in ${dir} (export a model that pipe run saved, or run its stage again)`);
  });

  it('a weight named twice', () => {
    const dir = folder({ modelTopology: base.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: base.weightSpecs }, { paths: ['weights.bin'], weights: base.weightSpecs }] });
    writeFileSync(join(dir, 'weights.bin'), weights());
    expect(messageOf(() => readStoredModel(dir))).toBe(`${dir}/model.json: weight 'net/conv_0/kernel' appears twice in the manifest (export a model that pipe run saved, or run its stage again)`);
    const twice = damaged((_t, specs) => void specs.push(specs[0]));
    expect(messageOf(() => convert(twice))).toBe(`model.json: weightsManifest weight ${base.weightSpecs.length}: weight 'net/conv_0/kernel' appears twice (export a model that pipe run saved, or run its stage again)`);
  });

  it('a missing weight file, a missing model.json, a model.json that is not JSON', () => {
    const dir = folder(manifest(['weights.bin']));
    expect(messageOf(() => readStoredModel(dir))).toBe(`${dir}/model.json: weight file 'weights.bin' is missing in ${dir} (export a model that pipe run saved, or run its stage again)`);
    const none = folder(undefined);
    expect(messageOf(() => readStoredModel(none))).toBe(`${none}/model.json: no such file (a stage folder holds model.json and weights.bin once the stage has finished)`);
    const text = folder('{"modelTopology": ');
    expect(messageOf(() => readStoredModel(text))).toMatch(new RegExp(`^${text}/model\\.json: not JSON \\(`));
  });
});
