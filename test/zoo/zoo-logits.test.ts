// torchvision's weights (randomly initialised by PyTorch, with drawn BatchNorm statistics, written
// at test time by scripts/make-zoo-goldens.py --weights) loaded into pipe's compiled model through
// `weights:` give torchvision's eval-mode logits, to 1e-4 of their scale (at least 1): the
// import's names and layouts (OIHW -> HWIO, Linear transposed, the flatten order) end to end.
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.js';
import { compileGraphs } from '../../src/graph/compile.js';
import { REPO } from '../helpers/cli.js';
import { INDEX_SUFFIX, renamesFor, weightsOverride } from './naming.js';
import { hasTorchvision, logitError, torchRuns, type TorchRun } from './torch-weights.js';
import { planAt, zooModels } from './zoo-files.js';

const dir = mkdtempSync(join(tmpdir(), 'pipe-zoo-weights-'));
beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** pipe's logits for `run`'s input, with `run`'s weights loaded into `model` of `file`. */
async function pipeLogits(file: string, model: string, size: number, run: TorchRun, rename = INDEX_SUFFIX): Promise<Float32Array> {
  const { pipeline, plan } = await planAt(file, model, size, [weightsOverride(model, run.weights, rename)]);
  const m = compileGraphs(pipeline, plan).model(model);
  try {
    const y = tf.tidy(() => m.predict(tf.tensor4d(run.input, [2, size, size, 3])) as tf.Tensor);
    const out = y.dataSync() as Float32Array;
    y.dispose();
    return out;
  } finally {
    m.dispose();
  }
}

describe.skipIf(!hasTorchvision)('torchvision weights give torchvision logits', () => {
  it('resnet18 in today\'s language, at 64x64', async () => {
    const runs = torchRuns(join(dir, 'r64'), ['resnet18'], { size: 64, classes: 1000 });
    const ours = await pipeLogits(join(REPO, 'test/fixtures/zoo/resnet18-today.yaml'), 'resnet18', 64, runs.resnet18);
    expect(ours).toHaveLength(2000);
    expect(logitError(ours, runs.resnet18.logits)).toBeLessThan(1e-4);
  }, 120_000);

  describe('pipelines/zoo', () => {
    const models = ['resnet18', 'mobilenet_v2', 'efficientnet_b0', 'squeezenet1_1', 'googlenet', 'mnasnet0_5', 'regnet_y_400mf', 'shufflenet_v2_x0_5'];
    let runs: Record<string, TorchRun>;
    beforeAll(() => {
      runs = torchRuns(join(dir, 'zoo'), models, { size: 64, classes: 1000 });
    }, 120_000);

    it.each(models)('%s at 64x64', async (model) => {
      const file = zooModels().get(model);
      expect(file, `${model} is in pipelines/zoo`).toBeDefined();
      const ours = await pipeLogits(file!, model, 64, runs[model], renamesFor(model));
      expect(ours).toHaveLength(2000);
      expect(logitError(ours, runs[model].logits)).toBeLessThan(1e-4);
    }, 120_000);
  });
});
