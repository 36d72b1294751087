// Writes the planned tensors into a compiled graph's layers (plan.ts chose them and checked their
// shapes against the file's header). The file is hashed again first: the stage key was made from
// the bytes the pipeline was checked with, and a file replaced since then is refused, not loaded.
import type * as tfjs from '@tensorflow/tfjs';
import { JobError } from '../../errors.js';
import { fileSha256 } from './file-hash.js';
import type { WeightImportPlan } from './plan.js';
import { openTensors, readSafetensorsHeader } from './safetensors.js';

export function loadWeightImport(tf: typeof tfjs, plan: WeightImportPlan, layersOf: (node: string) => readonly tfjs.layers.Layer[]): void {
  if (fileSha256(plan.file) !== plan.sha256) throw new JobError(`${plan.file} changed after the pipeline was checked`, 'run again to check it and key the stages on its new content');
  const file = openTensors(readSafetensorsHeader(plan.file));
  try {
    for (const n of plan.nodes) {
      const variables = layersOf(n.node).flatMap((l) => l.weights);
      for (const { tensor, layout } of n.tensors) {
        const v = variables.find((w) => layout.engine.split('|').some((e) => new RegExp(`/${e}(_\\d+)?$`).test(w.name)));
        if (!v) throw new Error(`node '${n.node}' has no weight named ${layout.engine} (it has ${variables.map((w) => w.name).join(', ')})`);
        const values = layout.toEngine(file.read(tensor));
        const shape = v.shape as number[]; // a weight's shape is always known
        if (values.length !== shape.reduce((a, b) => a * b, 1)) throw new Error(`${tensor}: ${values.length} values for weight ${v.name} of shape [${shape.join(', ')}]`);
        const t = tf.tensor(values, shape);
        v.write(t);
        t.dispose();
      }
    }
  } finally {
    file.close();
  }
}
