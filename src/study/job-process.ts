// The process a local executor starts for one stage job: the job comes as JSON in argv[2], its
// events go out as JSON lines on file descriptor 3 (stdout and stderr stay free for whatever
// the libraries print). SIGTERM, SIGINT, or the parent going away (stdin closes) stop the stage
// after its current step, checkpointed.
import { createWriteStream } from 'node:fs';
import type { JobEvent, StageJobSpec } from './executor.js';
import { runStageJob } from './job.js';

const events = createWriteStream('', { fd: 3 });
const send = (e: JobEvent) => events.write(JSON.stringify(e) + '\n');

let stop = false;
const onStop = () => {
  stop = true;
};
process.on('SIGTERM', onStop);
process.on('SIGINT', onStop);
process.stdin.on('end', onStop);
process.stdin.on('error', onStop);
process.stdin.resume();
// The parent gone, its end of the event pipe is closed too: stop as if told.
events.on('error', onStop);

const job = JSON.parse(process.argv[2]) as StageJobSpec;
const outcome = await runStageJob(job, send, () => stop);
send({ type: 'end', outcome });
events.end(() => process.exit(0));
