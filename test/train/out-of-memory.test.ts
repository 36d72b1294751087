// A step that outgrows the wasm heap aborts the module with a bare "Aborted()": the training
// loop says it as running out of memory, with the images per pass and what lowers them.
import { describe, expect, it } from 'vitest';
import type { ResolvedStage } from '../../src/config/types.js';
import { JobError } from '../../src/errors.js';
import { outOfMemory } from '../../src/train/loop.js';

const stage = (micro: number | null) => ({ batch_size: 64, micro_batch: micro }) as ResolvedStage;
const abort = new Error('Aborted(). Build with -sASSERTIONS for more info.');

describe('running out of wasm memory', () => {
  it('names the stage, the images per pass, and micro_batch as the way out', () => {
    const e = outOfMemory(abort, 'cycle1', stage(null), 2, '/out/checkpoint')!;
    expect(e).toBeInstanceOf(JobError);
    expect(e.message).toBe("stage 'cycle1': the backend ran out of memory (the wasm heap is capped at 4 GiB) with 32 images per forward and backward pass (batch_size 64 over 2 workers)");
    expect(e.hint).toMatch(/^set stages\.cycle1\.micro_batch below 32 .*the last good checkpoint is in \/out\/checkpoint$/);
  });

  it('counts micro_batch when the stage has one', () => {
    expect(outOfMemory(abort, 'train', stage(16), 1, 'c')!.message).toMatch(/with 16 images per forward and backward pass \(batch_size 64 over 1 worker, micro_batch 16\)$/);
  });

  it('leaves other errors alone', () => {
    expect(outOfMemory(new Error('the loss became NaN'), 'train', stage(null), 1, 'c')).toBeNull();
  });
});
