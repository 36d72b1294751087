// `pipe report` and `pipe diff` on real runs: task 2 and its variant, trained with small settings
// on a small Tiny-ImageNet tree through the binary (one fixture for both commands: the runs are
// what costs time). The variant's pretraining has the same key, so its run reuses task 2's.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { EpochRecord } from '../../src/train/loop.js';
import type { SummaryRow } from '../../src/train/summary.js';
import { hasChromium, withFilePage } from '../helpers/browser.js';
import { DEFAULT_BACKEND, REPO, runPipe } from '../helpers/cli.js';
import { buildTinyImageNet, type TinyImageNetTree } from '../helpers/tiny-imagenet.js';

let tree: TinyImageNetTree;
let outputs: string;
let sets: string[];
const runs: Record<'a' | 'b', string> = { a: '', b: '' };

/** Training takes longer than runPipe's minute on a busy machine. One worker: the smallest setting. */
function pipeRun(file: string): string {
  const r = spawnSync(process.execPath, [join(REPO, 'bin/pipe.js'), 'run', file, ...sets, '--outputs', outputs, '--workers', '1', '--quiet'], { cwd: REPO, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 600_000 });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return /run folder: (.+)/.exec(r.stdout)![1].trim();
}

beforeAll(async () => {
  tree = await buildTinyImageNet({ classes: 4, trainPerClass: 6, valPerClass: 4, size: 64 });
  outputs = mkdtempSync(join(tmpdir(), 'pipe-report-'));
  sets = [
    `dataset.root=${tree.root}`,
    'stages.pretrain.epochs=1', 'stages.pretrain.batch_size=4', 'stages.pretrain.train.concat.0.max_images=4', 'stages.pretrain.train.concat.1.max_images=4',
    // Three epochs, the lr halved after the second: one dashed rule in the curves.
    'stages.finetune.epochs=3', 'stages.finetune.batch_size=4', 'stages.finetune.train.fraction=0.5', 'stages.finetune.schedule={type: step, step_size: 2, gamma: 0.5}',
  ].flatMap((s) => ['--set', s]);
  runs.a = pipeRun('pipelines/task2-ae.yaml');
  runs.b = pipeRun('pipelines/task2-ae-variant.yaml');
}, 1_200_000);

const summary = (run: string) => JSON.parse(readFileSync(join(run, 'summary.json'), 'utf8')) as SummaryRow[];
const epochs = (run: string, stage: string) => readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as EpochRecord).filter((e) => e.stage === stage);
const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

