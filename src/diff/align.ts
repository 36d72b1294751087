// Pairs the items of two lists for a diff. Items with a unique name (a graph node's `name`) pair
// by name wherever they stand; the rest pair in order by kind (a node's op or block), as a
// longest common subsequence, so one node inserted near the top does not shift every later one.

export interface Aligned {
  /** Index in A; undefined: added in B. */
  readonly a?: number;
  /** Index in B; undefined: removed from A. */
  readonly b?: number;
}

export interface AlignKeys<T> {
  /** A name that identifies the item in its list, or undefined. */
  readonly name: (item: T) => string | undefined;
  /** What unnamed items must share to pair (e.g. the op). */
  readonly kind: (item: T) => string;
}

/** Every item of both lists once, in B's order, each removed item after the one it followed in A. */
export function alignLists<T>(a: readonly T[], b: readonly T[], keys: AlignKeys<T>): Aligned[] {
  const pairOfA = new Map<number, number>();
  const named = new Map<string, number>();
  b.forEach((item, j) => {
    const n = keys.name(item);
    if (n !== undefined) named.set(n, j);
  });
  a.forEach((item, i) => {
    const n = keys.name(item);
    const j = n === undefined ? undefined : named.get(n);
    if (j !== undefined) pairOfA.set(i, j);
  });
  const restA = a.map((_, i) => i).filter((i) => !pairOfA.has(i) && keys.name(a[i]) === undefined);
  const takenB = new Set(pairOfA.values());
  const restB = b.map((_, j) => j).filter((j) => !takenB.has(j) && keys.name(b[j]) === undefined);
  for (const [i, j] of lcs(restA.map((i) => keys.kind(a[i])), restB.map((j) => keys.kind(b[j])))) pairOfA.set(restA[i], restB[j]);
  return order(a.length, b.length, pairOfA);
}

/**
 * Index pairs of a longest common subsequence of x and y. Dynamic programming over suffixes:
 * L[i][j] = x[i] == y[j] ? 1 + L[i+1][j+1] : max(L[i+1][j], L[i][j+1]); then walk from (0, 0).
 */
export function lcs(x: readonly string[], y: readonly string[]): [number, number][] {
  const w = y.length + 1;
  const L = new Uint32Array((x.length + 1) * w);
  for (let i = x.length - 1; i >= 0; i--) {
    for (let j = y.length - 1; j >= 0; j--) {
      L[i * w + j] = x[i] === y[j] ? 1 + L[(i + 1) * w + j + 1] : Math.max(L[(i + 1) * w + j], L[i * w + j + 1]);
    }
  }
  const out: [number, number][] = [];
  for (let i = 0, j = 0; i < x.length && j < y.length; ) {
    if (x[i] === y[j]) out.push([i++, j++]);
    else if (L[(i + 1) * w + j] >= L[i * w + j + 1]) i++;
    else j++;
  }
  return out;
}

function order(na: number, nb: number, pairOfA: ReadonlyMap<number, number>): Aligned[] {
  const aOfB = new Map([...pairOfA].map(([i, j]) => [j, i]));
  // A removed item sorts just after the B position of the nearest paired item before it in A.
  const rank = (i: number): number => {
    for (let k = i - 1; k >= 0; k--) if (pairOfA.has(k)) return pairOfA.get(k)! + 0.5;
    return -0.5;
  };
  const rows: { at: number; tie: number; row: Aligned }[] = [];
  for (let j = 0; j < nb; j++) rows.push({ at: j, tie: 0, row: aOfB.has(j) ? { a: aOfB.get(j)!, b: j } : { b: j } });
  for (let i = 0; i < na; i++) if (!pairOfA.has(i)) rows.push({ at: rank(i), tie: i, row: { a: i } });
  return rows.sort((p, q) => p.at - q.at || p.tie - q.tie).map((r) => r.row);
}
