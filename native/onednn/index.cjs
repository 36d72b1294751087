// The addon built by build.mjs; requiring this package fails (with build.mjs's reason) where it was not built.
'use strict';
const { existsSync, readFileSync } = require('node:fs');
const { join } = require('node:path');
const binary = join(__dirname, 'build', 'pipe_onednn.node');
if (!existsSync(binary)) {
  const log = join(__dirname, 'build', 'reason.txt');
  throw new Error(`pipe-onednn was not built: ${existsSync(log) ? readFileSync(log, 'utf8').trim() : 'run npm rebuild pipe-onednn'}`);
}
module.exports = require(binary);
