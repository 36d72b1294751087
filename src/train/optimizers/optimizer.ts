// The contract every optimiser fulfils, and the machinery they share: per-parameter state
// ("slots", torch's optimizer.state[p][name]), a step counter, and saving/loading both.
//
// An update is one fused pass in JavaScript over all the parameters laid end to end in one
// Float32Array: torch's formula per element, every intermediate rounded to float32 (Math.fround)
// in torch's order, so the result is bit for bit what the same formula computes as a chain of
// float32 tensor ops (the engine's optimisers were such chains; test/train/parallel-golden.json
// holds their trajectories). One pass instead of one kernel per term and parameter: on a
// ResNet-9-sized model the update is memory-bound, and many small kernels pay their overhead too.
//
// The training loop owns the lr (the schedule decides it) and passes it to every step; freezing
// is the loop's job too (it passes only trainable parameters).
import type { SchemaEntry } from '../../config/schema/fragments.js';
import type { OptimizerConfig } from '../../config/types.js';
import { inputError } from '../../errors.js';

export type OptimizerType = OptimizerConfig['type'];

/** What a checkpoint stores: plain numbers and named Float32Arrays (one per parameter). */
export interface OptimizerState {
  readonly type: OptimizerType;
  /** Optimiser steps taken so far (Adam's bias corrections and SGD's first momentum step use it). */
  readonly step: number;
  /** Slot name (torch's: momentum_buffer, exp_avg, ...) -> one array per parameter, in order. */
  readonly slots: Readonly<Record<string, readonly Float32Array[]>>;
}

/** What checkpoints save and a resume restores. */
export interface EngineOptimizer {
  readonly type: OptimizerType;
  state(): OptimizerState;
  /** Restores a state() taken from an optimiser of the same type, options and parameter sizes. */
  load(state: OptimizerState): void;
}

/** An optimiser over every parameter laid end to end in one array. */
export interface FusedOptimizer extends EngineOptimizer {
  /** Values per parameter, in order; update() takes them concatenated. */
  readonly sizes: readonly number[];
  /** Applies one update in place to `params` from `grads` (both of length sum(sizes)) at this lr. */
  update(params: Float32Array, grads: Float32Array, lr: number): void;
}

/** A registry entry: the YAML schema fragment and the builder. */
export interface OptimizerOp extends SchemaEntry {
  readonly name: OptimizerType;
  create(config: OptimizerConfig, sizes: readonly number[]): FusedOptimizer;
}

/** The arrays one update reads and writes: all parameters end to end, and each slot likewise. */
export interface UpdateArrays {
  readonly params: Float32Array;
  readonly grads: Float32Array;
  readonly slot: Readonly<Record<string, Float32Array>>;
  /** 1 on the first step. */
  readonly step: number;
  readonly lr: number;
}

/** Zero-initialised slots over all parameters and a step counter; subclasses write the update. */
export abstract class SlotOptimizer implements FusedOptimizer {
  private steps = 0;
  private readonly total: number;
  private readonly slots: Readonly<Record<string, Float32Array>>;

  protected constructor(
    readonly type: OptimizerType,
    readonly sizes: readonly number[],
    slotNames: readonly string[],
  ) {
    this.total = sizes.reduce((a, b) => a + b, 0);
    this.slots = Object.fromEntries(slotNames.map((name) => [name, new Float32Array(this.total)]));
  }

  /** One fused pass over every element. */
  protected abstract apply(arrays: UpdateArrays): void;

  update(params: Float32Array, grads: Float32Array, lr: number): void {
    if (params.length !== this.total || grads.length !== this.total) throw new Error(`${this.type}: ${params.length} parameters and ${grads.length} gradients for ${this.total} values`);
    if (!(lr >= 0 && Number.isFinite(lr))) throw new Error(`${this.type}: lr must be a finite number >= 0, got ${lr}`);
    const step = this.steps + 1;
    this.apply({ params, grads, slot: this.slots, step, lr });
    this.steps = step;
  }

  state(): OptimizerState {
    const slots = Object.fromEntries(Object.entries(this.slots).map(([name, all]) => [name, this.split(all)]));
    return { type: this.type, step: this.steps, slots };
  }

  load(state: OptimizerState): void {
    const where = 'optimizer state';
    if (state.type !== this.type) throw inputError(`is for ${state.type}, but this stage's optimizer is ${this.type}`, { path: where });
    if (!(Number.isInteger(state.step) && state.step >= 0)) throw inputError(`step must be an integer >= 0, got ${state.step}`, { path: where });
    const want = Object.keys(this.slots).sort().join(', ') || 'none';
    const got = Object.keys(state.slots).sort().join(', ') || 'none';
    if (want !== got) throw inputError(`has slots ${got}, but ${this.type} with these options keeps ${want}`, { path: where });
    for (const name of Object.keys(this.slots)) {
      const arrays = state.slots[name];
      if (arrays.length !== this.sizes.length) throw inputError(`${name}: ${arrays.length} arrays for ${this.sizes.length} parameters`, { path: where });
      this.sizes.forEach((size, i) => {
        if (arrays[i].length !== size) throw inputError(`${name}[${i}]: ${arrays[i].length} values for a parameter of ${size}`, { path: where });
      });
    }
    for (const [name, all] of Object.entries(this.slots)) {
      let offset = 0;
      for (const a of state.slots[name]) {
        all.set(a, offset);
        offset += a.length;
      }
    }
    this.steps = state.step;
  }

  /** One copy per parameter (a checkpoint outlives the next update). */
  private split(all: Float32Array): Float32Array[] {
    let offset = 0;
    return this.sizes.map((size) => all.slice(offset, (offset += size)));
  }
}
