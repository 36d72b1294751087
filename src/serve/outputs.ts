// Every file `pipe serve` reads is found here, and only under the outputs folder: a name from a
// URL is refused when it could climb out (`..`, an absolute path, a backslash, a NUL byte), and
// what it names is refused when its real path (symlinks resolved) lies outside the real outputs
// folder. Nothing here writes.
import { realpathSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';

/** A request the server answers with an error status and a sentence saying why. */
export class NotServed extends Error {
  constructor(
    readonly status: 400 | 403 | 404,
    message: string,
  ) {
    super(message);
    this.name = 'NotServed';
  }
}

/** Names longer than this are refused before the file system is asked (no folder pipe writes has one). */
const MAX_PATH_CHARS = 1024;

/** The outputs folder's real path; null while it does not exist (a fresh clone before its first run). */
export function realOutputs(outputs: string): string | null {
  try {
    return realpathSync(outputs);
  } catch {
    return null;
  }
}

/**
 * The real path of `rel` (slash-separated, relative to the outputs folder), refused unless it lies
 * inside it. `what` names the thing asked for in messages (`file`, `run`, `study`).
 */
export function inside(outputs: string, rel: string, what = 'file'): string {
  const parts = checkedParts(rel, what);
  const root = realOutputs(outputs);
  if (root === null) throw new NotServed(404, `no ${what} ${rel}: the outputs folder ${outputs} does not exist yet`);
  let real: string;
  try {
    real = realpathSync(join(root, ...parts));
  } catch {
    throw new NotServed(404, `no ${what} ${rel} in the outputs folder`);
  }
  if (real !== root && !real.startsWith(root + sep)) throw new NotServed(403, `${what} ${rel} leads outside the outputs folder (a link to ${real}?): refused`);
  return real;
}

/** A run or study folder by its name (one path segment) under outputs/<parent>/. */
export function namedFolder(outputs: string, parent: 'runs' | 'studies', name: string): string {
  const what = parent === 'runs' ? 'run' : 'study';
  if (name.includes('/')) throw new NotServed(400, `a ${what} is named by its folder's name alone, not a path: ${JSON.stringify(name)}`);
  const dir = inside(outputs, `${parent}/${name}`, what);
  if (!statSync(dir).isDirectory()) throw new NotServed(404, `no ${what} ${name}: not a folder`);
  return dir;
}

function checkedParts(rel: string, what: string): string[] {
  if (rel.length > MAX_PATH_CHARS) throw new NotServed(400, `the ${what} name is ${rel.length} characters long (at most ${MAX_PATH_CHARS})`);
  if (rel.includes('\0')) throw new NotServed(400, `the ${what} name holds a NUL byte: refused`);
  if (rel.includes('\\')) throw new NotServed(400, `the ${what} name holds a backslash: refused`);
  if (rel.startsWith('/')) throw new NotServed(400, `${what} ${rel} is an absolute path: only names inside the outputs folder are served`);
  const parts = rel.split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..')) throw new NotServed(400, `${what} ${rel} holds an empty, '.' or '..' segment: refused`);
  return parts;
}
