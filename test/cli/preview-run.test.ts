// pipe preview and pipe run through the real binary, on a small generated data set.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeShapesDataset } from '../../src/data/synthetic.js';
import { REPO, runPipe } from '../helpers/cli.js';
import { miniPipeline } from '../helpers/mini-pipeline.js';

let dir: string;
const PIPELINE = miniPipeline({ root: 'shapes', epochs: 2, augment: { name: 'flip', ops: '[{op: random_horizontal_flip, p: 1}, {op: random_crop, size: 16, padding: 2}]' } });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pipe-cli-'));
  await writeShapesDataset({ root: join(dir, 'shapes'), classes: 2, trainPerClass: 12, valPerClass: 4, size: 16, seed: 0 });
  writeFileSync(join(dir, 'p.yaml'), PIPELINE);
}, 60_000);

describe('pipe preview', () => {
  it('writes a grid of originals beside augmented versions', async () => {
    const r = runPipe(['preview', 'p.yaml', '--chain', 'flip', '-n', '4', '-o', 'grid.png'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^wrote .*grid\.png: 4 images of the train split beside their 'flip' versions \(\d+x\d+\)\n$/);
    const meta = await sharp(join(dir, 'grid.png')).metadata();
    expect(meta.format).toBe('png');
    expect(meta.width).toBeGreaterThan(2 * 16 * 2);
  });

  it('names the chains when the one asked for is unknown', () => {
    const r = runPipe(['preview', 'p.yaml', '--chain', 'flp'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("error: unknown augment chain 'flp'; did you mean 'flip'? (chains: flip)\n");
  });
});

describe('pipe run', () => {
  it('prints plain lines without a terminal: no control codes, one line per epoch, then the summary', () => {
    const r = runPipe(['run', 'p.yaml', '--backend', 'wasm', '--loader-workers', '0'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.includes(String.fromCharCode(27))).toBe(false); // no ANSI escape codes
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('pipe run mini on wasm');
    expect(lines.filter((l) => l.startsWith('[train] epoch '))).toHaveLength(2);
    expect(r.stdout).toMatch(/\[train\] epoch 1\/2 {2}loss \d+\.\d{4} {2}train \d+\.\d\d% {2}val_loss \d+\.\d{4} {2}val \d+\.\d\d% {2}lr 5\.00e-2 {2}\d+ img\/s {2}ETA \d+s\n/);
    expect(r.stdout).toMatch(/\| stage \| model \| epochs \| parameters \| best val top-1 \|/);
    const folder = /run folder: (.*)\n/.exec(r.stdout)![1];
    expect(existsSync(join(folder, 'train', 'model.json'))).toBe(true);
    expect(readFileSync(join(folder, 'metrics.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2);
  });

  it('--quiet prints only the summary', () => {
    const r = runPipe(['run', 'p.yaml', '--backend', 'wasm', '--loader-workers', '0', '--quiet', '--set', 'stages.train.epochs=1', '--outputs', 'out-quiet'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\n\| stage \| model \| epochs \| parameters \| best val top-1 \|\n\|---\|---\|---:\|---:\|---:\|\n\| train \| net \| 1 \| 122 \| \d+\.\d\d% \|\n\nrun folder: .*\n$/);
  });

  it('--json prints one JSON event per line', () => {
    const r = runPipe(['run', 'p.yaml', '--backend', 'wasm', '--loader-workers', '0', '--json', '--set', 'stages.train.epochs=1', '--outputs', 'out-json'], { cwd: dir });
    expect(r.code).toBe(0);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l).event);
    expect(events).toEqual(['start', 'stage', 'epoch', 'stage_end', 'end']);
  });

  it.skipIf(!existsSync('/usr/bin/script'))('shows a listr2 view of the stages on a terminal', () => {
    // util-linux `script` gives the command a pseudo-terminal (of 120 columns).
    const onTerminal = () => {
      const r = spawnSync('script', ['-qec', `stty cols 120 rows 30; ${process.execPath} ${join(REPO, 'bin/pipe.js')} run p.yaml --loader-workers 0 --set stages.train.epochs=1 --outputs out-tty`, '/dev/null'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
      const ESC = String.fromCharCode(27);
      return { status: r.status, text: r.stdout.split(ESC).map((part, i) => (i === 0 ? part : part.replace(/^\[[0-9;?]*[A-Za-z]/, ''))).join('') };
    };
    const { status, text } = onTerminal();
    expect(status).toBe(0);
    expect(text).toContain('\u2714 train: epoch 1/1'); // listr2's tick beside the finished stage
    expect(text).toMatch(/\u203a \[train\] epoch 1\/1 {2}loss /); // its output bar: the epoch line
    expect(text).not.toContain('pipe run mini on'); // the plain lines are for pipes only
    expect(text).toContain('| stage | model | epochs | parameters | best val top-1 |');
    // Again: the stage comes from the cache, and its task ends (the view does not wait for it).
    const again = onTerminal();
    expect(again.status).toBe(0);
    expect(again.text).toMatch(/\u2714 train: reused from the cache \([0-9a-f]{12}\)/);
  });

  it('Ctrl-C stops after the current step with a checkpoint, and --resume finishes the run', async () => {
    const child = spawn(process.execPath, [join(REPO, 'bin/pipe.js'), 'run', 'p.yaml', '--loader-workers', '0', '--set', 'stages.train.epochs=30'], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('[train] epoch 2/30') && !err) child.kill('SIGINT'); // once: a second one quits at once
    });
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    expect(code).toBe(1);
    expect(err).toBe('stopping after the current step (Ctrl-C again to quit at once)\n');
    const entry = /\[train\] interrupted: checkpoint in (.*) \(run the pipeline again to continue\)/.exec(out)![1];
    expect(existsSync(join(entry, 'checkpoint', 'checkpoint.json'))).toBe(true);
    const folder = /run folder: (.*)\n/.exec(out)![1];
    const resumed = runPipe(['run', 'p.yaml', '--loader-workers', '0', '--set', 'stages.train.epochs=30', '--resume', folder], { cwd: dir });
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/\[train\] resuming at epoch [23], step \d+ \(/);
    expect(resumed.stdout).toContain('[train] epoch 30/30');
    expect(resumed.stdout).not.toContain('[train] epoch 2/30'); // finished epochs are not redone
  }, 180_000);

  it('SIGTERM, too, stops after the current step with a checkpoint', async () => {
    const child = spawn(process.execPath, [join(REPO, 'bin/pipe.js'), 'run', 'p.yaml', '--loader-workers', '0', '--outputs', 'out-term', '--set', 'stages.train.epochs=30'], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('[train] epoch 1/30') && !err) child.kill('SIGTERM');
    });
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    expect(code).toBe(1);
    expect(err).toBe('received SIGTERM: stopping after the current step (send it again to quit at once)\n');
    const entry = /\[train\] interrupted: checkpoint in (.*) \(run the pipeline again to continue\)/.exec(out)![1];
    expect(existsSync(join(entry, 'checkpoint', 'checkpoint.json'))).toBe(true);
  }, 180_000);

  it('rejects an unknown stage, a bad --workers and a bad --loader-workers with exit 2', () => {
    expect(runPipe(['run', 'p.yaml', '--stage', 'nope'], { cwd: dir })).toMatchObject({ code: 2, stderr: "error: unknown stage 'nope' (stages: train)\n" });
    expect(runPipe(['run', 'p.yaml', '--workers', 'x'], { cwd: dir })).toMatchObject({ code: 2, stderr: "error: --workers expects a whole number >= 1, found 'x'\n" });
    expect(runPipe(['run', 'p.yaml', '--workers', '0'], { cwd: dir })).toMatchObject({ code: 2, stderr: "error: --workers expects a whole number >= 1, found '0'\n" });
    expect(runPipe(['run', 'p.yaml', '--loader-workers', '1.5'], { cwd: dir })).toMatchObject({ code: 2, stderr: "error: --loader-workers expects a whole number >= 0, found '1.5'\n" });
  });
});
