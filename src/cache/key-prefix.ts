// Keys as people type them: a unique prefix of at least 6 hex characters (`pipe cache rm|push|pull`).
import { inputError } from '../errors.js';

/** The one key of `keys` that starts with `prefix`; bad input when `prefix` is not 6 to 64 hex
 *  characters or names no key or several. `on` says where the keys are (' on s3://b/p'), `hint`
 *  how to see them. */
export function keyByPrefix(prefix: string, keys: readonly string[], on: string, hint: string): string {
  if (!/^[0-9a-f]{6,64}$/.test(prefix)) throw inputError(`'${prefix}' is not a key: give at least 6 of its hex characters`, { hint });
  const hits = keys.filter((k) => k.startsWith(prefix));
  if (hits.length === 0) throw inputError(`no cache entry${on} has a key starting with ${prefix}`, { hint });
  if (hits.length > 1) throw inputError(`${hits.length} cache entries${on} have keys starting with ${prefix}`, { hint: 'give more characters' });
  return hits[0];
}
