// The study report from hand-made study.json records: tables best first, the Table 1 layout,
// failed and pruned trials, hostile names in both outputs, degenerate and huge studies, and a
// damaged record refused with its place.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { readStudyFolder } from '../../src/report/study/folder.js';
import { writeStudyReport } from '../../src/report/study/build.js';
import { MAX_CHART_TRIALS, MAX_CURVES, MAX_TABLE_ROWS } from '../../src/report/study/sections.js';
import type { StudyRecord } from '../../src/study/record.js';
import { runPipe } from '../helpers/cli.js';
import { makeStudy, studyFolder } from '../helpers/study-record.js';

async function report(record: StudyRecord): Promise<{ md: string; html: string; out: string }> {
  const out = mkdtempSync(join(tmpdir(), 'pipe-study-out-'));
  await writeStudyReport(readStudyFolder(studyFolder(record), 'outputs/studies/task2_lr-20260102-100000'), out);
  return { md: readFileSync(join(out, 'report.md'), 'utf8'), html: readFileSync(join(out, 'report.html'), 'utf8'), out };
}

/** The Markdown table that follows `caption`, as rows of cells (a `\|` stays inside its cell). */
function mdTable(md: string, caption: string): string[][] {
  const lines = md.split('\n');
  const start = lines.indexOf(`*${caption}*`);
  expect(start, `no table captioned ${caption}`).toBeGreaterThanOrEqual(0);
  const rows: string[][] = [];
  for (let i = start + 4; i < lines.length && lines[i].startsWith('|'); i++) rows.push(lines[i].slice(2, -2).split(/ (?<!\\)\| /));
  return rows;
}

const sweep = makeStudy([
  { name: 'task2_ae[finetune.lr=0.00025, seed=1]', values: { 'stages.finetune.optimizer.lr': 2.5e-4, seed: 1 }, tops: [0.30, 0.41, 0.44] },
  { name: 'task2_ae[finetune.lr=0.001, seed=1]', values: { 'stages.finetune.optimizer.lr': 1e-3, seed: 1 }, tops: [0.35, 0.52, 0.50], seconds: [20, 22, 24] },
  { name: 'task2_ae[finetune.lr=0.1, seed=1]', values: { 'stages.finetune.optimizer.lr': 0.1, seed: 1 }, tops: [], status: 'failed', error: 'stage finetune: the loss is NaN at epoch 1 (lower the lr)' },
  { name: 'task2_ae[finetune.lr=0.0005, seed=1]', values: { 'stages.finetune.optimizer.lr': 5e-4, seed: 1 }, tops: [0.20, 0.25, 0.9], prunedAt: 2 },
], { prune: { type: 'successive_halving', stage: 'finetune', min_epochs: 2, eta: 2 } });

