// `pipe report RUN...`: reads the run folders, builds one document (results table, curves,
// per-class analysis, augmentation previews) and writes it twice: report.md with its charts and
// pictures as files beside it, and report.html, self-contained.
import type { ReportDocument, Section } from './document.js';
import { SplitImages } from './images.js';
import type { RunFolder } from './run-folder.js';
import { classSections } from './sections/classes.js';
import { curveSection } from './sections/curves.js';
import { previewSection } from './sections/previews.js';
import { summarySection } from './sections/summary.js';
import { writeDocument, type WrittenReport } from './write-document.js';

/** Writes the report into `dir`, which the caller has claimed (src/cache/owned-folder.ts): the
 *  files of an earlier report there are gone, and nothing else there is touched. */
export async function writeReport(runs: readonly RunFolder[], dir: string): Promise<WrittenReport> {
  const images = new SplitImages();
  const sections: Section[] = [summarySection(runs), await curveSection(runs), ...(await classSections(runs, { dir, images }))];
  const previews = await previewSection(runs, { dir, images });
  if (previews) sections.push(previews);
  const document: ReportDocument = { title: title(runs), runs: runs.map(describeRun), sections };
  return { ...writeDocument(document, dir), document };
}

function title(runs: readonly RunFolder[]): string {
  if (runs.length === 1) return runs[0].pipeline.report?.title ?? runs[0].pipeline.name;
  return `${runs.length} runs compared: ${[...new Set(runs.map((r) => r.pipeline.name))].join(', ')}`;
}

function describeRun(run: RunFolder): string {
  const when = run.started ? `started ${run.started.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}` : 'start time not recorded';
  return `${run.label}: pipeline ${run.pipeline.name}, ${when}, backend ${run.backend ?? 'not recorded'}`;
}
