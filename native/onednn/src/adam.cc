// One step of torch.optim.Adam or AdamW for one parameter, as the engine's composition of tfjs
// kernels computes it (src/train/optimizers/adam.ts), operation for operation, each rounded to
// float32 (built with -ffp-contract=off: no fused multiply-adds), so the result is the same bit
// for bit; one pass instead of 13 to 16 kernels and their intermediates.
#include <cmath>

#include "kernels.h"

namespace pipe_onednn {
namespace {

// One loop per combination of options, branch-free, so that the compiler vectorises it (-O3):
// IEEE operations lane by lane, the scalar loop's numbers. An output may be the very buffer of an
// input (onHeap's reuse: the new parameter in the gradient's, each slot in its own), so the
// pointers are not restrict; every element is read before it is written and no iteration touches
// another's elements, which `ivdep` tells the compiler (no run-time overlap check, no scalar fallback).
template <bool kDecoupledDecay, bool kL2, bool kAmsgrad>
void adam_loop(const Adam& s, std::size_t n, const float* param, const float* grad, const float* exp_avg,
               const float* exp_avg_sq, const float* max_sq, float* param_out, float* exp_avg_out,
               float* exp_avg_sq_out, float* max_sq_out) {
  const Adam c = s;  // a local copy: its fields stay in registers
#pragma GCC ivdep
  for (std::size_t i = 0; i < n; i++) {
    const float p = kDecoupledDecay ? param[i] * c.decay_keep : param[i];
    const float g = kL2 ? grad[i] + p * c.weight_decay : grad[i];
    const float m = exp_avg[i] * c.beta1 + g * c.one_minus_beta1;
    // torch's addcmul: value * g * g, left to right.
    const float v = exp_avg_sq[i] * c.beta2 + (g * c.one_minus_beta2) * g;
    exp_avg_out[i] = m;
    exp_avg_sq_out[i] = v;
    float second = v;
    if (kAmsgrad) {
      // tf.maximum(max_exp_avg_sq, v) as tfjs-backend-wasm computes it on x86 (XNNPACK's
      // wasm_f32x4_pmax): where either is NaN, the first.
      second = max_sq[i] < v ? v : max_sq[i];
      max_sq_out[i] = second;
    }
    const float denom = std::sqrt(second) / c.correction2_sqrt + c.eps;
    param_out[i] = p - (m / denom) * c.step_size;
  }
}

template <bool kDecoupledDecay, bool kL2, bool kAmsgrad>
void adam_with(const Adam& s, std::size_t n, const float* const* in, float* const* out) {
  adam_loop<kDecoupledDecay, kL2, kAmsgrad>(s, n, in[0], in[1], in[2], in[3], in[4], out[0], out[1], out[2], out[3]);
}

}  // namespace

void run_adam(const Adam& s, std::size_t n, const float* const* in, float* const* out) {
  using Loop = void (*)(const Adam&, std::size_t, const float* const*, float* const*);
  // [decoupled decay][L2 decay][amsgrad]; the two decays never both apply.
  static constexpr Loop loops[2][2][2] = {{{adam_with<false, false, false>, adam_with<false, false, true>}, {adam_with<false, true, false>, adam_with<false, true, true>}},
                                          {{adam_with<true, false, false>, adam_with<true, false, true>}, {nullptr, nullptr}}};
  loops[s.decoupled && s.decay][!s.decoupled && s.decay][s.amsgrad](s, n, in, out);
}

}  // namespace pipe_onednn
