// pipe runs through the real binary on a prepared outputs folder: the table (newest first, a
// column per stage), --json, --pipeline, --limit, and damaged or foreign folders.
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO, runPipe } from '../helpers/cli.js';
import { DEAD_PID, preparedOutputs } from '../helpers/run-folders.js';

let outputs: string;
beforeAll(() => {
  outputs = preparedOutputs();
});
// Start times print in the machine's zone: UTC here.
const pipe = (...args: string[]) => runPipe(['runs', '--outputs', outputs, ...args], { env: { TZ: 'UTC' } });

describe('pipe runs', () => {
  it('prints a table newest first, a column per stage, then why runs failed, stopped or are unreadable', () => {
    const r = pipe();
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(`warning: skipped ${join(outputs, 'runs', 'README.txt')}: not a run folder (a file)\n`);
    expect(r.stdout).toBe(
      [
        'run                       pipeline  started              status                   train     pretrain  finetune',
        '------------------------  --------  -------------------  ----------  ------------------  -----------  --------',
        'demo-20260306-050000      demo      2026-03-06 05:00:00  unreadable',
        'demo-20260305-060000      demo      2026-03-05 06:00:00  stopped           25.00% (1/3)',
        'demo-20260304-070000      demo      2026-03-04 07:00:00  running                      -',
        'demo-20260303-080000      demo      2026-03-03 08:00:00  stopped     train 37.50% (1/3)',
        'task2_ae-20260302-090000  task2_ae  2026-03-02 09:00:00  failed                          loss 0.0625         -',
        'demo-20260301-100000      demo      2026-03-01 10:00:00  done                    62.50%',
        'notes                     notes     2026-02-01 00:00:00  unreadable',
        '',
        'demo-20260306-050000: unreadable: run.json is damaged: not valid JSON (cut short?)',
        'demo-20260305-060000: stopped: received SIGTERM',
        `demo-20260303-080000: stopped: killed: its process (pid ${DEAD_PID}) is gone`,
        "task2_ae-20260302-090000: failed: stage 'finetune': the loss became NaN at epoch 1, step 3 (lr 0.1)",
        'notes: unreadable: no run.json: not a run folder of pipe run',
        '',
      ].join('\n'),
    );
  });

  it('docs/training.md shows this very table', () => {
    const doc = readFileSync(join(REPO, 'docs', 'training.md'), 'utf8');
    const example = /```text\n\$ pipe runs\n([\s\S]*?)```/.exec(doc)![1];
    expect(example).toBe(pipe().stdout);
  });

  it('--json prints the listings; --pipeline and --limit choose them', () => {
    const r = pipe('--json', '--pipeline', 'demo', '--limit', '2');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([
      { dir: join(outputs, 'runs', 'demo-20260306-050000'), name: 'demo-20260306-050000', pipeline: 'demo', started: '2026-03-06T05:00:00.000Z', status: 'unreadable', reason: 'run.json is damaged: not valid JSON (cut short?)', stages: {} },
      {
        dir: join(outputs, 'runs', 'demo-20260305-060000'),
        name: 'demo-20260305-060000',
        pipeline: 'demo',
        started: '2026-03-05T06:00:00.000Z',
        status: 'stopped',
        reason: 'received SIGTERM',
        ended: '2026-03-05T06:01:00.000Z',
        stages: { train: { metric: 'val_top1', goal: 'max', best: 0.25, epochs: 1, planned: 3 } },
        backend: 'wasm',
      },
    ]);
    expect(JSON.parse(pipe('--json', '--pipeline', 'task2_ae').stdout).map((x: { name: string }) => x.name)).toEqual(['task2_ae-20260302-090000']);
  });

  it('says when there are no runs, and refuses a bad --limit', () => {
    const empty = mkdtempSync(join(tmpdir(), 'pipe-runs-empty-'));
    expect(runPipe(['runs', '--outputs', empty])).toEqual({ code: 0, stdout: `no runs in ${join(empty, 'runs')}\n`, stderr: '' });
    expect(pipe('--pipeline', 'nope').stdout).toBe(`no runs of nope in ${join(outputs, 'runs')}\n`);
    expect(runPipe(['runs', '--outputs', empty, '--json']).stdout).toBe('[]\n');
    expect(pipe('--limit', '0')).toMatchObject({ code: 2, stderr: "error: --limit expects a whole number >= 1, found '0'\n" });
    expect(runPipe(['runs', 'extra'])).toMatchObject({ code: 2, stderr: "error: pipe runs takes no arguments; unexpected: 'extra' (usage: pipe runs [--outputs DIR] [--pipeline NAME] [--limit N] [--json])\n" });
  });

  it('loads neither tfjs nor sharp (a listing is quick; pipe serve imports the same module)', () => {
    const r = runPipe(['runs', '--outputs', outputs, '--json'], { env: { NODE_OPTIONS: `--import ${join(REPO, 'test/helpers/forbid-tfjs.mjs')}`, TZ: 'UTC' } });
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('forbidden import');
  });

  it('a folder name with control characters prints them as ?', () => {
    const odd = mkdtempSync(join(tmpdir(), 'pipe-runs-odd-'));
    mkdirSync(join(odd, 'runs', 'x\u001b[31mred\nline'), { recursive: true });
    const r = runPipe(['runs', '--outputs', odd]);
    expect(r.stdout).toContain('x?[31mred?line');
    expect(r.stdout).not.toContain('\u001b');
  });
});
