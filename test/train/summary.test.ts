import { describe, expect, it } from 'vitest';
import { thousands } from '../../src/format.js';
import { summaryTable } from '../../src/train/summary.js';

describe('the run summary', () => {
  it('groups thousands as en-US does', () => {
    for (const n of [0, 7, 122, 1000, 11_809_672, 123_456_789]) expect(thousands(n)).toBe(n.toLocaleString('en-US'));
  });
  it("is the report's Table 1", () => {
    expect(summaryTable([{ stage: 'train', model: 'net', epochs: 3, parameters: 5_013_640, bestValTop1: 0.51234, finalValLoss: 1, stopped: 'completed' }])).toBe(
      '| stage | model | epochs | parameters | best val top-1 |\n|---|---|---:|---:|---:|\n| train | net | 3 | 5,013,640 | 51.23% |\n',
    );
  });
});
