// Paths into a pipeline: ['stages', 'pretrain', 'optimizer', 'lr'] <-> `stages.pretrain.optimizer.lr`,
// with list items as [3]: `models.densenet.nodes[3].filters`.

export type PathSegment = string | number;

/** A path as `--set` and a study's axes write it: `stages.finetune.optimizer.lr`, `models.head.nodes[2].units`. */
export const SET_PATH_PATTERN = '^[A-Za-z_][A-Za-z0-9_-]*(\\.[A-Za-z0-9_-]+|\\[[0-9]+\\])*$';
export type Path = readonly PathSegment[];

export function formatPath(path: Path): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out;
}

/** Parses `a.b[3].c` or `a.b.3.c` (the form a shell user types in --set). */
export function parsePath(text: string): Path {
  const out: PathSegment[] = [];
  for (const part of text.split('.')) {
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) return [...out, part];
    if (m[1] !== '') out.push(/^\d+$/.test(m[1]) ? Number(m[1]) : m[1]);
    for (const idx of m[2].matchAll(/\[(\d+)\]/g)) out.push(Number(idx[1]));
  }
  return out;
}

/** ajv's instancePath (`/stages/pretrain/epochs`) as a Path; numeric segments become list indices. */
export function fromJsonPointer(pointer: string, data: unknown): Path {
  if (pointer === '') return [];
  const out: PathSegment[] = [];
  let node: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const key: PathSegment = Array.isArray(node) && /^\d+$/.test(seg) ? Number(seg) : seg;
    out.push(key);
    node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key as string] : undefined;
  }
  return out;
}

export function getAt(value: unknown, path: Path): unknown {
  let node = value;
  for (const seg of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[seg];
  }
  return node;
}
