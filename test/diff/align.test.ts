import { describe, expect, it } from 'vitest';
import { alignLists, lcs } from '../../src/diff/align.js';

type Node = { name?: string; op: string };
const keys = { name: (n: Node) => n.name, kind: (n: Node) => n.op };
const pairs = (a: Node[], b: Node[]) => alignLists(a, b, keys).map((p) => `${p.a ?? '-'}:${p.b ?? '-'}`);

describe('lcs', () => {
  it.each([
    [['a', 'b', 'c'], ['a', 'b', 'c'], [[0, 0], [1, 1], [2, 2]]],
    [['a', 'b', 'c'], ['a', 'x', 'b', 'c'], [[0, 0], [1, 2], [2, 3]]],
    // One of three equally long answers: on a tie the walk drops from x first.
    [['a', 'b', 'c'], ['c', 'b', 'a'], [[2, 0]]],
    [[], ['a'], []],
  ])('%j vs %j', (x, y, expected) => {
    expect(lcs(x, y)).toEqual(expected);
  });
});

describe('alignLists', () => {
  it('pairs named items by name wherever they stand', () => {
    const a = [{ name: 'stem', op: 'conv' }, { name: 'head', op: 'dense' }];
    const b = [{ name: 'head', op: 'dense' }, { name: 'stem', op: 'conv' }];
    expect(pairs(a, b)).toEqual(['1:0', '0:1']);
  });

  it('an unnamed node inserted near the top shifts nothing after it', () => {
    const a: Node[] = [{ op: 'conv' }, { op: 'relu' }, { op: 'conv' }, { op: 'relu' }];
    const b: Node[] = [{ op: 'conv' }, { op: 'batchnorm' }, { op: 'relu' }, { op: 'conv' }, { op: 'relu' }];
    expect(pairs(a, b)).toEqual(['0:0', '-:1', '1:2', '2:3', '3:4']);
  });

  it('removed items follow the item they followed in A, before what B added there; a renamed one is removed and added', () => {
    const a: Node[] = [{ op: 'conv' }, { op: 'dropout' }, { name: 'x', op: 'dense' }];
    const b: Node[] = [{ op: 'conv' }, { name: 'y', op: 'dense' }];
    expect(pairs(a, b)).toEqual(['0:0', '1:-', '2:-', '-:1']);
  });
});
