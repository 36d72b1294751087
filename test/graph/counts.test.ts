// Parameter counts of the seed models, as PyTorch counts them (weights, biases, BN gamma and
// beta). DenseNet and ResNet are exact; the others are reconstructions, pinned so a change to
// them is deliberate (each pipeline file says how close it is to the report and why).
import { describe, expect, it } from 'vitest';
import { resolvePipeline } from '../../src/config/resolve.js';
import { analyzeGraphs } from '../../src/graph/analyze.js';
import { REPO, runPipe } from '../helpers/cli.js';

async function plan(file: string) {
  const { pipeline, locate } = await resolvePipeline(file, { cwd: REPO });
  return analyzeGraphs(pipeline, locate);
}

describe('seed model parameter counts', () => {
  it('DenseNet is exactly the report\'s 11,809,672 and ResNet its 5,013,640', async () => {
    expect((await plan('pipelines/densenet.yaml')).models.densenet.trainable).toBe(11_809_672);
    expect((await plan('pipelines/resnet9.yaml')).models.resnet9.trainable).toBe(5_013_640);
  });

  it.each([
    ['pipelines/alexnet.yaml', ['alexnet'], 12_695_784, 12_695_816],
    ['pipelines/inception-resnet.yaml', ['inception_resnet'], 7_156_184, 7_213_528],
    ['pipelines/task2-ae.yaml', ['encoder', 'decoder', 'head'], 4_310_059, 4_274_362],
  ] as const)('%s is within 1%% of the report', async (file, models, report, ours) => {
    const p = await plan(file);
    const total = models.reduce((s, m) => s + p.models[m].trainable, 0);
    expect(total).toBe(ours);
    expect(Math.abs(total - report) / report).toBeLessThan(0.01);
  });

  it('pipe show --model prints the table with the exact totals', () => {
    const r = runPipe(['show', 'pipelines/densenet.yaml', '--model', 'densenet']);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('model densenet: 11,809,672 trainable parameters, 6,470,451,200 MACs per image');
    expect(lines[1]).toMatch(/^node\s+op\s+output\s+params\s+MACs$/);
    expect(r.stdout).toContain('layer2/concat_2');
    expect(r.stdout).toMatch(/\ntotal\s+\[200\]\s+11,809,672\s+6,470,451,200\n$/);
    // MACs of the first conv: 64 * 64 outputs * 32 filters * 3 * 3 * 3 inputs.
    expect(r.stdout).toMatch(/layer1\/conv_0\s+conv\s+\[64, 64, 32\]\s+896\s+3,538,944/);
  });

  it('pipe show --model --json gives every node', () => {
    const r = runPipe(['show', 'pipelines/resnet9.yaml', '--model', 'resnet9', '--json']);
    const m = JSON.parse(r.stdout).resnet9;
    expect(m.trainable).toBe(5_013_640);
    expect(m.nodes.find((n: { name: string }) => n.name === 'res4/shortcut')).toEqual({ model: 'resnet9', name: 'res4/shortcut', op: 'conv', shape: [4, 4, 512], trainable: 256 * 512 + 512, macs: 16 * 256 * 512 });
  });
});
