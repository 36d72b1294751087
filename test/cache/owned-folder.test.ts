// Folders pipe writes at the user's word: nothing pipe did not write is ever removed or replaced;
// places no command writes into are refused (exit 2 from the CLI).
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claimFolder } from '../../src/cache/owned-folder.js';
import { InputError } from '../../src/errors.js';
import { runPipe } from '../helpers/cli.js';

const fresh = () => mkdtempSync(join(tmpdir(), 'pipe-owned-'));

function write(dir: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
}

/** A fake "report": writes `files` into the claimed folder and records them. */
function writeAs(dir: string, files: Record<string, string>): void {
  const claimed = claimFolder(dir, { by: 'report', option: '-o' });
  write(dir, files);
  claimed.finish();
}

function refusal(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof InputError) return e.message;
    throw e;
  }
  throw new Error('not refused');
}

describe('claimFolder', () => {
  it('a new folder and an empty one are written, and the marker lists what was written', () => {
    for (const dir of [join(fresh(), 'new', 'deep'), fresh()]) {
      writeAs(dir, { 'report.md': 'a', 'images/x.png': 'b' });
      expect(JSON.parse(readFileSync(join(dir, '.pipe-report.json'), 'utf8'))).toEqual({ by: 'report', files: ['images/x.png', 'report.md'] });
    }
  });

  it('a rerun removes exactly the files it wrote before, and keeps what the user added since', () => {
    const dir = fresh();
    writeAs(dir, { 'report.md': 'a', 'images/old.png': 'b', 'charts/c.svg': 'c' });
    write(dir, { 'images/mine.png': 'user', 'notes.txt': 'user' });
    writeAs(dir, { 'report.md': 'a2', 'images/new.png': 'b2' });
    expect(existsSync(join(dir, 'images/old.png'))).toBe(false);
    expect(existsSync(join(dir, 'charts'))).toBe(false); // left empty by the removal
    expect(readFileSync(join(dir, 'images/mine.png'), 'utf8')).toBe('user');
    expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe('user');
    expect(JSON.parse(readFileSync(join(dir, '.pipe-report.json'), 'utf8')).files).toEqual(['images/new.png', 'report.md']);
  });

  it.each([
    ['a path leaving the folder', '../outside.txt'],
    ['an absolute path', '/ABS'],
  ])('a hand-edited marker naming %s removes nothing outside', (_what, rel) => {
    const top = fresh();
    const dir = join(top, 'r');
    writeAs(dir, { 'report.md': 'a' });
    const target = rel === '/ABS' ? join(top, 'abs.txt') : join(top, 'outside.txt');
    writeFileSync(target, 'keep');
    writeFileSync(join(dir, '.pipe-report.json'), JSON.stringify({ by: 'report', files: [rel === '/ABS' ? target : rel, 'report.md'] }));
    writeAs(dir, { 'report.md': 'b' });
    expect(readFileSync(target, 'utf8')).toBe('keep');
  });

  it('a symlink the command wrote is removed as a link; its target stays', () => {
    const top = fresh();
    const dir = join(top, 'r');
    writeFileSync(join(top, 'target.txt'), 'keep');
    const claimed = claimFolder(dir, { by: 'report', option: '-o' });
    symlinkSync(join(top, 'target.txt'), join(dir, 'link'));
    claimed.finish();
    writeAs(dir, {});
    expect(existsSync(join(dir, 'link'))).toBe(false);
    expect(readFileSync(join(top, 'target.txt'), 'utf8')).toBe('keep');
  });

  it('a folder of its own that has become a link to a folder of the user since is not followed', () => {
    const top = fresh();
    const dir = join(top, 'r');
    writeAs(dir, { 'images/x.png': 'pipe' });
    write(top, { 'mine/x.png': 'user' });
    rmSync(join(dir, 'images'), { recursive: true });
    symlinkSync(join(top, 'mine'), join(dir, 'images'));
    writeAs(dir, {});
    expect(readFileSync(join(top, 'mine', 'x.png'), 'utf8')).toBe('user');
  });

  const cases: [string, () => { dir: string; refuse?: { path: string; is: string }[] }, string][] = [
    ['a filesystem root', () => ({ dir: '/' }), 'is a filesystem root'],
    ['the home folder', () => ({ dir: homedir() }), 'is the home folder'],
    ['a folder the caller names', () => { const d = fresh(); return { dir: d, refuse: [{ path: d, is: 'a run folder' }] }; }, 'is a run folder'],
    ['a link to a folder the caller names', () => { const d = fresh(); const l = join(fresh(), 'l'); symlinkSync(d, l); return { dir: l, refuse: [{ path: d, is: 'the outputs folder' }] }; }, 'is the outputs folder'],
    ['a file', () => { const d = fresh(); writeFileSync(join(d, 'f'), ''); return { dir: join(d, 'f') }; }, 'is a file, not a folder'],
    ['a folder with files of its own', () => { const d = fresh(); write(d, { 'images/x.png': 'user' }); return { dir: d }; }, 'the folder is not empty and holds no .pipe-report.json'],
    ['a folder another command wrote', () => { const d = fresh(); const c = claimFolder(d, { by: 'export', option: '-o', names: ['m'] }); write(d, { m: '' }); c.finish(); return { dir: d }; }, 'holds no .pipe-report.json'],
  ];
  it.each(cases)('refuses %s, touching nothing', (_what, make, message) => {
    const { dir, refuse } = make();
    const before = statSync(dir, { throwIfNoEntry: false })?.isDirectory() ? readdirNames(dir) : null;
    expect(refusal(() => claimFolder(dir, { by: 'report', option: '-o', refuse }))).toContain(message);
    if (before) expect(readdirNames(dir)).toEqual(before);
  });

  it('fixed names (export): other files may be there, but none of the names unless the command wrote it', () => {
    const dir = fresh();
    write(dir, { 'index.html': 'user' });
    const c = claimFolder(dir, { by: 'export', option: '-o', names: ['model.json', 'pipe.json'] });
    write(dir, { 'model.json': '1', 'pipe.json': '1' });
    c.finish();
    expect(() => claimFolder(dir, { by: 'export', option: '-o', names: ['model.json', 'pipe.json'] })).not.toThrow();
    const other = fresh();
    write(other, { 'model.json': 'user' });
    expect(refusal(() => claimFolder(other, { by: 'export', option: '-o', names: ['model.json'] }))).toBe(`-o ${other}: already holds model.json, which pipe export did not write (name another folder, or move the file away)`);
  });
});

