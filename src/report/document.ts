// A report as data: sections of text, tables, charts and pictures. build.ts makes one from run
// folders; markdown.ts and html.ts print it, so report.md and report.html say the same things.

/** A picture written under the report folder. */
export interface ImageRef {
  /** Relative to the report folder, with '/' separators (e.g. `images/r1-finetune-c3-17.png`). */
  readonly file: string;
  readonly alt: string;
  /** Shown under the picture, e.g. `taken for ox`. */
  readonly caption?: string;
}

export type Cell = string | { readonly images: readonly ImageRef[] };

export interface Column {
  readonly title: string;
  readonly align?: 'left' | 'right';
}

export type Block =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'table'; readonly caption?: string; readonly columns: readonly Column[]; readonly rows: readonly (readonly Cell[])[] }
  /** An SVG chart: inline in the HTML, `charts/<id>.svg` beside report.md. */
  | { readonly kind: 'chart'; readonly id: string; readonly caption: string; readonly svg: string }
  | { readonly kind: 'picture'; readonly image: ImageRef; readonly caption: string };

export interface Section {
  readonly title: string;
  readonly level: 2 | 3;
  readonly blocks: readonly Block[];
}

export interface ReportDocument {
  readonly title: string;
  /** One line per run: which folder, when, on what backend. */
  readonly runs: readonly string[];
  readonly sections: readonly Section[];
}

/** The chart's file beside report.md. */
export function chartFile(id: string): string {
  return `charts/${id}.svg`;
}
