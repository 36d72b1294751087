// Remotes for the stage store: the one entry point. A command reads its remote once at startup
// (remoteSpecFrom: `--remote URL`, else PIPE_REMOTE; bad input is an InputError, exit 2), opens it
// (openRemote: for s3, the bucket is looked up once, so a wrong one is said before any training)
// and hands a StageRemote to trainToStore, or RemoteEntries to `pipe cache push|pull`. A
// RemoteSpec is plain data: a parent process can pass it to its job processes as it is.
import { inputError, JobError } from '../errors.js';
import { RemoteEntries } from './entries.js';
import { FolderObjects } from './file-objects.js';
import type { ObjectStore } from './objects.js';
import { StageRemote, type RemoteLog } from './sync.js';
import { parseRemoteUrl, type RemoteSpec } from './url.js';

export { RemoteEntries, RemoteRefused, type Transferred } from './entries.js';
export type { ObjectStore } from './objects.js';
export { StageRemote, type RemoteLog, type StageOutcome } from './sync.js';
export { pullEntries, pushEntries, type TransferLine } from './transfer.js';
export { parseRemoteUrl, type RemoteSpec } from './url.js';

/** The remote a command uses: `--remote URL` (its option's value), else PIPE_REMOTE, else none. */
export function remoteSpecFrom(option: string | undefined, env: NodeJS.ProcessEnv): RemoteSpec | null {
  if (option !== undefined) return parseRemoteUrl(option, '--remote', env);
  if (env.PIPE_REMOTE) return parseRemoteUrl(env.PIPE_REMOTE, 'PIPE_REMOTE', env);
  return null;
}

/** Opens a remote's objects; an s3 bucket that is not there is bad input, one that cannot be
 *  reached a JobError. */
export async function openObjects(spec: RemoteSpec, env: NodeJS.ProcessEnv): Promise<ObjectStore> {
  switch (spec.kind) {
    case 'file':
      return new FolderObjects(spec.dir, spec.url);
    case 's3': {
      const { BucketObjects } = await import('./s3-objects.js');
      const bucket = await BucketObjects.open(spec, env);
      let exists: boolean;
      try {
        exists = await bucket.bucketExists();
      } catch (e) {
        bucket.close();
        throw new JobError(`cannot reach ${spec.url}${spec.endpoint ? ` at ${spec.endpoint}` : ''}: ${(e as Error).message || (e as Error).name}`, 'check the endpoint, the network and the credentials (the AWS SDK reads them from its usual places)');
      }
      if (!exists) {
        bucket.close();
        throw inputError(`the bucket '${spec.bucket}' of ${spec.url} does not exist${spec.endpoint ? ` at ${spec.endpoint}` : ''}`, { hint: 'pipe does not create buckets' });
      }
      return bucket;
    }
    default: {
      const never: never = spec;
      throw new Error(`internal error: unknown remote ${JSON.stringify(never)}`);
    }
  }
}

export async function openRemote(spec: RemoteSpec, env: NodeJS.ProcessEnv): Promise<RemoteEntries> {
  return new RemoteEntries(await openObjects(spec, env));
}

/** The remote trainToStore takes (`remote` in its options); close() it when done. */
export async function openStageRemote(spec: RemoteSpec, env: NodeJS.ProcessEnv, log: RemoteLog): Promise<StageRemote> {
  return new StageRemote(await openRemote(spec, env), log);
}
