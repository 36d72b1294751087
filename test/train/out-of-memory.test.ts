// A step that outgrows the wasm heap aborts the module with a bare "Aborted()" (or traps where a
// failed allocation went unnoticed): the training loop says it as the wasm heap running out,
// where, with the images per pass and what lowers them; the backend's start leaves no emscripten
// process listener that would print its minified module instead.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ResolvedStage } from '../../src/config/types.js';
import { JobError } from '../../src/errors.js';
import { outOfMemory } from '../../src/train/loop.js';
import { REPO } from '../helpers/cli.js';

const stage = (micro: number | null) => ({ batch_size: 64, micro_batch: micro }) as ResolvedStage;
const abort = new Error('Aborted(). Build with -sASSERTIONS for more info.');

/** A trap as a worker thread's error arrives: a plain Error, the trap's name left in its stack. */
function fromWorker(message: string): Error {
  const e = new Error(`training worker 1: ${message}`);
  e.stack = `RuntimeError: ${message}\n    at wasm://wasm/0019ea4a:wasm-function[335]:0x38bc4`;
  return e;
}

describe('running out of wasm memory', () => {
  it('names the stage, where, the images per pass, and micro_batch as the way out', () => {
    const e = outOfMemory(abort, 'cycle1', stage(null), 2, '/out/checkpoint', { epoch: 2, step: 40 })!;
    expect(e).toBeInstanceOf(JobError);
    expect(e.message).toBe("stage 'cycle1': the wasm heap (4 GiB) ran out at epoch 3, step 41 with 32 images per forward and backward pass (batch_size 64 over 2 workers)");
    expect(e.hint).toBe("set stages.cycle1.micro_batch below 32 (the same result, except that BatchNorm normalises each piece on its own), or more workers where the machine's memory allows (each takes its part of the batch on its own heap, and BatchNorm still normalises by the whole batch), or lower batch_size; the last good checkpoint is in /out/checkpoint");
  });

  it('counts micro_batch when the stage has one', () => {
    expect(outOfMemory(abort, 'train', stage(16), 1, 'c')!.message).toMatch(/ran out with 16 images per forward and backward pass \(batch_size 64 over 1 worker, micro_batch 16\)$/);
  });

  it.each([
    ['a trap on this thread', new WebAssembly.RuntimeError('table index is out of bounds')],
    ['a trap in a worker', fromWorker('memory access out of bounds')],
    ['a failed heap growth', new Error('Cannot enlarge memory, requested 4294967296 bytes')],
    // vgg13 and vgg19_bn at batch 32 (docs/zoo.md): a heap view tfjs-backend-wasm could not make.
    ['a heap view that cannot be made', new RangeError('Invalid typed array length: 102760448')],
  ])('%s is the heap running out too', (_what, e) => {
    expect(outOfMemory(e, 'train', stage(null), 1, 'c', { epoch: 0, step: 0 })!.message).toMatch(/^stage 'train': the wasm heap \(4 GiB\) ran out at epoch 1, step 1 /);
  });

  it('leaves other errors alone', () => {
    expect(outOfMemory(new Error('the loss became NaN'), 'train', stage(null), 1, 'c')).toBeNull();
    expect(outOfMemory(new TypeError('x is undefined'), 'train', stage(null), 1, 'c')).toBeNull();
  });

  it('the wasm backend starts without emscripten\'s rethrowing process listeners, so a rejection is the engine\'s to report', () => {
    // In a child: start wasm, then leave a promise rejected with a trap unhandled. Node's own
    // report names the error in a line; emscripten's listener would rethrow it from its module
    // and Node would print that module's minified source line.
    const script = `import { initBackend } from ${JSON.stringify(join(REPO, 'src/backend/index.ts'))};
await initBackend({ backend: 'wasm', env: {} });
console.log(process.listenerCount('uncaughtException'), process.listenerCount('unhandledRejection'));
Promise.reject(new WebAssembly.RuntimeError('Aborted()'));`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: REPO, encoding: 'utf8', timeout: 30_000 });
    expect(r.stdout).toBe('0 0\n');
    expect(r.stderr).toContain('RuntimeError: Aborted()');
    expect(r.stderr).not.toContain('WasmBackendModule');
    expect(r.status).toBe(1);
  }, 30_000);
});
