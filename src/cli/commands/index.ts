// The command table: a plain list. Order here is the order `pipe --help` shows.
import type { Command } from '../command.js';
import { cache } from './cache.js';
import { diff } from './diff.js';
import { doctor } from './doctor.js';
import { exportCommand } from './export.js';
import { makeDemoData } from './make-demo-data.js';
import { preview } from './preview.js';
import { queue } from './queue.js';
import { report } from './report.js';
import { run } from './run.js';
import { runs } from './runs.js';
import { schedule } from './schedule.js';
import { schema } from './schema.js';
import { serve } from './serve.js';
import { study } from './study.js';
import { show } from './show.js';
import { validate } from './validate.js';
import { worker } from './worker.js';

export const commands: readonly Command[] = [validate, show, run, runs, study, preview, report, serve, diff, exportCommand, cache, worker, queue, makeDemoData, schedule, schema, doctor];