describe('the study report', () => {
  it('lists every trial best first, with its swept values by their short labels, the metric and the status', async () => {
    const { md } = await report(sweep);
    expect(md).toContain('4 trials (2 done, 1 pruned, 1 failed), ranked by the best val_top1 of stage finetune (higher is better;');
    expect(mdTable(md, 'Every trial, best first')).toEqual([
      ['1', 'task2_ae\\[finetune.lr=0.001, seed=1\\]', '0.001', '1', '52.00%', 'done'],
      ['2', 'task2_ae\\[finetune.lr=0.00025, seed=1\\]', '0.00025', '1', '44.00%', 'done'],
      ['3', 'task2_ae\\[finetune.lr=0.0005, seed=1\\]', '0.0005', '1', '25.00%', 'pruned at epoch 2'],
      ['-', 'task2_ae\\[finetune.lr=0.1, seed=1\\]', '0.1', '1', '-', 'failed'],
    ]);
    expect(md).toContain('| # | trial | finetune.lr | seed | best val_top1 | status |');
    expect(mdTable(md, 'Each failed trial with its error')).toEqual([['-', 'task2_ae\\[finetune.lr=0.1, seed=1\\]', 'stage finetune: the loss is NaN at epoch 1 (lower the lr)']]);
    expect(md).toContain('- pruned by successive halving on stage finetune: first rung after 2 epochs, the best 1/2 go on at each');
  });

  it('ranks lowest first for a metric to minimise', async () => {
    const { md } = await report({ ...sweep, metric: { stage: 'finetune', name: 'val_top1', goal: 'min' } });
    expect(mdTable(md, 'Every trial, best first').map((r) => r[4])).toEqual(['25.00%', '44.00%', '52.00%', '-']);
  });

  it('gives the Table 1 layout: network, parameters, epochs, best val top-1, mean time per epoch', async () => {
    const { md } = await report(sweep);
    expect(md).toContain('| # | trial | network | parameters | epochs | best val top-1 | time per epoch |');
    expect(mdTable(md, 'Each trial\'s stage finetune, best first')).toEqual([
      ['1', 'task2_ae\\[finetune.lr=0.001, seed=1\\]', 'classifier', '1,048,832', '3', '52.00%', '22.0 s'],
      ['2', 'task2_ae\\[finetune.lr=0.00025, seed=1\\]', 'classifier', '1,048,832', '3', '44.00%', '11.0 s'],
      ['3', 'task2_ae\\[finetune.lr=0.0005, seed=1\\]', 'classifier', '1,048,832', '2', '25.00%', '10.5 s'],
      ['-', 'task2_ae\\[finetune.lr=0.1, seed=1\\]', 'classifier', '1,048,832', '0', '-', '-'],
    ]);
  });

  it('puts Table 1 first for a study of several pipelines, each measured on its own metric stage', async () => {
    const table1 = makeStudy([
      { name: 'alexnet', values: { pipeline: '../pipelines/alexnet.yaml' }, stage: 'train', model: 'alexnet', parameters: 23_000_000, tops: [0.2, 0.31] },
      { name: 'densenet', values: { pipeline: '../pipelines/densenet.yaml' }, stage: 'cycle2', model: 'densenet', parameters: 11_809_672, tops: [0.4, 0.55], seconds: [300, 310] },
    ], { study: 'table1', axes: [], metric: { stage: 'train', stages: { densenet: 'cycle2' }, name: 'val_top1', goal: 'max' } });
    const { md } = await report(table1);
    expect(md.indexOf('## Networks (Table 1)')).toBeLessThan(md.indexOf('## Trials'));
    expect(mdTable(md, 'Each trial\'s each pipeline\'s metric stage, best first')).toEqual([
      ['1', 'densenet', 'densenet', '11,809,672', '2', '55.00%', '305.0 s'],
      ['2', 'alexnet', 'alexnet', '23,000,000', '2', '31.00%', '10.5 s'],
    ]);
    expect(mdTable(md, 'Every trial, best first')[0]).toEqual(['1', 'densenet', '../pipelines/densenet.yaml', '55.00%', 'done']);
  });

  it('escapes names and values in both outputs: no script, no broken table, no code span', async () => {
    const hostile = '<script>alert(1)</script> a|b `c` *d* [e](f)';
    const { md, html, out } = await report(makeStudy([
      { name: `x[opt=${hostile}]`, values: { 'stages.finetune.optimizer.type': hostile, seed: 1 }, tops: [0.5] },
      { name: 'x[opt=sgd]', values: { 'stages.finetune.optimizer.type': 'sgd', seed: 2 }, tops: [0.4], status: 'failed', error: `stage finetune: ${hostile}` },
    ], { axes: ['stages.finetune.optimizer.type', 'seed'], study: '<b>study</b>' }));
    expect(html).not.toMatch(/<script|<b>/i);
    expect(html).toContain('<td>x[opt=&lt;script&gt;alert(1)&lt;/script&gt; a|b `c` *d* [e](f)]</td>');
    expect(html).toContain('<title>Study &lt;b&gt;study&lt;/b&gt;</title>');
    const escaped = '\\<script\\>alert(1)\\</script\\> a\\|b \\`c\\` \\*d\\* \\[e\\](f)';
    expect(mdTable(md, 'Every trial, best first')[0]).toEqual(['1', `x\\[opt=${escaped}\\]`, escaped, '1', '50.00%', 'done']);
    expect(mdTable(md, 'Each failed trial with its error')[0][2]).toBe(`stage finetune: ${escaped}`);
    expect(md).toContain('# Study \\<b\\>study\\</b\\>');
    expect(md).not.toMatch(/(?<!\\)[`<]/);
    // Vega writes the value as a tick label and escapes it.
    for (const svg of ['study-parallel', 'study-value-1']) {
      const text = readFileSync(join(out, 'charts', `${svg}.svg`), 'utf8');
      expect(text).not.toContain('<script');
      expect(text).toContain('&lt;script&gt;');
    }
  });

  it('says a running study\'s report is a snapshot', async () => {
    const { md } = await report({ ...sweep, status: 'running' });
    expect(md).toContain('A snapshot: the study was still running when its record was last written (2026-01-02 12:30:00 UTC).');
    expect(md).toContain('running (a snapshot of 2026-01-02 12:30:00 UTC)');
  });

  it.each<[string, StudyRecord, string[]]>([
    ['no trials', makeStudy([]), ['The study has no trials.', 'No trial has a value of val_top1 yet: nothing to chart.', 'No trial has finished an epoch of its metric stage: no val_top1 curve yet.']],
    ['every trial failed', makeStudy([{ name: 'a', values: { seed: 1 }, status: 'failed', error: 'stage finetune: out of memory' }, { name: 'b', values: { seed: 2 }, status: 'failed', error: 'boom' }]), ['2 trials (2 failed)', 'No trial has a value of val_top1 yet']],
    ['no metric anywhere', makeStudy([{ name: 'a', values: { seed: 1 }, status: 'running' }, { name: 'b', values: { seed: 2 }, status: 'pending' }]), ['2 trials (1 running, 1 pending)', 'No trial has a value of val_top1 yet']],
    ['no swept value', makeStudy([{ name: 'only', tops: [0.5] }], { axes: [] }), ['The study sweeps no value: nothing to chart against.']],
  ])('renders a study with %s', async (_, record, expected) => {
    const { md, html } = await report(record);
    for (const e of expected) expect(md).toContain(e);
    expect(html).toContain('</html>');
  });

  it('treats a metric JSON cannot hold as a number (1e999, null) as no value, and odd values as categories', async () => {
    const record = makeStudy([
      { name: 'a', values: { 'stages.finetune.optimizer.lr': 1e-3, seed: 'NaN' }, tops: [0.5] },
      { name: 'b', values: { 'stages.finetune.optimizer.lr': null, seed: true }, tops: [0.6] },
      { name: 'c', values: { seed: 3 }, tops: [0.4] },
    ]);
    const text = JSON.stringify(record).replace('"metric":0.6', '"metric":1e999');
    const out = mkdtempSync(join(tmpdir(), 'pipe-study-out-'));
    await writeStudyReport(readStudyFolder(studyFolder(text)), out);
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    expect(mdTable(md, 'Every trial, best first').map((r) => [r[1], r[2], r[3], r[4]])).toEqual([
      ['a', '0.001', 'NaN', '50.00%'],
      ['c', '-', '3', '40.00%'],
      ['b', 'null', 'true', '-'],
    ]);
    expect(md).toContain('1 trial without a value of the metric not drawn');
  });

  it('stays bounded for 10,000 trials: the best rows, charts of an even spread, the best curves', async () => {
    const specs = Array.from({ length: 10_000 }, (_, i) => ({ name: `t[lr=${i}]`, values: { 'stages.finetune.optimizer.lr': 1e-5 * (1 + i), seed: i % 3 }, tops: [0.1, 0.1 + (i % 997) / 2000] }));
    const { md, html } = await report(makeStudy(specs));
    expect(mdTable(md, `Every trial, best first: the best ${MAX_TABLE_ROWS} of 10,000 (all are in study.json)`)).toHaveLength(MAX_TABLE_ROWS);
    expect(md).toContain(`${MAX_CHART_TRIALS} of the 10,000 trials with a value, evenly spread over the ranking`);
    expect(md).toContain(`the best ${MAX_CURVES} of 10,000 ranked trials`);
    expect(html.length).toBeLessThan(3_000_000);
  }, 60_000);
});

describe('a damaged study.json', () => {
  const refused = (text: string): string => {
    try {
      readStudyFolder(studyFolder(text), 'outputs/studies/s');
    } catch (e) {
      if (e instanceof InputError) return e.message;
      throw e;
    }
    throw new Error('accepted');
  };
  const good = JSON.stringify(sweep, null, 1);
  const hint = '(the study record is damaged; pipe study writes it again at every change)';

  it.each([
    ['cut short in a string', '{\n "format": 1,\n "study": "tas', `outputs/studies/s/study.json:3:15: not valid JSON: Unterminated string ${hint}`],
    ['cut short between values', '{\n "format": 1,\n "trials": [\n', `outputs/studies/s/study.json:4:1: not valid JSON: Unexpected end of JSON input ${hint}`],
    ['a stray comma', '{"format": 1,}', `outputs/studies/s/study.json:1:14: not valid JSON: Expected double-quoted property name ${hint}`],
    ['empty', '\n', 'outputs/studies/s/study.json:1:1: the file is empty (a study cut short before its first record?)'],
    ['a list', '[1, 2]', `outputs/studies/s/study.json:1:1: expected the study record (a map), found a list ${hint}`],
    ['a newer format', good.replace('"format": 1', '"format": 2'), 'outputs/studies/s/study.json:2:12: format: format 2: this pipe reads study records of format 1 (the study was written by a newer pipe; report it with that one)'],
    ['no format', '{"study": "x"}', 'outputs/studies/s/study.json:1:1: format: format missing: this pipe reads study records of format 1 (not a study record of pipe study)'],
  ])('%s', (_, text, message) => {
    expect(refused(text)).toBe(message);
  });

  it('names the field, where it is, and what it holds', () => {
    const record = JSON.parse(good) as { trials: { metric: unknown }[]; stages: { records: { seconds: unknown }[] }[]; metric: { goal: unknown } };
    record.trials[1].metric = 'high';
    record.stages[0].records[2].seconds = null;
    record.metric.goal = 'up';
    const text = JSON.stringify(record, null, 1);
    const line = (needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;
    expect(refused(text).split('\n')).toEqual([
      `outputs/studies/s/study.json:${line('"goal"')}:11: metric.goal: expected one of max, min, found "up" ${hint}`,
      `outputs/studies/s/study.json:${line('"metric": "high"')}:14: trials[1].metric: expected a number or null, found "high" ${hint}`,
      `outputs/studies/s/study.json:${line('"seconds": null')}:17: stages[0].records[2].seconds: expected a number, found null ${hint}`,
    ]);
  });

  it('says what is missing', () => {
    const record = JSON.parse(good) as { trials: Record<string, unknown>[] };
    delete record.trials[0].status;
    const text = JSON.stringify(record);
    // Located at the trial that lacks it.
    const col = text.indexOf('[{', text.indexOf('"trials"')) + 2;
    expect(refused(text)).toBe(`outputs/studies/s/study.json:1:${col}: trials[0].status: expected one of done, failed, pruned, stopped, running, pending, found nothing (the field is missing) ${hint}`);
  });
});

describe('pipe report STUDY_DIR', () => {
  it('writes the study report into the study folder\'s report/ and says so', () => {
    const dir = studyFolder(sweep);
    const r = runPipe(['report', dir]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`wrote ${join(dir, 'report', 'report.html')} and ${join(dir, 'report', 'report.md')} (study task2_lr, 4 trials, 5 sections)\n`);
    expect(existsSync(join(dir, 'report', '.pipe-report.json'))).toBe(true);
    // Again: the report's own files are replaced, nothing else is touched.
    writeFileSync(join(dir, 'report', 'notes.txt'), 'mine');
    expect(runPipe(['report', dir]).code).toBe(0);
    expect(readFileSync(join(dir, 'report', 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('refuses a damaged record with its place, exit 2, no stack trace', () => {
    const dir = studyFolder('{"format": 1,}');
    const r = runPipe(['report', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${join(dir, 'study.json')}:1:14: not valid JSON: Expected double-quoted property name ${hint()}`);
    expect(r.stderr).not.toContain('    at ');
  });

  it('refuses a study folder with other folders, and a report into the study folder itself', () => {
    const a = studyFolder(sweep);
    const b = studyFolder(sweep);
    const both = runPipe(['report', a, b]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('pipe report was given several study folders: a study\'s report is made of one study folder alone (run pipe report once per study)');
    const into = runPipe(['report', a, '-o', a]);
    expect(into.code).toBe(2);
    expect(into.stderr).toContain(`-o ${a}: is a study folder; pipe report does not write into it`);
  });
});

function hint(): string {
  return '(the study record is damaged; pipe study writes it again at every change)';
}
