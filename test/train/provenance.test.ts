// A run's provenance: secrets out of the command line, the git state of the pipeline's folder
// (inside a repository, clean or dirty, and every way of not knowing it), machine and packages.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { availableParallelism, hostname, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectProvenance, gitState, installedVersion } from '../../src/train/provenance.js';
import { redactArgv, redactSecrets } from '../../src/train/redact.js';

describe('redactSecrets', () => {
  it.each([
    ['redis://:hunter2@db.example:6379/0', 'redis://***@db.example:6379/0'],
    ['--queue=rediss://worker:hunter2@db.example:6380', '--queue=rediss://***@db.example:6380'],
    ['s3://AKIAEXAMPLE:wJalr/XUtn@FEMI@bucket/prefix', 's3://***@bucket/prefix'],
    ['s3://bucket/key@v2', 's3://bucket/key@v2'],
    ['redis://:p@ss#w?rd@host:1', 'redis://***@host:1'],
    ['description=see redis://:x@a and http://u:y@b/c', 'description=see redis://***@a and http://***@b/c'],
    ['https://bucket.s3.amazonaws.com/k?X-Amz-Credential=AKIA&X-Amz-Signature=abc&x=1', 'https://bucket.s3.amazonaws.com/k?X-Amz-Credential=***&X-Amz-Signature=***&x=1'],
    ['http://minio:9000/?access_key=AK&secret_key=SK&token=T', 'http://minio:9000/?access_key=***&secret_key=***&token=***'],
    ['redis://127.0.0.1:6379', 'redis://127.0.0.1:6379'],
    ['file:///shared/cache', 'file:///shared/cache'],
    ['pipelines/demo.yaml', 'pipelines/demo.yaml'],
    ['stages.train.optimizer.lr=3e-4', 'stages.train.optimizer.lr=3e-4'],
  ])('%s -> %s', (arg, shown) => {
    expect(redactSecrets(arg)).toBe(shown);
  });

  it('redacts each argument', () => {
    expect(redactArgv(['run', 'p.yaml', '--queue', 'redis://:pw@h:1'])).toEqual(['run', 'p.yaml', '--queue', 'redis://***@h:1']);
  });
});

const git = (dir: string, ...args: string[]) => execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } }).trim();

function repo(): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'pipe-git-')));
  git(dir, 'init', '-q');
  mkdirSync(join(dir, 'pipelines'));
  writeFileSync(join(dir, 'pipelines', 'p.yaml'), 'name: p\n');
  writeFileSync(join(dir, '.gitignore'), 'outputs/\n');
  git(dir, 'add', '.');
  git(dir, 'commit', '-qm', 'first');
  return dir;
}

describe('gitState', () => {
  it('inside a repository: its root, HEAD and whether the tree is dirty', async () => {
    const dir = repo();
    const commit = git(dir, 'rev-parse', 'HEAD');
    const at = join(dir, 'pipelines');
    const branch = git(dir, 'branch', '--show-current');
    expect(await gitState(at)).toEqual({ present: true, root: dir, commit, branch, dirty: false });
    // Ignored files (outputs/) leave it clean; a changed tracked file or a new file makes it dirty.
    mkdirSync(join(dir, 'outputs'));
    writeFileSync(join(dir, 'outputs', 'x'), '');
    expect(await gitState(at)).toMatchObject({ present: true, dirty: false });
    writeFileSync(join(dir, 'pipelines', 'new.yaml'), 'name: q\n');
    expect(await gitState(at)).toMatchObject({ dirty: true });
    git(dir, 'add', '.');
    git(dir, 'commit', '-qm', 'second');
    writeFileSync(join(dir, 'pipelines', 'p.yaml'), 'name: changed\n');
    expect(await gitState(at)).toEqual({ present: true, root: dir, commit: git(dir, 'rev-parse', 'HEAD'), branch, dirty: true });
    // A detached HEAD has no branch.
    git(dir, 'checkout', '-q', '--detach');
    expect(await gitState(at)).toMatchObject({ branch: null, dirty: true });
  });

  it('absent, with the reason: not a repository, no commit yet, git missing, git too slow', async () => {
    const plain = mkdtempSync(join(tmpdir(), 'pipe-nogit-'));
    expect(await gitState(plain)).toEqual({ present: false, reason: 'not a git repository' });
    const fresh = mkdtempSync(join(tmpdir(), 'pipe-nocommit-'));
    git(fresh, 'init', '-q');
    expect(await gitState(fresh)).toEqual({ present: false, reason: 'a git repository without a commit yet' });
    expect(await gitState(plain, join(plain, 'no-git-here'))).toEqual({ present: false, reason: `git is not installed (${join(plain, 'no-git-here')} not found)` });
    const damaged = mkdtempSync(join(tmpdir(), 'pipe-badgit-'));
    writeFileSync(join(damaged, '.git'), 'garbage\n');
    expect(await gitState(damaged)).toEqual({ present: false, reason: expect.stringMatching(/^git failed: invalid gitfile format: /) });
    const slow = join(plain, 'slow-git');
    writeFileSync(slow, '#!/bin/sh\nexec sleep 5\n');
    chmodSync(slow, 0o755);
    const t0 = Date.now();
    expect(await gitState(plain, slow, 200)).toEqual({ present: false, reason: 'git did not answer within 0.2 s' });
    expect(Date.now() - t0).toBeLessThan(2000);
  });
});

describe('collectProvenance', () => {
  it('records the command line redacted, pipe, the machine, Node and the packages', async () => {
    const dir = repo();
    const p = await collectProvenance({ argv: ['run', 'pipelines/p.yaml', '--queue', 'redis://:hunter2@h:1'], cwd: dir, pipelineFile: join(dir, 'pipelines', 'p.yaml') });
    expect(p.argv).toEqual(['run', 'pipelines/p.yaml', '--queue', 'redis://***@h:1']);
    expect(p.cwd).toBe(dir);
    expect(p.pipe).toBe(JSON.parse(readFileSync('package.json', 'utf8')).version);
    expect(p.git).toMatchObject({ present: true, root: dir, dirty: false });
    expect(p.host).toEqual({ name: hostname(), os: expect.stringMatching(/^linux \S+ \S+$/), cpu: expect.any(String), cores: availableParallelism(), memoryBytes: totalmem() });
    expect(p.node).toBe(process.version);
    expect(p.packages['@tensorflow/tfjs']).toBe(JSON.parse(readFileSync('node_modules/@tensorflow/tfjs/package.json', 'utf8')).version);
    // sharp does not export its package.json: found above its entry point.
    expect(p.packages.sharp).toBe(JSON.parse(readFileSync('node_modules/sharp/package.json', 'utf8')).version);
    expect(JSON.stringify(p)).not.toContain('hunter2');
  });

  it('a package that is not installed is left out', () => {
    expect(installedVersion('pipe-no-such-package')).toBeNull();
  });
});
