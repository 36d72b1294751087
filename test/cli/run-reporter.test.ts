import { describe, expect, it } from 'vitest';
import type { Io } from '../../src/cli/command.js';
import { duration, runReporter } from '../../src/cli/run-reporter.js';

function fakeIo(): Io & { text: () => string } {
  let out = '';
  return { out: (t) => void (out += t), err: () => {}, color: false, isTty: false, cwd: '/', env: {}, text: () => out };
}

describe('pipe run output', () => {
  it('shows decoding progress a tenth at a time, then the total', () => {
    const io = fakeIo();
    const r = runReporter(io, { quiet: false, json: false, stages: ['train'] });
    for (let done = 1; done <= 1000; done++) r.events.decode!('train', done, 1000);
    const lines = io.text().trim().split('\n');
    expect(lines).toEqual([...Array.from({ length: 9 }, (_, k) => `decoding the train split: ${(k + 1) * 100}/1000`), 'decoded the train split: 1000 images']);
  });

  it('writes durations as a person reads them', () => {
    expect([duration(42), duration(130), duration(7260)]).toEqual(['42s', '2m10s', '2h01m']);
  });
});
