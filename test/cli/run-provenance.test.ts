// What a real `pipe run` leaves in its folder about itself: provenance (secrets redacted, the git
// state of the pipeline's repository), its status at each end (done, failed, stopped by SIGTERM,
// killed), and run.log; and how `pipe runs` reads them back.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeShapesDataset } from '../../src/data/synthetic.js';
import { REPO, runPipe } from '../helpers/cli.js';
import { miniPipeline } from '../helpers/mini-pipeline.js';

let data: string;
const PIPELINE = (root: string, extra = '') => miniPipeline({ root, extra });

beforeAll(async () => {
  data = join(mkdtempSync(join(tmpdir(), 'pipe-prov-data-')), 'shapes');
  await writeShapesDataset({ root: data, classes: 2, trainPerClass: 12, valPerClass: 4, size: 16, seed: 0 });
}, 60_000);

const gitEnv = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' };
const git = (dir: string, ...args: string[]) => execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8', env: gitEnv }).trim();

/** A folder holding p.yaml; its outputs go to a folder of their own. */
function project(extra = ''): { dir: string; outputs: string } {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'pipe-prov-')));
  writeFileSync(join(dir, 'p.yaml'), PIPELINE(data, extra));
  return { dir, outputs: mkdtempSync(join(tmpdir(), 'pipe-prov-out-')) };
}

const onlyRun = (outputs: string) => join(outputs, 'runs', readdirSync(join(outputs, 'runs'))[0]);
const runJson = (dir: string) => JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'));
const listed = (outputs: string) => JSON.parse(runPipe(['runs', '--outputs', outputs, '--json']).stdout);

