// One step of torch.optim.Adam or AdamW for one parameter, as the engine's composition of tfjs
// kernels computes it (src/train/optimizers/adam.ts), operation for operation, each rounded to
// float32 (built with -ffp-contract=off: no fused multiply-adds), so the result is the same bit
// for bit; one pass instead of 13 to 16 kernels and their intermediates.
#include <cmath>

#include "kernels.h"

namespace pipe_onednn {

void run_adam(const Adam& s, std::size_t n, const float* const* in, float* const* out) {
  const float *param = in[0], *grad = in[1], *exp_avg = in[2], *exp_avg_sq = in[3], *max_sq = in[4];
  float *param_out = out[0], *exp_avg_out = out[1], *exp_avg_sq_out = out[2], *max_sq_out = out[3];
  const bool decoupled_decay = s.decoupled && s.decay, l2 = !s.decoupled && s.decay;
  for (std::size_t i = 0; i < n; i++) {
    const float p = decoupled_decay ? param[i] * s.decay_keep : param[i];
    const float g = l2 ? grad[i] + p * s.weight_decay : grad[i];
    const float m = exp_avg[i] * s.beta1 + g * s.one_minus_beta1;
    // torch's addcmul: value * g * g, left to right.
    const float v = exp_avg_sq[i] * s.beta2 + (g * s.one_minus_beta2) * g;
    exp_avg_out[i] = m;
    exp_avg_sq_out[i] = v;
    float second = v;
    if (s.amsgrad) {
      // tf.maximum(max_exp_avg_sq, v) as tfjs-backend-wasm computes it on x86 (XNNPACK's
      // wasm_f32x4_pmax): where either is NaN, the first.
      second = max_sq[i] < v ? v : max_sq[i];
      max_sq_out[i] = second;
    }
    const float denom = std::sqrt(second) / s.correction2_sqrt + s.eps;
    param_out[i] = p - (m / denom) * s.step_size;
  }
}

}  // namespace pipe_onednn
