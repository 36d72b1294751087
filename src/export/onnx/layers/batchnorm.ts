// BatchNormalization in its inference form: (x - moving_mean) / sqrt(moving_variance + epsilon)
// * gamma + beta over the channel axis, as tfjs computes it outside training. Without gamma or
// beta (scale/center false) ONNX gets ones or zeros in their place.
import { LayerRefusal } from '../refusal.js';
import { onnxAxis, type LayerConverter } from '../layer-converter.js';

export const batchNormLayer: LayerConverter = {
  className: 'BatchNormalization',
  ops: ['batchnorm'],
  convert(ctx, [x]) {
    if (x.shape.length !== 3 && x.shape.length !== 1) throw new LayerRefusal(`BatchNormalization needs an image [h, w, c] or a vector [n], found [${x.shape.join(', ')}]`);
    const axis = ctx.axis('axis', -1);
    if (onnxAxis(axis, x.shape) !== 1) throw new LayerRefusal(`config.axis ${axis} is not the channel axis; ONNX normalises over channels only`);
    const c = x.shape[x.shape.length - 1];
    const stat = (which: string, present: boolean, fill: number) =>
      ctx.floats(which, [c], present ? ctx.weight(which, [c]).data : new Float32Array(c).fill(fill));
    const inputs = [
      stat('gamma', ctx.flag('scale', true), 1),
      stat('beta', ctx.flag('center', true), 0),
      stat('moving_mean', true, 0),
      stat('moving_variance', true, 1),
    ];
    return { name: ctx.emit('BatchNormalization', [x.name, ...inputs], { epsilon: { f: ctx.num('epsilon', 1e-3) } }), shape: x.shape };
  },
};
