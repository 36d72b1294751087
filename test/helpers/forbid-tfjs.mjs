// Loaded with `node --import`: makes importing any @tensorflow package or sharp fail (and `yaml`
// too when FORBID_YAML=1), so a test can prove a command never loads them.
import { register } from 'node:module';

const forbidden = ['sharp', ...(process.env.FORBID_YAML === '1' ? ['yaml'] : [])];
register('data:text/javascript,' + encodeURIComponent(`
const forbidden = ${JSON.stringify(forbidden)};
export async function resolve(specifier, context, next) {
  if (specifier.startsWith('@tensorflow/') || forbidden.includes(specifier)) throw new Error('forbidden import: ' + specifier);
  return next(specifier, context);
}`));
