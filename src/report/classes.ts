// Per-class analysis of a classifier, as the report makes it for its best model: correct
// predictions per class, the best and worst classes, and which classes are taken for which.
import type { EpochRecord } from '../train/loop.js';
import type { StagePredictions } from './run-folder.js';

export interface ClassScore {
  readonly id: number;
  readonly name: string;
  readonly correct: number;
  /** Validation images of this class. */
  readonly count: number;
  /** correct / count; NaN for a class with no validation images. */
  readonly accuracy: number;
}

/** One direction of a confusion: images of `label` predicted as `predicted`. */
export interface Confusion {
  readonly label: ClassScore;
  readonly predicted: ClassScore;
  readonly count: number;
  /** count / images of `label`. */
  readonly share: number;
}

/**
 * Scores per class: from the predictions when the run wrote them (the final model), else from the
 * last epoch's validation counts (the same model unless early stopping restored a better one),
 * named by `names` (the data set's, when it can still be listed) or by number.
 */
export function classScores(names: readonly string[] | null, epochs: readonly EpochRecord[], predictions: StagePredictions | null): ClassScore[] | null {
  if (predictions) {
    const k = predictions.classNames.length;
    const correct = new Array<number>(k).fill(0);
    const count = new Array<number>(k).fill(0);
    predictions.labels.forEach((y, i) => {
      count[y]++;
      if (predictions.predicted[i] === y) correct[y]++;
    });
    return scores(predictions.classNames, correct, count);
  }
  const last = [...epochs].reverse().find((e) => e.val?.perClassCorrect && e.val.perClassCount);
  if (!last?.val?.perClassCorrect || !last.val.perClassCount) return null;
  const k = last.val.perClassCount.length;
  return scores(names?.length === k ? names : Array.from({ length: k }, (_, c) => `class ${c}`), last.val.perClassCorrect, last.val.perClassCount);
}

function scores(names: readonly string[], correct: readonly number[], count: readonly number[]): ClassScore[] {
  return names.map((name, id) => ({ id, name, correct: correct[id], count: count[id], accuracy: count[id] ? correct[id] / count[id] : NaN }));
}

/** Highest accuracy first; ties by more correct answers, then by class id, so the order is stable. */
export function byAccuracy(a: ClassScore, b: ClassScore): number {
  return b.accuracy - a.accuracy || b.correct - a.correct || a.id - b.id;
}

/** The k best and k worst classes (worst first); with fewer than 2k classes they split the list. */
export function bestAndWorst(all: readonly ClassScore[], k: number): { best: ClassScore[]; worst: ClassScore[] } {
  const ranked = all.filter((c) => c.count > 0).sort(byAccuracy);
  const nBest = Math.min(k, Math.ceil(ranked.length / 2));
  const nWorst = Math.min(k, ranked.length - nBest);
  return { best: ranked.slice(0, nBest), worst: ranked.slice(ranked.length - nWorst).reverse() };
}

/** The most frequent mistakes, label -> predicted, most frequent first. */
export function confusedPairs(predictions: StagePredictions, all: readonly ClassScore[], n: number): Confusion[] {
  const counts = new Map<number, number>();
  const k = predictions.classNames.length;
  predictions.labels.forEach((y, i) => {
    const p = predictions.predicted[i];
    if (p !== y) counts.set(y * k + p, (counts.get(y * k + p) ?? 0) + 1);
  });
  return [...counts.entries()]
    .sort(([ka, a], [kb, b]) => b - a || ka - kb)
    .slice(0, n)
    .map(([key, count]) => {
      const label = all[Math.floor(key / k)];
      return { label, predicted: all[key % k], count, share: count / label.count };
    });
}

/** Positions (in the predictions' split) of up to n images of a class, right or wrong as asked. */
export function examples(predictions: StagePredictions, classId: number, right: boolean, n: number): { item: number; predicted: number }[] {
  const out: { item: number; predicted: number }[] = [];
  for (let i = 0; i < predictions.items.length && out.length < n; i++) {
    if (predictions.labels[i] === classId && (predictions.predicted[i] === classId) === right) out.push({ item: predictions.items[i], predicted: predictions.predicted[i] });
  }
  return out;
}
