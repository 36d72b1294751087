import { resolve } from 'node:path';
import { inputError } from '../../errors.js';
import type { Command } from '../command.js';
import { wholeNumber } from './options.js';

export const DEFAULT_PORT = 8765;

export const serve: Command = {
  name: 'serve',
  summary: 'a local web app over outputs/: runs and studies, live curves of a training run, runs compared',
  usage: 'pipe serve [--port N] [--host H] [--outputs DIR]',
  positionals: { min: 0, max: 0 },
  description:
    "Serves the outputs folder as web pages (docs/serve.md): the runs and studies with their status, newest first; a run's curves (loss, top-1, learning rate, throughput; zoom, series toggled from the legend, log axis, smoothing) updated live while it trains, and its per-class results with example images; two or more runs compared (curves overlaid, pipe diff of their pipelines); a study's trials (sortable, filterable), parallel coordinates and best trial.\nIt only reads: nothing in the outputs folder or anywhere else is written, and no file outside the outputs folder is served. It listens on 127.0.0.1 unless --host says otherwise. Ctrl-C or SIGTERM stops it.",
  options: [
    { name: 'port', type: 'string', value: 'N', description: `the port (default ${DEFAULT_PORT}; 0: any free port)` },
    { name: 'host', type: 'string', value: 'H', description: 'the address to listen on (default 127.0.0.1, this machine only; 0.0.0.0 serves every network the machine is on, with no password)' },
    { name: 'outputs', type: 'string', value: 'DIR', description: 'the outputs folder to serve (default: outputs)' },
  ],
  async run(args, io) {
    const port = wholeNumber(args.values.port, '--port', 0) ?? DEFAULT_PORT;
    if (port > 65535) throw inputError(`--port expects a port number up to 65535, found '${String(args.values.port)}'`);
    const host = (args.values.host as string | undefined) ?? '127.0.0.1';
    const outputs = resolve(io.cwd, (args.values.outputs as string | undefined) ?? 'outputs');
    const { startServer } = await import('../../serve/index.js');
    let server;
    try {
      server = await startServer({ outputs, host, port });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') throw inputError(`port ${port} is in use (another pipe serve?)`, { hint: 'pick another with --port N, or --port 0 for any free one' });
      if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') throw inputError(`--host ${host}: not an address of this machine (${code})`, { hint: 'the default 127.0.0.1 serves this machine only' });
      if (code === 'EACCES') throw inputError(`port ${port} needs privileges to listen on`, { hint: 'use a port above 1023' });
      throw e;
    }
    if (!['127.0.0.1', 'localhost', '::1'].includes(host)) io.err(`warning: listening on ${host}: anyone who can reach this machine on port ${new URL(server.url).port} can read ${outputs}\n`);
    io.out(`serving ${outputs} at ${server.url} (Ctrl-C to stop)\n`);
    await new Promise<void>((done) => {
      const stop = (signal: NodeJS.Signals) => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        io.err(`received ${signal}: stopping\n`);
        void server.close().then(done);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    return 0;
  },
};
