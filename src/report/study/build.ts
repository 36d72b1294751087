// `pipe report STUDY_DIR`: the study record (study.json) as one document, written as report.md
// (charts beside it) and report.html (self-contained), as the run report is.
import type { ReportDocument, Section } from '../document.js';
import { writeDocument, type WrittenReport } from '../write-document.js';
import type { StudyFolder } from './folder.js';
import { chartSection, failedSection, networkSection, trialCurveSection, trialSection, utc } from './sections.js';
import { studyTrials } from './trials.js';

/** Writes the report into `dir`, which the caller has claimed (src/cache/owned-folder.ts). */
export async function writeStudyReport(folder: StudyFolder, dir: string): Promise<WrittenReport> {
  const { record } = folder;
  const trials = studyTrials(record);
  const networks = networkSection(record, trials);
  // A study of several pipelines is a comparison of networks (Table 1): that table leads.
  const severalPipelines = trials.columns.some((c) => c.path === 'pipeline');
  const sections: Section[] = severalPipelines ? [networks, trialSection(record, trials)] : [trialSection(record, trials), networks];
  const failed = failedSection(trials);
  if (failed) sections.push(failed);
  sections.push(await chartSection(record, trials), await trialCurveSection(record, trials));
  const document: ReportDocument = { title: `Study ${record.study}`, runs: describeStudy(folder), sections };
  return { ...writeDocument(document, dir), document };
}

function describeStudy({ record, shownAs }: StudyFolder): string[] {
  const state = record.status === 'running' ? `running (a snapshot of ${utc(record.updated)})` : `${record.status}, last written ${utc(record.updated)}`;
  const lines = [`${shownAs}: study ${record.study} from ${record.file}, started ${utc(record.started)}, ${state}`, `backend ${record.backend}, ${record.workers} worker${record.workers === 1 ? '' : 's'} per job, ${record.jobs} job${record.jobs === 1 ? '' : 's'} at a time`];
  const p = record.prune;
  if (p) lines.push(`pruned by successive halving on stage ${p.stage}: first rung after ${p.min_epochs} epoch${p.min_epochs === 1 ? '' : 's'}, the best 1/${p.eta} go on at each`);
  return lines;
}
