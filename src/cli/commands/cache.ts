// `pipe cache ls | gc | rm`: the stage store under outputs/cache/stages (see src/cache/store.ts).
import { existsSync, rmSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { dataCache, planGc } from '../../cache/gc.js';
import { keyByPrefix } from '../../cache/key-prefix.js';
import { StageStore, type ListedEntry } from '../../cache/store.js';
import { InputError, inputError } from '../../errors.js';
import { byteSize } from '../../format.js';
import type { Command } from '../command.js';
import { transferEntries } from './cache-remote.js';
import { remoteOption } from './options.js';

export const cache: Command = {
  name: 'cache',
  summary: 'list, collect or remove the cached results of stages',
  usage: 'pipe cache ls [--json] | pipe cache gc [--keep-last N] [--dry-run] | pipe cache rm KEY... | pipe cache push|pull [KEY...] [--remote URL]',
  positionals: { min: 1, max: Infinity },
  description:
    'Every stage a run trains is stored under outputs/cache/stages/<key>/, where <key> is the hash of everything the stage\'s result depends on; later runs with the same key reuse it.\nls: one line per entry: key, pipeline, stage, size, age, and whether it is complete or partial (a stage that was stopped: running its pipeline again resumes it).\ngc: removes entries no run folder under outputs/runs refers to; --keep-last N also keeps only the N newest entries of each pipeline stage. Entries being trained (locked) are never removed. Then removes decoded data sets (outputs/cache/data) that no kept entry reads, and temporary files that writers which died (a kill mid-write) left behind.\nrm: removes the entries whose keys start with each KEY (at least 6 characters, and one entry each).\npush, pull: copies complete entries to or from a remote (--remote URL or PIPE_REMOTE: file:///path or s3://bucket/prefix), every one when no KEY is given; each file is checked against its manifest\'s sha256, and an entry counts as there only once its manifest is (docs/cache.md#remotes). Prints what was transferred, skipped (complete on both sides) and failed; exit 1 when any failed.',
  options: [
    { name: 'outputs', type: 'string', value: 'DIR', description: 'the outputs folder (default: outputs)' },
    { name: 'keep-last', type: 'string', value: 'N', description: 'gc: keep only the N newest entries of each pipeline stage' },
    { name: 'dry-run', type: 'boolean', description: 'gc: say what would be removed, remove nothing' },
    { name: 'json', type: 'boolean', description: 'ls: print JSON' },
    { ...remoteOption, description: `push, pull: ${remoteOption.description}` },
  ],
  async run(args, io) {
    const [sub, ...rest] = args.positionals;
    if (sub !== 'rm' && sub !== 'push' && sub !== 'pull' && rest.length > 0) throw inputError(`pipe cache ${sub} takes no further arguments; unexpected: ${rest.map((a) => `'${a}'`).join(', ')}`, { hint: `usage: ${cache.usage}` });
    const outputs = resolve(io.cwd, (args.values.outputs as string | undefined) ?? 'outputs');
    const store = StageStore.at(outputs, (m) => io.err(`warning: ${m}\n`));
    switch (sub) {
      case 'ls': {
        const entries = store.list();
        if (args.values.json) io.out(JSON.stringify(entries, null, 2) + '\n');
        else io.out(entries.length ? table(entries, new Date()) : `no cached stages in ${store.root}\n`);
        return 0;
      }
      case 'gc': {
        const keepLast = args.values['keep-last'] === undefined ? null : Number(args.values['keep-last']);
        if (keepLast !== null && !(Number.isInteger(keepLast) && keepLast >= 0)) throw inputError(`--keep-last expects a whole number >= 0, found '${String(args.values['keep-last'])}'`);
        const { remove, keep, data, temporaries } = planGc(store, outputs, keepLast);
        const dry = Boolean(args.values['dry-run']);
        const said = dry ? 'would remove' : 'removed';
        for (const e of remove) {
          if (!dry) store.remove(e.key);
          io.out(`${said} ${e.key.slice(0, 12)}  ${e.pipeline}/${e.stage}  ${size(e.bytes)}\n`);
        }
        const decoded = dataCache(outputs);
        for (const d of data) {
          if (!dry) decoded.remove(d.hash);
          io.out(`${said} decoded data ${d.hash.slice(0, 12)}  ${d.count} images  ${size(d.bytes)}\n`);
        }
        for (const t of temporaries) {
          if (!dry) rmSync(t.path, { recursive: true, force: true });
          io.out(`${said} ${relative(outputs, t.path)} (left by a writer that died)  ${size(t.bytes)}\n`);
        }
        const freed = [...remove, ...data, ...temporaries].reduce((a, e) => a + e.bytes, 0);
        io.out(`${dry ? 'would free' : 'freed'} ${size(freed)}; ${keep.length} entries kept\n`);
        return 0;
      }
      case 'rm': {
        if (rest.length === 0) throw inputError('pipe cache rm needs at least one KEY', { hint: "'pipe cache ls' lists them" });
        const entries = store.list();
        const found = rest.map((prefix) => match(prefix, entries));
        for (const e of found) {
          if (existsSync(store.lockPath(e.key))) throw inputError(`cache entry ${e.key.slice(0, 12)} (${e.pipeline}/${e.stage}) is being trained by a running pipe run (locked)`);
        }
        for (const e of found) {
          store.remove(e.key);
          io.out(`removed ${e.key.slice(0, 12)}  ${e.pipeline}/${e.stage}  ${size(e.bytes)}\n`);
        }
        return 0;
      }
      case 'push':
      case 'pull':
        return transferEntries(sub, rest, store, args.values.remote as string | undefined, io);
      default:
        throw new InputError([{ message: sub === undefined ? 'pipe cache needs a subcommand' : `unknown subcommand '${sub}'`, hint: 'ls, gc, rm, push or pull' }]);
    }
  },
};

function match(prefix: string, entries: readonly ListedEntry[]): ListedEntry {
  const key = keyByPrefix(prefix, entries.map((e) => e.key), '', "'pipe cache ls' lists the keys");
  return entries.find((e) => e.key === key)!;
}

function table(entries: readonly ListedEntry[], now: Date): string {
  const rows = entries.map((e) => [e.key.slice(0, 12), e.pipeline, e.stage, size(e.bytes), age(now.getTime() - e.modified.getTime()), e.complete ? 'complete' : 'partial']);
  const head = ['key', 'pipeline', 'stage', 'size', 'age', 'state'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 3 || i === 4 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd() + '\n';
  return line(head) + rows.map(line).join('');
}

export const size = byteSize;

function age(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172800) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86400)}d`;
}
