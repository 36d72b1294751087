import { describe, expect, it } from 'vitest';
import { bestAndWorst, classScores, confusedPairs, examples } from '../../src/report/classes.js';
import type { StagePredictions } from '../../src/report/run-folder.js';
import type { EpochRecord } from '../../src/train/loop.js';

// Four classes, three images each: a all right, b two right (one taken for c), c one right (two
// taken for b), d none right (all taken for a).
const predictions: StagePredictions = {
  split: 'val',
  classNames: ['a', 'b', 'c', 'd'],
  items: [10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21],
  labels: [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3],
  predicted: [0, 0, 0, 1, 2, 1, 1, 2, 1, 0, 0, 0],
};

describe('per-class analysis', () => {
  const scores = classScores(null, [], predictions)!;

  it('counts correct predictions per class from the predictions', () => {
    expect(scores.map((c) => [c.name, c.correct, c.count])).toEqual([['a', 3, 3], ['b', 2, 3], ['c', 1, 3], ['d', 0, 3]]);
  });

  it('without predictions, takes the last epoch\'s validation counts and names classes by number', () => {
    const epoch = (correct: number[]) => ({ stage: 's', epoch: 1, val: { perClassCorrect: correct, perClassCount: [5, 5] } }) as unknown as EpochRecord;
    const s = classScores(null, [epoch([1, 2]), epoch([4, 3])], null)!;
    expect(s.map((c) => [c.name, c.correct, c.accuracy])).toEqual([['class 0', 4, 0.8], ['class 1', 3, 0.6]]);
    expect(classScores(['x', 'y'], [epoch([4, 3])], null)!.map((c) => c.name)).toEqual(['x', 'y']);
    expect(classScores(null, [], null)).toBeNull();
  });

  it('best first and worst first; with fewer than 2k classes they split the list', () => {
    const { best, worst } = bestAndWorst(scores, 5);
    expect(best.map((c) => c.name)).toEqual(['a', 'b']);
    expect(worst.map((c) => c.name)).toEqual(['d', 'c']);
    const one = bestAndWorst(scores, 1);
    expect([one.best.map((c) => c.name), one.worst.map((c) => c.name)]).toEqual([['a'], ['d']]);
  });

  it('confused pairs: most frequent first, with the share of the true class', () => {
    expect(confusedPairs(predictions, scores, 10).map((p) => [p.label.name, p.predicted.name, p.count, p.share])).toEqual([
      ['d', 'a', 3, 1],
      ['c', 'b', 2, 2 / 3],
      ['b', 'c', 1, 1 / 3],
    ]);
    expect(confusedPairs(predictions, scores, 1)).toHaveLength(1);
  });

  it('examples: split positions of right or wrong images of a class', () => {
    expect(examples(predictions, 1, true, 4)).toEqual([{ item: 13, predicted: 1 }, { item: 15, predicted: 1 }]);
    expect(examples(predictions, 2, false, 1)).toEqual([{ item: 16, predicted: 1 }]);
  });
});
