// Batch normalisation in training on oneDNN's batch_normalization primitives: one pass for the
// statistics and one for the output each way.
#include <omp.h>

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "kernels.h"

namespace pipe_onednn {
namespace {

struct NormPlan {
  dnnl::primitive prim;
  memory::desc data_md, stat_md;
};

std::unique_ptr<NormPlan> make_norm_plan(const Norm& p, ThreadState& ts) {
  auto plan = std::make_unique<NormPlan>();
  // {P, C, 1, 1} in nhwc is exactly a row-major [P, C].
  plan->data_md = memory::desc({p.positions, p.channels, 1, 1}, dt::f32, tag::nhwc);
  plan->stat_md = memory::desc({p.channels}, dt::f32, tag::x);
  auto flags = dnnl::normalization_flags::use_scale | dnnl::normalization_flags::use_shift;
  dnnl::batch_normalization_forward::desc fwd(dnnl::prop_kind::forward_training, plan->data_md, p.epsilon, flags);
  dnnl::batch_normalization_forward::primitive_desc fwd_pd(fwd, ts.engine);
  if (p.op == 0) {
    plan->prim = dnnl::batch_normalization_forward(fwd_pd);
  } else {
    dnnl::batch_normalization_backward::desc bwd(dnnl::prop_kind::backward, plan->data_md, plan->data_md, p.epsilon, flags);
    plan->prim = dnnl::batch_normalization_backward(dnnl::batch_normalization_backward::primitive_desc(bwd, ts.engine, fwd_pd));
  }
  return plan;
}

thread_local PlanCache<NormPlan> norm_plans;

}  // namespace

void run_norm(const Norm& p, float* const* f) {
  omp_set_num_threads(p.threads);
  ThreadState& ts = thread_state();
  NormPlan& plan = cached(norm_plans, p, [&] { return make_norm_plan(p, ts); });
  auto data = [&](float* ptr) { return memory(plan.data_md, ts.engine, ptr); };
  auto stat = [&](float* ptr) { return memory(plan.stat_md, ts.engine, ptr); };
  if (p.op == 0) {
    plan.prim.execute(ts.stream, {{DNNL_ARG_SRC, data(f[0])}, {DNNL_ARG_SCALE, stat(f[1])}, {DNNL_ARG_SHIFT, stat(f[2])},
                                  {DNNL_ARG_DST, data(f[3])}, {DNNL_ARG_MEAN, stat(f[4])}, {DNNL_ARG_VARIANCE, stat(f[5])}});
  } else {
    // oneDNN 2.6 counts the shift as an input of the backward pass too, though no value of it is
    // read (the gradients do not depend on it): the scale's memory stands in.
    plan.prim.execute(ts.stream, {{DNNL_ARG_DIFF_DST, data(f[0])}, {DNNL_ARG_SRC, data(f[1])}, {DNNL_ARG_SCALE, stat(f[2])}, {DNNL_ARG_SHIFT, stat(f[2])},
                                  {DNNL_ARG_MEAN, stat(f[3])}, {DNNL_ARG_VARIANCE, stat(f[4])}, {DNNL_ARG_DIFF_SRC, data(f[5])},
                                  {DNNL_ARG_DIFF_SCALE, stat(f[6])}, {DNNL_ARG_DIFF_SHIFT, stat(f[7])}});
  }
  ts.stream.wait();
}

int norm_piece_operands(int op) {
  switch (op) {
    case kMoments: return 3;
    case kAffine: return 5;
    case kGradSums: return 6;
    case kGradInput: return 7;
    default: return -1;
  }
}

bool norm_piece_is_data(int op, int operand) {
  switch (op) {
    case kMoments: return operand == 0;
    case kAffine: return operand == 0 || operand == 4;
    case kGradSums: return operand <= 1;
    case kGradInput: return operand <= 1 || operand == 6;
    default: return false;
  }
}

// Plain loops, on the calling thread (a training worker is one thread): rows of C channels, the
// inner loop over channels, so each vectorises; per-channel accumulators in double.
void run_norm_piece(const Norm& p, float* const* f) {
  const std::size_t P = p.positions, C = p.channels;
  std::vector<double> acc(C), acc2(C);
  switch (p.op) {
    case kMoments: {
      const float* x = f[0];
      for (std::size_t i = 0; i < P; i++) {
        const float* row = x + i * C;
        for (std::size_t c = 0; c < C; c++) acc[c] += row[c];
      }
      for (std::size_t c = 0; c < C; c++) f[1][c] = static_cast<float>(acc[c] / double(P));
      const float* mean = f[1];
      for (std::size_t i = 0; i < P; i++) {
        const float* row = x + i * C;
        for (std::size_t c = 0; c < C; c++) {
          const double d = double(row[c]) - double(mean[c]);
          acc2[c] += d * d;
        }
      }
      for (std::size_t c = 0; c < C; c++) f[2][c] = static_cast<float>(acc2[c]);
      break;
    }
    case kAffine: {
      const float *x = f[0], *mean = f[1], *a = f[2], *b = f[3];
      float* y = f[4];
      for (std::size_t i = 0; i < P; i++) {
        const float* row = x + i * C;
        float* out = y + i * C;
        for (std::size_t c = 0; c < C; c++) out[c] = (row[c] - mean[c]) * a[c] + b[c];
      }
      break;
    }
    case kGradSums: {
      const float *dy = f[0], *x = f[1], *mean = f[2], *rstd = f[3];
      for (std::size_t i = 0; i < P; i++) {
        const float *g = dy + i * C, *row = x + i * C;
        for (std::size_t c = 0; c < C; c++) {
          acc[c] += g[c];
          acc2[c] += double(g[c]) * ((double(row[c]) - double(mean[c])) * double(rstd[c]));
        }
      }
      for (std::size_t c = 0; c < C; c++) {
        f[4][c] = static_cast<float>(acc[c]);
        f[5][c] = static_cast<float>(acc2[c]);
      }
      break;
    }
    case kGradInput: {
      const float *dy = f[0], *x = f[1], *mean = f[2], *a = f[3], *b = f[4], *k = f[5];
      float* dx = f[6];
      for (std::size_t i = 0; i < P; i++) {
        const float *g = dy + i * C, *row = x + i * C;
        float* out = dx + i * C;
        for (std::size_t c = 0; c < C; c++) out[c] = g[c] * a[c] + (row[c] - mean[c]) * b[c] + k[c];
      }
      break;
    }
  }
}

}  // namespace pipe_onednn
