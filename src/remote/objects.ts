// What a remote is underneath: named objects, each written whole. A folder (file://) and a bucket
// (s3://) both give this; everything about entries (manifests, checksums, what is complete) is
// built once above it, in entries.ts.

export interface ObjectStore {
  /** The remote as messages name it (never with credentials). */
  readonly url: string;
  /** The names ('/'-separated, relative to the remote) of every object whose name starts with
   *  `prefix`, in no particular order. */
  list(prefix: string): Promise<string[]>;
  /** An object's bytes; null when there is none. */
  read(name: string): Promise<Uint8Array | null>;
  /** Writes an object whole: a reader sees the old bytes or the new ones, never a part. */
  write(name: string, bytes: Uint8Array): Promise<void>;
  exists(name: string): Promise<boolean>;
  /** Removes an object; one that is not there is no error. */
  remove(name: string): Promise<void>;
  /** Lets go of connections (an S3 client keeps them alive, which would hold the process open). */
  close(): void;
}

/** A name the stores accept: '/'-separated plain segments (no '', '.', '..', no backslash). Names
 *  are built from checked keys and file names, so this only guards against a bug. */
export function checkObjectName(name: string): string {
  const segments = name.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..' || s.includes('\\'))) throw new Error(`internal error: '${name}' is not an object name`);
  return name;
}
