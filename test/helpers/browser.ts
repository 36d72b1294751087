// Headless Chromium for browser tests: Debian's /usr/bin/chromium driven by playwright-core
// (never a downloaded browser), and a static file server on 127.0.0.1.
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO } from './cli.js';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--disable-quic', '--disable-component-update', '--disable-sync'];

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.json': 'application/json', '.bin': 'application/octet-stream', '.png': 'image/png' };

/** Serves `files` (URL path -> file on disk or literal content) until close(). */
export async function serve(files: Record<string, { path: string } | { text: string }>): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const entry = files[(req.url ?? '/').split('?')[0]];
    if (!entry) {
      res.writeHead(404).end();
      return;
    }
    const body = 'path' in entry ? readFileSync(entry.path) : Buffer.from(entry.text);
    res.writeHead(200, { 'content-type': TYPES[extname('path' in entry ? entry.path : (req.url ?? ''))] ?? 'text/html' }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}

/**
 * A page with tfjs (the package's tf.min.js) and the engine's own layers registered (bundled
 * from src/graph/layers with esbuild, '@tensorflow/tfjs' mapped to the page's global tf), plus
 * `files`; opens it in Chromium, runs `use` on it, and returns what it returns with the console
 * errors the page produced.
 */
export async function withEnginePage<T>(files: Record<string, { path: string } | { text: string }>, use: (page: import('playwright-core').Page) => Promise<T>): Promise<{ result: T; errors: string[] }> {
  const { build } = await import('esbuild');
  const bundle = await build({
    entryPoints: [join(REPO, 'src/graph/layers/index.ts')],
    bundle: true,
    format: 'iife',
    write: false,
    plugins: [{ name: 'tf-global', setup: (b) => {
      b.onResolve({ filter: /^@tensorflow\/tfjs$/ }, () => ({ path: 'tf', namespace: 'tf-global' }));
      b.onLoad({ filter: /.*/, namespace: 'tf-global' }, () => ({ contents: 'module.exports = globalThis.tf;', loader: 'js' }));
    } }],
  });
  const server = await serve({
    '/': { text: '<!doctype html><script src="/tf.min.js"></script><script src="/layers.js"></script>' },
    '/tf.min.js': { path: join(REPO, 'node_modules/@tensorflow/tfjs/dist/tf.min.js') },
    '/layers.js': { text: bundle.outputFiles[0].text },
    '/favicon.ico': { text: '' }, // the browser asks for it; a 404 would show as a console error
    ...files,
  });
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url);
    return { result: await use(page), errors };
  } finally {
    await browser.close();
    await server.close();
  }
}

/**
 * Opens `file` from disk (a report: no server), runs `use` on the page, and returns what it
 * returns with the console errors the page produced and every URL it asked for.
 */
export async function withFilePage<T>(file: string, use: (page: import('playwright-core').Page) => Promise<T>): Promise<{ result: T; errors: string[]; requests: string[] }> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('request', (q) => requests.push(q.url()));
    await page.goto(pathToFileURL(file).href);
    return { result: await use(page), errors, requests };
  } finally {
    await browser.close();
  }
}
