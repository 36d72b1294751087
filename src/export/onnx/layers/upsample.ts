// The engine's upsampling (pipe's upsample) as ONNX Resize, with the coordinate rule the
// engine's matrices use (src/graph/layers/upsample.ts):
//   nearest: output o reads input floor(o / f)                  -> asymmetric + floor
//   bilinear: source (o + 0.5) / f - 0.5, clamped to the edges -> linear + pytorch_half_pixel
// (torch.nn.Upsample with align_corners=False, which is what the engine matches).
import { imageInput, type LayerConverter } from '../layer-converter.js';
import type { AttrValue } from '../onnx-graph.js';

export const torchUpsampleLayer: LayerConverter = {
  className: 'PipeTorchUpsample2D',
  ops: ['upsample'],
  convert(ctx, [x]) {
    const [h, w, c] = imageInput(x, 'PipeTorchUpsample2D');
    const f = ctx.int('factor', 1);
    const mode = ctx.choice('mode', ['nearest', 'bilinear']);
    const scales = ctx.floats('scales', [4], Float32Array.of(1, 1, f, f));
    const attrs: Record<string, AttrValue> = mode === 'nearest'
      ? { mode: { s: 'nearest' }, coordinate_transformation_mode: { s: 'asymmetric' }, nearest_mode: { s: 'floor' } }
      : { mode: { s: 'linear' }, coordinate_transformation_mode: { s: 'pytorch_half_pixel' } };
    // Resize's inputs: X, roi (unused: empty name), scales.
    return { name: ctx.emit('Resize', [x.name, '', scales], attrs), shape: [h * f, w * f, c] };
  },
};
