// oneDNN kernels for the engine's wasm backend, computed in place on tensors that live in the
// wasm heap (the caller passes Float32Array views of it): a 2-D convolution's forward, input
// gradient and filter gradient (activations NHWC, filters HWIO, as tfjs), batch normalisation
// in training, forward and backward, and SGD's update (not oneDNN: one loop).
//
// Why native: XNNPACK's f32 kernels on 128-bit wasm SIMD run a core at a fraction of what
// oneDNN's AVX2/AVX-512 kernels do (the same library PyTorch's CPU convolutions use), and a
// filter gradient through XNNPACK repacks dy as a filter on every call.
#include <node_api.h>
#include <omp.h>
#include <oneapi/dnnl/dnnl.hpp>

#include <cstring>
#include <memory>
#include <string>
#include <unordered_map>

namespace {

using dnnl::memory;
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

enum Op { kForward = 0, kBackwardData = 1, kBackwardWeights = 2 };

// The convolution, as the Int32Array the caller passes (order fixed here and in the TS side).
struct Conv {
  int op, n, h, w, c, oc, kh, kw, oh, ow, sh, sw, dh, dw, pt, pl, pb, pr, bias, relu, threads;
};
constexpr int kConvFields = 21;

// A primitive with the reorders around it, kept per thread (each worker thread has its own
// engine and cache) for every convolution shape seen: building one takes far longer than running
// a small one.
struct Plan {
  dnnl::primitive prim;
  memory::desc src_md, weights_md, dst_md;  // the primitive's own layouts
  memory::desc user_weights_md;             // HWIO
  std::unique_ptr<memory> weights;          // the primitive's weights layout, when it differs from HWIO
  std::string impl;                         // oneDNN's name for the implementation it chose
};

struct ThreadState {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
  std::unordered_map<std::string, std::unique_ptr<Plan>> plans;
};

thread_local std::unique_ptr<ThreadState> state;

ThreadState& thread_state() {
  if (!state) state = std::make_unique<ThreadState>();
  return *state;
}

memory::dims stride_dims(const Conv& p) { return {p.sh, p.sw}; }
// oneDNN counts dilation from 0 (no dilation), tfjs from 1.
memory::dims dilation_dims(const Conv& p) { return {p.dh - 1, p.dw - 1}; }
memory::dims pad_l(const Conv& p) { return {p.pt, p.pl}; }
memory::dims pad_r(const Conv& p) { return {p.pb, p.pr}; }

dnnl::convolution_forward::primitive_desc forward_pd(const Conv& p, dnnl::engine& eng, bool training) {
  memory::desc src({p.n, p.c, p.h, p.w}, dt::f32, tag::nhwc);
  memory::desc weights({p.oc, p.c, p.kh, p.kw}, dt::f32, tag::any);
  memory::desc dst({p.n, p.oc, p.oh, p.ow}, dt::f32, tag::nhwc);
  memory::desc bias({p.oc}, dt::f32, tag::x);
  auto kind = training ? dnnl::prop_kind::forward_training : dnnl::prop_kind::forward_inference;
  auto desc = p.bias ? dnnl::convolution_forward::desc(kind, dnnl::algorithm::convolution_direct, src, weights, bias, dst,
                                                       stride_dims(p), dilation_dims(p), pad_l(p), pad_r(p))
                     : dnnl::convolution_forward::desc(kind, dnnl::algorithm::convolution_direct, src, weights, dst,
                                                       stride_dims(p), dilation_dims(p), pad_l(p), pad_r(p));
  dnnl::primitive_attr attr;
  if (p.relu) {
    dnnl::post_ops ops;
    ops.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
    attr.set_post_ops(ops);
  }
  return dnnl::convolution_forward::primitive_desc(desc, attr, eng);
}

std::unique_ptr<Plan> make_plan(const Conv& p, ThreadState& ts) {
  auto plan = std::make_unique<Plan>();
  plan->user_weights_md = memory::desc({p.oc, p.c, p.kh, p.kw}, dt::f32, tag::hwio);
  if (p.op == kForward) {
    auto pd = forward_pd(p, ts.engine, false);
    plan->prim = dnnl::convolution_forward(pd);
    plan->src_md = pd.src_desc();
    plan->weights_md = pd.weights_desc();
    plan->dst_md = pd.dst_desc();
    plan->impl = pd.impl_info_str();
  } else if (p.op == kBackwardData) {
    Conv fwd = p;
    fwd.bias = 0;
    fwd.relu = 0;
    auto hint = forward_pd(fwd, ts.engine, true);
    memory::desc diff_src({p.n, p.c, p.h, p.w}, dt::f32, tag::nhwc);
    memory::desc weights({p.oc, p.c, p.kh, p.kw}, dt::f32, tag::any);
    memory::desc diff_dst({p.n, p.oc, p.oh, p.ow}, dt::f32, tag::nhwc);
    dnnl::convolution_backward_data::desc desc(dnnl::algorithm::convolution_direct, diff_src, weights, diff_dst,
                                               stride_dims(p), dilation_dims(p), pad_l(p), pad_r(p));
    dnnl::convolution_backward_data::primitive_desc pd(desc, ts.engine, hint);
    plan->prim = dnnl::convolution_backward_data(pd);
    plan->src_md = pd.diff_src_desc();
    plan->weights_md = pd.weights_desc();
    plan->dst_md = pd.diff_dst_desc();
    plan->impl = pd.impl_info_str();
  } else {
    Conv fwd = p;
    fwd.bias = 0;
    fwd.relu = 0;
    auto hint = forward_pd(fwd, ts.engine, true);
    memory::desc src({p.n, p.c, p.h, p.w}, dt::f32, tag::nhwc);
    memory::desc diff_weights({p.oc, p.c, p.kh, p.kw}, dt::f32, tag::any);
    memory::desc diff_dst({p.n, p.oc, p.oh, p.ow}, dt::f32, tag::nhwc);
    dnnl::convolution_backward_weights::desc desc(dnnl::algorithm::convolution_direct, src, diff_weights, diff_dst,
                                                  stride_dims(p), dilation_dims(p), pad_l(p), pad_r(p));
    dnnl::convolution_backward_weights::primitive_desc pd(desc, ts.engine, hint);
    plan->prim = dnnl::convolution_backward_weights(pd);
    plan->src_md = pd.src_desc();
    plan->weights_md = pd.diff_weights_desc();
    plan->dst_md = pd.diff_dst_desc();
    plan->impl = pd.impl_info_str();
  }
  if (plan->weights_md != plan->user_weights_md) plan->weights = std::make_unique<memory>(plan->weights_md, ts.engine);
  return plan;
}

// Runs one convolution. a, b, out: forward x, w, y; backward data dy, w, dx; backward weights
// x, dy, dw. bias: the forward's bias or nullptr.
void run(const Conv& p, float* a, float* b, float* bias, float* out) {
  // Before planning too: oneDNN sizes its work split by the thread count it will run with.
  omp_set_num_threads(p.threads);
  ThreadState& ts = thread_state();
  std::string key(reinterpret_cast<const char*>(&p), sizeof(Conv));
  auto found = ts.plans.find(key);
  if (found == ts.plans.end()) found = ts.plans.emplace(key, make_plan(p, ts)).first;
  Plan& plan = *found->second;
  memory user_weights(plan.user_weights_md, ts.engine, p.op == kBackwardWeights ? out : b);
  if (p.op == kForward) {
    if (plan.weights) dnnl::reorder(user_weights, *plan.weights).execute(ts.stream, user_weights, *plan.weights);
    std::unordered_map<int, memory> args{
        {DNNL_ARG_SRC, memory(plan.src_md, ts.engine, a)},
        {DNNL_ARG_WEIGHTS, plan.weights ? *plan.weights : user_weights},
        {DNNL_ARG_DST, memory(plan.dst_md, ts.engine, out)}};
    if (p.bias) args.emplace(DNNL_ARG_BIAS, memory(memory::desc({p.oc}, dt::f32, tag::x), ts.engine, bias));
    plan.prim.execute(ts.stream, args);
  } else if (p.op == kBackwardData) {
    if (plan.weights) dnnl::reorder(user_weights, *plan.weights).execute(ts.stream, user_weights, *plan.weights);
    plan.prim.execute(ts.stream, {{DNNL_ARG_DIFF_DST, memory(plan.dst_md, ts.engine, a)},
                                  {DNNL_ARG_WEIGHTS, plan.weights ? *plan.weights : user_weights},
                                  {DNNL_ARG_DIFF_SRC, memory(plan.src_md, ts.engine, out)}});
  } else {
    plan.prim.execute(ts.stream, {{DNNL_ARG_SRC, memory(plan.src_md, ts.engine, a)},
                                  {DNNL_ARG_DIFF_DST, memory(plan.dst_md, ts.engine, b)},
                                  {DNNL_ARG_DIFF_WEIGHTS, plan.weights ? *plan.weights : user_weights}});
    if (plan.weights) dnnl::reorder(*plan.weights, user_weights).execute(ts.stream, *plan.weights, user_weights);
  }
  ts.stream.wait();
}

// Batch normalisation in training, over every axis but the channels (tfjs's [..., C] laid out
// as P positions x C channels): forward y, mean, variance (population); backward dx, dscale,
// dshift (as src/backend/kernels/batch_norm_training*.ts).
struct Norm {
  int op, positions, channels, threads;
  float epsilon;
};

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

thread_local std::unordered_map<std::string, std::unique_ptr<NormPlan>> norm_plans;

// Forward: f = {x, scale, shift, y, mean, variance}; backward: {dy, x, scale, mean, variance, dx, dscale, dshift}.
void run_norm(const Norm& p, float* const* f) {
  omp_set_num_threads(p.threads);
  ThreadState& ts = thread_state();
  std::string key(reinterpret_cast<const char*>(&p), sizeof(Norm));
  auto found = norm_plans.find(key);
  if (found == norm_plans.end()) found = norm_plans.emplace(key, make_norm_plan(p, ts)).first;
  NormPlan& plan = *found->second;
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

// One step of torch.optim.SGD with momentum for one parameter, as the engine's composition of
// tfjs kernels computes it (src/train/optimizers/sgd.ts), operation for operation, each rounded
// to float32 (built with -ffp-contract=off: no fused multiply-adds), so the result is the same
// bit for bit; one pass instead of six kernels and their intermediates.
struct Sgd {
  float lr, momentum, keep, weight_decay;  // keep = 1 - dampening
  bool first, nesterov, dampened;
};

void run_sgd(const Sgd& s, size_t n, const float* p, const float* g, const float* buf, float* p_out, float* buf_out) {
  for (size_t i = 0; i < n; i++) {
    float d = s.weight_decay != 0.f ? g[i] + p[i] * s.weight_decay : g[i];
    float next = s.first ? d : buf[i] * s.momentum + (s.dampened ? d * s.keep : d);
    buf_out[i] = next;
    d = s.nesterov ? d + next * s.momentum : next;
    p_out[i] = p[i] - d * s.lr;
  }
}

napi_value throw_error(napi_env env, const std::string& message) {
  napi_throw_error(env, nullptr, message.c_str());
  return nullptr;
}

// Float32Array -> its data, with its length in floats; nullptr for null/undefined.
bool float_array(napi_env env, napi_value v, float** data, size_t* length) {
  napi_valuetype type;
  napi_typeof(env, v, &type);
  if (type == napi_null || type == napi_undefined) {
    *data = nullptr;
    *length = 0;
    return true;
  }
  bool is_typed = false;
  napi_is_typedarray(env, v, &is_typed);
  if (!is_typed) return false;
  napi_typedarray_type kind;
  void* raw;
  napi_get_typedarray_info(env, v, &kind, length, &raw, nullptr, nullptr);
  if (kind != napi_float32_array) return false;
  *data = static_cast<float*>(raw);
  return true;
}

// conv(params: Int32Array(21), a, b, bias | null, out): see `run`.
napi_value Conv2d(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc != 5) return throw_error(env, "conv: expected 5 arguments");
  napi_typedarray_type kind;
  size_t count;
  void* raw;
  bool is_typed = false;
  napi_is_typedarray(env, argv[0], &is_typed);
  if (!is_typed) return throw_error(env, "conv: params must be an Int32Array");
  napi_get_typedarray_info(env, argv[0], &kind, &count, &raw, nullptr, nullptr);
  if (kind != napi_int32_array || count != kConvFields) return throw_error(env, "conv: params must be an Int32Array of 21");
  Conv p;
  std::memcpy(&p, raw, sizeof(Conv));
  float *a, *b, *bias, *out;
  size_t na, nb, nbias, nout;
  if (!float_array(env, argv[1], &a, &na) || !float_array(env, argv[2], &b, &nb) || !float_array(env, argv[3], &bias, &nbias) ||
      !float_array(env, argv[4], &out, &nout)) {
    return throw_error(env, "conv: operands must be Float32Arrays (bias may be null)");
  }
  // Sizes checked against the shape: a wrong one would read or write outside the tensors.
  size_t x = size_t(p.n) * p.h * p.w * p.c, y = size_t(p.n) * p.oh * p.ow * p.oc, w = size_t(p.kh) * p.kw * p.c * p.oc;
  size_t want_a = p.op == kBackwardData ? y : x, want_b = p.op == kBackwardWeights ? y : w;
  size_t want_out = p.op == kForward ? y : p.op == kBackwardData ? x : w;
  if (na != want_a || nb != want_b || nout != want_out || (p.op == kForward && p.bias && nbias != size_t(p.oc))) {
    return throw_error(env, "conv: operand sizes do not match the convolution's shape");
  }
  if (p.threads < 1) return throw_error(env, "conv: threads must be at least 1");
  try {
    run(p, a, b, bias, out);
  } catch (const dnnl::error& e) {
    return throw_error(env, std::string("oneDNN: ") + e.what());
  } catch (const std::exception& e) {
    return throw_error(env, e.what());
  }
  return nullptr;
}

// bnorm(params: Int32Array [op, positions, channels, threads], epsilon, arrays: Float32Array[]): see run_norm.
napi_value BatchNorm(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc != 3) return throw_error(env, "bnorm: expected 3 arguments");
  bool is_typed = false;
  napi_is_typedarray(env, argv[0], &is_typed);
  napi_typedarray_type kind;
  size_t count;
  void* raw;
  if (!is_typed) return throw_error(env, "bnorm: params must be an Int32Array of 4");
  napi_get_typedarray_info(env, argv[0], &kind, &count, &raw, nullptr, nullptr);
  if (kind != napi_int32_array || count != 4) return throw_error(env, "bnorm: params must be an Int32Array of 4");
  const int* ints = static_cast<const int*>(raw);
  double epsilon;
  if (napi_get_value_double(env, argv[1], &epsilon) != napi_ok || !(epsilon > 0)) return throw_error(env, "bnorm: epsilon must be a positive number");
  Norm p{ints[0], ints[1], ints[2], ints[3], static_cast<float>(epsilon)};
  if ((p.op != 0 && p.op != 1) || p.positions < 1 || p.channels < 1 || p.threads < 1) return throw_error(env, "bnorm: bad params");
  bool is_array = false;
  napi_is_array(env, argv[2], &is_array);
  uint32_t n = 0;
  if (is_array) napi_get_array_length(env, argv[2], &n);
  const uint32_t want = p.op == 0 ? 6 : 8;
  if (n != want) return throw_error(env, p.op == 0 ? "bnorm: forward takes 6 arrays" : "bnorm: backward takes 8 arrays");
  // Which operands are [P, C] (the rest are [C]).
  const bool forward_data[6] = {true, false, false, true, false, false};
  const bool backward_data[8] = {true, true, false, false, false, true, false, false};
  float* f[8];
  for (uint32_t i = 0; i < n; i++) {
    napi_value item;
    napi_get_element(env, argv[2], i, &item);
    size_t length;
    if (!float_array(env, item, &f[i], &length) || f[i] == nullptr) return throw_error(env, "bnorm: operands must be Float32Arrays");
    bool is_data = p.op == 0 ? forward_data[i] : backward_data[i];
    if (length != (is_data ? size_t(p.positions) * p.channels : size_t(p.channels))) return throw_error(env, "bnorm: operand sizes do not match positions x channels");
  }
  try {
    run_norm(p, f);
  } catch (const dnnl::error& e) {
    return throw_error(env, std::string("oneDNN: ") + e.what());
  }
  return nullptr;
}

