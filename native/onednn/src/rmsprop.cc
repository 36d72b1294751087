// One step of torch.optim.RMSprop for one parameter, as the engine's composition of tfjs kernels
// computes it (src/train/optimizers/rmsprop.ts), operation for operation, each rounded to float32
// (built with -ffp-contract=off: no fused multiply-adds), so the result is the same bit for bit;
// one pass instead of 9 to 16 kernels and their intermediates.
#include <cmath>

#include "kernels.h"

namespace pipe_onednn {
namespace {

// One loop per combination of options, branch-free, so that the compiler vectorises it (-O3):
// IEEE operations lane by lane, the scalar loop's numbers. An output may be the very buffer of an
// input (onHeap's reuse: the new parameter in the gradient's, each slot in its own), so the
// pointers are not restrict; every element is read before it is written and no iteration touches
// another's elements, which `ivdep` tells the compiler (no run-time overlap check, no scalar fallback).
template <bool kDecay, bool kCentered, bool kMomentum>
void rmsprop_loop(const Rmsprop& s, std::size_t n, const float* param, const float* grad, const float* square_avg,
                  const float* grad_avg, const float* buf, float* param_out, float* square_avg_out,
                  float* grad_avg_out, float* buf_out) {
  const Rmsprop c = s;  // a local copy: its fields stay in registers
#pragma GCC ivdep
  for (std::size_t i = 0; i < n; i++) {
    const float g = kDecay ? grad[i] + param[i] * c.weight_decay : grad[i];
    // torch's addcmul: value * g * g, left to right.
    const float sq = square_avg[i] * c.alpha + (g * c.one_minus_alpha) * g;
    square_avg_out[i] = sq;
    float variance = sq;
    if (kCentered) {
      const float ga = grad_avg[i] * c.alpha + g * c.one_minus_alpha;
      grad_avg_out[i] = ga;
      variance = sq - ga * ga;
    }
    float d = g / (std::sqrt(variance) + c.eps);
    if (kMomentum) {
      d = buf[i] * c.momentum + d;
      buf_out[i] = d;
    }
    param_out[i] = param[i] - d * c.lr;
  }
}

template <bool kDecay, bool kCentered, bool kMomentum>
void rmsprop_with(const Rmsprop& s, std::size_t n, const float* const* in, float* const* out) {
  rmsprop_loop<kDecay, kCentered, kMomentum>(s, n, in[0], in[1], in[2], in[3], in[4], out[0], out[1], out[2], out[3]);
}

}  // namespace

void run_rmsprop(const Rmsprop& s, std::size_t n, const float* const* in, float* const* out) {
  using Loop = void (*)(const Rmsprop&, std::size_t, const float* const*, float* const*);
  // [decay][centered][momentum]
  static constexpr Loop loops[2][2][2] = {
      {{rmsprop_with<false, false, false>, rmsprop_with<false, false, true>}, {rmsprop_with<false, true, false>, rmsprop_with<false, true, true>}},
      {{rmsprop_with<true, false, false>, rmsprop_with<true, false, true>}, {rmsprop_with<true, true, false>, rmsprop_with<true, true, true>}}};
  loops[s.decay][s.centered][s.with_momentum](s, n, in, out);
}

}  // namespace pipe_onednn
