// Point 7 of issue 17: before anything decodes or trains, a stage that cannot fit in the wasm
// heap or the machine's memory is refused with the estimate and the field to lower; the seed
// pipelines, with their data sets' real sizes, are never refused.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resolvePipeline } from '../../src/config/resolve.js';
import { InputError, formatDiagnostic } from '../../src/errors.js';
import { analyzeGraphs } from '../../src/graph/analyze.js';
import { checkBudget, stageFootprint, dataBytes, type BudgetContext } from '../../src/train/budget.js';
import { REPO } from '../helpers/cli.js';

const GiB = 2 ** 30;

async function planned(file: string, sets: string[] = []) {
  const { pipeline, locate } = await resolvePipeline(file, { cwd: REPO, sets });
  return { p: pipeline, plan: analyzeGraphs(pipeline, locate) };
}

async function refusal(file: string, sets: string[], ctx: BudgetContext): Promise<string[]> {
  const { p, plan } = await planned(file, sets);
  try {
    checkBudget(p, plan, Object.keys(p.stages), ctx);
    return [];
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    return e.diagnostics.map(formatDiagnostic);
  }
}

// Images each seed data set lists per split (Tiny ImageNet, Fashion-MNIST, the demo's shapes).
const LISTED: Record<string, BudgetContext['images']> = {
  'tiny-imagenet': { train: 100_000, val: 10_000 },
  idx: { train: 60_000, test: 10_000 },
  demo: { train: 1_500, val: 300 },
};
const SEEDS = readdirSync(`${REPO}/pipelines`).filter((f) => f.endsWith('.yaml')).sort();

