// Folders a command writes at the user's word (`pipe report -o DIR`, `pipe export -o DIR`,
// `pipe make-demo-data DIR`). pipe never removes or overwrites what it did not write: it leaves a
// marker, `.pipe-<command>.json`, listing every file it wrote, and a rerun removes exactly those
// files (and folders they leave empty) before writing again. A folder that is not empty and holds
// no marker of the same command is refused (unless the command writes only fixed names, which
// then must not exist unmarked), and so are folders no command should write into: a filesystem
// root, the home folder, and the places a caller names (a run folder, the outputs folder).
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, parse, relative, resolve, sep } from 'node:path';
import { inputError } from '../errors.js';
import { writeAtomic } from './files.js';

/** A folder a command must not write into, and what it is (for the message). */
export interface RefusedFolder {
  readonly path: string;
  readonly is: string;
}

export interface ClaimOptions {
  /** The command, e.g. `report`: names the marker `.pipe-report.json`. */
  readonly by: string;
  /** How the user named the folder, for messages: `-o DIR`, `DIR`. */
  readonly option: string;
  readonly refuse?: readonly RefusedFolder[];
  /** The fixed file names the command writes. Given: the folder may hold other things, but none
   *  of these unless an earlier run of the command wrote it. Absent: the folder must be empty,
   *  new, or a folder the command wrote before. */
  readonly names?: readonly string[];
}

export interface ClaimedFolder {
  readonly dir: string;
  /** Records what the command wrote (every file not there when claimed; or `names`). */
  finish(): void;
}

interface Marker {
  readonly by: string;
  readonly files: readonly string[];
}

export function markerName(by: string): string {
  return `.pipe-${by}.json`;
}

export function claimFolder(dir: string, o: ClaimOptions): ClaimedFolder {
  const shown = `${o.option} ${dir}`;
  const real = realOrSelf(dir);
  const st = statSync(dir, { throwIfNoEntry: false });
  if (st && !st.isDirectory()) throw inputError(`${shown}: is a file, not a folder`, { hint: 'name a new or empty folder' });
  for (const r of [...builtInRefusals(), ...(o.refuse ?? [])]) {
    if (realOrSelf(r.path) === real) throw inputError(`${shown}: is ${r.is}; pipe ${o.by} does not write into it`, { hint: 'name a new or empty folder' });
  }
  const marker = join(dir, markerName(o.by));
  const previous = st ? readMarker(marker, o.by) : null;
  if (o.names) {
    const clash = o.names.find((n) => existsSync(join(dir, n)) && !previous?.includes(n));
    if (clash) throw inputError(`${shown}: already holds ${clash}, which pipe ${o.by} did not write`, { hint: 'name another folder, or move the file away' });
    mkdirSync(dir, { recursive: true });
    return { dir, finish: () => writeMarker(marker, o.by, [...new Set([...(previous ?? []), ...o.names!])]) };
  }
  const entries = st ? readdirSync(dir) : [];
  if (previous === null && entries.length > 0) {
    throw inputError(`${shown}: the folder is not empty and holds no ${markerName(o.by)} (it is not a folder pipe ${o.by} wrote)`, { hint: 'name a new or empty folder; pipe never removes files it did not write' });
  }
  for (const rel of previous ?? []) removeOwned(dir, rel);
  mkdirSync(dir, { recursive: true });
  const before = new Set(listFiles(dir));
  return { dir, finish: () => writeMarker(marker, o.by, listFiles(dir).filter((f) => !before.has(f) && f !== markerName(o.by))) };
}

/** Folders no command writes into: a filesystem root and the home folder. */
function builtInRefusals(): RefusedFolder[] {
  const out: RefusedFolder[] = [{ path: parse(process.cwd()).root, is: 'a filesystem root' }];
  const home = homedir();
  if (home) out.push({ path: home, is: 'the home folder' });
  return out;
}

/** The real path of `p` (symlinks resolved), or of its nearest existing parent joined with the rest. */
function realOrSelf(p: string): string {
  const abs = resolve(p);
  if (parse(abs).root === abs) return abs;
  try {
    return realpathSync(abs);
  } catch {
    return join(realOrSelf(dirname(abs)), relative(dirname(abs), abs));
  }
}

/** The files the marker lists; null when there is none. A damaged marker names no file. */
function readMarker(file: string, by: string): string[] | null {
  if (!existsSync(file)) return null;
  let m: Partial<Marker>;
  try {
    m = JSON.parse(readFileSync(file, 'utf8')) as Partial<Marker>;
  } catch {
    return [];
  }
  if (m === null || typeof m !== 'object' || m.by !== by || !Array.isArray(m.files)) return [];
  return m.files.filter((f): f is string => typeof f === 'string' && isInside(f));
}

function writeMarker(file: string, by: string, files: readonly string[]): void {
  const marker: Marker = { by, files: [...files].sort() };
  writeAtomic(file, Buffer.from(JSON.stringify(marker, null, 1) + '\n'));
}

/** A relative path that stays inside its folder (a hand-edited marker must not reach out). */
function isInside(rel: string): boolean {
  return rel !== '' && !isAbsolute(rel) && !rel.split(/[\\/]/).includes('..');
}

/** Removes one file the command wrote (a plain file only: never a folder or a link's target) and
 *  the folders above it that it leaves empty, up to `dir`. A folder on the way that has become a
 *  link since (to a folder of the user's) is not followed. */
function removeOwned(dir: string, rel: string): void {
  const file = join(dir, rel);
  for (let d = dirname(file); d !== dir && d.startsWith(dir + sep); d = dirname(d)) {
    if (lstatSync(d, { throwIfNoEntry: false })?.isSymbolicLink()) return;
  }
  const st = lstatSync(file, { throwIfNoEntry: false });
  if (!st || st.isDirectory()) return;
  rmSync(file, { force: true });
  for (let d = dirname(file); d !== dir && d.startsWith(dir + sep); d = dirname(d)) {
    try {
      rmdirSync(d);
    } catch {
      return; // not empty: something else lives there
    }
  }
}

/** Every file under `dir`, relative, '/'-separated (links are listed, not followed). */
function listFiles(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listFiles(dir, rel));
    else out.push(rel);
  }
  return out;
}
