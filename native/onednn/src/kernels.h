// The kernels of pipe's oneDNN addon (addon.cc binds them to JavaScript), each in its own file:
// conv.cc, norm.cc, pool.cc, and the optimisers' updates sgd.cc, adam.cc, rmsprop.cc. They compute in
// place on memory the caller owns (the wasm heap).
#pragma once

#include <oneapi/dnnl/dnnl.hpp>

#include <cstddef>
#include <memory>
#include <string>
#include <unordered_map>

namespace pipe_onednn {

using dnnl::memory;
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

// Plans (a primitive and what it needs) by the bytes of their parameters, one cache per thread
// and kind: building one takes far longer than running a small one.
template <class Plan>
using PlanCache = std::unordered_map<std::string, std::unique_ptr<Plan>>;

// The plan for `p`, made by `make()` the first time. Parameter structs are plain ints and floats
// without padding, so their bytes are a key.
template <class Params, class Plan, class Make>
Plan& cached(PlanCache<Plan>& plans, const Params& p, Make make) {
  std::string key(reinterpret_cast<const char*>(&p), sizeof(Params));
  auto found = plans.find(key);
  if (found == plans.end()) found = plans.emplace(key, make()).first;
  return *found->second;
}

enum Op { kForward = 0, kBackwardData = 1, kBackwardWeights = 2 };

// The convolution, as the Int32Array the caller passes (order fixed here and in the TS side,
// src/backend/kernels/onednn_conv.ts).
struct Conv {
  int op, n, h, w, c, oc, kh, kw, oh, ow, sh, sw, dh, dw, pt, pl, pb, pr, bias, relu, threads;
};
constexpr int kConvFields = 21;

// Runs one convolution. a, b, out: forward x, w, y; backward data dy, w, dx; backward weights
// x, dy, dw. bias: the forward's bias or nullptr. Throws dnnl::error.
void run_conv(const Conv& p, float* a, float* b, float* bias, float* out);

// oneDNN's name for the implementation it would pick for `p`.
std::string conv_implementation(const Conv& p);

// Batch normalisation in training, over every axis but the channels (tfjs's [..., C] laid out
// as P positions x C channels): forward y, mean, variance (population); backward dx, dscale,
// dshift (as src/backend/kernels/batch_norm_training*.ts).
struct Norm {
  int op, positions, channels, threads;
  float epsilon;
};

// Forward: f = {x, scale, shift, y, mean, variance}; backward: {dy, x, scale, mean, variance, dx,
// dscale, dshift}. Throws dnnl::error.
void run_norm(const Norm& p, float* const* f);

// The pieces of batch normalisation whose statistics several training workers share (norm.cc):
// each worker's passes over its own rows, the statistics exchanged between them in JavaScript.
enum NormPiece { kMoments = 2, kAffine = 3, kGradSums = 4, kGradInput = 5 };
// kMoments    {x, mean, m2}: per channel the mean and the sum of squared deviations from it
// kAffine     {x, mean, a, b, y}: y = (x - mean) * a + b per channel
// kGradSums   {dy, x, mean, rstd, db, dg}: db = sum dy, dg = sum dy * (x - mean) * rstd
// kGradInput  {dy, x, mean, a, b, c, dx}: dx = dy * a + (x - mean) * b + c per channel
// Sums are taken in double per channel, in position order.
void run_norm_piece(const Norm& p, float* const* f);
int norm_piece_operands(int op);
bool norm_piece_is_data(int op, int operand);

// The gradient of max pooling, NHWC (pool.cc): input n x ih x iw x c, output n x oh x ow x c,
// strides, window, and the padding before the first row and column.
struct MaxPoolGrad {
  int n, ih, iw, c, oh, ow, sh, sw, kh, kw, pt, pl;
};
constexpr int kMaxPoolGradFields = 12;

void run_maxpool_grad(const MaxPoolGrad& p, const float* x, const float* dy, float* dx);

// One step of torch.optim.SGD with momentum for one parameter (sgd.cc).
struct Sgd {
  float lr, momentum, keep, weight_decay;  // keep = 1 - dampening
  bool first, nesterov, dampened;
};

void run_sgd(const Sgd& s, std::size_t n, const float* p, const float* g, const float* buf, float* p_out, float* buf_out);

// One step of torch.optim.Adam or AdamW for one parameter (adam.cc). step_size = lr / (1 -
// beta1^t), correction2_sqrt = sqrt(1 - beta2^t), decay_keep = 1 - lr * weight_decay (AdamW), as
// the optimiser computes them in double once per step. decay: weight_decay != 0 (in double).
struct Adam {
  float step_size, correction2_sqrt, decay_keep, weight_decay, beta1, beta2, one_minus_beta1, one_minus_beta2, eps;
  bool decoupled, decay, amsgrad;
};

// in: param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq (amsgrad only); out: param, exp_avg,
// exp_avg_sq, max_exp_avg_sq (amsgrad only). Every array holds n floats.
void run_adam(const Adam& s, std::size_t n, const float* const* in, float* const* out);

// One step of torch.optim.RMSprop for one parameter (rmsprop.cc). decay: weight_decay != 0;
// with_momentum: momentum > 0 (both in double, as the optimiser decides).
struct Rmsprop {
  float lr, alpha, one_minus_alpha, eps, weight_decay, momentum;
  bool decay, centered, with_momentum;
};

// in: param, grad, square_avg, grad_avg (centered only), momentum_buffer (momentum only); out:
// param, square_avg, grad_avg, momentum_buffer (the same two only when used). n floats each.
void run_rmsprop(const Rmsprop& s, std::size_t n, const float* const* in, float* const* out);

// Each thread's oneDNN engine and stream (every worker thread has its own).
struct ThreadState {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
};
ThreadState& thread_state();

}  // namespace pipe_onednn
