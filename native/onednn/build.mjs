// Builds build/pipe_onednn.node: src/*.cc against Node's own headers and Debian's oneDNN
// (apt-get install libdnnl-dev g++). Run by npm at install. Where it cannot be built it says why in
// build/reason.txt and exits 0, so the install goes on and pipe uses its XNNPACK kernels
// (`pipe doctor` shows the reason). Nothing is downloaded: node-gyp would fetch headers.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, 'build');
const binary = join(out, 'pipe_onednn.node');
const reasonFile = join(out, 'reason.txt');

function fail(reason) {
  rmSync(binary, { force: true });
  writeFileSync(reasonFile, `${reason}\n`);
  console.warn(`pipe-onednn not built: ${reason}`);
  process.exit(0);
}

mkdirSync(out, { recursive: true });
rmSync(reasonFile, { force: true });
if (process.env.PIPE_ONEDNN_SKIP_BUILD) fail('PIPE_ONEDNN_SKIP_BUILD is set');

// Node's headers: beside the running binary (official and NodeSource builds), or npm's nodedir.
const includeDirs = [join(dirname(process.execPath), '..', 'include', 'node'), process.env.npm_config_nodedir && join(process.env.npm_config_nodedir, 'include', 'node')]
  .filter(Boolean);
const nodeInclude = includeDirs.find((dir) => existsSync(join(dir, 'node_api.h')));
if (!nodeInclude) fail(`Node's headers (node_api.h) are not in ${includeDirs.join(' or ')}`);

const compiler = process.env.CXX || 'g++';
const temp = `${binary}.tmp`;
// -fopenmp: Debian's libdnnl runs on OpenMP; the addon sets each call's thread count.
// -ffp-contract=off: the optimisers' loops must round every product and sum as tfjs's kernels do.
// -O3 -fno-math-errno: those loops are vectorised (sqrt needs no errno); lane by lane IEEE, without
// -ffast-math nothing is reordered, so the numbers stay the scalar loop's.
const sources = readdirSync(join(here, 'src')).filter((f) => f.endsWith('.cc')).sort().map((f) => join(here, 'src', f));
const args = ['-O3', '-fno-math-errno', '-ffp-contract=off', '-std=c++17', '-shared', '-fPIC', '-fopenmp', `-I${nodeInclude}`, ...sources, '-ldnnl', '-o', temp];
const result = spawnSync(compiler, args, { encoding: 'utf8' });
if (result.error) fail(`${compiler} did not run (${result.error.message}); apt-get install g++ libdnnl-dev`);
if (result.status !== 0) {
  const text = `${result.stderr}`;
  const hint = /dnnl\.hpp|ldnnl/.test(text) ? 'oneDNN is not installed: apt-get install libdnnl-dev' : `${compiler} failed`;
  fail(`${hint}\n${text.split('\n').slice(0, 8).join('\n')}`);
}
renameSync(temp, binary);
console.log(`pipe-onednn: built ${binary}`);
