import { basename, dirname, relative, resolve } from 'node:path';
import type { RefusedFolder } from '../../cache/owned-folder.js';
import type { Command } from '../command.js';

export const report: Command = {
  name: 'report',
  summary: 'write report.md and a self-contained report.html for one run or several side by side',
  usage: 'pipe report RUN_DIR... [-o DIR]',
  positionals: { min: 1, max: Infinity },
  description:
    'Reads run folders (outputs/runs/<pipeline>-<time>/) and writes a report of them: the results table (stage, model, epochs, parameters, best val top-1), loss and accuracy per epoch with a dashed line where the learning rate changed (several runs overlaid), for each classifier the correct predictions per class, the best and worst classes by name with example validation images and the most confused pairs, and the preview grid of each augment chain the pipeline\'s report section names.\nreport.html holds everything inline (SVG charts, pictures) and opens from disk; report.md has its charts and pictures beside it.',
  options: [{ name: 'out', short: 'o', type: 'string', value: 'DIR', description: 'a new or empty folder, or one an earlier pipe report wrote (it lists its files in .pipe-report.json, and only those are replaced; default: the run folder\'s report/, or outputs/reports/<first run>-and-<n> for several)' }],
  async run(args, io) {
    const { readRunFolder } = await import('../../report/run-folder.js');
    const runs = [];
    for (const dir of args.positionals) runs.push(await readRunFolder(resolve(io.cwd, dir), dir));
    const out = resolve(io.cwd, (args.values.out as string | undefined) ?? defaultOut(runs.map((r) => r.dir)));
    const { claimFolder } = await import('../../cache/owned-folder.js');
    const claimed = claimFolder(out, { by: 'report', option: '-o', refuse: runs.flatMap((r) => runFolders(r.dir)) });
    const { writeReport } = await import('../../report/build.js');
    // Recorded even when writing fails part-way: a rerun then removes what this one wrote.
    const written = await writeReport(runs, out).finally(() => claimed.finish());
    const shown = (p: string) => (relative(io.cwd, p).startsWith('..') ? p : relative(io.cwd, p));
    io.out(`wrote ${shown(written.html)} and ${shown(written.markdown)} (${runs.length} run${runs.length > 1 ? 's' : ''}, ${written.document.sections.length} sections)\n`);
    return 0;
  },
};

function defaultOut(dirs: readonly string[]): string {
  if (dirs.length === 1) return resolve(dirs[0], 'report');
  return resolve(dirs[0], '..', '..', 'reports', `${basename(dirs[0])}-and-${dirs.length - 1}`);
}

/** A run folder, and the outputs folder holding it (when it sits in one's runs/): no report goes there. */
function runFolders(dir: string): RefusedFolder[] {
  const out: RefusedFolder[] = [{ path: dir, is: 'a run folder' }];
  if (basename(dirname(dir)) === 'runs') out.push({ path: dirname(dirname(dir)), is: 'the outputs folder' }, { path: dirname(dir), is: 'the runs folder' });
  return out;
}
