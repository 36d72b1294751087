// Loss and accuracy per epoch for every stage, the runs overlaid (see ../curves.ts).
import { renderSvg } from '../charts.js';
import { curveSpec, hasMetric, MAX_LR_RULES, type CurveMetric, type RunCurve } from '../curves.js';
import type { Block, Section } from '../document.js';
import { stageEpochs, type RunFolder } from '../run-folder.js';
import { stageNames } from './summary.js';

export async function curveSection(runs: readonly RunFolder[]): Promise<Section> {
  const blocks: Block[] = [];
  for (const [s, stage] of stageNames(runs).entries()) {
    const curves: RunCurve[] = runs.map((r) => ({ run: r.label, epochs: stageEpochs(r, stage) })).filter((c) => c.epochs.length > 0);
    if (!curves.length) continue;
    for (const metric of ['loss', 'top1'] as CurveMetric[]) {
      if (!hasMetric(curves, metric)) continue;
      const { spec, rules, rulesLeftOut } = curveSpec(stage, metric, curves);
      const id = `curve-${s + 1}-${metric}`;
      const notes = [curves.length > 1 ? 'one colour per run, dark: validation, light: training' : 'dark: validation, light: training'];
      if (rules) notes.push('dashed: the learning rate changed');
      if (rulesLeftOut.length) notes.push(`no lr rules for ${rulesLeftOut.join(', ')}: its lr changes at every epoch or more than ${MAX_LR_RULES} times`);
      else if (!rules) notes.push('the learning rate did not change');
      blocks.push({ kind: 'chart', id, caption: `${stage}, ${metric === 'loss' ? 'loss' : 'top-1 accuracy'} per epoch (${notes.join('; ')}).`, svg: await renderSvg(spec, id) });
    }
  }
  if (!blocks.length) blocks.push({ kind: 'text', text: 'No epoch finished in these runs: metrics.jsonl is empty.' });
  return { title: 'Training curves', level: 2, blocks };
}
