// The compute backends the engine can run on, best first, and what each needs. Pure data: this
// module loads no tfjs, so the CLI can import it for commands that never train.

/** A backend, by what it computes with. */
export type BackendKind = 'tensorflow-gpu' | 'tensorflow' | 'wasm-onednn' | 'wasm' | 'cpu';

/** Preference order when nothing is requested: the first available one is used. */
export const BACKEND_KINDS: readonly BackendKind[] = ['tensorflow-gpu', 'tensorflow', 'wasm-onednn', 'wasm', 'cpu'];

/** Kinds that run on tfjs-backend-wasm (with or without oneDNN's convolutions). */
export const WASM_KINDS: readonly BackendKind[] = ['wasm-onednn', 'wasm'];

export interface BackendSpec {
  readonly kind: BackendKind;
  /** The npm package that provides it. */
  readonly packageName: string;
  /** The name tfjs registers it under (both tfjs-node packages register 'tensorflow'). */
  readonly tfName: string;
  /** Why it may be missing: what its install needs, said when it is not installed. */
  readonly installNeeds: string;
}

// libtensorflow 2.9.1: LIBTENSORFLOW_VERSION in tfjs-node 4.22's scripts/deps-constants.js, fetched
// at install from storage.googleapis.com; TF 2.9's tested GPU build is CUDA 11.2 + cuDNN 8.1.
export const BACKEND_SPECS: Readonly<Record<BackendKind, BackendSpec>> = {
  'tensorflow-gpu': {
    kind: 'tensorflow-gpu',
    packageName: '@tensorflow/tfjs-node-gpu',
    tfName: 'tensorflow',
    installNeeds: 'its install downloads libtensorflow 2.9.1 and needs CUDA 11.2 + cuDNN 8.1',
  },
  tensorflow: {
    kind: 'tensorflow',
    packageName: '@tensorflow/tfjs-node',
    tfName: 'tensorflow',
    installNeeds: 'its install downloads libtensorflow 2.9.1 (CPU build) from storage.googleapis.com',
  },
  // The wasm backend with its convolutions (forward, input and filter gradients) and batch
  // normalisation computed by oneDNN, and SGD's update by one native loop, natively on the wasm
  // heap: native/onednn, built at install where libdnnl-dev is.
  'wasm-onednn': {
    kind: 'wasm-onednn',
    packageName: 'pipe-onednn',
    tfName: 'wasm',
    installNeeds: "it is built at install from native/onednn against Debian's oneDNN: apt-get install g++ libdnnl-dev, then npm rebuild pipe-onednn",
  },
  wasm: {
    kind: 'wasm',
    packageName: '@tensorflow/tfjs-backend-wasm',
    tfName: 'wasm',
    installNeeds: 'it is a dependency of pipe: reinstall pipe',
  },
  cpu: {
    kind: 'cpu',
    packageName: '@tensorflow/tfjs',
    tfName: 'cpu',
    installNeeds: 'it is a dependency of pipe: reinstall pipe',
  },
};

export function isBackendKind(name: string): name is BackendKind {
  return (BACKEND_KINDS as readonly string[]).includes(name);
}
