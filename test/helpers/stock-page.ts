// A Chromium page with stock TensorFlow.js and nothing of the engine: the page is one script tag
// (node_modules/@tensorflow/tfjs/dist/tf.min.js), served with `files` from a loopback server.
// Every request to anywhere else is blocked and recorded, so a test can assert none was made.
import { join } from 'node:path';
import { CHROMIUM, CHROMIUM_ARGS, serve } from './browser.js';
import { REPO } from './cli.js';

export interface StockPageRun<T> {
  readonly result: T;
  /** Console errors and uncaught exceptions of the page. */
  readonly errors: string[];
  /** Every URL the page asked for. */
  readonly requests: string[];
  /** The URLs asked for outside the loopback server (blocked). */
  readonly blocked: string[];
}

export async function withStockPage<T>(files: Record<string, { path: string } | { text: string }>, use: (page: import('playwright-core').Page) => Promise<T>): Promise<StockPageRun<T>> {
  const server = await serve({
    '/': { text: '<!doctype html><script src="/tf.min.js"></script>' },
    '/tf.min.js': { path: join(REPO, 'node_modules/@tensorflow/tfjs/dist/tf.min.js') },
    '/favicon.ico': { text: '' }, // the browser asks for it; a 404 would show as a console error
    ...files,
  });
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    const blocked: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('request', (q) => requests.push(q.url()));
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url === server.url || url.startsWith(`${server.url}/`)) return route.continue();
      blocked.push(url);
      return route.abort('blockedbyclient');
    });
    await page.goto(server.url);
    return { result: await use(page), errors, requests, blocked };
  } finally {
    await browser.close();
    await server.close();
  }
}
