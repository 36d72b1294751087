// The study report's HTML in Chromium (Debian's, through playwright-core): opened from disk, it
// draws every chart, logs no error, runs no script from a trial's name and asks for nothing.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { hasChromium, withFilePage } from '../helpers/browser.js';
import { REPO, runPipe } from '../helpers/cli.js';
import { makeStudy, studyFolder } from '../helpers/study-record.js';

const hostile = '<script>window.ran = 1</script><img src=x onerror="window.ran = 2">';
const record = makeStudy([
  { name: 'task2_ae[finetune.lr=0.001, seed=1]', values: { 'stages.finetune.optimizer.lr': 1e-3, 'stages.finetune.optimizer.type': 'adam', seed: 1 }, tops: [0.3, 0.45, 0.5] },
  { name: 'task2_ae[finetune.lr=0.0001, seed=2]', values: { 'stages.finetune.optimizer.lr': 1e-4, 'stages.finetune.optimizer.type': hostile, seed: 2 }, tops: [0.2, 0.3, 0.35] },
  { name: 'task2_ae[finetune.lr=0.1, seed=1]', values: { 'stages.finetune.optimizer.lr': 0.1, 'stages.finetune.optimizer.type': 'sgd', seed: 1 }, tops: [0.1, 0.12, 0.3], prunedAt: 2 },
  { name: `task2_ae[finetune.lr=0.01, seed=2, ${hostile}]`, values: { 'stages.finetune.optimizer.lr': 0.01, 'stages.finetune.optimizer.type': 'sgd', seed: 2 }, status: 'failed', error: `stage finetune: ${hostile}` },
], { axes: ['stages.finetune.optimizer.lr', 'stages.finetune.optimizer.type', 'seed'], status: 'running' });

describe.skipIf(!hasChromium)('the study report in a browser', () => {
  it('opens from disk with no console error or request, runs no script, and shows every table and chart', async () => {
    const dir = studyFolder(record);
    expect(runPipe(['report', dir]).code).toBe(0);
    const out = join(dir, 'report');
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    const chartsInMd = [...md.matchAll(/\]\(charts\//g)].length;
    const tablesInMd = md.split('\n').filter((l) => /^\|(---|---:)\|/.test(l)).length;
    const { result: seen, errors, requests } = await withFilePage(join(out, 'report.html'), async (page) => {
      mkdirSync(join(REPO, 'outputs', 'test-report'), { recursive: true });
      await page.screenshot({ path: join(REPO, 'outputs', 'test-report', 'study-report.png'), fullPage: true });
      return page.evaluate(() => ({
        ran: (window as unknown as { ran?: number }).ran ?? null,
        scripts: document.querySelectorAll('script').length,
        tables: document.querySelectorAll('table').length,
        firstCell: document.querySelector('table tbody tr:nth-child(2) td:nth-child(4)')?.textContent,
        figures: [...document.querySelectorAll('figure.chart')].map((f) => f.querySelectorAll('svg').length),
        // Vega draws lines, points and rules as paths: a chart with none drew nothing.
        marks: [...document.querySelectorAll('figure.chart svg')].map((svg) => svg.querySelectorAll('path').length),
        sizes: [...document.querySelectorAll('figure.chart svg')].map((svg) => svg.getBoundingClientRect().width),
      }));
    });
    expect(errors).toEqual([]);
    expect(requests).toEqual([pathToFileURL(join(out, 'report.html')).href]);
    expect(seen.ran).toBeNull();
    expect(seen.scripts).toBe(0);
    expect(seen.firstCell).toBe(hostile);
    expect(seen.tables).toBe(tablesInMd);
    // Parallel coordinates, one chart per swept value (lr, optimizer type, seed), the curves.
    expect(chartsInMd).toBe(5);
    expect(seen.figures).toEqual(new Array(chartsInMd).fill(1));
    for (const n of seen.marks) expect(n).toBeGreaterThan(0);
    for (const w of seen.sizes) expect(w).toBeGreaterThan(100);
  }, 120_000);
});
