// listRuns / readRun on prepared run folders: every status, the best metric per stage by what the
// stage recorded, and damaged or foreign folders listed or skipped, never a crash.
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { derivedStatus, listRuns, readRun } from '../../src/runs/index.js';
import { DEAD_PID, preparedOutputs } from '../helpers/run-folders.js';

describe('listRuns', () => {
  it('lists every folder newest first, with its status and each stage\'s best metric', () => {
    const outputs = preparedOutputs();
    const warnings: string[] = [];
    const runs = listRuns(outputs, { warn: (m) => warnings.push(m) });
    expect(warnings).toEqual([`skipped ${join(outputs, 'runs', 'README.txt')}: not a run folder (a file)`]);
    expect(runs.map((r) => [r.name, r.started, r.status, r.reason])).toEqual([
      ['demo-20260306-050000', '2026-03-06T05:00:00.000Z', 'unreadable', 'run.json is damaged: not valid JSON (cut short?)'],
      ['demo-20260305-060000', '2026-03-05T06:00:00.000Z', 'stopped', 'received SIGTERM'],
      ['demo-20260304-070000', '2026-03-04T07:00:00.000Z', 'running', undefined],
      ['demo-20260303-080000', '2026-03-03T08:00:00.000Z', 'stopped', `killed: its process (pid ${DEAD_PID}) is gone`],
      ['task2_ae-20260302-090000', '2026-03-02T09:00:00.000Z', 'failed', 'stage finetune: the loss is NaN at epoch 1, step 3 (diverged)'],
      ['demo-20260301-100000', '2026-03-01T10:00:00.000Z', 'done', undefined],
      ['notes', '2026-02-01T00:00:00.000Z', 'unreadable', 'no run.json: not a run folder of pipe run'],
    ]);
    const byName = Object.fromEntries(runs.map((r) => [r.name, r]));
    // A classifier: val top-1, the best epoch's (epoch 2 as rewritten by a resume).
    expect(byName['demo-20260301-100000'].stages).toEqual({ train: { metric: 'val_top1', goal: 'max', best: 0.625, epochs: 3, planned: 3 } });
    // An autoencoder: val loss, lowest; a stage that never ran: nothing; a damaged line: a warning.
    expect(byName['task2_ae-20260302-090000'].stages).toEqual({
      pretrain: { metric: 'val_loss', goal: 'min', best: 0.0625, epochs: 2, planned: 2 },
      finetune: { metric: 'none', goal: 'max', best: null, epochs: 0, planned: null },
    });
    expect(byName['task2_ae-20260302-090000'].warnings).toEqual(['metrics.jsonl: 1 damaged line skipped']);
    // No validation data: the train metric.
    expect(byName['demo-20260303-080000'].stages.train).toEqual({ metric: 'train_top1', goal: 'max', best: 0.375, epochs: 1, planned: 3 });
    expect(byName['demo-20260304-070000']).toMatchObject({ status: 'running', pid: DEAD_PID, host: 'elsewhere.example', backend: 'wasm' });
    expect(byName['demo-20260306-050000']).toMatchObject({ pipeline: 'demo', stages: {} });
  });

  it('is empty when there are no runs yet', () => {
    expect(listRuns(join(tmpdir(), 'pipe-no-such-outputs'))).toEqual([]);
  });
});

