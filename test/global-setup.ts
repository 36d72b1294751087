// CLI tests run the real binary, which loads the compiled dist/: build it once before any test.
import { execSync } from 'node:child_process';

export default function setup(): void {
  execSync('npm run --silent build', { stdio: 'inherit' });
}
