// How a zoo model's node names say which torchvision module they are (docs/zoo-goldens.md):
//   1. the weight import's default rule (src/graph/import/torch-names.ts): '/' between block uses
//      and nodes becomes '.', and a repeat copy k (counted from 1) becomes index k - 1;
//   2. the zoo's rule for a Sequential's item i, which a pipe name cannot write as a bare number:
//      `<name>_<i>` is `<name>.<i>` (`layer2_0/downsample_1` is `layer2.0.downsample.1`).
// Nodes whose names map to no module (an `add`, a second `relu_out` where torchvision reuses one
// ReLU) are not compared; every module that holds parameters must be some node's.
import type { RenameRule } from '../../src/graph/import/torch-names.js';
import { renamer } from '../../src/graph/import/torch-names.js';

/** Rule 2, as a weights import writes it: `weights: {file: ..., rename: ZOO_RENAME}`. */
export const ZOO_RENAME: readonly RenameRule[] = [{ match: '_(\\d+)(?=\\.|$)', to: '.$1' }];

/** The torchvision module path a pipe node name stands for. */
export const torchModule = renamer(ZOO_RENAME);

/** `--set` text that starts model `model` from `file` with the zoo's names. */
export function weightsOverride(model: string, file: string): string {
  return `models.${model}.weights=${JSON.stringify({ file, rename: ZOO_RENAME })}`;
}
