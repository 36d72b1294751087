// The contract every optimiser fulfils, and the machinery they share: per-parameter state tensors
// ("slots", torch's optimizer.state[p][name]), a step counter, and saving/loading both.
//
// The training loop owns the lr (the schedule decides it) and passes it to every step; freezing
// is the loop's job too (it passes only trainable parameters).
import type * as tfjs from '@tensorflow/tfjs';
import type { SchemaEntry } from '../../config/schema/fragments.js';
import type { OptimizerConfig } from '../../config/types.js';
import { inputError } from '../../errors.js';

export type TfModule = typeof tfjs;
export type OptimizerType = OptimizerConfig['type'];

/** What a checkpoint stores: plain numbers and named Float32Arrays (one per parameter). */
export interface OptimizerState {
  readonly type: OptimizerType;
  /** Optimiser steps taken so far (Adam's bias corrections and SGD's first momentum step use it). */
  readonly step: number;
  /** Slot name (torch's: momentum_buffer, exp_avg, ...) -> one array per parameter, in order. */
  readonly slots: Readonly<Record<string, readonly Float32Array[]>>;
}

export interface EngineOptimizer {
  readonly type: OptimizerType;
  /**
   * Applies one update in place, with this lr; grads[i] is the gradient of params[i]. `consume`:
   * the caller hands the gradients over (a training step's own): each is disposed once its
   * parameter is updated, and a fused update may write the new parameter into its buffer and its
   * slots into theirs, so the update allocates nothing (what lets VGG's 411 MB classifier weight
   * train on the 4 GiB wasm heap). Without it the gradients are only read.
   */
  step(grads: readonly tfjs.Tensor[], lr: number, consume?: boolean): void;
  state(): OptimizerState;
  /** Restores a state() taken from an optimiser of the same type and parameter shapes. */
  load(state: OptimizerState): void;
  /** Frees the slots and constants (not the parameters). */
  dispose(): void;
}

/** A registry entry: the YAML schema fragment and the builder. */
export interface OptimizerOp extends SchemaEntry {
  readonly name: OptimizerType;
  create(tf: TfModule, config: OptimizerConfig, params: readonly tfjs.Variable[]): EngineOptimizer;
}

/** The tensors one parameter's update reads and writes. */
export interface UpdateInputs {
  readonly param: tfjs.Variable;
  readonly grad: tfjs.Tensor;
  /** This parameter's slot variables, by name. */
  readonly slot: Readonly<Record<string, tfjs.Variable>>;
  /** 1 on the first step. */
  readonly step: number;
  /** The gradient is the update's to reuse: its buffer may become the new parameter (EngineOptimizer.step). */
  readonly consume: boolean;
}

/**
 * An optimiser as torch writes one: zero-initialised slots per parameter and an update run for
 * each parameter in its own tidy (so intermediates are freed at once and nothing leaks).
 * Hyperparameters that never change are made scalars once, in the subclass's constructor.
 */
export abstract class SlotOptimizer implements EngineOptimizer {
  private steps = 0;
  private readonly slotVars: Readonly<Record<string, readonly tfjs.Variable[]>>;
  private readonly constants: tfjs.Tensor[] = [];

  protected constructor(
    protected readonly tf: TfModule,
    readonly type: OptimizerType,
    private readonly params: readonly tfjs.Variable[],
    slotNames: readonly string[],
  ) {
    this.slotVars = Object.fromEntries(slotNames.map((name) => [name, params.map((p) => tf.tidy(() => tf.variable(tf.zerosLike(p), false)))]));
  }

  /** A float32 scalar kept for the optimiser's life. */
  protected constant(value: number): tfjs.Scalar {
    const s = this.tf.scalar(value, 'float32');
    this.constants.push(s);
    return s;
  }

  /** Scalars that depend on the lr or the step (bias corrections), made once per step for every parameter. */
  protected abstract stepScalars(lr: number, step: number): Record<string, tfjs.Scalar>;

  /** One parameter's update: reads and assigns `param` and its slots. Runs inside a tidy. */
  protected abstract update(inputs: UpdateInputs, scalars: Record<string, tfjs.Scalar>): void;

  step(grads: readonly tfjs.Tensor[], lr: number, consume = false): void {
    if (grads.length !== this.params.length) throw new Error(`${this.type}: ${grads.length} gradients for ${this.params.length} parameters`);
    if (!(lr >= 0 && Number.isFinite(lr))) throw new Error(`${this.type}: lr must be a finite number >= 0, got ${lr}`);
    const step = this.steps + 1;
    const scalars = this.stepScalars(lr, step);
    // A gradient passed twice (one tensor for two parameters) is read by both: never consumed.
    const uses = new Map<object, number>();
    for (const g of grads) uses.set(g.dataId, (uses.get(g.dataId) ?? 0) + 1);
    try {
      this.params.forEach((param, i) => {
        const slot = Object.fromEntries(Object.entries(this.slotVars).map(([name, vars]) => [name, vars[i]]));
        const own = consume && uses.get(grads[i].dataId) === 1;
        this.tf.tidy(() => this.update({ param, grad: grads[i], slot, step, consume: own }, scalars));
        if (own) grads[i].dispose();
      });
    } finally {
      for (const s of Object.values(scalars)) s.dispose();
    }
    this.steps = step;
  }

  state(): OptimizerState {
    const slots = Object.fromEntries(Object.entries(this.slotVars).map(([name, vars]) => [name, vars.map((v) => Float32Array.from(v.dataSync()))]));
    return { type: this.type, step: this.steps, slots };
  }

  load(state: OptimizerState): void {
    const where = 'optimizer state';
    if (state.type !== this.type) throw inputError(`is for ${state.type}, but this stage's optimizer is ${this.type}`, { path: where });
    if (!(Number.isInteger(state.step) && state.step >= 0)) throw inputError(`step must be an integer >= 0, got ${state.step}`, { path: where });
    const want = Object.keys(this.slotVars).sort().join(', ') || 'none';
    const got = Object.keys(state.slots).sort().join(', ') || 'none';
    if (want !== got) throw inputError(`has slots ${got}, but ${this.type} with these options keeps ${want}`, { path: where });
    for (const [name, vars] of Object.entries(this.slotVars)) {
      const arrays = state.slots[name];
      if (arrays.length !== vars.length) throw inputError(`${name}: ${arrays.length} arrays for ${vars.length} parameters`, { path: where });
      vars.forEach((v, i) => {
        if (arrays[i].length !== v.size) throw inputError(`${name}[${i}]: ${arrays[i].length} values for a parameter of shape [${v.shape.join(', ')}]`, { path: where });
      });
    }
    for (const [name, vars] of Object.entries(this.slotVars)) {
      vars.forEach((v, i) => this.tf.tidy(() => v.assign(this.tf.tensor(state.slots[name][i], v.shape, 'float32'))));
    }
    this.steps = state.step;
  }

  dispose(): void {
    for (const vars of Object.values(this.slotVars)) for (const v of vars) v.dispose();
    for (const c of this.constants) c.dispose();
  }
}
