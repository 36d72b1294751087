// tfjs-backend-wasm's emscripten module, when it starts under Node, adds process listeners for
// 'uncaughtException' and 'unhandledRejection' that rethrow what they receive: Node then prints
// the throwing line of the module, ~600 KB of minified JavaScript, and exits, before the engine's
// own handling can say what went wrong. The module removes them only in its _dispose, and its
// own bookkeeping of which listeners it added is wrong (it keeps every listener), so the engine
// removes the ones that appeared while the module started.

const EVENTS = ['uncaughtException', 'unhandledRejection'] as const;

/** Runs `start` and removes the uncaughtException/unhandledRejection listeners it added. */
export async function withoutAddedProcessListeners<T>(start: () => Promise<T>): Promise<T> {
  const before = new Map(EVENTS.map((e) => [e, new Set<unknown>(process.listeners(e as 'uncaughtException'))]));
  try {
    return await start();
  } finally {
    for (const event of EVENTS) {
      for (const listener of process.listeners(event as 'uncaughtException')) {
        if (!before.get(event)!.has(listener)) process.removeListener(event as 'uncaughtException', listener);
      }
    }
  }
}
