// `pipe run` on a terminal: a listr2 view with one task per stage, its title showing the epoch
// and its output bar the last epoch's line. runPipeline's events drive it; each stage's task only
// waits for that stage to end (listr2 starts them one after another, as the run does).
import { Listr, type DefaultRenderer, type ListrTaskWrapper, type SimpleRenderer } from 'listr2';
import type { RunEvents } from '../train/run.js';
import type { epochLine } from './run-reporter.js';

// listr2's wrapper type is generic over its renderers; the view only sets title, output and skip.
type Task = Pick<ListrTaskWrapper<unknown, typeof DefaultRenderer, typeof SimpleRenderer>, 'title' | 'output' | 'skip'>;

interface StageSlot {
  readonly task: Promise<Task>;
  start(task: Task): void;
  end(): void;
  ended: boolean;
}

export interface RunView {
  readonly events: Pick<RunEvents, 'stageStart' | 'step' | 'epoch' | 'stageEnd'> & Required<Pick<RunEvents, 'stageReused'>>;
  /** Marks stages that never ran (an interrupted run) as skipped and waits for the last frame. */
  close(): Promise<void>;
}

export function runView(stages: readonly string[], line: typeof epochLine): RunView {
  const slots = new Map<string, StageSlot>();
  const finishers = new Map<string, () => void>();
  for (const stage of stages) {
    let start!: (t: Task) => void;
    const task = new Promise<Task>((r) => (start = r));
    slots.set(stage, { task, start, end: () => finishers.get(stage)?.(), ended: false });
  }
  const list = new Listr<unknown>(
    stages.map((stage) => ({
      title: stage,
      task: (_ctx: unknown, task: Task) =>
        new Promise<void>((resolve) => {
          finishers.set(stage, resolve);
          slots.get(stage)!.start(task);
          if (slots.get(stage)!.ended) resolve();
        }),
      rendererOptions: { outputBar: 1, persistentOutput: true },
    })),
    { concurrent: false, exitOnError: false },
  );
  const running = list.run().catch(() => undefined);
  const withTask = (stage: string, f: (t: Task) => void) => void slots.get(stage)?.task.then(f);
  return {
    events: {
      stageStart(stage, info) {
        withTask(stage, (t) => (t.title = `${stage}: ${info.model}, ${info.epochs} epochs of ${info.stepsPerEpoch} steps`));
      },
      step(stage, epoch, step, steps) {
        if (step % 10 === 0 || step === steps - 1) withTask(stage, (t) => (t.title = `${stage}: epoch ${epoch + 1}, step ${step + 1}/${steps}`));
      },
      epoch(r) {
        withTask(r.stage, (t) => {
          t.title = `${r.stage}: epoch ${r.epoch}/${r.epochs}`;
          t.output = line(r, null);
        });
      },
      stageEnd(stage) {
        const slot = slots.get(stage)!;
        slot.ended = true;
        slot.end();
      },
      stageReused(stage, key) {
        withTask(stage, (t) => (t.title = `${stage}: reused from the cache (${key.slice(0, 12)})`));
        const slot = slots.get(stage)!;
        slot.ended = true;
        slot.end();
      },
    },
    async close() {
      for (const stage of stages) {
        const slot = slots.get(stage)!;
        if (!slot.ended) {
          const t = await slot.task;
          t.skip('not run');
          slot.ended = true;
          slot.end();
        }
      }
      await running;
    },
  };
}
