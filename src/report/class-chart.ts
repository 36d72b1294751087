// Correct predictions per class (the report's per-class figure): one bar per class, best first,
// the best and worst k coloured, so the spread across classes shows at a glance.
import type { TopLevelSpec } from 'vega-lite';
import { bestAndWorst, byAccuracy, type ClassScore } from './classes.js';

/** Up to this many classes the axis names each one; beyond, bars are ranked without names. */
const NAMED_BARS = 40;

export function perClassSpec(title: string, scores: readonly ClassScore[], k: number): TopLevelSpec {
  const ranked = scores.filter((c) => c.count > 0).sort(byAccuracy);
  const { best, worst } = bestAndWorst(ranked, k);
  const group = (c: ClassScore) => (best.includes(c) ? `best ${best.length}` : worst.includes(c) ? `worst ${worst.length}` : 'other');
  const values = ranked.map((c, i) => ({ rank: i + 1, name: shortName(c.name), correct: c.correct, count: c.count, group: group(c) }));
  const named = ranked.length <= NAMED_BARS;
  const most = Math.max(...ranked.map((c) => c.count));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: named ? { step: 22 } : 720,
    height: 200,
    data: { values },
    mark: { type: 'bar' },
    encoding: {
      x: named
        ? { field: 'name', type: 'nominal', sort: { field: 'rank' }, title: null, axis: { labelAngle: -50, labelLimit: 0 } }
        : { field: 'rank', type: 'ordinal', title: `${ranked.length} classes, best to worst`, axis: { labels: false, ticks: false } },
      y: { field: 'correct', type: 'quantitative', title: `correct (of ${most})`, scale: { domain: [0, most] } },
      color: { field: 'group', type: 'nominal', title: null, scale: legend(values.map((v) => v.group)) },
    },
  };
}

/** Green best, grey the rest, red worst: only the groups there are, so the legend lists no empty one. */
function legend(groups: readonly string[]): { domain: string[]; range: string[] } {
  const colours: Record<string, string> = { best: '#54a24b', other: '#bab0ac', worst: '#e45756' };
  const domain = [...new Set(groups)].sort((a, b) => ['best', 'other', 'worst'].indexOf(a.split(' ')[0]) - ['best', 'other', 'worst'].indexOf(b.split(' ')[0]));
  return { domain, range: domain.map((g) => colours[g.split(' ')[0]]) };
}

/** words.txt lists synonyms (`maypole, may pole`): the first is name enough for an axis. */
export function shortName(name: string): string {
  return name.split(',')[0].trim();
}
