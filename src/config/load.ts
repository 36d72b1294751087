// Reads one YAML file into plain data, and finds where any path is written in it, so that any
// later error (schema, reference, graph shape) can point at file:line:col.
//
// Two parsers, for speed: js-yaml reads a valid file about ten times faster than `yaml` (which
// dominated `pipe validate`'s start-up), and `yaml`, which keeps source ranges, is run only when
// a location is needed (an error to report) or when js-yaml rejects the text (to report every
// syntax error, located). Both use the YAML 1.2 core schema, so they read the same values
// (test/config/load.test.ts checks that on every pipeline and fixture).
import { readFile } from 'node:fs/promises';
import { CORE_SCHEMA, load as fastLoad } from 'js-yaml';
import { createRequire } from 'node:module';
import type { Node } from 'yaml';
import { InputError, type Diagnostic, type SourceLocation } from '../errors.js';
import { documentProblems } from './document-limits.js';
import { formatPath } from './paths.js';

export interface LoadedFile {
  /** As the user named it (relative paths stay relative, for short messages). */
  readonly file: string;
  readonly value: unknown;
  /**
   * Where formatPath(path) is written: a map entry at its key, a list item at its start;
   * `${path}\0value` at the entry's value. Built on first use.
   */
  location(key: string): SourceLocation | undefined;
}

/** What a file holds, for the messages about its shape as a whole (empty, not a map, aliases). */
export interface DocumentKind {
  /** `pipeline`, `study`. */
  readonly noun: string;
  /** Its main sections, named when the file is empty. */
  readonly sections: string;
}

export const PIPELINE_DOCUMENT: DocumentKind = { noun: 'pipeline', sections: 'name, dataset, models and stages' };

export async function loadYamlFile(file: string, readAs: string = file, kind: DocumentKind = PIPELINE_DOCUMENT): Promise<LoadedFile> {
  let text: string;
  try {
    text = await readFile(readAs, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, not a file' : (e as Error).message;
    throw new InputError([{ message: `cannot read ${file}: ${why}` }]);
  }
  return parseYamlText(text, file, kind);
}

export function parseYamlText(text: string, file: string, kind: DocumentKind = PIPELINE_DOCUMENT): LoadedFile {
  let value: unknown;
  try {
    value = fastLoad(text, { schema: CORE_SCHEMA, filename: file });
  } catch {
    // Let `yaml` find and locate every problem; it throws an InputError listing them.
    const { value: v, index } = parseWithLocations(text, file);
    return finish(v, file, () => index, kind);
  }
  let index: Map<string, SourceLocation> | undefined;
  return finish(value, file, () => (index ??= parseWithLocations(text, file).index), kind);
}

function finish(value: unknown, file: string, index: () => ReadonlyMap<string, SourceLocation>, kind: DocumentKind): LoadedFile {
  const loaded: LoadedFile = { file, value, location: (key) => index().get(key) };
  if (value === null || value === undefined) throw new InputError([{ location: { file, line: 1, col: 1 }, message: `the file is empty: a ${kind.noun} is a map with ${kind.sections}` }]);
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new InputError([{ location: loaded.location('') ?? { file, line: 1, col: 1 }, message: `a ${kind.noun} must be a map of sections, found ${Array.isArray(value) ? 'a list' : typeof value}` }]);
  }
  const problems = documentProblems(
    value,
    (path, at) => {
      const key = formatPath(path);
      return (at === 'value' ? loaded.location(`${key}\u0000value`) : undefined) ?? loaded.location(key) ?? { file, line: 1, col: 1 };
    },
    undefined,
    kind.noun,
  );
  if (problems.length > 0) throw new InputError(problems);
  return loaded;
}

// Loaded on first need only: importing `yaml` costs about as much as js-yaml's whole parse.
type YamlModule = typeof import('yaml');
let yamlModule: YamlModule | undefined;
const yaml = (): YamlModule => (yamlModule ??= createRequire(import.meta.url)('yaml') as YamlModule);

function parseWithLocations(text: string, file: string): { value: unknown; index: Map<string, SourceLocation> } {
  const { LineCounter, parseDocument } = yaml();
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false, strict: true });
  const at = (offset: number): SourceLocation => ({ file, ...lines.linePos(offset) });
  const problems: Diagnostic[] = [...doc.errors, ...doc.warnings].map((e) => ({
    location: at(e.pos[0]),
    message: yamlMessage(e.code, e.message),
  }));
  if (problems.length > 0) throw new InputError(problems);
  const index = new Map<string, SourceLocation>();
  // Keys are formatPath() strings, built incrementally: the same text formatPath would make.
  if (doc.contents) indexNode(doc.contents, '', index, at);
  // Aliases stay shared references here, as js-yaml gives them; document-limits.ts bounds them
  // for both parsers alike.
  return { value: doc.toJS({ maxAliasCount: -1 }), index };
}

/**
 * Records where each path starts: a map entry at its key (the friendliest place to point), a
 * list item at its first character. `path\0value` holds where an entry's value starts.
 */
function indexNode(node: Node, path: string, index: Map<string, SourceLocation>, at: (o: number) => SourceLocation): void {
  const { isMap, isPair, isScalar, isSeq } = yaml();
  const setOnce = (key: string, offset: number | undefined) => {
    if (offset !== undefined && !index.has(key)) index.set(key, at(offset));
  };
  setOnce(path, node.range?.[0]);
  if (isMap(node)) {
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const keyNode = pair.key as Node | null;
      const key = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
      const child = path === '' ? key : `${path}.${key}`;
      setOnce(child, keyNode?.range?.[0]);
      const valueNode = pair.value as Node | null;
      setOnce(`${child}\u0000value`, valueNode?.range?.[0]);
      if (valueNode) indexNode(valueNode, child, index, at);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => {
      if (item && typeof item === 'object' && 'range' in item) indexNode(item as Node, `${path}[${i}]`, index, at);
    });
  }
}

function yamlMessage(code: string, message: string): string {
  const first = message.split('\n')[0].replace(/ at line \d+, column \d+.*$/, '');
  if (code === 'DUPLICATE_KEY') return `duplicate key: ${first.replace(/^Map keys must be unique.*$/, 'this key appears twice in the same map')}`;
  return `YAML syntax error: ${first}`;
}
