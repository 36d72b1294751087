// Pooling: tf.layers' max and average pools (pipe's maxpool/avgpool; their PyTorch padding is a
// PipeTorchPad2D layer before them, -Infinity or 0, so these pools pad nothing themselves) and
// the global average pool.
import { imageInput, type LayerConverter, type LayerContext, type Value } from '../layer-converter.js';
import { window } from './conv.js';

function pool(className: string, opType: 'MaxPool' | 'AveragePool', op: string): LayerConverter {
  return {
    className,
    ops: [op],
    convert(ctx: LayerContext, [x]: readonly Value[]): Value {
      const [h, w, c] = imageInput(x, className);
      ctx.choice('data_format', ['channels_last'], 'channels_last');
      const size = ctx.pair('pool_size', 1);
      const strides = ctx.pair('strides', 1, size);
      const padding = ctx.choice('padding', ['valid', 'same'], 'valid');
      const rows = window(h, size[0], strides[0], 1, padding, 'height');
      const cols = window(w, size[1], strides[1], 1, padding, 'width');
      const name = ctx.emit(opType, [x.name], {
        kernel_shape: { ints: size },
        strides: { ints: strides },
        pads: { ints: [rows.pads[0], cols.pads[0], rows.pads[1], cols.pads[1]] },
        // tfjs's SAME average leaves the padding out of the count.
        ...(opType === 'AveragePool' ? { count_include_pad: { i: 0 } } : {}),
      });
      return { name, shape: [rows.out, cols.out, c] };
    },
  };
}

export const maxPoolLayer = pool('MaxPooling2D', 'MaxPool', 'maxpool');
export const averagePoolLayer = pool('AveragePooling2D', 'AveragePool', 'avgpool');

export const globalAveragePoolLayer: LayerConverter = {
  className: 'GlobalAveragePooling2D',
  ops: ['global_avgpool'],
  convert(ctx, [x]) {
    const [, , c] = imageInput(x, 'GlobalAveragePooling2D');
    ctx.choice('data_format', ['channels_last'], 'channels_last');
    // [batch, c, 1, 1] -> [batch, c], as tfjs's layer returns.
    const pooled = ctx.emit('GlobalAveragePool', [x.name], {}, 'pool');
    return { name: ctx.emit('Flatten', [pooled], { axis: { i: 1 } }), shape: [c] };
  },
};