describe('pipe report', () => {
  it('one run: the results table, curves, per-class analysis by name with pictures, preview grids', () => {
    const r = runPipe(['report', runs.a]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const dir = join(runs.a, 'report');
    expect(r.stdout).toBe(`wrote ${join(dir, 'report.html')} and ${join(dir, 'report.md')} (1 run, 5 sections)\n`);
    const md = readFileSync(join(dir, 'report.md'), 'utf8');
    expect(md.startsWith('# Task 2: autoencoder pretraining, 10% of the labels\n')).toBe(true);
    for (const row of summary(runs.a)) {
      const best = row.bestValTop1 === null ? '-' : pct(row.bestValTop1);
      expect(md).toContain(`| ${row.stage} | ${row.model} | ${row.epochs} | ${row.parameters.toLocaleString('en-US')} | ${best} |`);
    }
    // Loss for both stages, accuracy for the classifier, correct per class for `finetune`.
    const charts = [...md.matchAll(/\]\((charts\/[^)]+\.svg)\)/g)].map((m) => m[1]);
    expect(charts).toEqual(['charts/curve-1-loss.svg', 'charts/curve-2-loss.svg', 'charts/curve-2-top1.svg', 'charts/r1-finetune-classes.svg']);
    expect(readFileSync(join(dir, 'charts/curve-2-loss.svg'), 'utf8')).toContain('lr 2.5e-4');
    expect(md).toContain('dashed: the learning rate changed');
    // Classes are named from words.txt; every picture the report names is there.
    expect(tree.names.some((n) => md.includes(`| ${n} |`))).toBe(true);
    for (const [, file] of md.matchAll(/!\[[^\]]*\]\((images\/[^)]+)\)/g)) expect(existsSync(join(dir, file))).toBe(true);
    expect(md).toMatch(/The \d most confused class pairs/);
    // report.preview of task2-ae: densenet and cutout.
    expect(readdirSync(join(dir, 'images')).filter((f) => f.startsWith('preview-')).sort()).toEqual(['preview-1-densenet.png', 'preview-2-cutout.png']);
  });

  it('two runs side by side: each stage\'s rows together, both runs in every curve, one grid per chain they share', () => {
    const out = join(outputs, 'both');
    const r = runPipe(['report', runs.a, runs.b, '-o', out]);
    expect(r.code).toBe(0);
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    const [la, lb] = [runs.a, runs.b].map((d) => d.split('/').at(-1)!);
    const rows = md.split('\n').filter((l) => l.startsWith('| finetune |') || l.startsWith('| pretrain |'));
    expect(rows.map((l) => l.split(' | ').slice(0, 2).join(' | '))).toEqual([`| pretrain | ${la}`, `| pretrain | ${lb}`, `| finetune | ${la}`, `| finetune | ${lb}`]);
    const curve = readFileSync(join(out, 'charts/curve-2-top1.svg'), 'utf8');
    for (const series of [`${la} val`, `${la} train`, `${lb} val`, `${lb} train`]) expect(curve).toContain(series);
    expect(md).toContain(`### Per class: finetune (${la})`);
    expect(md).toContain(`### Per class: finetune (${lb})`);
    expect(md).toContain(`Augment chain densenet of ${la}, densenet of ${lb}:`);
  });

  it('a run whose data set has moved still gets a report, saying why it has no pictures', () => {
    const moved = join(outputs, 'moved', 'task2_ae-copy');
    cpSync(runs.a, moved, { recursive: true });
    const yaml = join(moved, 'pipeline.yaml');
    writeFileSync(yaml, readFileSync(yaml, 'utf8').replace(tree.root, join(outputs, 'gone')));
    const r = runPipe(['report', moved]);
    expect(r.code).toBe(0);
    const md = readFileSync(join(moved, 'report', 'report.md'), 'utf8');
    const why = `${join(outputs, 'gone')}: folder not found (dataset.root should be the tiny-imagenet-200 folder)`;
    expect(md).toContain(`No example images: the val split could not be read (${why}).`);
    expect(md).toContain(`No preview of densenet: the val split could not be read (${why}).`);
    // The classes keep their names: predictions.json has them.
    expect(tree.names.some((n) => md.includes(`| ${n} |`))).toBe(true);
  });

  it('pictures are left out when the data set no longer holds the images the run classified', () => {
    const changed = join(outputs, 'changed', 'task2_ae-copy');
    cpSync(runs.a, changed, { recursive: true });
    const file = join(changed, 'finetune', 'predictions.json');
    const p = JSON.parse(readFileSync(file, 'utf8'));
    p.labels[0] = (p.labels[0] + 1) % p.classNames.length;
    writeFileSync(file, JSON.stringify(p));
    expect(runPipe(['report', changed]).code).toBe(0);
    const md = readFileSync(join(changed, 'report', 'report.md'), 'utf8');
    expect(md).toContain(`No example images: image ${p.items[0]} of the val split is not the one the run classified (the data set changed since).`);
  });

  it('a folder that is not a run is bad input', () => {
    const r = runPipe(['report', outputs]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`error: ${outputs} is not a run folder of pipe run (no pipeline.yaml) (pipe run writes them under outputs/runs/)\n`);
  });
});

