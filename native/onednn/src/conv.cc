// Convolutions on oneDNN: forward (bias and ReLU fused), input gradient, filter gradient, with
// tfjs's layouts (activations NHWC, filters HWIO) on the caller's memory. Why native: XNNPACK's
// f32 kernels on 128-bit wasm SIMD run a core at a fraction of what oneDNN's AVX2/AVX-512
// kernels do (the same library PyTorch's CPU convolutions use), and a filter gradient through
// XNNPACK repacks dy as a filter on every call.
#include <omp.h>

#include <memory>
#include <string>
#include <unordered_map>

#include "kernels.h"

namespace pipe_onednn {

ThreadState& thread_state() {
  thread_local ThreadState state;
  return state;
}

namespace {

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

thread_local PlanCache<Plan> plans;

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

}  // namespace

void run_conv(const Conv& p, float* a, float* b, float* bias, float* out) {
  // Before planning too: oneDNN sizes its work split by the thread count it will run with.
  omp_set_num_threads(p.threads);
  ThreadState& ts = thread_state();
  Plan& plan = cached(plans, p, [&] { return make_plan(p, ts); });
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


std::string conv_implementation(const Conv& p) {
  omp_set_num_threads(p.threads);
  return make_plan(p, thread_state())->impl;
}

}  // namespace pipe_onednn
