// Whether two stage keys ask for the same computation, run differently: equal once what says how
// a stage was run (the backend, the training workers) is left out, here and in every stage it
// starts from. A result made on another machine, or with another number of workers, then still
// answers `pipe diff` (d); `pipe run` itself keeps them apart, as their numbers differ a little.
import { createHash } from 'node:crypto';
import type { StageKeyInput } from '../cache/key.js';
import { canonicalJson } from '../data/cache.js';

/** Key fields that say how a stage was run rather than what it computes. */
const HOW_RUN = ['backend', 'workers'];

/** Key -> its input, for every key a run-free key may need (the stage's, and those it starts from). */
export type KeyInputs = ReadonlyMap<string, StageKeyInput>;

export function runFreeKeys(inputs: KeyInputs): (key: string) => string {
  const memo = new Map<string, string>();
  const of = (key: string): string => {
    const known = memo.get(key);
    if (known !== undefined) return known;
    const input = inputs.get(key);
    // An upstream entry that is gone: only this exact key can match.
    if (!input) return `key ${key}`;
    const rest = Object.fromEntries(Object.entries(input).filter(([field]) => !HOW_RUN.includes(field))) as Partial<StageKeyInput>;
    const free = {
      ...rest,
      init: Object.fromEntries(Object.entries(input.init).map(([model, k]) => [model, of(k)])),
      needs: input.needs.map(of).sort(),
    };
    const hash = createHash('sha256').update(canonicalJson(free)).digest('hex');
    memo.set(key, hash);
    return hash;
  };
  return of;
}
