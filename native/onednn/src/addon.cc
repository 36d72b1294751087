// pipe's oneDNN addon: the engine's wasm backend hands it Float32Array views of tensors in the
// wasm heap, and it computes in place there (kernels.h: convolutions, batch normalisation,
// the updates of SGD, Adam/AdamW and RMSprop). This file checks the arguments and binds the
// kernels to JavaScript.
#include <node_api.h>

#include <cstring>
#include <string>

#include "kernels.h"

namespace {

using namespace pipe_onednn;

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

// Runs `f`; an exception (oneDNN's refusal, or a failed allocation) becomes a JS error, and the
// call returns undefined either way.
template <class F>
napi_value guarded(napi_env env, F f) {
  try {
    f();
  } catch (const dnnl::error& e) {
    return throw_error(env, std::string("oneDNN: ") + e.what());
  } catch (const std::exception& e) {
    return throw_error(env, e.what());
  }
  return nullptr;
}

// A JS array of at most `max` Float32Arrays -> their data and lengths; returns how many it has,
// or -1 when it is not an array, is longer, or holds anything else.
int float_arrays(napi_env env, napi_value v, uint32_t max, float** data, size_t* lengths) {
  bool is_array = false;
  napi_is_array(env, v, &is_array);
  uint32_t n = 0;
  if (is_array) napi_get_array_length(env, v, &n);
  if (!is_array || n > max) return -1;
  for (uint32_t i = 0; i < n; i++) {
    napi_value item;
    napi_get_element(env, v, i, &item);
    if (!float_array(env, item, &data[i], &lengths[i]) || data[i] == nullptr) return -1;
  }
  return static_cast<int>(n);
}

// A typed array of `want` with exactly `count` elements -> its data; nullptr for anything else.
const void* typed(napi_env env, napi_value v, napi_typedarray_type want, size_t count) {
  bool is_typed = false;
  napi_is_typedarray(env, v, &is_typed);
  if (!is_typed) return nullptr;
  napi_typedarray_type kind;
  size_t length;
  void* raw;
  napi_get_typedarray_info(env, v, &kind, &length, &raw, nullptr, nullptr);
  return kind == want && length == count ? raw : nullptr;
}

// conv(params: Int32Array(21), a, b, bias | null, out): see run_conv in kernels.h.
napi_value Conv2d(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc != 5) return throw_error(env, "conv: expected 5 arguments");
  const void* raw = typed(env, argv[0], napi_int32_array, kConvFields);
  if (!raw) return throw_error(env, "conv: params must be an Int32Array of 21");
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
  return guarded(env, [&] { run_conv(p, a, b, bias, out); });
}

// bnorm(params: Int32Array [op, positions, channels, threads], epsilon, arrays: Float32Array[]): see
// run_norm (op 0, 1) and run_norm_piece (op 2-5).
napi_value BatchNorm(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc != 3) return throw_error(env, "bnorm: expected 3 arguments");
  const int* ints = static_cast<const int*>(typed(env, argv[0], napi_int32_array, 4));
  if (!ints) return throw_error(env, "bnorm: params must be an Int32Array of 4");
  double epsilon;
  if (napi_get_value_double(env, argv[1], &epsilon) != napi_ok || !(epsilon > 0)) return throw_error(env, "bnorm: epsilon must be a positive number");
  Norm p{ints[0], ints[1], ints[2], ints[3], static_cast<float>(epsilon)};
  const bool piece = norm_piece_operands(p.op) > 0;
  if ((p.op != 0 && p.op != 1 && !piece) || p.positions < 1 || p.channels < 1 || p.threads < 1) return throw_error(env, "bnorm: bad params");
  float* f[8];
  size_t lengths[8];
  const int n = float_arrays(env, argv[2], 8, f, lengths);
  if (n < 0) return throw_error(env, "bnorm: operands must be an array of Float32Arrays");
  if (piece) {
    if (n != norm_piece_operands(p.op)) return throw_error(env, "bnorm: wrong number of arrays for this op");
    for (int i = 0; i < n; i++) {
      if (lengths[i] != (norm_piece_is_data(p.op, i) ? size_t(p.positions) * p.channels : size_t(p.channels))) return throw_error(env, "bnorm: operand sizes do not match positions x channels");
    }
    return guarded(env, [&] { run_norm_piece(p, f); });
  }
  if (n != (p.op == 0 ? 6 : 8)) return throw_error(env, p.op == 0 ? "bnorm: forward takes 6 arrays" : "bnorm: backward takes 8 arrays");
  // Which operands are [P, C] (the rest are [C]).
  const bool forward_data[6] = {true, false, false, true, false, false};
  const bool backward_data[8] = {true, true, false, false, false, true, false, false};
  for (int i = 0; i < n; i++) {
    bool is_data = p.op == 0 ? forward_data[i] : backward_data[i];
    if (lengths[i] != (is_data ? size_t(p.positions) * p.channels : size_t(p.channels))) return throw_error(env, "bnorm: operand sizes do not match positions x channels");
  }
  return guarded(env, [&] { run_norm(p, f); });
}

