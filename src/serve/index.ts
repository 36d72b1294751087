// `pipe serve`: a local web app over an outputs folder, on fastify. Pages are HTML shells with a
// small script each (client/), their data JSON from /api, live pages fed by server-sent events.
// It only reads: GET and HEAD only, nothing written anywhere (not even the stage store or the
// decode cache), no file served from outside the outputs folder (outputs.ts). Bound to 127.0.0.1
// unless asked otherwise, and there it answers only requests addressed to itself, so a web page
// elsewhere cannot reach it by pointing a name of its own at 127.0.0.1 (DNS rebinding).
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { InputError } from '../errors.js';
import { readRunFolder } from '../report/run-folder.js';
import { MAX_COMPARED, compareView } from './compare.js';
import { LiveStreams, filesSignature } from './events.js';
import { ExampleImages } from './examples.js';
import { NotServed, inside, namedFolder } from './outputs.js';
import { comparePage, indexPage, problemPage, runPage, runsTable, studiesTable, studyPage } from './pages.js';
import { runView } from './run-view.js';
import { listRuns } from './runs.js';
import { listStudies, studyView } from './studies.js';
import { STYLE } from './style.js';
import { vendorBundle } from './vendor.js';

export interface ServeOptions {
  /** The outputs folder (it may not exist yet: the pages say so). */
  readonly outputs: string;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0: a free port. */
  readonly port?: number;
  /** Live pages open at once (default 32). */
  readonly maxStreams?: number;
  /** How often a live page's files are looked at, in ms (default 500). */
  readonly pollMs?: number;
}

export interface Server {
  readonly url: string;
  close(): Promise<void>;
}

export const LOOPBACK = '127.0.0.1';

/**
 * Self only; no inline script. Vega compiles its expressions with `new Function` unless given an
 * interpreter: the pages embed with vega-embed's `ast: true`, so 'unsafe-eval' is not needed.
 * Inline style attributes are allowed: Vega and its tooltip set them on the elements they draw.
 */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'x-frame-options': 'DENY',
};

/** Files of the outputs folder served with their type; anything else is sent as a download. */
const FILE_TYPES: Readonly<Record<string, string>> = {
  '.json': 'application/json; charset=utf-8', '.jsonl': 'text/plain; charset=utf-8', '.yaml': 'text/plain; charset=utf-8', '.md': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8', '.log': 'text/plain; charset=utf-8', '.png': 'image/png', '.html': 'text/html; charset=utf-8',
};

export async function startServer(options: ServeOptions): Promise<Server> {
  const host = options.host ?? LOOPBACK;
  const app = Fastify({ logger: false, forceCloseConnections: true });
  const streams = new LiveStreams({ max: options.maxStreams ?? 32, pollMs: options.pollMs ?? 500, headers: SECURITY_HEADERS });
  const allowedHosts = new Set<string>();
  app.addHook('onRequest', async (req, reply) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply.code(405).header('allow', 'GET, HEAD').type('text/plain; charset=utf-8').send('pipe serve is read-only: GET and HEAD only\n');
    // Bound to loopback, only requests addressed to the server itself (not to a name rebound to it).
    if (allowedHosts.size && !allowedHosts.has((req.headers.host ?? '').toLowerCase())) return reply.code(421).type('text/plain; charset=utf-8').send(`pipe serve answers requests for ${[...allowedHosts][0]} only\n`);
  });
  app.addHook('onSend', async (_req, reply, payload) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) if (!reply.hasHeader(k)) reply.header(k, v);
    return payload;
  });
  app.addHook('preClose', async () => streams.closeAll());
  app.setErrorHandler((e: Error, req, reply) => {
    const status = e instanceof NotServed ? e.status : e instanceof InputError ? 422 : ((e as { statusCode?: number }).statusCode ?? 500);
    const message = e instanceof NotServed || e instanceof InputError || status < 500 ? e.message : `pipe serve failed: ${e.message}`;
    void problem(reply, req.url.startsWith('/api/'), status, message);
  });
  app.setNotFoundHandler((req, reply) => void problem(reply, req.url.startsWith('/api/'), 404, `nothing at ${req.url}`));
  routes(app, options.outputs, streams);
  await app.listen({ host, port: options.port ?? 0 });
  const { port } = app.server.address() as AddressInfo;
  const shown = host.includes(':') ? `[${host}]` : host;
  if (host === LOOPBACK || host === 'localhost' || host === '::1') for (const h of [LOOPBACK, 'localhost', '[::1]']) allowedHosts.add(`${h}:${port}`);
  return { url: `http://${shown}:${port}`, close: () => app.close() };
}

function problem(reply: FastifyReply, api: boolean, status: number, message: string): FastifyReply {
  reply.code(status);
  return api ? reply.type('application/json; charset=utf-8').send({ error: message }) : reply.type('text/html; charset=utf-8').send(problemPage(status, message));
}

