// Dropout does nothing outside training: the ONNX graph has no node for it, and what reads its
// output reads its input.
import type { LayerConverter } from '../layer-converter.js';

const passThrough = (className: string): LayerConverter => ({ className, ops: ['dropout'], convert: (_ctx, [x]) => x });

export const seededDropoutLayer = passThrough('PipeSeededDropout');
export const dropoutLayer = passThrough('Dropout');