// sgd(settings: Float64Array [lr, momentum, dampening, weight_decay], flags: Int32Array
// [first, nesterov], arrays [param, grad, buf, param_out, buf_out]): see run_sgd.
napi_value SgdStep(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc != 3) return throw_error(env, "sgd: expected 3 arguments");
  napi_typedarray_type kind;
  size_t count;
  void* raw;
  bool is_typed = false;
  napi_is_typedarray(env, argv[0], &is_typed);
  if (is_typed) napi_get_typedarray_info(env, argv[0], &kind, &count, &raw, nullptr, nullptr);
  if (!is_typed || kind != napi_float64_array || count != 4) return throw_error(env, "sgd: settings must be a Float64Array of 4");
  const double* v = static_cast<const double*>(raw);
  is_typed = false;
  napi_is_typedarray(env, argv[1], &is_typed);
  if (is_typed) napi_get_typedarray_info(env, argv[1], &kind, &count, &raw, nullptr, nullptr);
  if (!is_typed || kind != napi_int32_array || count != 2) return throw_error(env, "sgd: flags must be an Int32Array of 2");
  const int* flags = static_cast<const int*>(raw);
  // The composition's scalars are float32 tensors: the settings are rounded to float first.
  Sgd s{static_cast<float>(v[0]), static_cast<float>(v[1]), static_cast<float>(1.0 - v[2]), static_cast<float>(v[3]), flags[0] != 0, flags[1] != 0, v[2] != 0.0};
  bool is_array = false;
  napi_is_array(env, argv[2], &is_array);
  uint32_t n = 0;
  if (is_array) napi_get_array_length(env, argv[2], &n);
  if (n != 5) return throw_error(env, "sgd: takes 5 arrays: param, grad, buf, param_out, buf_out");
  float* f[5];
  size_t length = 0;
  for (uint32_t i = 0; i < 5; i++) {
    napi_value item;
    napi_get_element(env, argv[2], i, &item);
    size_t len;
    if (!float_array(env, item, &f[i], &len) || f[i] == nullptr) return throw_error(env, "sgd: arrays must be Float32Arrays");
    if (i == 0) length = len;
    if (len != length) return throw_error(env, "sgd: arrays must be of one length");
  }
  run_sgd(s, length, f[0], f[1], f[2], f[3], f[4]);
  return nullptr;
}

