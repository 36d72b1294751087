// The study scheduler against an executor that trains nothing: each job's epochs come from a
// table, so sharing, failure isolation, stopping, and successive halving are checked exactly.
import { describe, expect, it } from 'vitest';
import type { JobOutcome, StageExecutor, StageJobSpec } from '../../src/study/executor.js';
import type { StudyJob, StudyPlan } from '../../src/study/plan.js';
import { runStudy, type JobState } from '../../src/study/run.js';
import type { ResolvedStudy } from '../../src/study/types.js';
import type { EpochRecord } from '../../src/train/loop.js';

const record = (stage: string, epoch: number, epochs: number, top1: number): EpochRecord => ({
  stage,
  epoch,
  epochs,
  lr: 0.1,
  train: { loss: 1, top1: null, top5: null, images: 10, perClass: null } as unknown as EpochRecord['train'],
  val: { loss: 1 - top1, top1, top5: null, images: 10, perClass: null } as unknown as EpochRecord['val'],
  imagesPerSecond: 1,
  seconds: 1,
});

/** Jobs keyed by name: their val top-1 per epoch (a function of the epoch), or a failure. */
class TableExecutor implements StageExecutor {
  readonly calls: { key: string; stopAfterEpoch?: number }[] = [];
  private readonly done = new Map<string, number>();
  private running = 0;
  maxRunning = 0;
  constructor(
    readonly slots: number,
    private readonly curves: Record<string, ((epoch: number) => number) | 'fail'>,
    private readonly onCall: (key: string) => void = () => {},
  ) {}
  async run(job: StageJobSpec, onEvent: Parameters<StageExecutor['run']>[1]): Promise<JobOutcome> {
    this.calls.push({ key: job.key, ...(job.stopAfterEpoch === undefined ? {} : { stopAfterEpoch: job.stopAfterEpoch }) });
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    this.onCall(job.key);
    await new Promise((r) => setTimeout(r, 1));
    this.running--;
    const curve = this.curves[job.key];
    if (curve === 'fail') return { status: 'failed', records: [], error: `the loss became NaN` };
    const epochs = Number(/e(\d+)$/.exec(job.key)![1]);
    const until = job.stopAfterEpoch ?? epochs;
    const records: EpochRecord[] = [];
    for (let e = 1; e <= Math.max(until, this.done.get(job.key) ?? 0); e++) records.push(record(job.stage, e, epochs, curve(e)));
    for (const r of records.slice(this.done.get(job.key) ?? 0)) onEvent({ type: 'epoch', record: r });
    this.done.set(job.key, records.length);
    return { status: until < epochs ? 'paused' : 'done', records, error: null };
  }
  stop() {}
}

// Keys end in e<epochs>: the table executor reads a job's epochs from its key.
const job = (key: string, stage: string, trials: number[], needs: string[] = [], cached = false): StudyJob => ({
  key,
  stage,
  trial: trials[0],
  trials,
  needs,
  cached,
  model: 'm',
  parameters: 1,
  epochs: Number(/e(\d+)$/.exec(key)![1]),
});

function study(trials: number, prune: ResolvedStudy['prune'] = null): ResolvedStudy {
  return {
    name: 's',
    file: '/s.yaml',
    seed: 0,
    metric: { stage: 'finetune', name: 'val_top1', goal: 'max' },
    prune,
    axes: ['x'],
    trials: Array.from({ length: trials }, (_, i) => ({ name: `p[x=${i}]`, file: '/p.yaml', sets: [`x=${i}`], values: { x: i } })),
  };
}

const options = (executor: StageExecutor, stop = () => false, stored: Record<string, EpochRecord[]> = {}) => ({
  executor,
  spec: (j: StudyJob, stopAfterEpoch: number | undefined): StageJobSpec => ({ key: j.key, stage: j.stage, file: '/p.yaml', sets: [], cwd: '/', backend: 'cpu', workers: 1, loaderWorkers: 0, outputs: '/o', ...(stopAfterEpoch === undefined ? {} : { stopAfterEpoch }) }),
  storedRecords: (key: string) => stored[key] ?? [],
  shouldStop: stop,
  events: { jobStart: () => {}, jobEpoch: () => {}, jobWarning: () => {}, jobEnd: () => {}, changed: () => {} },
});

