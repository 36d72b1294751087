// pipe serve in Chromium (Debian's, through playwright-core): a run's page follows the run's
// metrics.jsonl as the training loop rewrites it, without a reload; the compare view draws both
// runs and their diff; a hostile name runs no script; no page asks any host but the server, and
// the Content-Security-Policy (no 'unsafe-eval', no inline script) refuses nothing the pages do.
import { mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readerFor } from '../../src/data/readers/index.js';
import { readRunFolder } from '../../src/report/run-folder.js';
import { startServer } from '../../src/serve/index.js';
import { writeMetrics } from '../../src/train/run-dir.js';
import { CHROMIUM, CHROMIUM_ARGS, hasChromium } from '../helpers/browser.js';
import { REPO } from '../helpers/cli.js';
import { buildTinyImageNet } from '../helpers/tiny-imagenet.js';
import { epochRecord, finishRun, outputsFolder, writeRun, writeStudy } from './fixture.js';

type Page = import('playwright-core').Page;

/** Opens `path` of a server over `outputs` in Chromium; returns what `use` returns, the console
 *  errors, and every URL the page asked for. */
async function withServer<T>(outputs: string, path: string, use: (page: Page, url: string) => Promise<T>): Promise<{ result: T; errors: string[]; requests: string[]; url: string }> {
  const server = await startServer({ outputs, pollMs: 150 });
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1500, height: 1000 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('request', (q) => requests.push(q.url()));
    await page.goto(server.url + path);
    return { result: await use(page, server.url), errors, requests, url: server.url };
  } finally {
    await browser.close();
    await server.close();
  }
}

/** Every request went to the server itself. */
function onlyTo(url: string, requests: readonly string[]): void {
  expect(requests.length).toBeGreaterThan(0);
  expect(requests.filter((r) => !r.startsWith(url + '/'))).toEqual([]);
}

const epochsShown = (page: Page) => page.locator('#stage-1 .epochs').textContent();
/** The epochs the loss chart draws (Vega's SVG labels each point `epoch: N; ...`). */
const epochsDrawn = (page: Page) => page.evaluate(() => [...new Set([...document.querySelectorAll('#s1-loss svg [aria-label]')].map((e) => /epoch: (\d+)/.exec(e.getAttribute('aria-label') ?? '')?.[1]).filter(Boolean))].length);

