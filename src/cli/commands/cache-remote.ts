// `pipe cache push|pull [KEY...]`: the store's complete entries to and from a remote (src/remote).
// With no KEY, every complete entry of the side they come from; a KEY is a unique prefix. One line
// per entry, then the counts; exit 1 when any failed (the others are transferred all the same).
import { keyByPrefix } from '../../cache/key-prefix.js';
import type { StageStore } from '../../cache/store.js';
import { EXIT_JOB_FAILED, inputError } from '../../errors.js';
import { byteSize } from '../../format.js';
import { openRemote, pullEntries, pushEntries, remoteSpecFrom, type TransferLine } from '../../remote/index.js';
import type { Io } from '../command.js';

export async function transferEntries(direction: 'push' | 'pull', prefixes: readonly string[], store: StageStore, remoteOption: string | undefined, io: Io): Promise<number> {
  const spec = remoteSpecFrom(remoteOption, io.env);
  if (spec === null) throw inputError(`pipe cache ${direction} needs a remote`, { hint: 'give --remote URL or set PIPE_REMOTE' });
  const remote = await openRemote(spec, io.env);
  try {
    const told = (l: TransferLine) => io.out(`${l.outcome.padEnd(7)} ${l.key.slice(0, 12)}  ${l.what}  ${detail(l, direction, remote.url)}\n`);
    let lines: TransferLine[];
    if (direction === 'push') {
      const complete = store.list().filter((e) => e.complete).map((e) => e.key);
      const keys = prefixes.length ? prefixes.map((p) => keyByPrefix(p, complete, ' complete here', "'pipe cache ls' lists the keys")) : complete;
      lines = await pushEntries(store, remote, unique(keys), told);
    } else {
      const there = await remote.keys();
      const keys = prefixes.length ? prefixes.map((p) => keyByPrefix(p, there, ` on ${remote.url}`, `pipe cache pull with no KEY pulls all ${there.length} of them`)) : there;
      lines = await pullEntries(store, remote, unique(keys), told);
    }
    const count = (o: TransferLine['outcome']) => lines.filter((l) => l.outcome === o).length;
    const moved = direction === 'push' ? 'pushed' : 'pulled';
    const bytes = lines.reduce((n, l) => n + l.bytes, 0);
    io.out(`${moved} ${count(moved)} (${byteSize(bytes)}), skipped ${count('skipped')}, failed ${count('failed')} ${direction === 'push' ? 'to' : 'from'} ${remote.url}\n`);
    return count('failed') > 0 ? EXIT_JOB_FAILED : 0;
  } finally {
    remote.objects.close();
  }
}

function detail(l: TransferLine, direction: 'push' | 'pull', url: string): string {
  switch (l.outcome) {
    case 'pushed':
    case 'pulled':
      return `${l.files} files  ${byteSize(l.bytes)}`;
    case 'skipped':
      return direction === 'push' ? `(already on ${url})` : '(already here)';
    case 'failed':
      return `(${l.reason})`;
    default: {
      const never: never = l.outcome;
      return never;
    }
  }
}

function unique(keys: readonly string[]): string[] {
  return [...new Set(keys)];
}
