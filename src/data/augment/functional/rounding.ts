// The rounding rules of the code being matched. Each differs from Math.round, which rounds
// halves up; off-by-one grey levels and crop offsets come from mixing them up.

/** Python 3's round() and torch.round: to the nearest integer, ties to even. */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** C's round(): ties away from zero. */
export function roundHalfAway(v: number): number {
  const r = Math.round(Math.abs(v));
  return v < 0 ? -r : r;
}

/**
 * Python's round(v, digits) for |v| < 1e21: the decimal nearest v. toFixed picks the nearest
 * decimal of the exact binary value as Python does; they differ only on exact decimal ties.
 */
export function roundDecimal(v: number, digits: number): number {
  return Number(v.toFixed(digits));
}
