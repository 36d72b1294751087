// A report document written twice into its folder: report.md with its charts as files under
// charts/, and report.html, self-contained. The run report and the study report both end here.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chartFile, type ReportDocument } from './document.js';
import { toHtml } from './html.js';
import { toMarkdown } from './markdown.js';

export interface WrittenReport {
  readonly markdown: string;
  readonly html: string;
  readonly document: ReportDocument;
}

/** Writes into `dir`, which the caller has claimed (src/cache/owned-folder.ts); returns the two files. */
export function writeDocument(document: ReportDocument, dir: string): { markdown: string; html: string } {
  for (const s of document.sections) {
    for (const b of s.blocks) {
      if (b.kind !== 'chart') continue;
      mkdirSync(join(dir, 'charts'), { recursive: true });
      writeFileSync(join(dir, chartFile(b.id)), b.svg);
    }
  }
  const markdown = join(dir, 'report.md');
  const html = join(dir, 'report.html');
  writeFileSync(markdown, toMarkdown(document));
  writeFileSync(html, toHtml(document, dir));
  return { markdown, html };
}
