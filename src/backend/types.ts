// Types shared by the backend modules; type-only, so importing them loads nothing.
import type * as tfjs from '@tensorflow/tfjs';
import type { BackendKind } from './kinds.js';

/** The tfjs module the engine computes with (tfjs-node re-exports this same module). */
export type TfModule = typeof tfjs;

/** The backend the engine runs on, as initBackend chose and started it. */
export interface BackendInfo {
  readonly kind: BackendKind;
  /** The tfjs module to use: its active backend is this one. */
  readonly tf: TfModule;
  /** Package versions that decide the numbers: '@tensorflow/tfjs' and the backend's package. */
  readonly versions: Readonly<Record<string, string>>;
  /** How it was chosen, e.g. `--backend`, `PIPE_BACKEND`, or `preference order`. */
  readonly chosenBy: string;
  /** Facts worth recording beside results, e.g. the wasm binary and heap limit. */
  readonly details: Readonly<Record<string, string>>;
}