// version(): oneDNN's version and the CPU instruction set it dispatches to.
napi_value Version(napi_env env, napi_callback_info) {
  const dnnl_version_t* v = dnnl_version();
  std::string s = std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch);
  napi_value out;
  napi_create_string_utf8(env, s.c_str(), s.size(), &out);
  return out;
}

// isa(): the instruction set oneDNN's kernels are generated for on this CPU.
napi_value Isa(napi_env env, napi_callback_info) {
  const char* name = "other";
  switch (dnnl::get_effective_cpu_isa()) {
    case dnnl::cpu_isa::sse41: name = "sse41"; break;
    case dnnl::cpu_isa::avx: name = "avx"; break;
    case dnnl::cpu_isa::avx2: name = "avx2"; break;
    case dnnl::cpu_isa::avx2_vnni: name = "avx2_vnni"; break;
    case dnnl::cpu_isa::avx512_core: name = "avx512_core"; break;
    case dnnl::cpu_isa::avx512_core_vnni: name = "avx512_core_vnni"; break;
    case dnnl::cpu_isa::avx512_core_bf16: name = "avx512_core_bf16"; break;
    case dnnl::cpu_isa::avx512_core_amx: name = "avx512_core_amx"; break;
    default: break;
  }
  napi_value out;
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &out);
  return out;
}

