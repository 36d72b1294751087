// run.log: plain text of what the run printed, held until the run folder exists, appended line by
// line, and never a failure of the run.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { plainLine, RunLog } from '../../src/train/run-log.js';

describe('plainLine', () => {
  it.each([
    ['\u001b[31merror\u001b[0m: bad', 'error: bad'],
    ['\u001b[2K\u001b[1A\u001b[?25lstep 3/10', 'step 3/10'],
    ['step 1/3\rstep 2/3\rstep 3/3', 'step 3/3'],
    ['done\r', 'done'],
    ['\u001b]0;title\u0007text', 'text'],
    ['plain', 'plain'],
  ])('%j -> %j', (line, plain) => {
    expect(plainLine(line)).toBe(plain);
  });
});

describe('RunLog', () => {
  it('holds lines until the folder opens, then appends each line as it ends', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pipe-log-'));
    const log = new RunLog();
    log.write('pipe run p on wasm\n');
    log.write('note: one worker\n');
    log.open(dir);
    expect(readFileSync(join(dir, 'run.log'), 'utf8')).toBe('pipe run p on wasm\nnote: one worker\n');
    log.write('[train] epoch 1/2');
    expect(readFileSync(join(dir, 'run.log'), 'utf8')).toBe('pipe run p on wasm\nnote: one worker\n'); // the line has not ended
    log.write('  loss 0.5\n\u001b[32m[train] epoch 2/2\u001b[0m\n');
    log.write('last words');
    log.close();
    expect(readFileSync(join(dir, 'run.log'), 'utf8')).toBe('pipe run p on wasm\nnote: one worker\n[train] epoch 1/2  loss 0.5\n[train] epoch 2/2\nlast words\n');
  });

  it('a folder that went away (a refused run) stops the log without a throw', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pipe-log-'));
    const log = new RunLog();
    log.open(dir);
    rmSync(dir, { recursive: true });
    expect(() => log.write('failed: refused\n')).not.toThrow();
  });
});
