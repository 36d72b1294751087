// Commands that do not train start fast: they must not load TensorFlow.js or sharp.
import { describe, expect, it } from 'vitest';
import { runPipe } from '../helpers/cli.js';

const forbid = { NODE_OPTIONS: '--import ./test/helpers/forbid-tfjs.mjs' };

describe('lazy imports', () => {
  it('the guards work: a command that needs tfjs, or an error to locate, fails under them', () => {
    const r = runPipe(['doctor'], { env: forbid });
    expect(r.stderr + r.stdout).toContain('forbidden import');
    const y = runPipe(['validate', 'test/fixtures/bad/epochs-zero.yaml'], { env: { NODE_OPTIONS: '--require ./test/helpers/forbid-yaml.cjs' } });
    expect(y.stderr).toContain('forbidden import: yaml');
  });

  it.each([
    [['validate', 'pipelines/task2-ae.yaml', 'pipelines/densenet.yaml']],
    [['show', 'pipelines/densenet.yaml', '--model', 'densenet']],
  ])('pipe %j on valid files does not load the slow YAML parser either (it only locates errors)', (args) => {
    const r = runPipe(args, { env: { NODE_OPTIONS: `${forbid.NODE_OPTIONS} --require ./test/helpers/forbid-yaml.cjs`, FORBID_YAML: '1' } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
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
