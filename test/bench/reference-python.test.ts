// The peers' own tests (bench/reference/test_*.py, Python's unittest): the PyTorch references
// build the engine's models (parameter counts read from the graph analyzer), map the pipelines'
// chains, and count as the engine counts. Run where Debian's PyTorch is (.ci/run installs it).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/cli.js';

const PYTHON = '/usr/bin/python3';
const hasTorch = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch, torchvision'], { encoding: 'utf8' }).status === 0;

describe.runIf(hasTorch)('the PyTorch references', () => {
  it.each(['test_seed_pipeline', 'test_fashion_resnet'])('%s passes', (name) => {
    const r = spawnSync(PYTHON, ['-m', 'unittest', '-v', name], { cwd: `${REPO}/bench/reference`, encoding: 'utf8', timeout: 170_000 });
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stderr).toMatch(/\nOK\b/);
  }, 180_000);
});