describe('readRun on hostile folders', () => {
  const folder = (files: Record<string, string | Buffer>) => {
    const dir = join(mkdtempSync(join(tmpdir(), 'pipe-run-')), 'x-20260101-000000');
    mkdirSync(dir);
    for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
    return dir;
  };
  const good = { pipeline: 'x', started: '2026-01-01T00:00:00Z', stages: ['a'] };

  it.each([
    ['not JSON', 'garbage\u0000\u00ff', 'run.json is damaged: not valid JSON (cut short?)'],
    ['an array', '[1, 2]', 'run.json is damaged: not a JSON object'],
    ['no pipeline', JSON.stringify({ ...good, pipeline: 3 }), "run.json is damaged: no 'pipeline' name"],
    ['a bad time', JSON.stringify({ ...good, started: 'yesterday' }), "run.json is damaged: 'started' is not a time"],
    ['bad stages', JSON.stringify({ ...good, stages: [{ a: 1 }] }), "run.json is damaged: 'stages' is not a list of names"],
    ['an unknown state', JSON.stringify({ ...good, status: { state: 'exploded' } }), 'run.json is damaged: status.state "exploded" is not one of running, done, failed, stopped'],
    ['a running status without pid', JSON.stringify({ ...good, status: { state: 'running', pid: -1, host: 'h', since: 'now' } }), 'run.json is damaged: status.pid is not a process id'],
  ])('run.json %s: unreadable, with the reason', (_, text, reason) => {
    const r = readRun(folder({ 'run.json': text }));
    expect(r.status).toBe('unreadable');
    expect(r.reason).toBe(reason);
  });

  it('a run.json of 5 MiB is not read', () => {
    const r = readRun(folder({ 'run.json': Buffer.alloc(5 * 2 ** 20, 32) }));
    expect(r.reason).toBe('run.json is 5242880 bytes: too large for a run record (damaged?)');
  });

  it('a missing folder, a file, and a folder it may not read: unreadable, no throw', () => {
    expect(readRun(join(tmpdir(), 'pipe-gone-20260101-000000'))).toMatchObject({ status: 'unreadable', reason: 'no such folder', pipeline: 'pipe-gone' });
    const file = join(mkdtempSync(join(tmpdir(), 'pipe-run-')), 'f');
    writeFileSync(file, '');
    expect(readRun(file).reason).toBe('not a folder');
    if (process.getuid?.() === 0) return; // root reads everything
    const locked = folder({ 'run.json': JSON.stringify(good) });
    chmodSync(join(locked, 'run.json'), 0o000);
    expect(readRun(locked).reason).toMatch(/^cannot read it: EACCES: permission denied/);
  });

  it('odd values in metrics.jsonl and summary.json: skipped and said', () => {
    const lines = ['null', '[]', '{"stage": 3, "epoch": 1}', '{"stage": "a", "epoch": 1e400}', JSON.stringify({ stage: 'a', epoch: 1, epochs: 2, val: { loss: 0.5, top1: null } })];
    const r = readRun(folder({ 'run.json': JSON.stringify(good), 'metrics.jsonl': lines.join('\n'), 'summary.json': '{"rows": 1}' }));
    expect(r.stages.a).toEqual({ metric: 'val_loss', goal: 'min', best: 0.5, epochs: 1, planned: 2 });
    expect(r.warnings).toEqual(['metrics.jsonl: 4 damaged lines skipped', 'summary.json is damaged: not a list of stage rows']);
  });

  it('a run of an older pipe (no status) reads as done from its summary, from summary.json when metrics.jsonl is gone', () => {
    const summary = [{ stage: 'a', model: 'net', epochs: 4, parameters: 10, bestValTop1: 0.75, finalValLoss: 0.4, stopped: 'completed' }];
    const r = readRun(folder({ 'run.json': JSON.stringify(good), 'summary.json': JSON.stringify(summary) }));
    expect(r).toMatchObject({ status: 'done', stages: { a: { metric: 'val_top1', best: 0.75, epochs: 4, planned: null } } });
    expect(r.reason).toBeUndefined();
    expect(readRun(folder({ 'run.json': JSON.stringify(good) }))).toMatchObject({ status: 'stopped', reason: 'no status recorded (an older pipe) and no summary: it did not end' });
  });
});

describe('derivedStatus', () => {
  const running = { state: 'running', pid: 42, host: 'here', since: '2026-01-01T00:00:00Z' } as const;
  it.each([
    ['here', true, { status: 'running', pid: 42, host: 'here' }],
    ['here', false, { status: 'stopped', reason: 'killed: its process (pid 42) is gone', pid: 42, host: 'here' }],
    ['there', false, { status: 'running', pid: 42, host: 'here' }],
  ])('running on this host, read on %s with the pid alive=%s', (readerHost, alive, expected) => {
    expect(derivedStatus(running, { host: readerHost, alive: () => alive })).toEqual(expected);
  });

  it('this very process reads as running', () => {
    expect(derivedStatus({ ...running, pid: process.pid, host: hostname() }).status).toBe('running');
  });
});
