// What `pipe study` prints: the plan (trials x stages), a line per job event, the final table of
// trials best first, and `--status` of a study running elsewhere.
import { textTable } from '../diff/text-table.js';
import { processAlive } from '../cache/files.js';
import { hostname } from 'node:os';
import type { StudyJob, StudyPlan } from '../study/plan.js';
import type { StudyRecord } from '../study/record.js';
import { studyTrials } from '../report/study/trials.js';
import type { ResolvedStudy } from '../study/types.js';
import { duration, epochLine } from './run-reporter.js';

const metricLabel = (r: Pick<StudyRecord, 'metric'>) => `${r.metric.stage}.${r.metric.name}`;

export function formatMetric(name: string, v: number | null): string {
  if (v === null) return '-';
  return /top/.test(name) ? `${(100 * v).toFixed(2)}%` : v.toPrecision(4);
}

/** Trials x stages: `cached`, `run`, or `= N` (trial N's job: shared, trained once); a trial a
 *  check refused has `-` and its reason below. */
export function planTable(study: ResolvedStudy, plan: StudyPlan): string {
  const stages = [...new Set(plan.jobs.map((j) => j.stage))];
  const byKey = new Map(plan.jobs.map((j) => [j.key, j]));
  const rows = study.trials.map((t, i) => {
    const keys = plan.trials[i].keys;
    const cells = stages.map((s) => {
      const job = keys?.[s] === undefined ? undefined : byKey.get(keys[s]);
      if (!job) return '';
      if (job.cached) return 'cached';
      return job.trial === i ? 'run' : `= ${job.trial + 1}`;
    });
    return [String(i + 1), t.name, ...(keys ? cells : stages.map(() => '-'))];
  });
  // One line per reason, naming the trials it stops.
  const reasons = new Map<string, string[]>();
  study.trials.forEach((t, i) => {
    const error = plan.trials[i].error;
    if (error !== null) reasons.set(error, [...(reasons.get(error) ?? []), `${i + 1} ${t.name}`]);
  });
  const refused = [...reasons].map(([error, trials]) => `cannot run: ${trials.join(', ')}: ${error}\n`);
  const toRun = plan.jobs.filter((j) => !j.cached);
  const uses = plan.trials.reduce((n, t) => n + (t.keys ? Object.keys(t.keys).length : 0), 0);
  const failed = plan.trials.filter((t) => t.error).length;
  return (
    textTable(['#', 'trial', ...stages], rows, [0]) +
    refused.join('') +
    `${study.trials.length} trial${study.trials.length === 1 ? '' : 's'}${failed ? ` (${failed} cannot run)` : ''}, ${plan.jobs.length} distinct stage${plan.jobs.length === 1 ? '' : 's'}: ${plan.jobs.length - toRun.length} cached, ${toRun.length} to run; sharing saves ${uses - plan.jobs.length} stage run${uses - plan.jobs.length === 1 ? '' : 's'} ('= N': trained once, by trial N's job)\n`
  );
}

/** `finetune of task2_ae[finetune.lr=0.001] (+5 trials)`. */
export function jobLabel(study: ResolvedStudy, job: StudyJob): string {
  const others = job.trials.length - 1;
  return `${job.stage} of ${study.trials[job.trial].name}${others ? ` (+${others} trial${others === 1 ? '' : 's'})` : ''}`;
}

export { epochLine };

/** The trials, best first (by the metric), then those without a value; failures said below. */
export function trialsTable(record: StudyRecord): string {
  // Ranked as the study report ranks them (a metric that is not a finite number is unranked).
  const rows = studyTrials(record).ranked.map((r) => [r.rank === null ? '' : String(r.rank), r.trial.name, r.trial.status, formatMetric(record.metric.name, r.metric)]);
  let text = textTable(['rank', 'trial', 'status', `${metricLabel(record)} (${record.metric.goal})`], rows, [0, 3]);
  const failed = record.trials.filter((t) => t.status === 'failed');
  for (const t of failed) text += `failed: ${t.name}: ${t.error}\n`;
  return text;
}

/** `pipe study FILE --status`: where a study stands, from its record. */
export function statusText(dir: string, record: StudyRecord): string {
  const gone = record.status === 'running' && record.host === hostname() && !processAlive(record.pid);
  const state = gone ? 'running when its process (pid ' + record.pid + ') ended: run the study again to continue' : record.status;
  const count = (s: string) => record.trials.filter((t) => t.status === s).length;
  const running = record.stages.filter((x) => x.status === 'running');
  const counts = ['done', 'running', 'pending', 'pruned', 'failed', 'stopped'].map((s) => [s, count(s)] as const).filter(([, n]) => n > 0);
  const lines = [
    `study ${record.study}: ${state}`,
    `  folder ${dir}`,
    `  started ${record.started}, updated ${record.updated} (pid ${record.pid} on ${record.host})`,
    // A trial is running while any of its stages is, a shared one included: say the jobs too.
    `  trials: ${counts.map(([s, n]) => `${n} ${s}`).join(', ')}; ${running.length} stage job${running.length === 1 ? '' : 's'} training`,
  ];
  for (const s of running) {
    const last = s.records[s.records.length - 1];
    // The record's seconds count finished runs of a job only; its epochs' own times are live.
    const trained = s.records.reduce((sum, r) => sum + r.seconds, 0);
    lines.push(`  running: ${s.stage} of ${record.trials[s.trials[0]].name}${last ? `: ${epochLine(last, null)} (${duration(trained)} of epochs so far)` : ': in its first epoch'}`);
  }
  return lines.join('\n') + '\n' + trialsTable(record);
}