function readdirNames(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

describe('the commands that write a folder the user names', () => {
  /** A run folder with no stages: enough for a report. */
  function fakeRun(): { top: string; run: string } {
    const top = fresh();
    const run = join(top, 'outputs', 'runs', 'p-1');
    write(run, { 'pipeline.yaml': 'name: p\nseed: 0\ndataset: {format: image-folder, root: /nonexistent}\naugment: {}\nmodels: {}\nstages: {}\n', 'run.json': '{}' });
    return { top, run };
  }

  it.each([
    ['/', 'is a filesystem root'],
    ['outputs', 'is the outputs folder'],
    ['outputs/runs', 'is the runs folder'],
    ['outputs/runs/p-1', 'is a run folder'],
    ['outputs/runs/p-1/run.json', 'is a file, not a folder'],
    ['mine', 'the folder is not empty and holds no .pipe-report.json'],
  ])('pipe report -o %s is refused with exit 2', (out, message) => {
    const { top } = fakeRun();
    write(top, { 'mine/images/x.png': 'user' });
    const r = runPipe(['report', 'outputs/runs/p-1', '-o', out], { cwd: top });
    expect(r.stderr).toContain(message);
    expect(r.code).toBe(2);
    expect(readFileSync(join(top, 'mine/images/x.png'), 'utf8')).toBe('user');
  });

  it('pipe report twice into its folder: the second replaces the first, a file the user added stays', () => {
    const { top } = fakeRun();
    expect(runPipe(['report', 'outputs/runs/p-1', '-o', 'rep'], { cwd: top }).code).toBe(0);
    write(top, { 'rep/images/mine.png': 'user' });
    const r = runPipe(['report', 'outputs/runs/p-1', '-o', 'rep'], { cwd: top });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readFileSync(join(top, 'rep/images/mine.png'), 'utf8')).toBe('user');
  });

  it('pipe make-demo-data refuses a folder with files of its own, and rewrites its own', () => {
    const top = fresh();
    write(top, { 'd/notes.txt': 'user' });
    const r = runPipe(['make-demo-data', 'd', '--classes', '2', '--train', '1', '--val', '1', '--size', '8'], { cwd: top });
    expect(r.stderr).toContain('the folder is not empty and holds no .pipe-make-demo-data.json');
    expect(r.code).toBe(2);
    for (const classes of ['3', '2']) expect(runPipe(['make-demo-data', 'e', '--classes', classes, '--train', '1', '--val', '1', '--size', '8'], { cwd: top }).code).toBe(0);
    // The third class of the first run is gone with its files: the marker listed them.
    const wnids = readFileSync(join(top, 'e', 'wnids.txt'), 'utf8').trim().split('\n');
    expect(wnids).toHaveLength(2);
    expect(JSON.parse(readFileSync(join(top, 'e', '.pipe-make-demo-data.json'), 'utf8')).files.filter((f: string) => f.startsWith('train/')).length).toBe(4);
  });
});
