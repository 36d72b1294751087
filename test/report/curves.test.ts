import { describe, expect, it } from 'vitest';
import { renderSvg } from '../../src/report/charts.js';
import { curveSpec, lrChanges } from '../../src/report/curves.js';
import type { EpochRecord } from '../../src/train/loop.js';

const epochs = (lrs: number[], top1 = true) =>
  lrs.map((lr, i) => ({ stage: 's', epoch: i + 1, epochs: lrs.length, lr, train: { loss: 2 - i / 10, top1: top1 ? i / 10 : null }, val: { loss: 2.1 - i / 10, top1: top1 ? i / 12 : null } }) as unknown as EpochRecord);

describe('learning-rate changes', () => {
  it('a rule halfway before each epoch whose lr differs from the one before', () => {
    expect(lrChanges(epochs([0.1, 0.1, 0.01, 0.01, 0.001]))).toEqual([{ epoch: 2.5, lr: 0.01 }, { epoch: 4.5, lr: 0.001 }]);
    // Recomputed in floating point: 0.1 * 3 / 3 is not 0.1 bit for bit, and is no change.
    expect(lrChanges(epochs([0.1, (0.1 * 3) / 3]))).toEqual([]);
  });

  it('draws rules for a stepped schedule, none for one that moves every epoch (cosine)', () => {
    const stepped = curveSpec('s', 'loss', [{ run: 'a', epochs: epochs([0.1, 0.1, 0.01, 0.01]) }]);
    expect(stepped.rulesLeftOut).toEqual([]);
    expect(JSON.stringify(stepped.spec)).toContain('"strokeDash":[5,4]');
    const cosine = curveSpec('s', 'loss', [{ run: 'a', epochs: epochs([0.1, 0.09, 0.07, 0.04, 0.01]) }]);
    expect(cosine.rulesLeftOut).toEqual(['a']);
    expect(JSON.stringify(cosine.spec)).not.toContain('strokeDash');
  });
});

describe('charts', () => {
  it('render to SVG with the lines of every run', async () => {
    const { spec } = curveSpec('finetune', 'top1', [{ run: 'A', epochs: epochs([1, 1, 0.5]) }, { run: 'B', epochs: epochs([1, 0.5, 0.5]) }]);
    const svg = await renderSvg(spec, 'fig7');
    expect(svg.startsWith('<svg')).toBe(true);
    for (const text of ['A val', 'A train', 'B val', 'B train', 'lr 5.0e-1', 'finetune: top-1 accuracy (%) per epoch']) expect(svg).toContain(text);
  });

  it('give clip paths ids of their own', async () => {
    // Vega numbers clip paths from 1 in every view; two charts on one page must not share one.
    const svg = await renderSvg({ data: { values: [{ x: 1, y: 2 }, { x: 2, y: 1 }] }, mark: { type: 'line', clip: true }, encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } } }, 'fig7');
    const ids = [...svg.matchAll(/id="([^"]+)"/g)].map((m) => m[1]);
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) expect(id.startsWith('fig7-')).toBe(true);
    for (const ref of svg.matchAll(/url\(#([^)]+)\)/g)) expect(ids).toContain(ref[1]);
  });
});