// implementation(params): the name of the oneDNN implementation a convolution would use.
napi_value Implementation(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  napi_typedarray_type kind;
  size_t count;
  void* raw;
  bool is_typed = false;
  if (argc == 1) napi_is_typedarray(env, argv[0], &is_typed);
  if (!is_typed) return throw_error(env, "implementation: params must be an Int32Array");
  napi_get_typedarray_info(env, argv[0], &kind, &count, &raw, nullptr, nullptr);
  if (kind != napi_int32_array || count != kConvFields) return throw_error(env, "implementation: params must be an Int32Array of 21");
  Conv p;
  std::memcpy(&p, raw, sizeof(Conv));
  std::string name;
  try {
    omp_set_num_threads(p.threads);
    ThreadState& ts = thread_state();
    name = make_plan(p, ts)->impl;
  } catch (const dnnl::error& e) {
    return throw_error(env, std::string("oneDNN: ") + e.what());
  }
  napi_value out;
  napi_create_string_utf8(env, name.c_str(), name.size(), &out);
  return out;
}

napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"conv", nullptr, Conv2d, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"version", nullptr, Version, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"implementation", nullptr, Implementation, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"isa", nullptr, Isa, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"bnorm", nullptr, BatchNorm, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"sgd", nullptr, SgdStep, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, 6, props);
  return exports;
}

}  // namespace

NAPI_MODULE_INIT() { return Init(env, exports); }
