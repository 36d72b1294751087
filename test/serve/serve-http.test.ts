// pipe serve over HTTP (a real listen on 127.0.0.1, raw requests so that no client tidies a path
// first): nothing outside the outputs folder is served, however asked; names from the folder
// are escaped; nothing is written; only GET and HEAD, only for the server's own host; the
// security headers; the JSON APIs and their errors.
import { mkdirSync, mkdtempSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Server } from '../../src/serve/index.js';
import { epochRecord, outputsFolder, snapshot, writeRun, writeStudy } from './fixture.js';

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** One request with `path` sent as written (no `..` resolved, no encoding changed). */
function get(url: string, path: string, o: { method?: string; headers?: Record<string, string>; firstChunk?: boolean } = {}): Promise<Answer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, method: o.method ?? 'GET', headers: o.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
        // An event stream never ends: its first event is answer enough.
        if (o.firstChunk && body.includes('\n\n')) {
          res.destroy();
          resolve({ status: res.statusCode!, headers: res.headers, body });
        }
      });
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The sentence an error page or API error carries. */
function why(a: Answer): string {
  if (a.headers['content-type']?.toString().startsWith('application/json')) return (JSON.parse(a.body) as { error: string }).error;
  const text = /<p class="problem">(.*)<\/p>/.exec(a.body)?.[1] ?? a.body;
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}

// No '/': a folder's name cannot hold one.
const hostile = '<img src=x onerror="window.ran=1">';
let outputs: string;
let outside: string;
let server: Server;
let run: string;

beforeAll(async () => {
  outputs = outputsFolder();
  const dir = await writeRun(outputs, { finished: true, epochs: 2 });
  run = dir.split('/').pop()!;
  // A run folder named to inject markup, of a pipeline named so too (names come from files).
  const evil = await writeRun(outputs, { name: 'evil', epochs: 1 });
  renameSync(evil, join(outputs, 'runs', hostile));
  const runJson = join(outputs, 'runs', hostile, 'run.json');
  writeFileSync(runJson, JSON.stringify({ ...JSON.parse(readFileSync(runJson, 'utf8')), pipeline: `"${hostile}` }));
  writeStudy(outputs, 'lr-20260101-100000', [{ name: 'p[lr=0.1]', values: { lr: 0.1 }, tops: [0.2, 0.4] }]);
  // Links: one out of the outputs folder (refused), one within it (served).
  outside = mkdtempSync(join(tmpdir(), 'pipe-serve-outside-'));
  writeFileSync(join(outside, 'secret.txt'), 'secret');
  mkdirSync(join(outside, 'run'));
  symlinkSync(join(outside, 'secret.txt'), join(outputs, 'secret.txt'));
  symlinkSync(join(outside, 'run'), join(outputs, 'runs', 'linked-out'));
  symlinkSync(join(dir, 'run.json'), join(outputs, 'run-link.json'));
  server = await startServer({ outputs, maxStreams: 2, pollMs: 50 });
});
afterAll(() => server?.close());

