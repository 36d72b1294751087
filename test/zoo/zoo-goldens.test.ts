// The zoo against torchvision 0.14 (goldens from scripts/make-zoo-goldens.py): for every model a
// pipelines/zoo/*.yaml file defines under a torchvision name, its parameters, MACs and every
// node's output shape at 64x64 and 224x224 are torchvision's. A node is compared with the module
// its name stands for (test/zoo/naming.ts: `layer1/0/conv1` is `layer1.0.conv1`); every module
// with parameters must be some node's. The harness
// itself is checked on test/fixtures/zoo/ (resnet18 and alexnet in today's language), including
// that it catches a wrong model.
import { describe, expect, it } from 'vitest';
import { GOLDEN_MODELS, golden, goldenDifferences } from './goldens.js';
import { planAt, zooModels } from './zoo-files.js';
import { join } from 'node:path';
import { REPO } from '../helpers/cli.js';

/** What issue #18 requires the zoo to ship. */
const REQUIRED = ['resnet18', 'resnet34', 'resnet50', 'resnext50_32x4d', 'wide_resnet50_2', 'densenet121', 'vgg11_bn', 'mobilenet_v2', 'mobilenet_v3_small', 'efficientnet_b0', 'alexnet'];

const RESNET18 = join(REPO, 'test', 'fixtures', 'zoo', 'resnet18-today.yaml');
const ALEXNET = join(REPO, 'test', 'fixtures', 'zoo', 'alexnet-today.yaml');

describe('the golden harness on models written in today\'s language', () => {
  it.each([
    [64, 1000],
    [224, 1000],
    [64, 10],
    [224, 10],
  ])('resnet18-today at %i with %i classes is torchvision\'s resnet18', async (size, classes) => {
    const { plan } = await planAt(RESNET18, 'resnet18', size, [`models.resnet18.nodes[13].units=${classes}`]);
    expect(goldenDifferences(plan, 'resnet18', golden('resnet18'), size, classes)).toEqual([]);
  });

  it.each([10, 1000])('alexnet-today at 224 with %i classes is torchvision\'s alexnet', async (classes) => {
    const { plan } = await planAt(ALEXNET, 'alexnet', 224, [`models.alexnet.nodes[21].units=${classes}`]);
    expect(goldenDifferences(plan, 'alexnet', golden('alexnet'), 224, classes)).toEqual([]);
  });

  it('names what differs in a model that is not torchvision\'s', async () => {
    // A 5x5 stem (fewer parameters and MACs), a maxpool without padding (every shape after it
    // shrinks) and the classifier under another name than torchvision's.
    const { plan } = await planAt(RESNET18, 'resnet18', 64, ['models.resnet18.nodes[0].kernel=5', 'models.resnet18.nodes[0].padding=2', 'models.resnet18.nodes[3].padding=0', 'models.resnet18.nodes[13].name=head']);
    const diffs = goldenDifferences(plan, 'resnet18', golden('resnet18'), 64, 1000);
    expect(diffs.slice(0, 3)).toEqual([
      // 5 * 5 * 3 * 64 stem weights instead of 7 * 7 * 3 * 64: 4,608 fewer.
      'parameters: pipe 11684904, torchvision 11689512',
      // The stem's MACs at 32x32 (-4,718,592) and layer1's four 3x3 64-channel convs at 15x15
      // instead of 16x16 (-4,571,136); from layer2 on, stride 2 with padding 1 gives 8x8 again.
      'MACs at 64: pipe 139268096, torchvision 148557824',
      'node maxpool (maxpool) at 64: pipe [64, 15, 15] as [C, H, W], torchvision [64, 16, 16]',
    ]);
    expect(diffs).toContain('node layer1_1/conv1 (layer1.1.conv1) at 64: pipe [64, 15, 15] as [C, H, W], torchvision [64, 16, 16]');
    expect(diffs.filter((d) => d.includes('layer2'))).toEqual([]);
    expect(diffs[diffs.length - 1]).toBe('modules with parameters that no node stands for: fc');
  });

  it('says when torchvision cannot take a size', () => {
    expect(golden('inception_v3').sizes['64'].error).toBe('RuntimeError: Given input size: (768x2x2). Calculated output size: (768x0x0). Output size is too small');
    expect(goldenDifferences({ models: {}, nodes: {} }, 'inception_v3', golden('inception_v3'), 64, 1000)).toEqual([
      'torchvision has no 64x64 golden for inception_v3: RuntimeError: Given input size: (768x2x2). Calculated output size: (768x0x0). Output size is too small',
    ]);
  });
});

const shipped = zooModels();
const goldenShipped = GOLDEN_MODELS.filter((m) => shipped.has(m));

describe('pipelines/zoo against torchvision', () => {
  it('ships every model issue #18 requires', () => {
    expect(REQUIRED.filter((m) => !shipped.has(m))).toEqual([]);
  });

  describe.each(goldenShipped)('%s', (model) => {
    const g = golden(model);
    const cases = [64, 224].filter((s) => g.sizes[String(s)].error === undefined).flatMap((s) => [[s, 1000], [s, 10]]);
    it.each(cases)('at %i with %i classes: parameters, MACs and every layer\'s shape are torchvision\'s', async (size, classes) => {
      // The zoo's pipelines take the class count as a pipeline parameter.
      const { plan } = await planAt(shipped.get(model)!, model, size, [`params.num_classes=${classes}`]);
      expect(goldenDifferences(plan, model, g, size, classes)).toEqual([]);
    });
  });

  // What the zoo leaves: listed by the run as todos, one per torchvision classifier not shipped.
  for (const m of GOLDEN_MODELS.filter((m) => !shipped.has(m))) it.todo(`${m}: torchvision's, not in pipelines/zoo`);
});
