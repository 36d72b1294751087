import { describe, expect, it } from 'vitest';
import type { StageKeyInput } from '../../src/cache/key.js';
import { runFreeKeys } from '../../src/diff/run-free-key.js';

// Only the fields run-free keys look at matter here; the rest of a key input is compared whole.
const input = (o: { backend?: string; workers?: number | null; epochs?: number; init?: Record<string, string>; needs?: string[] }) =>
  ({ backend: o.backend ?? 'wasm', workers: o.workers ?? null, epochs: o.epochs ?? 3, init: o.init ?? {}, needs: o.needs ?? [] }) as unknown as StageKeyInput;

describe('run-free keys', () => {
  const inputs = new Map<string, StageKeyInput>([
    ['pre-wasm-1', input({ workers: 1 })],
    ['pre-cpu-2', input({ backend: 'cpu', workers: 2 })],
    ['pre-longer', input({ epochs: 4 })],
    ['fine-a', input({ workers: 1, init: { encoder: 'pre-wasm-1' }, needs: ['pre-wasm-1'] })],
    ['fine-b', input({ backend: 'cpu', workers: 2, init: { encoder: 'pre-cpu-2' }, needs: ['pre-cpu-2'] })],
    ['fine-c', input({ workers: 1, init: { encoder: 'pre-longer' }, needs: ['pre-longer'] })],
  ]);
  const free = runFreeKeys(inputs);

  it('leave out the backend and the workers, here and upstream', () => {
    expect(free('pre-wasm-1')).toBe(free('pre-cpu-2'));
    expect(free('fine-a')).toBe(free('fine-b'));
  });

  it('keep everything else, here and upstream', () => {
    expect(free('pre-longer')).not.toBe(free('pre-wasm-1'));
    expect(free('fine-c')).not.toBe(free('fine-a'));
    // A stage whose upstream entry is gone matches only itself.
    expect(runFreeKeys(new Map([['x', input({ needs: ['gone'] })], ['y', input({ needs: ['gone2'] })]]))('x')).not.toBe(runFreeKeys(new Map([['y', input({ needs: ['gone2'] })]]))('y'));
  });
});
