// Headless Chromium for browser tests: Debian's /usr/bin/chromium driven by playwright-core
// (never a downloaded browser), and a static file server on 127.0.0.1.
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname } from 'node:path';

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
