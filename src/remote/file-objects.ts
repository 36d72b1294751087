// A remote in a folder (file:///path), e.g. a mount several machines share. Each object is a file
// written to a temporary name, fsynced and renamed into place, so a reader on any machine sees a
// whole file or none; temporaries (`.tmp-<pid>-<random>`) are never listed.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, rmdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { checkObjectName, type ObjectStore } from './objects.js';

const TEMPORARY = /\.tmp-\d+-[0-9a-z]+$/;

export class FolderObjects implements ObjectStore {
  constructor(
    readonly dir: string,
    readonly url: string,
  ) {}

  private path(name: string): string {
    return join(this.dir, ...checkObjectName(name).split('/'));
  }

  async list(prefix: string): Promise<string[]> {
    // Walk the deepest folder the prefix names in full, then filter by the rest.
    const base = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    const found: string[] = [];
    const walk = async (rel: string) => {
      let entries;
      try {
        entries = await readdir(rel ? join(this.dir, ...rel.split('/')) : this.dir, { withFileTypes: true });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw e;
      }
      for (const e of entries) {
        const name = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory()) await walk(name);
        else if (e.isFile() && !TEMPORARY.test(e.name) && name.startsWith(prefix)) found.push(name);
      }
    };
    await walk(base);
    return found;
  }

  async read(name: string): Promise<Uint8Array | null> {
    try {
      return await readFile(this.path(name));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  async write(name: string, bytes: Uint8Array): Promise<void> {
    const path = this.path(name);
    await mkdir(dirname(path), { recursive: true });
    // pid and a random part: two machines on one mount may have the same pid.
    const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      // Another machine may remove the folder once empty (remove() below) between the two steps.
      const file = await open(tmp, 'w').catch(async () => (await mkdir(dirname(path), { recursive: true }), open(tmp, 'w')));
      try {
        await file.writeFile(bytes);
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(tmp, path);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
  }

  async exists(name: string): Promise<boolean> {
    return (await stat(this.path(name)).catch(() => null))?.isFile() ?? false;
  }

  async remove(name: string): Promise<void> {
    await rm(this.path(name), { force: true });
    // Folders left empty go too (an entry's resume/ once it is complete), never the remote's own.
    for (let d = dirname(this.path(name)); d.startsWith(`${this.dir}/`); d = dirname(d)) {
      if (!(await rmdir(d).then(() => true, () => false))) break;
    }
  }

  close(): void {}
}