describe.skipIf(!hasChromium)('pipe serve in a browser', () => {
  it('a run page shows an epoch the run writes, without a reload; no request leaves the server', async () => {
    const outputs = outputsFolder();
    const dir = await writeRun(outputs, { epochs: 2 });
    const name = dir.split('/').pop()!;
    const { result, errors, requests, url } = await withServer(outputs, `/runs/${name}`, async (page) => {
      await page.waitForFunction(() => document.querySelector('#stage-1 .epochs')?.textContent?.includes('2 epochs') && document.querySelector('#s1-loss svg'));
      const before = { shown: await epochsShown(page), drawn: await epochsDrawn(page), charts: await page.locator('#stage-1 .charts .chart svg').count() };
      await page.evaluate(() => ((window as unknown as { marker: number }).marker = 1));
      // As the training loop does at each epoch's end: metrics.jsonl rewritten whole, atomically.
      writeMetrics(dir, [1, 2, 3].map((e) => epochRecord(e)));
      await page.waitForFunction(() => document.querySelector('#stage-1 .epochs')?.textContent?.includes('3 epochs'), null, { timeout: 10_000 });
      await page.waitForFunction(() => [...document.querySelectorAll('#s1-loss svg [aria-label]')].some((e) => /epoch: 3\b/.test(e.getAttribute('aria-label') ?? '')), null, { timeout: 10_000 });
      const after = { shown: await epochsShown(page), drawn: await epochsDrawn(page), marker: await page.evaluate(() => (window as unknown as { marker?: number }).marker) };
      // The log switch and the smoothing slider redraw the chart; the page keeps working.
      await page.locator('#s1-loss input.log').check();
      await page.locator('#s1-loss input.smooth').fill('0.5');
      await page.waitForTimeout(300);
      return { before, after, status: await page.locator('#status .badge').textContent(), controls: await page.locator('#s1-loss svg').count() };
    });
    expect(errors).toEqual([]);
    onlyTo(url, requests);
    expect(result.before).toEqual({ shown: 'classify, 2 epochs', drawn: 2, charts: 4 });
    expect(result.after).toEqual({ shown: 'classify, 3 epochs', drawn: 3, marker: 1 });
    expect(result.status).toBe('running');
    expect(result.controls).toBe(1);
  }, 30_000);

  it('the compare view draws both runs\' curves and pipe diff of their pipelines', async () => {
    const outputs = outputsFolder();
    const a = await writeRun(outputs, { finished: true, now: new Date('2026-01-01T10:00:00') });
    const b = await writeRun(outputs, { lr: 0.05, units: 16, now: new Date('2026-01-01T11:00:00') });
    const [na, nb] = [a, b].map((d) => d.split('/').pop()!);
    const { result, errors, requests, url } = await withServer(outputs, '/', async (page) => {
      // From the index: check both runs, press compare.
      await page.locator(`input.pick[value="${na}"]`).check();
      await page.locator(`input.pick[value="${nb}"]`).check();
      await page.locator('#compare').click();
      await page.waitForSelector('pre.diff');
      await page.waitForFunction(() => document.querySelectorAll('#curves svg').length >= 3);
      return {
        url: page.url(),
        legends: await page.evaluate(() => [...document.querySelectorAll('#c1-loss svg .role-legend-label text')].map((t) => t.textContent)),
        diff: await page.locator('pre.diff').textContent(),
        headings: await page.locator('#diffs h3').allTextContents(),
      };
    });
    expect(errors).toEqual([]);
    onlyTo(url, requests);
    // The index lists the newest first: b, then a.
    expect(result.url).toBe(`${url}/compare?runs=${nb},${na}`);
    expect(result.legends).toEqual([`${nb} val`, `${nb} train`, `${na} val`, `${na} train`]);
    expect(result.headings).toEqual([`A: ${nb}, B: ${na}`]);
    expect(result.diff).toContain('(a) configuration: 3 changes');
    expect(result.diff).toMatch(/models\.net\.nodes\[hidden\]\.units +16 +8\n/);
    expect(result.diff).toMatch(/stages\.train\.optimizer\.lr +0\.05 +0\.1\n/);
    expect(result.diff).toMatch(/train +[0-9a-f]{12} +[0-9a-f]{12} +rerun +graphs\.net\.nodes\.hidden, optimizer/);
    // Only a finished: no results to set side by side.
    expect(result.diff).toContain('(d) results\n  no stage finished in both runs: no results to compare\n');
  }, 30_000);

  it('a study page sorts and filters its trials and draws the parallel coordinates; hostile names stay text', async () => {
    const hostile = '<img src=x onerror="window.ran=1">';
    const outputs = outputsFolder();
    writeStudy(outputs, 'lr-20260101-100000', [
      { name: 'p[lr=0.1]', values: { 'stages.finetune.optimizer.lr': 0.1, seed: 1 }, tops: [0.2, 0.4] },
      { name: `p[lr=0.01, ${hostile}]`, values: { 'stages.finetune.optimizer.lr': 0.01, seed: 2 }, tops: [0.3, 0.5] },
      { name: 'p[lr=1]', values: { 'stages.finetune.optimizer.lr': 1, seed: 1 }, status: 'failed', error: 'diverged' },
    ]);
    const { result, errors, requests, url } = await withServer(outputs, '/studies/lr-20260101-100000', async (page) => {
      await page.waitForSelector('#parallel svg');
      const names = () => page.locator('#trials tbody td:nth-child(2)').allTextContents();
      const ranked = await names();
      await page.locator('#trials th', { hasText: 'best val_top1' }).click();
      const ascending = await names();
      await page.locator('#filter').fill('lr=0.1');
      const filtered = { names: await names(), shown: await page.locator('#shown').textContent() };
      return { ranked, ascending, filtered, best: await page.locator('#best li').first().textContent(), ran: await page.evaluate(() => (window as unknown as { ran?: number }).ran ?? null) };
    });
    expect(errors).toEqual([]);
    onlyTo(url, requests);
    expect(result.ranked).toEqual([`p[lr=0.01, ${hostile}]`, 'p[lr=0.1]', 'p[lr=1]']);
    expect(result.ascending).toEqual(['p[lr=0.1]', `p[lr=0.01, ${hostile}]`, 'p[lr=1]']);
    expect(result.filtered).toEqual({ names: ['p[lr=0.1]'], shown: '1 of 3 trials' });
    expect(result.best).toBe(`trial: p[lr=0.01, ${hostile}]`);
    expect(result.ran).toBeNull();
  }, 30_000);

  it('a finished run\'s page: per-class results with example images from the data set; the README\'s screenshot', async () => {
    const tree = await buildTinyImageNet({ classes: 3, trainPerClass: 1, valPerClass: 4, test: 0, size: 16 });
    const outputs = outputsFolder();
    const dir = await writeRun(outputs, { root: tree.root, epochs: 5 });
    const { pipeline } = await readRunFolder(dir);
    const listing = await readerFor('tiny-imagenet').list(pipeline.dataset, 'val');
    finishRun(dir, [1, 2, 3, 4, 5].map((e) => epochRecord(e)), { classNames: listing.classNames, labels: [...listing.labels!] });
    const name = dir.split('/').pop()!;
    const { result, errors, requests, url } = await withServer(outputs, `/runs/${name}`, async (page) => {
      await page.waitForFunction(() => document.querySelectorAll('.thumb img').length > 0 && [...document.querySelectorAll<HTMLImageElement>('.thumb img')].every((i) => i.complete && i.naturalWidth > 0));
      await page.waitForSelector('#s1-classes svg');
      // The README's picture: rewritten only when asked (PIPE_UPDATE_SCREENSHOT=1), so a test run
      // leaves the checkout as it was; otherwise the same screenshot goes to a temporary folder.
      const shot = process.env.PIPE_UPDATE_SCREENSHOT === '1' ? join(REPO, 'docs', 'images', 'serve.png') : join(outputs, '..', 'serve.png');
      mkdirSync(dirname(shot), { recursive: true });
      await page.screenshot({ path: shot });
      expect(statSync(shot).size).toBeGreaterThan(10_000);
      return {
        thumbs: await page.locator('.thumb img').count(),
        widths: await page.evaluate(() => [...document.querySelectorAll<HTMLImageElement>('.thumb img')].map((i) => i.naturalWidth)),
        status: await page.locator('#status .badge').textContent(),
        classes: await page.locator('.classes table').first().locator('tbody td:first-child').allTextContents(),
        classChart: await page.locator('.classes .class-chart svg').count(),
      };
    });
    expect(errors).toEqual([]);
    onlyTo(url, requests);
    expect(result.status).toBe('done');
    // The val split holds its classes in turn (0, 1, 2, 0, ...) and every third image is taken
    // for the next class: classes 0 and 1 are all right, class 2 all wrong. The best 2 of 3
    // classes show their 4 right images each, the worst 1 its 4 wrong ones.
    expect(result.thumbs).toBe(4 + 4 + 4);
    // 16-pixel images scaled up by 6 (nearest neighbour) to about 96.
    expect(new Set(result.widths)).toEqual(new Set([96]));
    expect(result.classes).toHaveLength(2);
    expect(statSync(join(REPO, 'docs', 'images', 'serve.png')).size).toBeGreaterThan(10_000);
    expect(result.classChart).toBe(1);
  }, 40_000);
});
