// One step of torch.optim.SGD with momentum for one parameter, as the engine's composition of
// tfjs kernels computes it (src/train/optimizers/sgd.ts), operation for operation, each rounded
// to float32 (built with -ffp-contract=off: no fused multiply-adds), so the result is the same
// bit for bit; one pass instead of six kernels and their intermediates.
#include "kernels.h"

namespace pipe_onednn {

void run_sgd(const Sgd& s, std::size_t n, const float* p, const float* g, const float* buf, float* p_out, float* buf_out) {
  for (std::size_t i = 0; i < n; i++) {
    float d = s.weight_decay != 0.f ? g[i] + p[i] * s.weight_decay : g[i];
    float next = s.first ? d : buf[i] * s.momentum + (s.dampened ? d * s.keep : d);
    buf_out[i] = next;
    d = s.nesterov ? d + next * s.momentum : next;
    p_out[i] = p[i] - d * s.lr;
  }
}

}  // namespace pipe_onednn