describe('a run folder says where it came from', () => {
  it('provenance (secrets redacted, git commit of the clean repository), status done and run.log as the console showed it', () => {
    const { dir, outputs } = project();
    writeFileSync(join(dir, '.gitignore'), 'outputs/\n');
    git(dir, 'init', '-q');
    git(dir, 'add', '.');
    git(dir, 'commit', '-qm', 'p');
    const secret = 'description=cache at redis://:hunter2@db.example:6379/0, see https://h/x?token=s3cr3t';
    const args = ['run', 'p.yaml', '--loader-workers', '0', '--outputs', outputs, '--set', secret];
    const r = runPipe(args, { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const run = onlyRun(outputs);
    const json = runJson(run);
    expect(json.status).toEqual({ state: 'done', ended: expect.any(String) });
    expect(json.provenance).toEqual({
      argv: [...args.slice(0, -1), 'description=cache at redis://***@db.example:6379/0, see https://h/x?token=***'],
      cwd: dir,
      pipe: JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version,
      git: { present: true, root: dir, commit: git(dir, 'rev-parse', 'HEAD'), branch: git(dir, 'branch', '--show-current'), dirty: false },
      host: { name: hostname(), os: expect.any(String), cpu: expect.any(String), cores: expect.any(Number), memoryBytes: expect.any(Number) },
      node: process.version,
      packages: expect.objectContaining({ '@tensorflow/tfjs': expect.any(String), '@tensorflow/tfjs-backend-wasm': expect.any(String), sharp: expect.any(String) }),
    });
    for (const f of ['run.json', 'run.log']) expect(readFileSync(join(run, f), 'utf8')).not.toMatch(/hunter2|s3cr3t/);
    // Without a terminal the console shows the plain lines: run.log holds the same.
    expect(readFileSync(join(run, 'run.log'), 'utf8')).toBe(r.stdout);
    expect(r.stdout).toMatch(/^pipe run mini on /);
    expect(listed(outputs)).toMatchObject([{ name: run.split('/').pop(), pipeline: 'mini', status: 'done', stages: { train: { metric: 'val_top1', epochs: 1, planned: 1 } } }]);
  }, 60_000);

  it('a failing stage: status failed with the error\'s line, which ends run.log', () => {
    const { dir, outputs } = project(`  boom:
    kind: classify
    model: net
    train: {split: train}
    epochs: 1
    batch_size: 8
    optimizer: {type: sgd, lr: 1.0e+30}
`);
    const r = runPipe(['run', 'p.yaml', '--loader-workers', '0', '--outputs', outputs, '--json'], { cwd: dir });
    expect(r.code).toBe(1);
    const failure = /^failed: (.*) \(lower the lr/.exec(r.stderr)![1];
    expect(failure).toMatch(/^stage 'boom': the loss became (NaN|Infinity) at epoch 1, step \d \(lr 1e\+30\)$/);
    const run = onlyRun(outputs);
    expect(runJson(run).status).toEqual({ state: 'failed', ended: expect.any(String), reason: failure });
    // --json on the console; run.log keeps the plain lines, then the failure.
    const log = readFileSync(join(run, 'run.log'), 'utf8').split('\n');
    expect(log[0]).toMatch(/^pipe run mini on /);
    expect(log).toContain('[train] done: model saved to ' + join(run, 'train'));
    expect(log.slice(-2)).toEqual([`failed: ${failure}`, '']);
    // Not a git repository here: said, not failed.
    expect(runJson(run).provenance.git).toEqual({ present: false, reason: 'not a git repository' });
    expect(listed(outputs)[0]).toMatchObject({ status: 'failed', reason: failure, stages: { train: { epochs: 1 }, boom: { metric: 'none', epochs: 0 } } });
  }, 60_000);
});

/** Starts a 30-epoch run and sends `signal` once epoch 1 is printed; resolves at its exit. */
async function signalledRun(signal: NodeJS.Signals): Promise<{ code: number | null; out: string; err: string; pid: number; outputs: string }> {
  const { dir, outputs } = project();
  const child = spawn(process.execPath, [join(REPO, 'bin/pipe.js'), 'run', 'p.yaml', '--loader-workers', '0', '--outputs', outputs, '--set', 'stages.train.epochs=30'], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
  let out = '';
  let err = '';
  let sent = false;
  child.stderr.on('data', (d) => (err += d));
  child.stdout.on('data', (d) => {
    out += d;
    if (!sent && out.includes('[train] epoch 1/30')) {
      sent = true;
      child.kill(signal);
    }
  });
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  return { code, out, err, pid: child.pid!, outputs };
}

describe('run.log of a run on a terminal', () => {
  it.skipIf(!existsSync('/usr/bin/script'))('holds the plain lines, without the view\'s colour and cursor codes', () => {
    const { dir, outputs } = project();
    // util-linux `script` gives the command a pseudo-terminal: pipe shows its listr2 view there.
    const r = spawnSync('script', ['-qec', `stty cols 120 rows 30; ${process.execPath} ${join(REPO, 'bin/pipe.js')} run p.yaml --loader-workers 0 --outputs ${outputs}`, '/dev/null'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('\u001b['); // the console had control codes
    const log = readFileSync(join(onlyRun(outputs), 'run.log'), 'utf8');
    expect(log).not.toContain('\u001b');
    expect(log).not.toContain('\r');
    expect(log).toMatch(/^pipe run mini on .*\n/);
    expect(log).toMatch(/\n\[train\] epoch 1\/1 {2}loss \d\.\d{4} {2}train \d+\.\d\d% {2}val_loss/);
    expect(log).toContain('| stage | model | epochs | parameters | best val top-1 |');
  }, 120_000);
});

describe('a stopped run', () => {
  it('SIGTERM: status stopped with the signal; run.log has the lines up to the stop', async () => {
    const { code, out, err, outputs } = await signalledRun('SIGTERM');
    expect(code).toBe(1);
    const run = onlyRun(outputs);
    expect(runJson(run).status).toEqual({ state: 'stopped', ended: expect.any(String), reason: 'received SIGTERM' });
    const log = readFileSync(join(run, 'run.log'), 'utf8');
    expect(log).toContain('received SIGTERM: stopping after the current step (send it again to quit at once)\n');
    expect(log).toMatch(/\n\[train\] interrupted: checkpoint in .* \(run the pipeline again to continue\)\n/);
    expect(log.endsWith(`run folder: ${run}\n`)).toBe(true);
    expect(out + err).toContain('received SIGTERM');
    expect(listed(outputs)[0]).toMatchObject({ status: 'stopped', reason: 'received SIGTERM', stages: { train: { metric: 'val_top1', planned: 30 } } });
  }, 120_000);

  it('SIGKILL: run.json still says running, with its dead pid: pipe runs reads it as stopped (killed); run.log keeps what was printed', async () => {
    const { code, pid, outputs } = await signalledRun('SIGKILL');
    expect(code).toBeNull();
    const run = onlyRun(outputs);
    expect(runJson(run).status).toEqual({ state: 'running', pid, host: hostname(), since: expect.any(String) });
    expect(readFileSync(join(run, 'run.log'), 'utf8')).toMatch(/^pipe run mini on .*\n(.*\n)*\[train\] epoch 1\/30 {2}loss /);
    const r = runPipe(['runs', '--outputs', outputs]);
    expect(r.stdout).toContain(`${run.split('/').pop()}: stopped: killed: its process (pid ${pid}) is gone\n`);
    expect(listed(outputs)[0]).toMatchObject({ status: 'stopped', reason: `killed: its process (pid ${pid}) is gone`, pid, host: hostname() });
  }, 120_000);
});
