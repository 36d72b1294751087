import { basename, dirname, join, relative, resolve } from 'node:path';
import type { RefusedFolder } from '../../cache/owned-folder.js';
import { inputError } from '../../errors.js';
import type { Command, Io } from '../command.js';

export const report: Command = {
  name: 'report',
  summary: 'write report.md and a self-contained report.html for one run or several side by side, or for a study',
  usage: 'pipe report RUN_DIR... [-o DIR] | pipe report STUDY_DIR [-o DIR]',
  positionals: { min: 1, max: Infinity },
  description:
    'Reads run folders (outputs/runs/<pipeline>-<time>/) and writes a report of them: the results table (stage, model, epochs, parameters, best val top-1), loss and accuracy per epoch with a dashed line where the learning rate changed (several runs overlaid), for each classifier the correct predictions per class, the best and worst classes by name with example validation images and the most confused pairs, and the preview grid of each augment chain the pipeline\'s report section names.\nreport.html holds everything inline (SVG charts, pictures) and opens from disk; report.md has its charts and pictures beside it.\nGiven a study folder (outputs/studies/<study>-<time>/, it holds study.json), the report is the study\'s: every trial with its swept values, metric and status, best first; the Table 1 layout (network, parameters, epochs, best val top-1, time per epoch); the failed trials with their errors; parallel coordinates of the swept values and the metric, the metric against each swept value, and the metric per epoch of the best trials. A running study\'s report is a snapshot.',
  options: [{ name: 'out', short: 'o', type: 'string', value: 'DIR', description: 'a new or empty folder, or one an earlier pipe report wrote (it lists its files in .pipe-report.json, and only those are replaced; default: the run or study folder\'s report/, or outputs/reports/<first run>-and-<n> for several runs)' }],
  async run(args, io) {
    const { isStudyFolder } = await import('../../report/study/folder.js');
    const studies = args.positionals.filter((dir) => isStudyFolder(resolve(io.cwd, dir)));
    if (studies.length) return reportStudy(args.positionals, studies, args.values.out as string | undefined, io);
    const { readRunFolder } = await import('../../report/run-folder.js');
    const runs = [];
    for (const dir of args.positionals) runs.push(await readRunFolder(resolve(io.cwd, dir), dir));
    const out = resolve(io.cwd, (args.values.out as string | undefined) ?? defaultOut(runs.map((r) => r.dir)));
    const { claimFolder } = await import('../../cache/owned-folder.js');
    const claimed = claimFolder(out, { by: 'report', option: '-o', refuse: runs.flatMap((r) => outputFolders(r.dir, 'run')) });
    const { writeReport } = await import('../../report/build.js');
    // Recorded even when writing fails part-way: a rerun then removes what this one wrote.
    const written = await writeReport(runs, out).finally(() => claimed.finish());
    io.out(`wrote ${shown(io.cwd, written.html)} and ${shown(io.cwd, written.markdown)} (${runs.length} run${runs.length > 1 ? 's' : ''}, ${written.document.sections.length} sections)\n`);
    return 0;
  },
};

/** A study's report: one study folder, alone (its trials are runs of their own kind). */
async function reportStudy(dirs: readonly string[], studies: readonly string[], out: string | undefined, io: Io): Promise<number> {
  if (dirs.length > 1) {
    const what = studies.length > 1 ? 'several study folders' : `a study folder (${studies[0]}) and ${dirs.length > 2 ? 'other folders' : 'a run folder'}`;
    throw inputError(`pipe report was given ${what}: a study's report is made of one study folder alone`, { hint: 'run pipe report once per study' });
  }
  const { readStudyFolder } = await import('../../report/study/folder.js');
  const folder = readStudyFolder(resolve(io.cwd, dirs[0]), dirs[0]);
  const target = resolve(io.cwd, out ?? join(folder.dir, 'report'));
  const { claimFolder } = await import('../../cache/owned-folder.js');
  const claimed = claimFolder(target, { by: 'report', option: '-o', refuse: outputFolders(folder.dir, 'study') });
  const { writeStudyReport } = await import('../../report/study/build.js');
  const written = await writeStudyReport(folder, target).finally(() => claimed.finish());
  const n = folder.record.trials.length;
  io.out(`wrote ${shown(io.cwd, written.html)} and ${shown(io.cwd, written.markdown)} (study ${folder.record.study}, ${n} trial${n === 1 ? '' : 's'}, ${written.document.sections.length} sections)\n`);
  return 0;
}

function shown(cwd: string, p: string): string {
  return relative(cwd, p).startsWith('..') ? p : relative(cwd, p);
}

function defaultOut(dirs: readonly string[]): string {
  if (dirs.length === 1) return resolve(dirs[0], 'report');
  return resolve(dirs[0], '..', '..', 'reports', `${basename(dirs[0])}-and-${dirs.length - 1}`);
}

/** A run or study folder, and the outputs folder holding it (when it sits in one's runs/ or
 *  studies/): no report goes there. */
function outputFolders(dir: string, is: 'run' | 'study'): RefusedFolder[] {
  const parent = is === 'run' ? 'runs' : 'studies';
  const out: RefusedFolder[] = [{ path: dir, is: `a ${is} folder` }];
  if (basename(dirname(dir)) === parent) out.push({ path: dirname(dirname(dir)), is: 'the outputs folder' }, { path: dirname(dir), is: `the ${parent} folder` });
  return out;
}
