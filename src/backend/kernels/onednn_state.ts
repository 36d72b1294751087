// Whether the wasm kernels take the oneDNN path in this thread, and the addon they call. Imports
// nothing at run time: the optimisers ask it (fused_sgd.ts) in modules the CLI loads without tfjs.
import type { OnednnAddon } from '../onednn.js';

let addon: OnednnAddon | null = null;

/** Turns the oneDNN path on (with the addon: wasm-onednn) or off (null: plain wasm). */
export function useOnednn(loaded: OnednnAddon | null): void {
  addon = loaded;
}

/** The addon while the oneDNN path is on, else null. */
export function onednn(): OnednnAddon | null {
  return addon;
}
