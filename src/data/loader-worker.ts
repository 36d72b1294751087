// A loader worker: holds the decoded splits (shared memory, not copies) and assembles the
// batches the loader asks for, sending each back as transferable buffers.
import { parentPort, workerData } from 'node:worker_threads';
import { importChainCompiler } from './augment-contract.js';
import { BatchAssembler, type BatchPlan } from './batch.js';
import type { BatchReply, BatchRequest } from './loader-messages.js';
import { serializeError } from './thread-errors.js';

const { plan, chainModule } = workerData as { plan: BatchPlan; chainModule: string };
const needsChains = plan.corrupt !== null || plan.parts.some((p) => p.augment !== null);
const ready = (needsChains ? importChainCompiler(chainModule) : Promise.resolve(null)).then((compile) => new BatchAssembler(plan, compile));
// Nothing rejects unobserved: a failed start is reported with the first request.
ready.catch(() => undefined);

const port = parentPort;
if (port === null) throw new Error('loader-worker.ts must run as a worker thread');

port.on('message', (request: BatchRequest) => {
  ready
    .then((assembler) => {
      const batch = assembler.assemble(request.epoch, request.items);
      const transfer = [batch.x.buffer, batch.y?.buffer, batch.target?.buffer].filter((b) => b !== undefined) as ArrayBuffer[];
      port.postMessage({ id: request.id, batch } satisfies BatchReply, transfer);
    })
    .catch((e: unknown) => port.postMessage({ id: request.id, error: serializeError(e) } satisfies BatchReply));
});