// maxpoolgrad(params: Int32Array [n, ih, iw, c, oh, ow, sh, sw, kh, kw, pt, pl], x, dy, dx):
// see run_maxpool_grad.
napi_value MaxPoolGradient(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc != 4) return throw_error(env, "maxpoolgrad: expected 4 arguments");
  const int* ints = static_cast<const int*>(typed(env, argv[0], napi_int32_array, kMaxPoolGradFields));
  if (!ints) return throw_error(env, "maxpoolgrad: params must be an Int32Array of 12");
  MaxPoolGrad p{ints[0], ints[1], ints[2], ints[3], ints[4], ints[5], ints[6], ints[7], ints[8], ints[9], ints[10], ints[11]};
  if (p.n < 1 || p.ih < 1 || p.iw < 1 || p.c < 1 || p.oh < 1 || p.ow < 1 || p.sh < 1 || p.sw < 1 || p.kh < 1 || p.kw < 1 || p.pt < 0 || p.pl < 0) {
    return throw_error(env, "maxpoolgrad: bad params");
  }
  float *x, *dy, *dx;
  size_t nx, ndy, ndx;
  if (!float_array(env, argv[1], &x, &nx) || !float_array(env, argv[2], &dy, &ndy) || !float_array(env, argv[3], &dx, &ndx) || !x || !dy || !dx) {
    return throw_error(env, "maxpoolgrad: x, dy and dx must be Float32Arrays");
  }
  const size_t in = size_t(p.n) * p.ih * p.iw * p.c, out = size_t(p.n) * p.oh * p.ow * p.c;
  if (nx != in || ndx != in || ndy != out) return throw_error(env, "maxpoolgrad: operand sizes do not match the pooling's shape");
  return guarded(env, [&] { run_maxpool_grad(p, x, dy, dx); });
}

// sgd(settings: Float64Array [lr, momentum, dampening, weight_decay], flags: Int32Array
// [first, nesterov], arrays [param, grad, buf, param_out, buf_out]): see run_sgd.
napi_value SgdStep(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc != 3) return throw_error(env, "sgd: expected 3 arguments");
  const double* v = static_cast<const double*>(typed(env, argv[0], napi_float64_array, 4));
  if (!v) return throw_error(env, "sgd: settings must be a Float64Array of 4");
  const int* flags = static_cast<const int*>(typed(env, argv[1], napi_int32_array, 2));
  if (!flags) return throw_error(env, "sgd: flags must be an Int32Array of 2");
  // The composition's scalars are float32 tensors: the settings are rounded to float first.
  Sgd s{static_cast<float>(v[0]), static_cast<float>(v[1]), static_cast<float>(1.0 - v[2]), static_cast<float>(v[3]), flags[0] != 0, flags[1] != 0, v[2] != 0.0};
  float* f[5];
  size_t lengths[5];
  const int n = float_arrays(env, argv[2], 5, f, lengths);
  if (n != 5) return throw_error(env, "sgd: takes 5 arrays: param, grad, buf, param_out, buf_out");
  for (size_t length : lengths) {
    if (length != lengths[0]) return throw_error(env, "sgd: arrays must be of one length");
  }
  run_sgd(s, lengths[0], f[0], f[1], f[2], f[3], f[4]);
  return nullptr;
}

// The arrays of one optimiser step: exactly `want` Float32Arrays of one length (set in *n); else
// the error's message ("<name>: ...").
std::string update_arrays(napi_env env, napi_value v, const char* name, int want, const char* names, float** f, size_t* n) {
  size_t lengths[9];
  const int got = float_arrays(env, v, 9, f, lengths);
  if (got != want) return std::string(name) + ": takes " + std::to_string(want) + " arrays here: " + names;
  for (int i = 0; i < got; i++) {
    if (lengths[i] != lengths[0]) return std::string(name) + ": arrays must be of one length";
  }
  *n = lengths[0];
  return "";
}

