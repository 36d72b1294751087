// An S3-compatible server for tests: s3rver (a Node implementation of the S3 REST API over a
// folder) in a child process (a test that runs the binary with spawnSync blocks its own event
// loop, so the server cannot live in it), on a free port of 127.0.0.1 with one empty bucket. It
// stops when stop() is called or when this process ends (its stdin closes). Its credentials are
// s3rver's fixed ones, given through the environment where the AWS SDK's chain reads them;
// instance metadata is switched off, so nothing is ever asked of an address past loopback.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from './cli.js';

export interface S3TestServer {
  /** http://127.0.0.1:<port> */
  readonly endpoint: string;
  readonly bucket: string;
  /** What a process talking to it needs in its environment (also set in this one's). */
  readonly env: Record<string, string>;
  stop(): Promise<void>;
}

const SERVER = `
const S3rver = require('s3rver');
const [directory, bucket] = process.argv.slice(1);
const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] });
server.run().then(({ port }) => console.log(port));
process.stdin.on('end', () => server.close().then(() => process.exit(0)));
process.stdin.resume();
`;

export async function startS3Server(bucket = 'pipe-test'): Promise<S3TestServer> {
  const directory = mkdtempSync(join(tmpdir(), 'pipe-s3rver-'));
  const child = spawn(process.execPath, ['-e', SERVER, directory, bucket], { cwd: REPO, stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('s3rver did not start within 20 s')), 20_000);
    child.stdout.on('data', (d) => {
      out += d;
      if (/^\d+\n/.test(out)) {
        clearTimeout(timer);
        resolve(Number(out.trim()));
      }
    });
    child.on('exit', (code) => reject(new Error(`s3rver exited with ${code}`)));
  });
  const env = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true' };
  Object.assign(process.env, env);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    env,
    stop: async () => {
      const exited = new Promise((r) => child.on('exit', r));
      child.stdin.end();
      await exited;
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
