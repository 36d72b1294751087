// The gradient of max pooling (src/backend/kernels/max_pool_grad.ts, whose JavaScript loop this
// is, step for step): each window's first maximum in row-major window order (strict >, seeded
// with -infinity, so windows of values <= 0 pick right and padding never wins) gets the window's
// dy, added in window order. On the calling thread; channels innermost, so the loops vectorise.
#include <algorithm>
#include <limits>
#include <vector>

#include "kernels.h"

namespace pipe_onednn {

void run_maxpool_grad(const MaxPoolGrad& p, const float* x, const float* dy, float* dx) {
  const std::size_t c = p.c;
  std::fill(dx, dx + std::size_t(p.n) * p.ih * p.iw * c, 0.0f);
  std::vector<float> best(c);
  std::vector<long> where(c);
  for (int b = 0; b < p.n; b++) {
    for (int oh = 0; oh < p.oh; oh++) {
      const int top = oh * p.sh - p.pt;
      const int h0 = top < 0 ? 0 : top, h1 = top + p.kh < p.ih ? top + p.kh : p.ih;
      for (int ow = 0; ow < p.ow; ow++) {
        const int left = ow * p.sw - p.pl;
        const int w0 = left < 0 ? 0 : left, w1 = left + p.kw < p.iw ? left + p.kw : p.iw;
        std::fill(best.begin(), best.end(), -std::numeric_limits<float>::infinity());
        std::fill(where.begin(), where.end(), -1L);
        for (int h = h0; h < h1; h++) {
          for (int w = w0; w < w1; w++) {
            const long base = ((long(b) * p.ih + h) * p.iw + w) * long(c);
            for (std::size_t ch = 0; ch < c; ch++) {
              const float v = x[base + ch];
              if (v > best[ch]) {
                best[ch] = v;
                where[ch] = base + long(ch);
              }
            }
          }
        }
        const long dy_base = ((long(b) * p.oh + oh) * p.ow + ow) * long(c);
        for (std::size_t ch = 0; ch < c; ch++) {
          if (where[ch] >= 0) dx[where[ch]] += dy[dy_base + ch];
        }
      }
    }
  }
}

}  // namespace pipe_onednn
