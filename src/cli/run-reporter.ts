// What `pipe run` prints. Without a terminal (CI, pipes): plain lines, one per epoch, no control
// codes. On a terminal: the listr2 view of run-view.ts. --json: one JSON event per line.
// --quiet: only the summary. Whatever the console shows, `log` (the run folder's run.log) gets the
// plain lines.
import { thousands } from '../format.js';
import type { EpochRecord, StageResult } from '../train/loop.js';
import type { RunEvents, RunResult } from '../train/run.js';
import { summaryTable } from '../train/summary.js';
import { runView, type RunView } from './run-view.js';
import type { Io } from './command.js';

export interface RunReporter {
  readonly events: RunEvents;
  start(pipeline: string, backend: string): void;
  finish(result: RunResult): Promise<void>;
}

/** Both the view and the plain bookkeeping (ETA, JSON) see every event. */
function viewEvents(view: RunView, plain: RunEvents): Partial<RunEvents> {
  return {
    stageStart: (s, i) => (plain.stageStart(s, i), view.events.stageStart(s, i)),
    step: (...a) => view.events.step?.(...a),
    epoch: (r) => (plain.epoch(r), view.events.epoch(r)),
    stageEnd: (s, r, d) => (plain.stageEnd(s, r, d), view.events.stageEnd(s, r, d)),
    stageReused: (s, k, d) => (plain.stageReused?.(s, k, d), view.events.stageReused(s, k, d)),
  };
}

const pct = (v: number | null | undefined) => (v === null || v === undefined ? '-' : `${(100 * v).toFixed(2)}%`);

export function epochLine(r: EpochRecord, etaSeconds: number | null): string {
  const parts = [
    `[${r.stage}] epoch ${r.epoch}/${r.epochs}`,
    r.train ? `loss ${r.train.loss.toFixed(4)}` : null,
    r.train?.top1 != null ? `train ${pct(r.train.top1)}` : null,
    r.val ? `val_loss ${r.val.loss.toFixed(4)}` : null,
    r.val?.top1 != null ? `val ${pct(r.val.top1)}` : null,
    r.train ? `lr ${r.lr.toExponential(2)}` : null,
    r.train ? `${Math.round(r.imagesPerSecond)} img/s` : null,
    etaSeconds === null ? null : `ETA ${duration(etaSeconds)}`,
  ];
  return parts.filter((p) => p !== null).join('  ');
}

export function duration(s: number): string {
  if (s < 60) return `${Math.round(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** Skipped files named on stderr; the run folder's skipped.json lists all of them. */
const SKIPPED_SHOWN = 20;

export function runReporter(io: Io, opts: { quiet: boolean; json: boolean; stages: readonly string[]; log?: (text: string) => void }): RunReporter {
  const view = io.isTty && !opts.quiet && !opts.json ? runView(opts.stages, epochLine) : null;
  const log = opts.log ?? (() => {});
  // The log first: a run killed the moment a line shows has that line in run.log too.
  const say = (line: string) => {
    log(line + '\n');
    if (!opts.quiet && !opts.json && !view) io.out(line + '\n');
  };
  const emit = (event: Record<string, unknown>) => {
    if (opts.json) io.out(JSON.stringify(event) + '\n');
  };
  const stageSeconds = new Map<string, number>();
  const decoded = new Map<string, number>();
  const plain: RunEvents = {
    stageStart(stage, info) {
      stageSeconds.set(stage, 0);
      say(`[${stage}] ${info.model}: ${thousands(info.parameters)} parameters, ${info.trainImages} training images, ${info.stepsPerEpoch} steps per epoch, ${info.epochs} epochs`);
      emit({ event: 'stage', stage, ...info });
    },
    decode(split, done, total, skipped = 0) {
      // A line per tenth: Tiny ImageNet's 100,000 JPEGs take minutes to decode the first time.
      const tenth = Math.floor((10 * done) / total);
      if (done === total) say(`decoded the ${split} split: ${total - skipped} images${skipped ? `, ${skipped} skipped (dataset.on_bad_image: skip)` : ''}`);
      else if (tenth > (decoded.get(split) ?? 0)) say(`decoding the ${split} split: ${done}/${total}`);
      decoded.set(split, tenth);
    },
    skipped(split, files, listed) {
      emit({ event: 'skipped', split, listed, files: files.map(({ file, reason }) => ({ file, reason })) });
      // On stderr, whatever the view: every skipped file is named (the first SKIPPED_SHOWN here,
      // all of them in the run folder's skipped.json).
      const shown = files.slice(0, SKIPPED_SHOWN).map((f) => `  ${f.file}: ${f.reason}\n`).join('');
      const more = files.length > SKIPPED_SHOWN ? `  ... and ${files.length - SKIPPED_SHOWN} more\n` : '';
      const warning = `warning: the ${split} split: ${files.length} of ${listed} images skipped (dataset.on_bad_image: skip; listed in the run folder's skipped.json):\n${shown}${more}`;
      log(warning);
      if (!opts.json) io.err(warning);
    },
    epoch(r) {
      const spent = (stageSeconds.get(r.stage) ?? 0) + r.seconds;
      stageSeconds.set(r.stage, spent);
      const eta = r.epoch < r.epochs ? (spent / r.epoch) * (r.epochs - r.epoch) : null;
      say(epochLine(r, eta));
      emit({ event: 'epoch', ...r, train: r.train && { ...r.train, perClassCorrect: undefined, perClassCount: undefined }, val: r.val, eta });
    },
    stageReused(stage, key, dir) {
      say(`[${stage}] reused from the cache (key ${key.slice(0, 12)}): ${dir}`);
      emit({ event: 'stage_reused', stage, key, dir });
    },
    stageResumed(stage, from) {
      say(`[${stage}] resuming at epoch ${from.epoch + 1}, step ${from.step} (${from.checkpoint})`);
      emit({ event: 'stage_resumed', stage, ...from });
    },
    stageEnd(stage, result: StageResult, dir) {
      const how = result.stopped === 'completed' ? 'done' : result.stopped.replace('_', ' ');
      say(`[${stage}] ${how}: ${result.stopped === 'interrupted' ? `checkpoint in ${dir} (run the pipeline again to continue)` : `model saved to ${dir}`}`);
      emit({ event: 'stage_end', stage, stopped: result.stopped, best: result.best, dir });
    },
  };
  return {
    start(pipeline, backend) {
      say(`pipe run ${pipeline} on ${backend}`);
      emit({ event: 'start', pipeline, backend });
    },
    events: view ? { ...plain, ...viewEvents(view, plain) } : plain,
    async finish(result) {
      await view?.close();
      const reused = result.reused.length ? `reused from the cache: ${result.reused.join(', ')}\n` : '';
      const summary = `\n${summaryTable(result.rows)}\n${reused}run folder: ${result.dir}\n`;
      log(summary);
      if (opts.json) emit({ event: 'end', dir: result.dir, summary: result.rows, interrupted: result.interrupted, reused: result.reused });
      else io.out(summary);
    },
  };
}
