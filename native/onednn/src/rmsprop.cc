// One step of torch.optim.RMSprop for one parameter, as the engine's composition of tfjs kernels
// computes it (src/train/optimizers/rmsprop.ts), operation for operation, each rounded to float32
// (built with -ffp-contract=off: no fused multiply-adds), so the result is the same bit for bit;
// one pass instead of 9 to 16 kernels and their intermediates.
#include <cmath>

#include "kernels.h"

namespace pipe_onednn {

void run_rmsprop(const Rmsprop& s, std::size_t n, const float* const* in, float* const* out) {
  const float *param = in[0], *grad = in[1], *square_avg = in[2], *grad_avg = in[3], *buf = in[4];
  float *param_out = out[0], *square_avg_out = out[1], *grad_avg_out = out[2], *buf_out = out[3];
  for (std::size_t i = 0; i < n; i++) {
    const float g = s.decay ? grad[i] + param[i] * s.weight_decay : grad[i];
    // torch's addcmul: value * g * g, left to right.
    const float sq = square_avg[i] * s.alpha + (g * s.one_minus_alpha) * g;
    square_avg_out[i] = sq;
    float variance = sq;
    if (s.centered) {
      const float ga = grad_avg[i] * s.alpha + g * s.one_minus_alpha;
      grad_avg_out[i] = ga;
      variance = sq - ga * ga;
    }
    float d = g / (std::sqrt(variance) + s.eps);
    if (s.with_momentum) {
      d = buf[i] * s.momentum + d;
      buf_out[i] = d;
    }
    param_out[i] = param[i] - d * s.lr;
  }
}

}  // namespace pipe_onednn
