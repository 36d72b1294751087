// Commands that do not train start fast: they must not load TensorFlow.js or sharp.
import { describe, expect, it } from 'vitest';
import { runPipe } from '../helpers/cli.js';

const forbid = { NODE_OPTIONS: '--import ./test/helpers/forbid-tfjs.mjs' };

describe('lazy imports', () => {
  it('the guard works: a command that needs tfjs fails under it', () => {
    const r = runPipe(['doctor'], { env: forbid });
    expect(r.stderr + r.stdout).toContain('forbidden import');
  });

  it.each([
    [['validate', 'pipelines/task2-ae.yaml']],
    [['show', 'pipelines/densenet.yaml', '--model', 'densenet']],
    [['show', 'pipelines/resnet9.yaml']],
    [['--help']],
    [['schema']],
  ])('pipe %j loads neither tfjs nor sharp', (args) => {
    const r = runPipe(args, { env: forbid });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});
