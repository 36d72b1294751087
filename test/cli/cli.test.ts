import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { commands } from '../../src/cli/commands/index.js';
import { runPipe } from '../helpers/cli.js';

const SEEDS = ['alexnet', 'resnet9', 'inception-resnet', 'densenet', 'task2-ae'];

describe('pipe (the binary)', () => {
  it('lists every command in --help', () => {
    const r = runPipe(['--help']);
    expect(r.code).toBe(0);
    for (const c of commands) expect(r.stdout).toContain(`  ${c.name}`);
    expect(r.stdout).toContain('Exit codes: 0 ok, 1 the job failed, 2 bad input.');
  });

  it.each(commands.map((c) => c.name))('documents every option of %s in its --help', (name) => {
    const r = runPipe([name, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: pipe /);
    for (const o of commands.find((c) => c.name === name)!.options) expect(r.stdout).toContain(o.name.length === 1 ? `-${o.name} ` : `--${o.name}`);
  });

  it('rejects an unknown command and an unknown option with exit 2', () => {
    expect(runPipe(['frobnicate'])).toMatchObject({ code: 2, stderr: "pipe: unknown command 'frobnicate'; known commands: " + commands.map((c) => c.name).join(', ') + '\n' });
    const r = runPipe(['validate', '--frob', 'pipelines/resnet9.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("error: Unknown option '--frob' (see 'pipe validate --help')\n");
  });

  it('validates every seed pipeline', () => {
    const files = SEEDS.map((s) => `pipelines/${s}.yaml`);
    const r = runPipe(['validate', ...files]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(files.map((f) => `ok ${f}\n`).join(''));
    expect(r.code).toBe(0);
  });

  it('validates every pipeline in pipelines/, each starting with the schema comment for editors', () => {
    const all = readdirSync('pipelines').filter((f) => f.endsWith('.yaml'));
    const r = runPipe(['validate', ...all.map((f) => `pipelines/${f}`)]);
    expect(r.code, r.stderr).toBe(0);
    for (const f of all) {
      const first = readFileSync(`pipelines/${f}`, 'utf8').split('\n')[0];
      expect(first, f).toBe('# yaml-language-server: $schema=../schemas/pipeline.schema.json');
    }
  });

  it('reports all files, good and bad, and exits 2 if any is bad; --json for machines', () => {
    const r = runPipe(['validate', 'pipelines/resnet9.yaml', 'test/fixtures/bad/epochs-zero.yaml', '--json']);
    expect(r.code).toBe(2);
    const out = JSON.parse(r.stdout);
    expect(out.files).toEqual([
      { file: 'pipelines/resnet9.yaml', ok: true, errors: [] },
      {
        file: 'test/fixtures/bad/epochs-zero.yaml',
        ok: false,
        errors: [{ file: 'test/fixtures/bad/epochs-zero.yaml', line: 15, col: 13, path: 'stages.train.epochs', message: 'expected an integer >= 1, found 0', hint: null }],
      },
    ]);
  });

  it('shows the resolved pipeline with defaults filled, as YAML or JSON, with --set applied', () => {
    const r = runPipe(['show', 'pipelines/resnet9.yaml', '--json', '--set', 'stages.train.epochs=2']);
    expect(r.code, r.stderr).toBe(0);
    const p = JSON.parse(r.stdout);
    expect(p.stages.train.epochs).toBe(2);
    expect(p.stages.train.optimizer).toEqual({ type: 'sgd', lr: 0.1, momentum: 0.9, dampening: 0, nesterov: false, weight_decay: 2e-4 });
    expect(p.stages.train.loss).toBe('cross_entropy');
    expect(p.models.resnet9.nodes[1]).toEqual({ op: 'batchnorm', momentum: 0.1, eps: 1e-5 });
    expect(p.dataset.root).toMatch(/^\/.*\/data\/tiny-imagenet-200$/);
    const y = runPipe(['show', 'pipelines/resnet9.yaml']);
    expect(y.code).toBe(0);
    expect(y.stdout).toContain('name: resnet9\n');
    expect(y.stdout).toContain('momentum: 0.9');
  });

  it('prints errors with colour only on a terminal and never with NO_COLOR', () => {
    const r = runPipe(['validate', 'test/fixtures/bad/epochs-zero.yaml'], { env: { FORCE_COLOR: '1' } });
    expect(r.stderr).not.toContain('\u001b[');
  });

  it('prints the JSON Schema', () => {
    const r = runPipe(['schema']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).title).toBe('pipe pipeline');
  });
});