describe('pipe serve: nothing outside the outputs folder', () => {
  it.each([
    ['/files/../secret.txt', 400, 'file ../secret.txt holds an empty, \'.\' or \'..\' segment: refused'],
    ['/files/%2e%2e/secret.txt', 400, 'file ../secret.txt holds an empty, \'.\' or \'..\' segment: refused'],
    ['/files/runs/%2E%2E/%2E%2E/etc/passwd', 400, 'file runs/../../etc/passwd holds an empty, \'.\' or \'..\' segment: refused'],
    ['/files/%2Fetc%2Fpasswd', 400, 'file /etc/passwd is an absolute path: only names inside the outputs folder are served'],
    ['/files//etc/passwd', 400, 'file /etc/passwd is an absolute path: only names inside the outputs folder are served'],
    ['/files/run.json%00.png', 400, 'the file name holds a NUL byte: refused'],
    ['/files/..%5c..%5cetc', 400, 'the file name holds a backslash: refused'],
    ['/runs/..', 400, 'run runs/.. holds an empty, \'.\' or \'..\' segment: refused'],
    ['/runs/..%2F..%2Fetc', 400, 'a run is named by its folder\'s name alone, not a path: "../../etc"'],
    ['/api/runs/%2e%2e/events', 400, 'run runs/.. holds an empty, \'.\' or \'..\' segment: refused'],
    ['/studies/..%2Fruns', 400, 'a study is named by its folder\'s name alone, not a path: "../runs"'],
    [`/files/${'a/'.repeat(600)}x`, 400, 'the file name is 1201 characters long (at most 1024)'],
  ])('%s: %i', async (path, status, message) => {
    const a = await get(server.url, path);
    expect([a.status, why(a)]).toEqual([status, message]);
    expect(a.body).not.toContain('root:');
  });

  it('a link leaving the outputs folder is refused; one within it is followed', async () => {
    const out = await get(server.url, '/files/secret.txt');
    expect(out.status).toBe(403);
    expect(why(out)).toMatch(/^file secret\.txt leads outside the outputs folder \(a link to .*secret\.txt\?\): refused$/);
    expect(out.body).not.toContain('>secret<');
    const run = await get(server.url, '/runs/linked-out');
    expect([run.status, why(run)]).toEqual([403, expect.stringMatching(/^run runs\/linked-out leads outside the outputs folder/)]);
    const inside = await get(server.url, '/files/run-link.json');
    expect([inside.status, JSON.parse(inside.body).pipeline]).toEqual([200, 'demo']);
    // Nor is the link listed on the index.
    expect((await get(server.url, '/')).body).not.toContain('linked-out');
  });

  it('a folder is not a file; a missing file is 404', async () => {
    expect(why(await get(server.url, '/files/runs'))).toBe('runs is a folder, not a file');
    const a = await get(server.url, '/files/runs/nope.json');
    expect([a.status, why(a)]).toEqual([404, 'no file runs/nope.json in the outputs folder']);
  });

  it('a file of an unknown kind is a download, and every file of the outputs folder is sandboxed', async () => {
    writeFileSync(join(outputs, 'page.html'), '<script>1</script>');
    const a = await get(server.url, '/files/page.html');
    expect(a.headers['content-security-policy']).toMatch(/; sandbox$/);
    writeFileSync(join(outputs, 'x.js'), 'alert(1)');
    const js = await get(server.url, '/files/x.js');
    expect([js.headers['content-type'], js.headers['content-disposition']]).toEqual(['application/octet-stream', 'attachment']);
  });
});

describe('pipe serve: names from the outputs folder are text', () => {
  it('a run folder and pipeline named with markup are escaped on the index and the run page', async () => {
    const index = (await get(server.url, '/')).body;
    expect(index).not.toContain(hostile);
    expect(index).toContain('<a href="/runs/%3Cimg%20src%3Dx%20onerror%3D%22window.ran%3D1%22%3E">&lt;img src=x onerror=&quot;window.ran=1&quot;&gt;</a>');
    expect(index).toContain('<td>&quot;&lt;img src=x onerror=&quot;window.ran=1&quot;&gt;</td>');
    const page = (await get(server.url, `/runs/${encodeURIComponent(hostile)}`)).body;
    expect(page).not.toContain(hostile);
    expect(page).toContain('<h1>&lt;img src=x onerror=&quot;window.ran=1&quot;&gt;</h1>');
    expect(page).toContain('data-run="&lt;img src=x onerror=&quot;window.ran=1&quot;&gt;"');
  });

  it('an error page escapes the name it could not find', async () => {
    const a = await get(server.url, `/runs/${encodeURIComponent('<b>x')}`);
    expect([a.status, a.body.includes('<b>x')]).toEqual([404, false]);
    expect(a.body).toContain('<p class="problem">no run runs/&lt;b&gt;x in the outputs folder</p>');
  });
});

