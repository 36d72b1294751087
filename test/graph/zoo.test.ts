// Issue 18 point 2: pipelines/zoo/ writes torchvision's classifiers. Each model's parameter count
// and MACs (conv and Linear multiply-accumulates at 64x64, counted by hooks on torchvision 0.14's
// modules) must be torchvision's exactly; a few models compile to tfjs and classify a batch.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.js';
import { resolvePipeline } from '../../src/config/resolve.js';
import { analyzeGraphs } from '../../src/graph/analyze.js';
import { compileGraphs } from '../../src/graph/compile.js';
import { REPO, runPipe } from '../helpers/cli.js';

// [file, model, parameters, MACs]: torchvision's sum(p.numel()) and its conv + Linear MACs at 64x64.
const ZOO: [string, string, number, number][] = [
  ['resnet', 'resnet18', 11_689_512, 148_557_824],
  ['resnet', 'resnet34', 21_797_672, 299_552_768],
  ['resnet', 'resnet50', 25_557_032, 335_691_776],
  ['resnet', 'resnet101', 44_549_160, 638_730_240],
  ['resnet', 'resnet152', 60_192_808, 941_768_704],
  ['resnet', 'resnext50_32x4d', 25_028_904, 347_226_112],
  ['resnet', 'resnext101_32x8d', 88_791_336, 1_341_800_448],
  ['resnet', 'resnext101_64x4d', 83_455_272, 1_263_943_680],
  ['resnet', 'wide_resnet50_2', 68_883_240, 932_331_520],
  ['resnet', 'wide_resnet101_2', 126_886_696, 1_859_272_704],
  ['densenet', 'densenet121', 7_978_856, 232_300_544],
  ['densenet', 'densenet161', 28_681_000, 632_877_312],
  ['densenet', 'densenet169', 14_149_480, 275_801_088],
  ['densenet', 'densenet201', 20_013_928, 352_078_848],
  ['vgg', 'vgg11', 132_863_336, 734_691_328],
  ['vgg', 'vgg11_bn', 132_868_840, 734_691_328],
  ['vgg', 'vgg13', 133_047_848, 1_036_681_216],
  ['vgg', 'vgg13_bn', 133_053_736, 1_036_681_216],
  ['vgg', 'vgg16', 138_357_544, 1_376_419_840],
  ['vgg', 'vgg16_bn', 138_365_992, 1_376_419_840],
  ['vgg', 'vgg19', 143_667_240, 1_716_158_464],
  ['vgg', 'vgg19_bn', 143_678_248, 1_716_158_464],
  ['alexnet', 'alexnet', 61_100_840, 98_144_960],
  ['mobilenet', 'mobilenet_v2', 3_504_872, 25_728_512],
  ['mobilenet', 'mobilenet_v3_small', 2_542_856, 6_516_480],
  ['mobilenet', 'mobilenet_v3_large', 5_483_032, 21_368_960],
  ['efficientnet', 'efficientnet_b0', 5_288_548, 33_246_592],
  ['efficientnet', 'efficientnet_b1', 7_794_184, 48_695_680],
  ['efficientnet', 'efficientnet_b2', 9_109_994, 56_292_480],
  ['efficientnet', 'efficientnet_b3', 12_233_232, 81_706_880],
  ['efficientnet', 'efficientnet_b4', 19_341_616, 127_260_512],
  ['efficientnet', 'efficientnet_b5', 30_389_784, 198_978_624],
  ['efficientnet', 'efficientnet_b6', 43_040_704, 283_285_728],
  ['efficientnet', 'efficientnet_b7', 66_347_960, 435_309_312],
  ['squeezenet', 'squeezenet1_0', 1_248_424, 53_970_976],
  ['squeezenet', 'squeezenet1_1', 1_235_496, 21_584_576],
  ['googlenet', 'googlenet', 6_624_904, 123_256_832],
  ['mnasnet', 'mnasnet0_5', 2_218_512, 9_702_528],
  ['mnasnet', 'mnasnet0_75', 3_170_208, 18_766_784],
  ['mnasnet', 'mnasnet1_0', 4_383_312, 26_842_112],
  ['mnasnet', 'mnasnet1_3', 6_282_256, 44_143_872],
  ['regnet', 'regnet_y_400mf', 4_344_144, 33_816_288],
  ['regnet', 'regnet_y_800mf', 6_432_512, 69_561_856],
  ['regnet', 'regnet_y_1_6gf', 11_202_430, 133_798_080],
  ['regnet', 'regnet_y_3_2gf', 19_436_338, 263_074_752],
  ['regnet', 'regnet_y_8gf', 39_381_472, 698_211_072],
  ['regnet', 'regnet_y_16gf', 83_590_140, 1_310_958_592],
  ['regnet', 'regnet_y_32gf', 145_046_770, 2_652_071_232],
  ['regnet', 'regnet_x_400mf', 5_495_976, 34_147_968],
  ['regnet', 'regnet_x_800mf', 7_259_656, 65_898_752],
  ['regnet', 'regnet_x_1_6gf', 9_190_136, 131_682_432],
  ['regnet', 'regnet_x_3_2gf', 15_296_552, 260_241_792],
  ['regnet', 'regnet_x_8gf', 39_572_648, 654_427_136],
  ['regnet', 'regnet_x_16gf', 54_278_536, 1_303_166_976],
  ['regnet', 'regnet_x_32gf', 107_811_560, 2_593_002_432],
  ['efficientnet', 'efficientnet_v2_s', 21_458_488, 237_185_792],
  ['efficientnet', 'efficientnet_v2_m', 54_139_356, 447_937_920],
  ['efficientnet', 'efficientnet_v2_l', 118_515_272, 1_019_921_664],
  ['shufflenet', 'shufflenet_v2_x0_5', 1_366_792, 4_244_608],
  ['shufflenet', 'shufflenet_v2_x1_0', 2_278_604, 12_769_632],
  ['shufflenet', 'shufflenet_v2_x1_5', 3_503_624, 25_084_032],
  ['shufflenet', 'shufflenet_v2_x2_0', 7_393_996, 49_493_344],
];