const statuses = (states: ReadonlyMap<string, Readonly<JobState>>) => Object.fromEntries([...states].map(([k, s]) => [k, s.status]));

describe('runStudy', () => {
  it('runs a stage shared by every trial once, then the trials, no more at once than the slots', async () => {
    const plan: StudyPlan = {
      jobs: [job('pre-e2', 'pretrain', [0, 1, 2]), job('ft0-e3', 'finetune', [0], ['pre-e2']), job('ft1-e3', 'finetune', [1], ['pre-e2']), job('ft2-e3', 'finetune', [2], ['pre-e2'])],
      trials: [0, 1, 2].map((i) => ({ keys: { pretrain: 'pre-e2', finetune: `ft${i}-e3` }, error: null, metricStage: 'finetune' })),
    };
    const ex = new TableExecutor(2, { 'pre-e2': () => 0, 'ft0-e3': (e) => e / 10, 'ft1-e3': (e) => e / 5, 'ft2-e3': (e) => e / 20 });
    const states = await runStudy(study(3), plan, options(ex));
    expect(ex.calls.map((c) => c.key)).toEqual(['pre-e2', 'ft0-e3', 'ft1-e3', 'ft2-e3']);
    expect(ex.maxRunning).toBe(2);
    expect(Object.values(statuses(states))).toEqual(['done', 'done', 'done', 'done']);
    expect(states.get('ft1-e3')!.records.map((r) => r.val!.top1)).toEqual([0.2, 0.4, 0.6]);
  });

  it('runs nothing for a cached stage, and takes its epochs from the store', async () => {
    const plan: StudyPlan = { jobs: [job('pre-e2', 'pretrain', [0, 1], [], true), job('ft0-e1', 'finetune', [0], ['pre-e2']), job('ft1-e1', 'finetune', [1], ['pre-e2'])], trials: [] };
    const ex = new TableExecutor(1, { 'ft0-e1': () => 0.5, 'ft1-e1': () => 0.6 });
    const states = await runStudy(study(2), plan, options(ex, () => false, { 'pre-e2': [record('pretrain', 1, 2, 0), record('pretrain', 2, 2, 0)] }));
    expect(ex.calls.map((c) => c.key)).toEqual(['ft0-e1', 'ft1-e1']);
    expect(states.get('pre-e2')).toMatchObject({ status: 'cached' });
    expect(states.get('pre-e2')!.records).toHaveLength(2);
  });

  it('isolates a failing job: its dependants are blocked, naming it; every other trial runs', async () => {
    const plan: StudyPlan = {
      jobs: [job('preA-e1', 'pretrain', [0]), job('preB-e1', 'pretrain', [1, 2]), job('ft0-e1', 'finetune', [0], ['preA-e1']), job('ft1-e1', 'finetune', [1], ['preB-e1']), job('ev1-e1', 'evaluate', [1], ['ft1-e1']), job('ft2-e1', 'finetune', [2], ['preB-e1'])],
      trials: [],
    };
    const ex = new TableExecutor(1, { 'preA-e1': 'fail', 'preB-e1': () => 0, 'ft0-e1': () => 0.5, 'ft1-e1': 'fail', 'ev1-e1': () => 0.1, 'ft2-e1': () => 0.7 });
    const states = await runStudy(study(3), plan, options(ex));
    expect(statuses(states)).toEqual({ 'preA-e1': 'failed', 'preB-e1': 'done', 'ft0-e1': 'blocked', 'ft1-e1': 'failed', 'ev1-e1': 'blocked', 'ft2-e1': 'done' });
    expect(states.get('ft0-e1')!.error).toBe("not run: it needs stage 'pretrain', which failed");
    expect(states.get('ev1-e1')!.error).toBe("not run: it needs stage 'finetune', which failed");
    expect(states.get('ft1-e1')!.error).toBe('the loss became NaN');
    expect(ex.calls.map((c) => c.key)).not.toContain('ft0-e1');
  });

  it('stops launching when asked: what has not run is stopped, not failed', async () => {
    let stop = false;
    const plan: StudyPlan = { jobs: [job('a-e1', 'finetune', [0]), job('b-e1', 'finetune', [1]), job('c-e1', 'finetune', [2])], trials: [] };
    const ex = new TableExecutor(1, { 'a-e1': () => 0, 'b-e1': () => 0, 'c-e1': () => 0 }, () => (stop = true));
    const states = await runStudy(study(3), plan, options(ex, () => stop));
    expect(statuses(states)).toEqual({ 'a-e1': 'done', 'b-e1': 'stopped', 'c-e1': 'stopped' });
  });

  it('prunes by successive halving: rungs at min_epochs x eta^i, the best 1/eta promoted, each resumed to the next rung', async () => {
    // Nine trials of 9 epochs, eta 3: rungs at 1 and 3 epochs, then the last one trains to 9.
    // Trial i's top-1 at epoch e: i/10 up to epoch 2, then the order turns for the trials 0-2.
    const curves: Record<string, (e: number) => number> = {};
    const jobs: StudyJob[] = [];
    for (let i = 0; i < 9; i++) {
      const key = `ft${i}-e9`;
      curves[key] = (e) => (e <= 1 ? i / 10 : i >= 6 ? (i === 6 ? 0.9 : 0.1 * (9 - i)) + e / 100 : 0);
      jobs.push(job(key, 'finetune', [i]));
    }
    const ex = new TableExecutor(2, curves);
    const states = await runStudy(study(9, { type: 'successive_halving', stage: 'finetune', min_epochs: 1, eta: 3 }), { jobs, trials: [] }, options(ex));
    // Rung 1 keeps the best three at epoch 1 (6, 7, 8); rung 3 keeps the best of them by epochs 1-3: 6.
    expect(statuses(states)).toEqual({ 'ft0-e9': 'pruned', 'ft1-e9': 'pruned', 'ft2-e9': 'pruned', 'ft3-e9': 'pruned', 'ft4-e9': 'pruned', 'ft5-e9': 'pruned', 'ft6-e9': 'done', 'ft7-e9': 'pruned', 'ft8-e9': 'pruned' });
    expect(states.get('ft0-e9')!.prunedAt).toBe(1);
    expect(states.get('ft8-e9')!.prunedAt).toBe(3);
    expect(ex.calls.filter((c) => c.key === 'ft6-e9')).toEqual([
      { key: 'ft6-e9', stopAfterEpoch: 1 },
      { key: 'ft6-e9', stopAfterEpoch: 3 },
      { key: 'ft6-e9' },
    ]);
    expect(ex.calls.filter((c) => c.key === 'ft0-e9')).toEqual([{ key: 'ft0-e9', stopAfterEpoch: 1 }]);
    expect(states.get('ft6-e9')!.records).toHaveLength(9);
  });

  it('prunes a failed job out of the ranking without waiting for it, and blocks on nothing', async () => {
    const jobs = [job('a-e4', 'finetune', [0]), job('b-e4', 'finetune', [1]), job('c-e4', 'finetune', [2])];
    const ex = new TableExecutor(3, { 'a-e4': () => 0.5, 'b-e4': 'fail', 'c-e4': () => 0.2 });
    const states = await runStudy(study(3, { type: 'successive_halving', stage: 'finetune', min_epochs: 2, eta: 2 }), { jobs, trials: [] }, options(ex));
    expect(statuses(states)).toEqual({ 'a-e4': 'done', 'b-e4': 'failed', 'c-e4': 'pruned' });
  });
});
