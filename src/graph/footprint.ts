// What a model needs in memory, from its plan alone: its parameters and, per image, the outputs
// of its nodes. `pipe validate` refuses a model no backend can hold (MAX_MODEL_PARAMETERS);
// train/budget.ts adds the batch, the optimiser and the data set before a run starts.
import { GraphError } from './graph-error.js';
import type { NodePlan } from './analyze.js';
import { inputGradientFloats, keptFloats, type KeepBackend } from './kept.js';

/** Every tensor the engine trains with is float32. */
export const FLOAT_BYTES = 4;

/**
 * 2^29 parameters: their weights and gradients alone, as float32, are 4 GiB, all a wasm heap
 * addresses, and far past what trains on a CPU backend in a day (the largest seed model has 12.7M).
 */
export const MAX_MODEL_PARAMETERS = 2 ** 29;

/**
 * Floats one image's training step holds at the end of its backward pass on `backend`: what each
 * node's forward keeps (its output, and the intermediates of ops composed from several tfjs ops:
 * kept.ts) and the gradient each node hands its inputs.
 */
export function activationFloatsPerImage(nodes: readonly NodePlan[], backend: KeepBackend): number {
  return nodes.reduce((sum, n) => sum + keptFloats(n, backend) + inputGradientFloats(n), 0);
}

/** `1.5 GiB`, `320 MiB`: the unit a reader compares with their machine's memory. */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0)} ${units[u]}`;
}

/** Refuses a graph model over MAX_MODEL_PARAMETERS, located at its largest node. */
export function checkParameterLimit(model: string, nodes: readonly NodePlan[]): void {
  const total = nodes.reduce((s, n) => s + n.trainable, 0);
  if (total <= MAX_MODEL_PARAMETERS) return;
  const largest = nodes.reduce((a, b) => (b.trainable > a.trainable ? b : a), nodes[0]);
  const field = SIZE_FIELD[largest.op];
  throw new GraphError(
    field === undefined ? largest.source : [...largest.source, field],
    largest.usedAt,
    `model '${model}' has ${total.toLocaleString('en-US')} parameters, over the limit of ${MAX_MODEL_PARAMETERS.toLocaleString('en-US')}: `
      + `their weights and gradients alone need ${formatBytes(total * FLOAT_BYTES * 2)}; its largest node, ${largest.op} '${largest.name}', `
      + `has ${largest.trainable.toLocaleString('en-US')}: lower its ${sizeFields(largest.op)}`,
  );
}

/** Where the error points: the field that sets the op's parameter count. */
const SIZE_FIELD: Readonly<Record<string, string>> = { conv: 'filters', conv_transpose: 'filters', dense: 'units' };

/** The fields that set an op's parameter count, for the hint. */
function sizeFields(op: string): string {
  if (op === 'dense') return 'units (or the size of its input)';
  if (op.includes('conv')) return 'filters or kernel (or the channels of its input)';
  return 'size (or the size of its input)';
}