describe('pipe serve: read-only, local, strict', () => {
  it('a session of every page and API changes nothing in the outputs folder', async () => {
    const before = snapshot(outputs);
    const paths = ['/', '/api/index', `/runs/${run}`, `/api/runs/${run}`, `/compare?runs=${run},${encodeURIComponent(hostile)}`, `/api/compare?runs=${run},${encodeURIComponent(hostile)}`, '/studies/lr-20260101-100000', '/api/studies/lr-20260101-100000', `/files/runs/${run}/summary.json`, `/api/runs/${run}/stages/train/images/0.png`, '/assets/style.css', '/assets/run.js', '/vendor/vega.min.js'];
    for (const p of paths) expect([p, (await get(server.url, p)).status]).toEqual([p, p.endsWith('.png') ? 404 : 200]);
    for (const p of [`/api/runs/${run}/events`, '/api/index/events']) expect((await get(server.url, p, { firstChunk: true })).body).toMatch(/^event: update\ndata: \{/);
    expect(snapshot(outputs)).toEqual(before);
  });

  it.each(['POST', 'PUT', 'DELETE', 'PATCH'])('%s is refused', async (method) => {
    const a = await get(server.url, `/files/runs/${run}/run.json`, { method });
    expect([a.status, a.body, a.headers.allow]).toEqual([405, 'pipe serve is read-only: GET and HEAD only\n', 'GET, HEAD']);
  });

  it('answers only requests addressed to itself (no DNS rebinding), and says no CORS', async () => {
    const a = await get(server.url, '/api/index', { headers: { host: 'attacker.example:80' } });
    expect([a.status, a.body]).toEqual([421, `pipe serve answers requests for ${new URL(server.url).host} only\n`]);
    const b = await get(server.url, '/api/index', { headers: { origin: 'http://attacker.example' } });
    expect(b.status).toBe(200);
    expect(b.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('sends a strict Content-Security-Policy (no eval, no inline script) and the other security headers', async () => {
    const a = await get(server.url, '/studies/lr-20260101-100000');
    expect(a.headers['content-security-policy']).toBe("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
    expect([a.headers['x-content-type-options'], a.headers['referrer-policy'], a.headers['x-frame-options']]).toEqual(['nosniff', 'no-referrer', 'DENY']);
    expect(a.body).not.toMatch(/<script>|<style>| on\w+=/);
    const stream = await get(server.url, `/api/runs/${run}/events`, { firstChunk: true });
    expect(stream.headers['content-security-policy']).toBe(a.headers['content-security-policy']);
  });

  it('bounds the live streams', async () => {
    const { hostname, port } = new URL(server.url);
    const held = [0, 1].map(() => new Promise<() => void>((resolve) => {
      const req = request({ hostname, port, path: '/api/index/events' }, (res) => res.once('data', () => resolve(() => req.destroy())));
      req.end();
    }));
    const release = await Promise.all(held);
    const a = await get(server.url, '/api/index/events');
    expect([a.status, a.body]).toEqual([503, 'too many live pages open (at most 2): close some and reload\n']);
    release.forEach((r) => r());
  });
});

describe('pipe serve: the JSON APIs', () => {
  it('a run: its listing without its absolute folder, each stage\'s charts and per-class results', async () => {
    const v = JSON.parse((await get(server.url, `/api/runs/${run}`)).body);
    expect(v.listing).toEqual({ name: run, pipeline: 'demo', started: expect.any(String), status: 'done', ended: expect.any(String), backend: 'wasm', stages: { train: { metric: 'val_top1', goal: 'max', best: epochRecord(2).val!.top1, epochs: 2, planned: 5 } } });
    expect(v.stages[0].charts.map((c: { id: string }) => c.id)).toEqual(['s1-loss', 's1-top1', 's1-lr', 's1-throughput']);
    expect(v.stages[0].classes.best[0].examples[0].src).toBe(`/api/runs/${run}/stages/train/images/0.png`);
  });

  it('an example image needs the data set, and only images the stage classified are made', async () => {
    const missing = await get(server.url, `/api/runs/${run}/stages/train/images/0.png`);
    expect([missing.status, why(missing)]).toEqual([404, expect.stringMatching(/^the val split of run .* could not be read/)]);
    expect(why(await get(server.url, `/api/runs/${run}/stages/train/images/999.png`))).toBe(`image 999 is not among the validation images stage train of run ${run} classified`);
    expect(why(await get(server.url, `/api/runs/${run}/stages/train/images/..%2F..%2Fx.png`))).toBe('an example image is named by its number, e.g. 12.png: not "../../x.png"');
    expect(why(await get(server.url, `/api/runs/${run}/stages/nope/images/1.png`))).toBe(`run ${run} has no predictions for a stage "nope"`);
  });

  it('compare takes two to eight runs', async () => {
    expect(why(await get(server.url, `/api/compare?runs=${run}`))).toBe('compare takes two or more runs: /compare?runs=RUN_A,RUN_B');
    expect(why(await get(server.url, `/api/compare?runs=${Array.from({ length: 9 }, (_, i) => `r${i}`).join(',')}`))).toBe('compare takes at most 8 runs, not 9');
    expect(why(await get(server.url, `/api/compare?runs=${run},nope`))).toBe('no run runs/nope in the outputs folder');
  });

  it('unknown paths and vendored names are 404, as JSON under /api', async () => {
    expect([(await get(server.url, '/api/nope')).status, why(await get(server.url, '/api/nope'))]).toEqual([404, 'nothing at /api/nope']);
    expect(why(await get(server.url, '/vendor/__proto__'))).toBe('no vendored file __proto__');
    // @fastify/static refuses a climb out of the scripts' folder itself.
    const climb = await get(server.url, '/assets/../index.ts');
    expect([climb.status, climb.body.includes('startServer')]).toEqual([403, false]);
  });

  it('a damaged run.json lists the run as unreadable, with why', async () => {
    const dir = await writeRun(outputs, { name: 'damaged', epochs: 1 });
    writeFileSync(join(dir, 'run.json'), '{"pipeline": ');
    const listed = JSON.parse((await get(server.url, '/api/index')).body).runs.find((r: { name: string }) => r.name === dir.split('/').pop());
    expect([listed.status, listed.reason]).toEqual(['unreadable', 'run.json is damaged: not valid JSON (cut short?)']);
  });
});
