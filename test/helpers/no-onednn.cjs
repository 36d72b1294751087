// Loaded with `node --require`: require('pipe-onednn') fails as it does where the addon was not
// built (or libdnnl is missing at load), so a test can see pipe fall back to plain wasm.
const Module = require('node:module');
const load = Module._load;
Module._load = function (request, ...rest) {
  if (request === 'pipe-onednn') throw new Error('pipe-onednn was not built: oneDNN is not installed: apt-get install libdnnl-dev');
  return load.call(this, request, ...rest);
};
