// A page open on a run that a real `pipe run` is training follows it: new epochs appear without a
// reload (the run's own writer, its own timing), and the status turns from running to done.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeShapesDataset } from '../../src/data/synthetic.js';
import { startServer } from '../../src/serve/index.js';
import { CHROMIUM, CHROMIUM_ARGS, hasChromium } from '../helpers/browser.js';
import { REPO } from '../helpers/cli.js';
import { miniPipeline } from '../helpers/mini-pipeline.js';

const EPOCHS = 15;
const pipeline = (root: string) => miniPipeline({ name: 'live', root, size: 32, filters: 32, epochs: EPOCHS });

/** Resolves when `test` holds, polling every 100 ms, or rejects after `ms`. */
async function until(test: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!test()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const epochsIn = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0);

describe.skipIf(!hasChromium)('pipe serve follows a real run', () => {
  it('a run page open while pipe run trains shows its later epochs without a reload, then done', async () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), 'pipe-serve-live-')));
    const data = join(dir, 'shapes');
    await writeShapesDataset({ root: data, classes: 2, trainPerClass: 400, valPerClass: 8, size: 32, seed: 0 });
    writeFileSync(join(dir, 'p.yaml'), pipeline(data));
    const outputs = join(dir, 'outputs');
    const child = spawn(process.execPath, [join(REPO, 'bin/pipe.js'), 'run', 'p.yaml', '--loader-workers', '0', '--workers', '1', '--outputs', outputs], { cwd: dir, env: { ...process.env, NO_COLOR: '1' }, stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const server = await startServer({ outputs, pollMs: 150 });
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    try {
      const runs = join(outputs, 'runs');
      await until(() => existsSync(runs) && readdirSync(runs).length === 1, 60_000, 'the run folder');
      const name = readdirSync(runs)[0];
      const metrics = join(runs, name, 'metrics.jsonl');
      await until(() => existsSync(join(runs, name, 'run.json')), 60_000, 'run.json');
      const page = await browser.newPage();
      const requests: string[] = [];
      page.on('request', (q) => requests.push(q.url()));
      await page.goto(`${server.url}/runs/${name}`);
      await page.waitForSelector('#stage-1 .epochs');
      const first = epochsIn(metrics);
      await page.evaluate(() => ((window as unknown as { marker: number }).marker = 1));
      // The run goes on by itself; the page is never reloaded.
      await page.waitForFunction((n) => document.querySelector('#stage-1 .epochs')?.textContent?.includes(`${n} epochs`), EPOCHS, { timeout: 90_000 });
      await page.waitForFunction(() => document.querySelector('#status .badge')?.textContent === 'done', null, { timeout: 30_000 });
      expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(1);
      expect(first).toBeLessThan(EPOCHS); // it was opened mid-run
      expect(requests.filter((r) => !r.startsWith(server.url + '/'))).toEqual([]);
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
      await browser.close();
      await server.close();
    }
  }, 180_000);
});
