// `pipe serve` as the real binary: it prints its URL, serves, and stops cleanly on SIGTERM and
// SIGINT; bad options and a taken port are said in one line with exit 2.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runPipe } from '../helpers/cli.js';
import { outputsFolder } from './fixture.js';

const BIN = fileURLToPath(new URL('../../bin/pipe.js', import.meta.url));

describe('pipe serve (the binary)', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('prints its URL, serves the index, and stops on %s', async (signal) => {
    const outputs = outputsFolder();
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--outputs', outputs], { env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    let err = '';
    child.stderr.on('data', (c) => (err += c));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (c) => {
        out += c;
        const m = /at (http:\/\/127\.0\.0\.1:\d+) \(Ctrl-C to stop\)\n/.exec(out);
        if (m) resolve(m[1]);
      });
      child.on('exit', () => reject(new Error(`pipe serve exited: ${err}`)));
    });
    expect(out).toBe(`serving ${outputs} at ${url} (Ctrl-C to stop)\n`);
    const page = await fetch(url + '/');
    expect([page.status, (await page.text()).includes('No runs yet')]).toEqual([200, true]);
    const code = await new Promise<number | null>((resolve) => {
      child.on('exit', (c) => resolve(c));
      child.kill(signal);
    });
    expect([code, err]).toEqual([0, `received ${signal}: stopping\n`]);
  }, 30_000);

  it.each([
    [['--port', '70000'], "--port expects a port number up to 65535, found '70000'"],
    [['--port', 'x'], "--port expects a whole number >= 0, found 'x'"],
    [['--host', '203.0.113.9', '--port', '0'], '--host 203.0.113.9: not an address of this machine (EADDRNOTAVAIL) (the default 127.0.0.1 serves this machine only)'],
  ])('%j: exit 2, said', (args, message) => {
    const r = runPipe(['serve', ...args]);
    expect([r.code, r.stderr.trim()]).toEqual([2, `error: ${message}`]);
  });

  it('a port in use is said, with what to do', async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const { port } = taken.address() as { port: number };
    try {
      const r = runPipe(['serve', '--port', String(port)]);
      expect([r.code, r.stderr.trim()]).toEqual([2, `error: port ${port} is in use (another pipe serve?) (pick another with --port N, or --port 0 for any free one)`]);
    } finally {
      taken.close();
    }
  });
});
