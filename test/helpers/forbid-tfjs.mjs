// Loaded with `node --import`: makes importing any @tensorflow package or sharp fail, so a test
// can prove a command never loads them.
import { register } from 'node:module';

register('data:text/javascript,' + encodeURIComponent(`
export async function resolve(specifier, context, next) {
  if (specifier.startsWith('@tensorflow/') || specifier === 'sharp') throw new Error('forbidden import: ' + specifier);
  return next(specifier, context);
}`));
