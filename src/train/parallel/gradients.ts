// The gradient of a stage's mean loss over some rows of a batch: in one pass, or with
// micro_batch in pieces whose gradients add up (gradient accumulation). The inline trainer calls
// it on the whole batch, each training worker on its part.
//
// The mean loss over n rows split into pieces of n_p rows is sum_p (n_p / n) * L_p, so its
// gradient is the same weighted sum of the pieces' gradients (as across workers: trainer.ts).
// Each piece's tape is freed before the next piece starts: that is what bounds a step's memory.
import type * as tfjs from '@tensorflow/tfjs';
import type { ResolvedStage } from '../../config/types.js';
import { dropoutClock, gradientsOfVariablesOnly } from '../../graph/layers/index.js';
import { stageLoss, type Tf } from '../losses.js';
import type { Shard } from './shards.js';

export interface PartGradients {
  /** The mean loss over the rows, a scalar. */
  readonly loss: tfjs.Tensor;
  /** d loss / d var, in the order of the variables given. */
  readonly grads: tfjs.Tensor[];
  /** The model's outputs for the rows (classify stages), else null; kept: the caller disposes it. */
  readonly out: tfjs.Tensor | null;
}

export interface PartInput {
  readonly x: tfjs.Tensor;
  readonly labels: tfjs.Tensor | null;
  readonly target: tfjs.Tensor | null;
}

/**
 * Forward in training mode, loss and gradients of `vars` over `input`'s rows, in `pieces`. Piece
 * p draws its dropout masks at step clock * perStep + p (piecesPerStep in shards.ts), so one
 * piece draws at `clock` exactly as an unsplit step. Call inside tf.tidy; the results are its.
 */
export function partGradients(tf: Tf, stage: ResolvedStage, model: tfjs.LayersModel, vars: readonly tfjs.Variable[], input: PartInput, pieces: readonly Shard[], clock: number, perStep: number): PartGradients {
  const pass = (p: number, { x, labels, target }: PartInput): PartGradients => {
    dropoutClock.step = clock * perStep + p;
    let out: tfjs.Tensor | null = null;
    const { value, grads } = tf.variableGrads(() => {
      const y = gradientsOfVariablesOnly(() => model.apply(x, { training: true }) as tfjs.Tensor);
      if (stage.kind === 'classify') out = tf.keep(y);
      return stageLoss(tf, stage, y, labels as tfjs.Tensor1D | null, target);
    }, [...vars]);
    return { loss: value, grads: vars.map((v) => grads[v.name]), out };
  };
  if (pieces.length === 1) return pass(0, input);

  const rows = input.x.shape[0];
  let loss: tfjs.Tensor | null = null;
  let grads: tfjs.Tensor[] = [];
  const outs: tfjs.Tensor[] = [];
  for (const [p, piece] of pieces.entries()) {
    const w = piece.n / rows;
    const next = tf.tidy(() => {
      const rowsOf = (t: tfjs.Tensor | null) => (t === null ? null : t.slice(piece.offset, piece.n));
      const g = pass(p, { x: rowsOf(input.x)!, labels: rowsOf(input.labels), target: rowsOf(input.target) });
      if (g.out) outs.push(g.out); // kept by pass
      const add = (acc: tfjs.Tensor | null | undefined, t: tfjs.Tensor) => (acc ? tf.add(acc, tf.mul(t, w)) : tf.mul(t, w));
      return { loss: add(loss, g.loss), grads: g.grads.map((t, i) => add(grads[i], t)) };
    });
    tf.dispose([...(loss ? [loss] : []), ...grads]);
    loss = next.loss;
    grads = next.grads;
  }
  const out = outs.length === 0 ? null : tf.keep(tf.concat(outs, 0));
  tf.dispose(outs);
  return { loss: loss!, grads, out };
}
