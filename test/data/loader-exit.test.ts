import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('../helpers/loader-exit.ts', import.meta.url));

describe('loader workers', () => {
  // A hung process would run into the 30 s timeout and be killed (status null).
  it.each(['close', 'forget'])('leave nothing running once a partly read epoch is done (%s)', (mode) => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', script, mode], { encoding: 'utf8', timeout: 30_000 });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toBe(`took 8 images, ${mode}`);
  });
});
