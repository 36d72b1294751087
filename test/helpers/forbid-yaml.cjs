// Loaded with `node --require`: a require() of `yaml` (src/config/load.ts loads it with
// createRequire, which ESM hooks do not see) throws, so a test can prove it never happened.
const Module = require('node:module');
const load = Module._load;
Module._load = function (request, ...rest) {
  if (request === 'yaml') throw new Error('forbidden import: yaml');
  return load.call(this, request, ...rest);
};
