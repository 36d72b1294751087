// Which torchvision module a node stands for (docs/zoo-goldens.md). The zoo names nodes after the
// modules, '/' for '.' (`layer1/0/downsample/0` is `layer1.0.downsample.0`): the weight import's
// default rule. Files written where a name cannot be a bare number (test/fixtures/zoo/*-today.yaml)
// write a Sequential's item i as `<name>_<i>` (`layer2_0/downsample_1`); that reading is tried
// where the plain one names no module. Nodes that stand for no module (an `add`, a second
// `relu_out` where torchvision calls one ReLU twice) are not compared; every module that holds
// parameters must be some node's.
import { renamer, torchPath, type RenameRule } from '../../src/graph/import/torch-names.js';

/** `<name>_<i>` is `<name>.<i>`, as a weights import writes it: `rename: INDEX_SUFFIX`. */
export const INDEX_SUFFIX: readonly RenameRule[] = [{ match: '_(\\d+)(?=\\.|$)', to: '.$1' }];
const suffixed = renamer(INDEX_SUFFIX);

/**
 * Families whose names cannot be torchvision's by '/' alone, and the rename rules a weights import
 * of theirs needs (the harness reads names with them too). DenseNet: a repeat numbers its copies
 * as a path segment from 1, torchvision names them denselayer1, denselayer2...; RegNet's are
 * block1-0, block1-1...
 */
export const ZOO_RENAMES: readonly { readonly models: RegExp; readonly rename: readonly RenameRule[] }[] = [
  { models: /^densenet/, rename: [{ match: '^features\\.denseblock(\\d+)\\.(\\d+)\\.', to: 'features.denseblock$1.denselayer$2.' }] },
  // RegNet: AnyStage names its blocks `block<stage>-<i>` (a '-' no node name takes); the repeat
  // numbers them as a path segment from 0.
  { models: /^regnet_/, rename: [{ match: '^trunk_output\\.block(\\d+)\\.(\\d+)\\.', to: 'trunk_output.block$1.block$1-$2.' }] },
];

/** The rename rules model `model` of the zoo needs (none for most). */
export function renamesFor(model: string): readonly RenameRule[] {
  return ZOO_RENAMES.find((r) => r.models.test(model))?.rename ?? [];
}

/** The module a node name stands for, among `modules`: read plainly, then with `rename`, then with
 *  INDEX_SUFFIX; undefined for none. */
export function torchModule(node: string, modules: ReadonlySet<string>, rename: readonly RenameRule[] = []): string | undefined {
  return [torchPath(node), renamer(rename)(node), suffixed(node)].find((m) => modules.has(m));
}

/** `--set` text that starts `model` from `file`, its names read with `rename`. */
export function weightsOverride(model: string, file: string, rename: readonly RenameRule[] = []): string {
  return `models.${model}.weights=${JSON.stringify({ file, rename })}`;
}