describe('pipe diff on the runs', () => {
  const diff = (extra: string[] = []) => runPipe(['diff', 'pipelines/task2-ae.yaml', 'pipelines/task2-ae-variant.yaml', ...sets, '--outputs', outputs, ...extra]);

  it('shows all four parts; pretraining keeps its key, fine-tuning reruns; exit 1', () => {
    const r = diff();
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const parts = ['(a) configuration: 6 changes', '(b) graphs', '(c) stages', '(d) results'].map((h) => r.stdout.indexOf(h));
    expect(parts.every((p, i) => p >= 0 && (i === 0 || p > parts[i - 1]))).toBe(true);
    expect(r.stdout).toMatch(/\nstages\.finetune\.optimizer\.lr +0\.0005 +0\.001\n/);
    expect(r.stdout).toContain('    added    hidden: dense [256], 1,048,832 parameters\n');
    expect(r.stdout).toMatch(/\npretrain +\w{12} +\w{12} +same key: reused\n/);
    expect(r.stdout).toMatch(/\nfinetune +\w{12} +\w{12} +rerun +graphs\.head\.nodes\.logits, graphs\.head\.nodes\.hidden, graphs\.head\.nodes\.relu_3, optimizer\n/);
    expect(r.stdout).toMatch(new RegExp(String.raw`\n {2}pretrain: one stored result serves both \(\w{12} on ${DEFAULT_BACKEND}(, 1 worker)?\)\n`));
    const [fa, fb] = [epochs(runs.a, 'finetune').at(-1)!, epochs(runs.b, 'finetune').at(-1)!];
    expect(r.stdout).toMatch(new RegExp(`\\n +val_top1 +${pct(fa.val!.top1!)} +${pct(fb.val!.top1!)} `));
  });

  it('--json: the same four parts, the metrics those of the two runs', () => {
    const r = diff(['--json']);
    expect(r.code).toBe(1);
    const d = JSON.parse(r.stdout);
    expect(d.same).toBe(false);
    expect(d.stages.map((s: { stage: string; same: boolean }) => [s.stage, s.same])).toEqual([['pretrain', true], ['finetune', false]]);
    const finetune = d.results.find((x: { stage: string }) => x.stage === 'finetune');
    const top1 = finetune.metrics.find((m: { metric: string }) => m.metric === 'val_top1');
    const best = (run: string) => Math.max(...epochs(run, 'finetune').map((e) => e.val!.top1!));
    expect(top1.final).toEqual({ a: epochs(runs.a, 'finetune').at(-1)!.val!.top1, b: epochs(runs.b, 'finetune').at(-1)!.val!.top1 });
    expect(top1.best).toEqual({ a: best(runs.a), b: best(runs.b) });
  });

  it('a pipeline against itself means the same: exit 0', () => {
    const r = runPipe(['diff', 'pipelines/task2-ae.yaml', 'pipelines/task2-ae.yaml', ...sets, '--outputs', outputs]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('(a) configuration: the same\n');
    expect(r.stdout).toContain('  unchanged: encoder, decoder, head, autoencoder, classifier\n');
  });
});

describe.skipIf(!hasChromium)('report.html in a browser', () => {
  it('opens from disk with no console error, shows its tables, one SVG per chart and every picture', async () => {
    const out = join(outputs, 'browser');
    expect(runPipe(['report', runs.a, runs.b, '-o', out]).code).toBe(0);
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    const chartsInMd = [...md.matchAll(/\]\(charts\//g)].length;
    const tablesInMd = md.split('\n').filter((l) => /^\|(---|---:)\|/.test(l)).length;
    const { result: seen, errors, requests } = await withFilePage(join(out, 'report.html'), async (page) => {
      mkdirSync(join(REPO, 'outputs', 'test-report'), { recursive: true });
      await page.screenshot({ path: join(REPO, 'outputs', 'test-report', 'report.png'), fullPage: true });
      return page.evaluate(() => ({
        tables: document.querySelectorAll('table').length,
        headers: [...document.querySelectorAll('table')[0].querySelectorAll('th')].map((th) => th.textContent),
        figures: [...document.querySelectorAll('figure.chart')].map((f) => f.querySelectorAll('svg').length),
        // Vega draws marks as paths: a chart with none drew nothing.
        marks: [...document.querySelectorAll('figure.chart svg')].map((svg) => svg.querySelectorAll('path').length),
        pictures: [...document.querySelectorAll('img')].map((i) => (i as HTMLImageElement).naturalWidth),
      }));
    });
    expect(errors).toEqual([]);
    // Everything is inline: the page asks for nothing but itself.
    expect(requests.filter((u) => !u.startsWith('data:'))).toEqual([pathToFileURL(join(out, 'report.html')).href]);
    expect(seen.tables).toBe(tablesInMd);
    expect(seen.headers).toEqual(['stage', 'run', 'model', 'epochs', 'parameters', 'best val top-1']);
    expect(seen.figures).toEqual(new Array(chartsInMd).fill(1));
    for (const n of seen.marks) expect(n).toBeGreaterThan(0);
    expect(seen.pictures.length).toBeGreaterThan(0);
    for (const w of seen.pictures) expect(w).toBeGreaterThan(0);
  }, 120_000);
});
