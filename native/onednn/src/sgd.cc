// One step of torch.optim.SGD with momentum for one parameter, as the engine's composition of tfjs
// kernels computes it (src/train/optimizers/sgd.ts), operation for operation, each rounded to
// float32 (built with -ffp-contract=off: no fused multiply-adds), so the result is the same bit
// for bit; one pass instead of six kernels and their intermediates.
#include <array>
#include <utility>

#include "kernels.h"

namespace pipe_onednn {
namespace {

// One loop per combination of options, branch-free, so that the compiler vectorises it (-O3):
// IEEE operations lane by lane, the scalar loop's numbers. An output may be the very buffer of an
// input (onHeap's reuse: the new parameter in the gradient's, each slot in its own), so the
// pointers are not restrict; every element is read before it is written and no iteration touches
// another's elements, which `ivdep` tells the compiler (no run-time overlap check, no scalar fallback).
template <bool kDecay, bool kFirst, bool kDampened, bool kNesterov>
void sgd_loop(const Sgd& s, std::size_t n, const float* p, const float* g, const float* buf, float* p_out,
              float* buf_out) {
  const Sgd c = s;  // a local copy: its fields stay in registers
#pragma GCC ivdep
  for (std::size_t i = 0; i < n; i++) {
    float d = kDecay ? g[i] + p[i] * c.weight_decay : g[i];
    const float next = kFirst ? d : buf[i] * c.momentum + (kDampened ? d * c.keep : d);
    buf_out[i] = next;
    d = kNesterov ? d + next * c.momentum : next;
    p_out[i] = p[i] - d * c.lr;
  }
}

using Loop = void (*)(const Sgd&, std::size_t, const float*, const float*, const float*, float*, float*);

// The 16 loops, indexed by decay << 3 | first << 2 | dampened << 1 | nesterov.
template <int... K>
constexpr std::array<Loop, sizeof...(K)> sgd_loops(std::integer_sequence<int, K...>) {
  return {sgd_loop<(K & 8) != 0, (K & 4) != 0, (K & 2) != 0, (K & 1) != 0>...};
}

}  // namespace

void run_sgd(const Sgd& s, std::size_t n, const float* p, const float* g, const float* buf, float* p_out, float* buf_out) {
  static constexpr auto loops = sgd_loops(std::make_integer_sequence<int, 16>{});
  loops[(s.weight_decay != 0.f) << 3 | s.first << 2 | s.dampened << 1 | s.nesterov](s, n, p, g, buf, p_out, buf_out);
}

}  // namespace pipe_onednn
