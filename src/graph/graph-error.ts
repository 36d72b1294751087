// A problem in a model's graph, found before anything runs. It carries the path of the node
// (in a model or a block definition) and the block uses that led there; the analyzer turns it
// into a located Diagnostic.
import type { Path } from '../config/paths.js';

export class GraphError extends Error {
  constructor(
    readonly at: Path,
    readonly usedAt: readonly Path[],
    message: string,
  ) {
    super(message);
    this.name = 'GraphError';
  }
}