describe('the resource estimate before a run', () => {
  // DenseNet's batch of 64 on one wasm worker needs ~8 GiB: its heap grew by 129 MB per image
  // (a step at batch 2, then 6, measured); the estimate says at least 120 MB. It needs 2 workers,
  // and so 2 heaps of ~4 GiB and 16 GiB of memory.
  const NEEDS: Record<string, { workers: number; memoryGiB: number }> = { 'densenet.yaml': { workers: 2, memoryGiB: 16 } };
  it.each(SEEDS)('%s fits on wasm with 1 (or its fewest) to 16 workers and 8 GiB of memory (or what it needs)', async (file) => {
    const { p, plan } = await planned(`pipelines/${file}`);
    const images = file === 'demo.yaml' ? LISTED.demo : LISTED[p.dataset.format];
    const { workers: fewest, memoryGiB } = NEEDS[file] ?? { workers: 1, memoryGiB: 8 };
    if (fewest > 1) expect(() => checkBudget(p, plan, Object.keys(p.stages), { backend: 'wasm', workers: fewest - 1, images, memory: memoryGiB * GiB })).toThrow(InputError);
    for (const workers of [fewest, 2, 16]) {
      expect(() => checkBudget(p, plan, Object.keys(p.stages), { backend: 'wasm', workers, images, memory: memoryGiB * GiB })).not.toThrow();
    }
  });

  it.each([
    // batch 8192 of 64x64 AlexNet images: about 0.5 MiB of node outputs per image.
    ['activations past the wasm heap', 'pipelines/alexnet.yaml', ['stages.train.batch_size=8192'], 'wasm', 1, 64,
      /^stages\.train: needs at least [\d.]+ GiB per wasm backend: weights, gradients and optimiser state of 12,695,816 parameters 145 MiB, activations of 8192 images per pass [\d.]+ GiB; a wasm heap holds at most 4.00 GiB \(set stages\.train\.micro_batch to \d+ or less, or lower batch_size\)$/],
    ['micro_batch keeps it in the heap', 'pipelines/alexnet.yaml', ['stages.train.batch_size=8192', 'stages.train.micro_batch=128'], 'wasm', 1, 64, null],
    ['more workers share the batch', 'pipelines/alexnet.yaml', ['stages.train.batch_size=8192'], 'wasm-onednn', 64, 640, null],
    ['no heap limit off wasm', 'pipelines/alexnet.yaml', ['stages.train.batch_size=8192'], 'tensorflow', 1, 64, null],
    ['the model past the wasm heap', 'pipelines/alexnet.yaml', ['models.alexnet.nodes[12].units=150000', 'stages.train.optimizer={type: adam, lr: 0.001}'], 'wasm', 1, 64,
      /^stages\.train: needs at least .* of [\d,]+ parameters [\d.]+ GiB, .*a wasm heap holds at most 4.00 GiB \(lower the model's sizes \(filters, units\) or pick an optimiser with less state\)$/],
    ['the machine\'s memory with many workers', 'pipelines/alexnet.yaml', ['stages.train.batch_size=4096'], 'tensorflow', 1, 4,
      /^stages\.train: needs at least [\d.]+ GiB of memory, this machine has 4.00 GiB: the decoded data set 1.26 GiB, and per training worker \(1\) .*\(set stages\.train\.micro_batch to \d+ or less, or lower batch_size\)$/],
    ['a decoded data set past the memory', 'pipelines/alexnet.yaml', [], 'tensorflow', 1, 1,
      /^stages\.train: needs at least [\d.]+ GiB of memory, this machine has 1.00 GiB: the decoded data set 1.26 GiB.* \(the decoded data set alone is 1.26 GiB: lower dataset\.image_size or use fewer images\)$/],
  ] as const)('%s', async (_what, file, sets, backend, workers, memoryGiB, expected) => {
    const found = await refusal(file, [...sets], { backend, workers, images: LISTED['tiny-imagenet'], memory: memoryGiB * GiB });
    if (expected === null) expect(found).toEqual([]);
    else {
      expect(found).toHaveLength(1);
      expect(found[0]).toMatch(expected);
    }
  });

  // tfjs-backend-wasm has no depthwise gradient kernels: EfficientNet-B0's depthwise convs train
  // tap by tap (graph/kept.ts). Measured on wasm: batch 16 runs, batch 32 aborts at the 4 GiB heap.
  const B0 = ['stages.train.model=efficientnet_b0', 'params.num_classes=200'];
  it.each([
    ['batch 32 on wasm', 32, 'wasm', /^stages\.train: needs at least 4\.\d\d GiB per wasm backend: weights, gradients and optimiser state of 4,263,748 parameters 48\.8 MiB, activations of 32 images per pass 3\.\d\d GiB; a wasm heap holds at most 4\.00 GiB \(set stages\.train\.micro_batch to 3\d or less \(BatchNorm then normalises each piece on its own\), or --workers 2 \(each takes its part of the batch on its own heap, and BatchNorm still normalises by the whole batch\), or lower batch_size\)$/],
    ['batch 32 on wasm-onednn', 32, 'wasm-onednn', /micro_batch to 3\d or less/],
    ['batch 16 on wasm', 16, 'wasm', null],
    ['batch 32 with depthwise gradients', 32, 'tensorflow', null],
  ] as const)('efficientnet_b0: %s', async (_what, batch, backend, expected) => {
    const found = await refusal('pipelines/zoo/efficientnet.yaml', [...B0, `stages.train.batch_size=${batch}`], { backend, workers: 1, images: {}, memory: 64 * GiB });
    if (expected === null) expect(found).toEqual([]);
    else expect(found).toEqual([expect.stringMatching(expected)]);
  });

  it('the micro_batch it suggests does fit', async () => {
    const [line] = await refusal('pipelines/alexnet.yaml', ['stages.train.batch_size=8192'], { backend: 'wasm', workers: 1, images: {}, memory: 64 * GiB });
    const fit = /micro_batch to (\d+)/.exec(line)![1];
    expect(await refusal('pipelines/alexnet.yaml', ['stages.train.batch_size=8192', `stages.train.micro_batch=${fit}`], { backend: 'wasm', workers: 1, images: {}, memory: 64 * GiB })).toEqual([]);
    expect(await refusal('pipelines/alexnet.yaml', ['stages.train.batch_size=8192', `stages.train.micro_batch=${Number(fit) + 1}`], { backend: 'wasm', workers: 1, images: {}, memory: 64 * GiB })).toHaveLength(1);
  });

  it('the workers it suggests for a BatchNorm model do fit, the batch whole', async () => {
    const sets = ['stages.cycle1.batch_size=256'];
    const [line] = await refusal('pipelines/densenet.yaml', sets, { backend: 'wasm', workers: 2, images: {}, memory: 256 * GiB });
    const workers = Number(/--workers (\d+)/.exec(line)![1]);
    expect(line).toMatch(/BatchNorm still normalises by the whole batch/);
    expect(await refusal('pipelines/densenet.yaml', sets, { backend: 'wasm', workers, images: {}, memory: 256 * GiB })).toEqual([]);
    expect(await refusal('pipelines/densenet.yaml', sets, { backend: 'wasm', workers: workers - 1, images: {}, memory: 256 * GiB })).toHaveLength(1);
  });

  it.each([
    ['the whole training split', [], 1_500],
    ['a fraction of it', ['stages.train.train={split: train, fraction: 0.1}'], 150],
    ['max_images', ['stages.train.train={split: train, max_images: 40}'], 40],
    ['a concat of two', ['stages.train.train={concat: [{split: train, max_images: 40}, {split: val, max_images: 30}]}'], 70],
  ])('a batch larger than %s holds only those images', async (_what, sets, images) => {
    const { p, plan } = await planned('pipelines/demo.yaml', ['stages.train.batch_size=200000', ...sets]);
    expect(stageFootprint(p, plan, 'train', 1, LISTED.demo).imagesPerPass).toBe(images);
    expect(stageFootprint(p, plan, 'train', 2, LISTED.demo).imagesPerPass).toBe(images / 2);
    expect(stageFootprint(p, plan, 'train', 1).imagesPerPass).toBe(200_000);
  });

  it('counts the optimiser state: none for plain SGD, one velocity with momentum, two Adam moments', async () => {
    const bytes = async (optimizer: string) => {
      const { p, plan } = await planned('pipelines/demo.yaml', [`stages.train.optimizer=${optimizer}`]);
      return stageFootprint(p, plan, 'train', 1).modelBytes;
    };
    const weights = 78_198 * 4;
    expect(await bytes('{type: sgd, lr: 0.1}')).toBe(2 * weights);
    expect(await bytes('{type: sgd, lr: 0.1, momentum: 0.9}')).toBe(3 * weights);
    expect(await bytes('{type: adam, lr: 0.001}')).toBe(4 * weights);
  });

  it('the decoded data set is every listed image at the data set\'s image size', async () => {
    const { p, plan } = await planned('pipelines/alexnet.yaml');
    expect(dataBytes(p, plan, { train: 100_000, val: 10_000 })).toBe(110_000 * 64 * 64 * 3);
  });
});
