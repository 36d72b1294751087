// Shape bookkeeping for combinators: where branches can give different sizes, the size is not
// known ahead (null), and the batch loader must resize or fail.

import type { ImageShape } from './image.js';

/** The shape every one of `shapes` shares; a dimension they disagree on becomes null. */
export function mergeShapes(shapes: readonly ImageShape[]): ImageShape {
  const same = (k: keyof ImageShape): number | null => (shapes.every((s) => s[k] === shapes[0][k]) ? shapes[0][k] : null);
  return { height: same('height'), width: same('width'), channels: same('channels') };
}