function routes(app: FastifyInstance, outputs: string, streams: LiveStreams): void {
  const examples = new ExampleImages();
  const html = (reply: FastifyReply, body: string) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body);
  const listing = () => ({ runs: safeRuns(outputs), studies: listStudies(outputs) });
  // Without the folders' absolute paths: a page needs names only.
  const listed = () => {
    const { runs, studies } = listing();
    return { runs: runs.map(({ dir: _dir, ...r }) => r), studies };
  };

  app.get('/', async (_req, reply) => {
    const { runs, studies } = listing();
    return html(reply, indexPage(runs, studies));
  });
  app.get('/api/index', async () => listed());
  app.get('/api/index/events', (req, reply) => {
    streams.stream(req, reply, () => indexSignature(outputs), async () => {
      const { runs, studies } = listing();
      return { runs: runsTable(runs), studies: studiesTable(studies) };
    });
  });

  app.get<{ Params: { name: string } }>('/runs/:name', async (req, reply) => {
    namedFolder(outputs, 'runs', req.params.name);
    return html(reply, runPage(req.params.name));
  });
  app.get<{ Params: { name: string } }>('/api/runs/:name', async (req) => runView(namedFolder(outputs, 'runs', req.params.name)));
  app.get<{ Params: { name: string } }>('/api/runs/:name/events', (req, reply) => {
    const dir = namedFolder(outputs, 'runs', req.params.name);
    streams.stream(req, reply, () => runSignature(dir), () => runView(dir));
  });
  app.get<{ Params: { name: string; stage: string; item: string } }>('/api/runs/:name/stages/:stage/images/:item', async (req, reply) => {
    const m = /^(\d{1,9})\.png$/.exec(req.params.item);
    if (!m) throw new NotServed(400, `an example image is named by its number, e.g. 12.png: not ${JSON.stringify(req.params.item)}`);
    const png = await examples.png(namedFolder(outputs, 'runs', req.params.name), req.params.name, req.params.stage, Number(m[1]));
    return reply.type('image/png').header('cache-control', 'no-store').send(png);
  });

  app.get<{ Querystring: { runs?: string } }>('/compare', async (req, reply) => html(reply, comparePage(compareNames(outputs, req.query.runs))));
  app.get<{ Querystring: { runs?: string } }>('/api/compare', async (req) => {
    const names = compareNames(outputs, req.query.runs);
    const runs = [];
    for (const n of names) runs.push(await readRunFolder(namedFolder(outputs, 'runs', n), n));
    return compareView(runs);
  });

  app.get<{ Params: { name: string } }>('/studies/:name', async (req, reply) => {
    namedFolder(outputs, 'studies', req.params.name);
    return html(reply, studyPage(req.params.name));
  });
  app.get<{ Params: { name: string } }>('/api/studies/:name', async (req) => studyView(namedFolder(outputs, 'studies', req.params.name)));
  app.get<{ Params: { name: string } }>('/api/studies/:name/events', (req, reply) => {
    const dir = namedFolder(outputs, 'studies', req.params.name);
    streams.stream(req, reply, () => filesSignature([join(dir, 'study.json')]), async () => studyView(dir));
  });

  // Any file of the outputs folder, read-only: a report.html, a run's pipeline.yaml, a preview grid.
  app.get<{ Params: { '*': string } }>('/files/*', async (req, reply) => {
    const file = inside(outputs, req.params['*']);
    if (!statSync(file).isFile()) throw new NotServed(404, `${req.params['*']} is a folder, not a file`);
    const type = FILE_TYPES[extname(file).toLowerCase()];
    // A page of the outputs folder runs sandboxed: no script, no access to the server's origin.
    reply.header('content-security-policy', `${CSP}; sandbox`);
    if (!type) reply.header('content-disposition', 'attachment');
    return reply.type(type ?? 'application/octet-stream').header('cache-control', 'no-store').send(createReadStream(file));
  });

  app.get('/assets/style.css', async (_req, reply) => reply.type('text/css; charset=utf-8').send(STYLE));
  app.get<{ Params: { name: string } }>('/vendor/:name', async (req, reply) => {
    const bytes = vendorBundle(req.params.name);
    if (!bytes) throw new NotServed(404, `no vendored file ${req.params.name}`);
    return reply.type('text/javascript; charset=utf-8').header('cache-control', 'max-age=3600').send(bytes);
  });
  // The pages' scripts: plain ES modules, no build step (tsc copies them to dist/ with the rest).
  void app.register(fastifyStatic, { root: fileURLToPath(new URL('./client/', import.meta.url)), prefix: '/assets/', index: false, list: false, dotfiles: 'deny', cacheControl: false });
}

/** Runs whose folder stays inside the outputs folder (a link out of it is not listed). */
function safeRuns(outputs: string) {
  return listRuns(outputs).filter((r) => {
    try {
      namedFolder(outputs, 'runs', r.name);
      return true;
    } catch {
      return false;
    }
  });
}

function compareNames(outputs: string, query: string | undefined): string[] {
  const names = [...new Set((query ?? '').split(',').filter((n) => n !== ''))];
  if (names.length < 2) throw new NotServed(400, 'compare takes two or more runs: /compare?runs=RUN_A,RUN_B');
  if (names.length > MAX_COMPARED) throw new NotServed(400, `compare takes at most ${MAX_COMPARED} runs, not ${names.length}`);
  for (const n of names) namedFolder(outputs, 'runs', n);
  return names;
}

/** The files a run's page shows. */
function runSignature(dir: string): string {
  return filesSignature(['run.json', 'metrics.jsonl', 'summary.json'].map((f) => join(dir, f)));
}

/** What the index lists: the run and study folders, and the stats of each one's record files
 *  (stats only: listing reads every metrics.jsonl, too much to do every second). */
function indexSignature(outputs: string): string {
  const parts: string[] = [];
  for (const [parent, files] of [['runs', ['run.json', 'metrics.jsonl', 'summary.json']], ['studies', ['study.json']]] as const) {
    const dir = join(outputs, parent);
    const names = existsSync(dir) ? readdirSync(dir).sort() : [];
    for (const n of names) parts.push(n, filesSignature(files.map((f) => join(dir, n, f))));
  }
  return parts.join(';');
}
