// Runs each stage job in a child process of its own on this machine (job-process.ts): a job
// that crashes, runs out of memory or is killed takes nothing else with it, and each job's
// training workers have their share of the cores.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { siblingModule } from '../data/module-worker.js';
import type { JobEvent, JobOutcome, StageExecutor, StageJobSpec } from './executor.js';

/** The last lines a crashed job printed, kept for its failure message. */
const KEPT_LINES = 20;

export class LocalExecutor implements StageExecutor {
  private readonly running = new Set<ChildProcess>();
  private stopping = false;

  constructor(
    readonly slots: number,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  run(job: StageJobSpec, onEvent: (e: Exclude<JobEvent, { type: 'end' }>) => void): Promise<JobOutcome> {
    const module = siblingModule(import.meta.url, 'job-process');
    // Built, the module is plain JS; from the sources (tests, tsx) Node needs tsx's loader.
    const args = module.pathname.endsWith('.ts') ? ['--import', 'tsx', module.pathname] : [module.pathname];
    const child = spawn(process.execPath, [...args, JSON.stringify(job)], { env: this.env, stdio: ['pipe', 'pipe', 'pipe', 'pipe'] });
    this.running.add(child);
    if (this.stopping) child.kill('SIGTERM');
    const printed: string[] = [];
    const keep = (stream: Readable | null) =>
      stream &&
      createInterface({ input: stream }).on('line', (line) => {
        printed.push(line);
        if (printed.length > KEPT_LINES) printed.shift();
      });
    keep(child.stdout);
    keep(child.stderr);
    let outcome: JobOutcome | null = null;
    createInterface({ input: child.stdio[3] as Readable }).on('line', (line) => {
      let e: JobEvent;
      try {
        e = JSON.parse(line) as JobEvent;
      } catch {
        // Not an event (nothing but job-process.ts writes there): kept for a failure message.
        printed.push(line);
        return;
      }
      if (e.type === 'end') outcome = e.outcome;
      else onEvent(e);
    });
    return new Promise((resolve) => {
      const finish = (why: string) => {
        this.running.delete(child);
        resolve(outcome ?? { status: 'failed', records: [], error: `the job's process ${why}${printed.length ? `; its last output:\n${printed.join('\n')}` : ''}` });
      };
      child.on('error', (e) => finish(`could not start: ${e.message}`));
      child.on('close', (code, signal) => finish(signal ? `was killed by ${signal}` : `exited with code ${code} before saying how the job ended`));
    });
  }

  stop(): void {
    this.stopping = true;
    for (const child of this.running) child.kill('SIGTERM');
  }
}