// adam(settings: Float64Array [step_size, correction2_sqrt, decay_keep, weight_decay, beta1,
// beta2, eps], flags: Int32Array [decoupled, amsgrad], arrays [param, grad, exp_avg, exp_avg_sq,
// (max_exp_avg_sq), then the same outputs but grad]): see run_adam.
napi_value AdamStep(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc != 3) return throw_error(env, "adam: expected 3 arguments");
  const double* v = static_cast<const double*>(typed(env, argv[0], napi_float64_array, 7));
  if (!v) return throw_error(env, "adam: settings must be a Float64Array of 7");
  const int* flags = static_cast<const int*>(typed(env, argv[1], napi_int32_array, 2));
  if (!flags) return throw_error(env, "adam: flags must be an Int32Array of 2");
  // The composition's scalars are float32 tensors, each rounded from its double (1 - beta too).
  Adam s{static_cast<float>(v[0]), static_cast<float>(v[1]), static_cast<float>(v[2]), static_cast<float>(v[3]), static_cast<float>(v[4]), static_cast<float>(v[5]),
         static_cast<float>(1.0 - v[4]), static_cast<float>(1.0 - v[5]), static_cast<float>(v[6]), flags[0] != 0, v[3] != 0.0, flags[1] != 0};
  float* f[9];
  size_t n = 0;
  const std::string error = s.amsgrad
      ? update_arrays(env, argv[2], "adam", 9, "param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, param_out, exp_avg_out, exp_avg_sq_out, max_exp_avg_sq_out", f, &n)
      : update_arrays(env, argv[2], "adam", 7, "param, grad, exp_avg, exp_avg_sq, param_out, exp_avg_out, exp_avg_sq_out", f, &n);
  if (!error.empty()) return throw_error(env, error);
  // f: param, grad, exp_avg, exp_avg_sq, (max_exp_avg_sq), then the outputs in that order without grad.
  const int at = s.amsgrad ? 5 : 4;
  const float* in[5] = {f[0], f[1], f[2], f[3], s.amsgrad ? f[4] : nullptr};
  float* outs[4] = {f[at], f[at + 1], f[at + 2], s.amsgrad ? f[at + 3] : nullptr};
  run_adam(s, n, in, outs);
  return nullptr;
}

// rmsprop(settings: Float64Array [lr, alpha, eps, weight_decay, momentum], flags: Int32Array
// [centered], arrays [param, grad, square_avg, (grad_avg), (momentum_buffer), then the same
// outputs but grad]): see run_rmsprop.
napi_value RmspropStep(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc != 3) return throw_error(env, "rmsprop: expected 3 arguments");
  const double* v = static_cast<const double*>(typed(env, argv[0], napi_float64_array, 5));
  if (!v) return throw_error(env, "rmsprop: settings must be a Float64Array of 5");
  const int* flags = static_cast<const int*>(typed(env, argv[1], napi_int32_array, 1));
  if (!flags) return throw_error(env, "rmsprop: flags must be an Int32Array of 1");
  Rmsprop s{static_cast<float>(v[0]), static_cast<float>(v[1]), static_cast<float>(1.0 - v[1]), static_cast<float>(v[2]), static_cast<float>(v[3]), static_cast<float>(v[4]),
            v[3] != 0.0, flags[0] != 0, v[4] > 0.0};
  std::string in_names = "param, grad, square_avg", out_names = "param_out, square_avg_out";
  if (s.centered) in_names += ", grad_avg", out_names += ", grad_avg_out";
  if (s.with_momentum) in_names += ", momentum_buffer", out_names += ", momentum_buffer_out";
  const int slots = 1 + s.centered + s.with_momentum;
  float* f[9];
  size_t n = 0;
  const std::string error = update_arrays(env, argv[2], "rmsprop", 3 + 2 * slots, (in_names + ", " + out_names).c_str(), f, &n);
  if (!error.empty()) return throw_error(env, error);
  // f: param, grad, square_avg, (grad_avg), (momentum_buffer), then the outputs in that order
  // without grad: input i >= 2 is written to output at + i - 1.
  const int ga = s.centered ? 3 : 0, buf = s.with_momentum ? 3 + s.centered : 0, at = 2 + slots;
  const float* in[5] = {f[0], f[1], f[2], ga ? f[ga] : nullptr, buf ? f[buf] : nullptr};
  float* outs[4] = {f[at], f[at + 1], ga ? f[at + ga - 1] : nullptr, buf ? f[at + buf - 1] : nullptr};
  run_rmsprop(s, n, in, outs);
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
  const void* raw = argc == 1 ? typed(env, argv[0], napi_int32_array, kConvFields) : nullptr;
  if (!raw) return throw_error(env, "implementation: params must be an Int32Array of 21");
  Conv p;
  std::memcpy(&p, raw, sizeof(Conv));
  // On a failure out stays null (undefined) and guarded has left the JS error pending.
  napi_value out = nullptr;
  guarded(env, [&] {
    const std::string name = conv_implementation(p);
    napi_create_string_utf8(env, name.c_str(), name.size(), &out);
  });
  return out;
}

napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"conv", nullptr, Conv2d, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"version", nullptr, Version, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"implementation", nullptr, Implementation, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"isa", nullptr, Isa, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"bnorm", nullptr, BatchNorm, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"maxpoolgrad", nullptr, MaxPoolGradient, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"sgd", nullptr, SgdStep, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"adam", nullptr, AdamStep, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"rmsprop", nullptr, RmspropStep, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

}  // namespace

NAPI_MODULE_INIT() { return Init(env, exports); }