const plans = new Map<string, ReturnType<typeof analyzeGraphs>>();
async function plan(family: string, sets: string[] = []) {
  const key = `${family} ${sets.join(' ')}`;
  if (!plans.has(key)) {
    const { pipeline, locate } = await resolvePipeline(`pipelines/zoo/${family}.yaml`, { cwd: REPO, sets });
    plans.set(key, analyzeGraphs(pipeline, locate));
  }
  return plans.get(key)!;
}

describe('pipelines/zoo: torchvision\'s counts', () => {
  it('every model of every zoo file is in the table', async () => {
    for (const family of new Set(ZOO.map((z) => z[0]))) {
      expect(Object.keys((await plan(family)).models).sort()).toEqual(ZOO.filter((z) => z[0] === family).map((z) => z[1]).sort());
    }
  });

  it.each(ZOO)('%s.yaml %s: %i parameters, %i MACs', async (family, model, params, macs) => {
    const m = (await plan(family)).models[model];
    expect(m.trainable).toBe(params);
    expect(m.macs).toBe(macs);
    expect(m.output).toEqual([1000]);
  });

  it('num_classes is one setting: --set params.num_classes=200 changes every head', async () => {
    const p = await plan('resnet', ['params.num_classes=200']);
    expect(p.models.resnet18.output).toEqual([200]);
    expect(p.models.resnet18.trainable).toBe(11_689_512 - 800 * 513);
  });

  it('pipe show --model prints torchvision\'s count and its module names', () => {
    const r = runPipe(['show', 'pipelines/zoo/resnet.yaml', '--model', 'resnet18']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('model resnet18: 11,689,512 trainable parameters, 148,557,824 MACs per image');
    expect(r.stdout).toMatch(/\nlayer2\/0\/downsample\/0\s+conv\s+\[8, 8, 128\]\s+8,192\s+524,288\n/);
    expect(r.stdout).not.toContain('layer2/1/downsample');
  });
});

describe('zoo models run in tfjs', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it.each([['mobilenet', 'mobilenet_v3_small'], ['resnet', 'resnext50_32x4d'], ['efficientnet', 'efficientnet_b0'], ['squeezenet', 'squeezenet1_1']])('%s.yaml %s compiles with torchvision\'s parameter count and classifies a batch', async (family, model) => {
    const { pipeline, locate } = await resolvePipeline(`pipelines/zoo/${family}.yaml`, { cwd: REPO, sets: ['params.num_classes=10'] });
    const p = analyzeGraphs(pipeline, locate);
    const m = compileGraphs(pipeline, p).model(model);
    const count = m.trainableWeights.reduce((s, w) => s + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
    expect(count).toBe(p.models[model].trainable);
    const y = tf.tidy(() => tf.softmax(m.predict(tf.randomNormal([2, 64, 64, 3])) as tf.Tensor));
    expect(y.shape).toEqual([2, 10]);
    expect([...(tf.sum(y, 1).dataSync() as Float32Array)].every((s) => Math.abs(s - 1) < 1e-5)).toBe(true);
    y.dispose();
    m.dispose();
  }, 120_000);
});
