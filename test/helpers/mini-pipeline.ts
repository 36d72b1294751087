// The smallest classifier pipeline a CLI test can run end to end: a two-class tiny-imagenet tree
// (writeShapesDataset), one conv, ReLU, global pool and a dense layer, SGD with momentum.
// Tests set what they are about (epochs, size, an augmentation, extra YAML) and nothing else.
export interface MiniPipeline {
  readonly name?: string;
  /** The data set's root, as the YAML gives it (absolute, or relative to the pipeline). */
  readonly root: string;
  /** Images' side in pixels (image_size and the model's input). */
  readonly size?: number;
  readonly filters?: number;
  readonly epochs?: number;
  /** An augmentation chain the train split uses: its name and its ops as YAML flow (e.g. `[{op: random_horizontal_flip, p: 1}]`). */
  readonly augment?: { readonly name: string; readonly ops: string };
  /** YAML appended as it is (top-level keys). */
  readonly extra?: string;
}

export function miniPipeline(o: MiniPipeline): string {
  const size = o.size ?? 16;
  return `name: ${o.name ?? 'mini'}
dataset: {format: tiny-imagenet, root: ${o.root}, image_size: [${size}, ${size}]}
${o.augment ? `augment:\n  ${o.augment.name}: ${o.augment.ops}\n` : ''}models:
  net:
    input: [${size}, ${size}, 3]
    nodes:
      - {op: conv, filters: ${o.filters ?? 4}, kernel: 3, padding: 1}
      - {op: relu}
      - {op: global_avgpool}
      - {op: dense, units: 2}
stages:
  train:
    kind: classify
    model: net
    train: {split: train${o.augment ? `, augment: ${o.augment.name}` : ''}}
    val: {split: val}
    epochs: ${o.epochs ?? 1}
    batch_size: 8
    optimizer: {type: sgd, lr: 0.05, momentum: 0.9}
${o.extra ?? ''}`;
}
