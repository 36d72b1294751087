// PipeTorchUpsample2D (src/graph/layers/upsample.ts) is torch.nn.Upsample with an integer factor.
// nearest reads input floor(o / f). Stock UpSampling2D (tf.image.resizeNearestNeighbor without
// align_corners or half-pixel centres) reads floor(o * (in / (in * f))): the same index when f is
// a power of two (in / (in * f) and the product are exact in any float), but for other factors
// the rounded ratio can land a multiple of f just below a whole number (49 * (1 / 49) < 1 in
// doubles; WebGL computes in float32), so those are refused rather than exported approximately.
// bilinear is refused: PyTorch's align_corners=False samples at half-pixel centres
// ((o + 0.5) / f - 0.5), stock UpSampling2D's resizeBilinear at o / f, with no option for the other.
import { outputOf, stockLayer } from '../topology.js';
import { wholeField, type StockRewrite } from './rewrite.js';

export const torchUpsample2D: StockRewrite = {
  className: 'PipeTorchUpsample2D',
  rewrite(layer, input, ctx) {
    const factor = wholeField(layer, layer.config.factor, 'factor', ctx, 1);
    if (layer.config.mode === 'bilinear') {
      ctx.refuse(layer, "it upsamples bilinearly as PyTorch's align_corners=False, at half-pixel centres; stock UpSampling2D samples at the corners and has no option for it");
    }
    if (layer.config.mode !== 'nearest') ctx.refuse(layer, `its mode is ${JSON.stringify(layer.config.mode)}, not nearest or bilinear (is model.json damaged?)`);
    if ((factor & (factor - 1)) !== 0) ctx.refuse(layer, `its factor ${factor} is not a power of two: stock UpSampling2D picks rows as floor(o * (in / (in * ${factor}))), which rounding can move off PyTorch's floor(o / ${factor})`);
    const l = stockLayer('UpSampling2D', layer.name, { size: [factor, factor], data_format: 'channels_last', interpolation: 'nearest' }, [input]);
    return { layers: [l], output: outputOf(l) };
  },
};
