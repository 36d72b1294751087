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

/** The module a node name stands for, among `modules` (the plain reading first); undefined for none. */
export function torchModule(node: string, modules: ReadonlySet<string>): string | undefined {
  return [torchPath(node), suffixed(node)].find((m) => modules.has(m));
}

/** `--set` text that starts `model` from `file`, its names read with `rename`. */
export function weightsOverride(model: string, file: string, rename: readonly RenameRule[] = []): string {
  return `models.${model}.weights=${JSON.stringify({ file, rename })}`;
}
