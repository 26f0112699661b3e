// pixforge/nn/layers.hpp — weight-owning layers named like torch.nn: Conv2d, ConvTranspose2d, BatchNorm2d,
// InstanceNorm2d, Linear, PReLU.
//
// Each layer allocates its tensors with the shapes PyTorch gives them, registers them under PyTorch's names
// ("weight", "bias", "running_mean", ...) and forwards to the op in ops/. Constructor arguments follow the
// PyTorch constructors; the optional ones go through an options object like libtorch's C++ API:
//
//     Conv2d conv(Conv2dOptions(64, 64, 3).padding(1));        // nn.Conv2d(64, 64, 3, padding=1)
//     Conv2d down(Conv2dOptions(64, 128, 4).stride(2).padding(1).bias(false));
//     ConvTranspose2d up(ConvTranspose2dOptions(128, 64, 4).stride(2).padding(1));
//     BatchNorm2d bn(64);                                        // eps 1e-5, running statistics
//
// Fused activation: `conv.act = Act::leaky_relu(0.2f)` makes conv(x) apply it in the conv epilogue.
// Weight files are loaded with load_state_dict (nn/state_dict.hpp) on the enclosing model.
// Tracing (nn/trace.hpp): each operator() reports its name, shape, time and FLOPs when a TraceScope is active on
// the calling thread; otherwise it costs one thread-local load.
#pragma once

#include "pixforge/nn/module.hpp"
#include "pixforge/ops/activation.hpp"
#include "pixforge/ops/batch_norm.hpp"
#include "pixforge/ops/conv2d.hpp"
#include "pixforge/ops/conv_transpose2d.hpp"
#include "pixforge/ops/instance_norm.hpp"
#include "pixforge/ops/linear.hpp"
#include "pixforge/nn/trace.hpp"

namespace pixforge {

// Options in the style of libtorch's C++ API: Conv2dOptions(in, out, k).stride(2).padding(1).bias(false).
// (Designated initialisers would read nicer but are C++20.)
#define PIXFORGE_OPTION(Self, T, name)   \
  Self& name(T v) {                       \
    name##_ = v;                          \
    return *this;                         \
  }                                       \
  T name() const { return name##_; }

class Conv2dOptions {
 public:
  Conv2dOptions(int64_t in_channels, int64_t out_channels, int64_t kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}
  PIXFORGE_OPTION(Conv2dOptions, int64_t, in_channels)
  PIXFORGE_OPTION(Conv2dOptions, int64_t, out_channels)
  PIXFORGE_OPTION(Conv2dOptions, int64_t, kernel_size)
  PIXFORGE_OPTION(Conv2dOptions, int64_t, stride)
  PIXFORGE_OPTION(Conv2dOptions, int64_t, padding)
  PIXFORGE_OPTION(Conv2dOptions, int64_t, dilation)
  PIXFORGE_OPTION(Conv2dOptions, int64_t, groups)
  PIXFORGE_OPTION(Conv2dOptions, bool, bias)
  PIXFORGE_OPTION(Conv2dOptions, PaddingMode, padding_mode)

 private:
  int64_t in_channels_, out_channels_, kernel_size_;
  int64_t stride_ = 1, padding_ = 0, dilation_ = 1, groups_ = 1;
  bool bias_ = true;
  PaddingMode padding_mode_ = PaddingMode::zeros;
};

// nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias, padding_mode).
class Conv2d : public Module {
 public:
  Tensor<float> weight, bias;  // [out, in/groups, k, k], [out] (undefined without bias)
  Conv2dParams params;         // stride/padding/... and the fused activation (params.act)
  // Weights prepared for the fast kernel (Winograd U = G g Gᵀ), built on the first call that needs them, checked
  // against `weight` on every call (never stale), safe for concurrent forwards (ops/conv2d_winograd.hpp).
  ConvWeightCache weight_cache;
  // false: weight_cache is not used; prepared weights are made per call and dropped (IS-Net sets it: its small
  // layers' Winograd weights held 24 MiB for ~10 ms of transforms per pass; bench/NOTES.md "isnetmem").
  bool cache_weights = true;

  explicit Conv2d(const Conv2dOptions& o) {
    const int64_t cin = o.in_channels(), cout = o.out_channels(), g = o.groups(), k = o.kernel_size();
    PIXFORGE_CHECK(g >= 1 && cin % g == 0 && cout % g == 0 && k >= 1, ErrorCode::invalid_argument, "Conv2d: channels ",
                   cin, "->", cout, " with kernel ", k, " and groups=", g, " is not a valid layer");
    weight = Tensor<float>::zeros({cout, cin / g, k, k});
    register_parameter("weight", weight);
    if (o.bias()) {
      bias = Tensor<float>::zeros({cout});
      register_parameter("bias", bias);
    }
    params.with_stride(o.stride()).with_padding(o.padding()).with_dilation(o.dilation()).with_groups(g)
        .with_padding_mode(o.padding_mode());
  }
  Conv2d(int64_t in_channels, int64_t out_channels, int64_t kernel_size)
      : Conv2d(Conv2dOptions(in_channels, out_channels, kernel_size)) {}
  Tensor<float> operator()(const Tensor<float>& x) const {
    const ConvWeightCache* cache = cache_weights ? &weight_cache : nullptr;
    if (current_tracer() == nullptr) return conv2d(x, weight, bias, params, cache);
    return detail::traced_call(*this, "Conv2d", x, [&] { return conv2d(x, weight, bias, params, cache); },
                               [&](const Tensor<float>& y) {
                                 return 2.0 * double(weight.size(1) * weight.size(2) * weight.size(3)) *
                                        double(y.numel());
                               });
  }
};

class ConvTranspose2dOptions {
 public:
  ConvTranspose2dOptions(int64_t in_channels, int64_t out_channels, int64_t kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}
  PIXFORGE_OPTION(ConvTranspose2dOptions, int64_t, in_channels)
  PIXFORGE_OPTION(ConvTranspose2dOptions, int64_t, out_channels)
  PIXFORGE_OPTION(ConvTranspose2dOptions, int64_t, kernel_size)
  PIXFORGE_OPTION(ConvTranspose2dOptions, int64_t, stride)
  PIXFORGE_OPTION(ConvTranspose2dOptions, int64_t, padding)
  PIXFORGE_OPTION(ConvTranspose2dOptions, int64_t, output_padding)
  PIXFORGE_OPTION(ConvTranspose2dOptions, int64_t, groups)
  PIXFORGE_OPTION(ConvTranspose2dOptions, bool, bias)
  PIXFORGE_OPTION(ConvTranspose2dOptions, int64_t, dilation)

 private:
  int64_t in_channels_, out_channels_, kernel_size_;
  int64_t stride_ = 1, padding_ = 0, output_padding_ = 0, groups_ = 1;
  bool bias_ = true;
  int64_t dilation_ = 1;
};

// nn.ConvTranspose2d(in_channels, out_channels, kernel_size, stride, padding, output_padding, groups, bias,
// dilation). Note the weight is [in, out/groups, k, k].
class ConvTranspose2d : public Module {
 public:
  Tensor<float> weight, bias;
  ConvTranspose2dParams params;

  explicit ConvTranspose2d(const ConvTranspose2dOptions& o) {
    const int64_t cin = o.in_channels(), cout = o.out_channels(), g = o.groups(), k = o.kernel_size();
    PIXFORGE_CHECK(g >= 1 && cin % g == 0 && cout % g == 0 && k >= 1, ErrorCode::invalid_argument,
                   "ConvTranspose2d: channels ", cin, "->", cout, " with kernel ", k, " and groups=", g,
                   " is not a valid layer");
    weight = Tensor<float>::zeros({cin, cout / g, k, k});
    register_parameter("weight", weight);
    if (o.bias()) {
      bias = Tensor<float>::zeros({cout});
      register_parameter("bias", bias);
    }
    params.stride_h = params.stride_w = o.stride();
    params.padding_h = params.padding_w = o.padding();
    params.output_padding_h = params.output_padding_w = o.output_padding();
    params.dilation_h = params.dilation_w = o.dilation();
    params.groups = g;
  }
  ConvTranspose2d(int64_t in_channels, int64_t out_channels, int64_t kernel_size)
      : ConvTranspose2d(ConvTranspose2dOptions(in_channels, out_channels, kernel_size)) {}
  Tensor<float> operator()(const Tensor<float>& x) const {
    if (current_tracer() == nullptr) return conv_transpose2d(x, weight, bias, params);
    return detail::traced_call(*this, "ConvTranspose2d", x, [&] { return conv_transpose2d(x, weight, bias, params); },
                               [&](const Tensor<float>&) {
                                 return 2.0 * double(weight.size(1) * weight.size(2) * weight.size(3)) *
                                        double(x.numel());
                               });
  }
};

// nn.BatchNorm2d(num_features, eps, affine) in eval mode (running statistics); set
// params.use_batch_stats for the train-mode behaviour some generators are run with (pix2pix test.py, DIP).
class BatchNorm2d : public Module {
 public:
  Tensor<float> weight, bias, running_mean, running_var;
  BatchNormParams params;

  explicit BatchNorm2d(int64_t num_features, float eps = 1e-5f, bool affine = true) {
    if (affine) {
      weight = Tensor<float>::full({num_features}, 1.0f);
      bias = Tensor<float>::zeros({num_features});
      register_parameter("weight", weight);
      register_parameter("bias", bias);
    }
    running_mean = Tensor<float>::zeros({num_features});
    running_var = Tensor<float>::full({num_features}, 1.0f);
    register_buffer("running_mean", running_mean);
    register_buffer("running_var", running_var);
    params.eps = eps;
  }
  Tensor<float> operator()(const Tensor<float>& x) const {
    if (current_tracer() == nullptr) return batch_norm(x, running_mean, running_var, weight, bias, params);
    return detail::traced_call(*this, "BatchNorm2d", x,
                               [&] { return batch_norm(x, running_mean, running_var, weight, bias, params); },
                               [](const Tensor<float>& y) { return 2.0 * double(y.numel()); });
  }
  // The tensors fold_batch_norm() needs.
  BatchNormTensors tensors() const { return {weight, bias, running_mean, running_var}; }
};

// nn.InstanceNorm2d(num_features, eps, affine): always per-instance statistics. A checkpoint made with
// track_running_stats=True carries running_mean/var; they are accepted and ignored (see ops/instance_norm.hpp).
class InstanceNorm2d : public Module {
 public:
  Tensor<float> weight, bias;
  InstanceNormParams params;

  explicit InstanceNorm2d(int64_t num_features, float eps = 1e-5f, bool affine = false) {
    if (affine) {
      weight = Tensor<float>::full({num_features}, 1.0f);
      bias = Tensor<float>::zeros({num_features});
      register_parameter("weight", weight);
      register_parameter("bias", bias);
    }
    register_ignored("running_mean");
    register_ignored("running_var");
    params.eps = eps;
  }
  Tensor<float> operator()(const Tensor<float>& x) const {
    if (current_tracer() == nullptr) return instance_norm(x, weight, bias, params);
    return detail::traced_call(*this, "InstanceNorm2d", x, [&] { return instance_norm(x, weight, bias, params); },
                               [](const Tensor<float>& y) { return 2.0 * double(y.numel()); });
  }
};

// nn.Linear(in_features, out_features, bias).
class Linear : public Module {
 public:
  Tensor<float> weight, bias;
  LinearParams params;

  Linear(int64_t in_features, int64_t out_features, bool with_bias = true) {
    weight = Tensor<float>::zeros({out_features, in_features});
    register_parameter("weight", weight);
    if (with_bias) {
      bias = Tensor<float>::zeros({out_features});
      register_parameter("bias", bias);
    }
  }
  Tensor<float> operator()(const Tensor<float>& x) const {
    if (current_tracer() == nullptr) return linear(x, weight, bias, params);
    return detail::traced_call(*this, "Linear", x, [&] { return linear(x, weight, bias, params); },
                               [&](const Tensor<float>& y) { return 2.0 * double(weight.size(1)) * double(y.numel()); });
  }
};

// nn.PReLU(num_parameters, init): one shared slope or one per channel.
class PReLU : public Module {
 public:
  Tensor<float> weight;
  explicit PReLU(int64_t num_parameters = 1, float init = 0.25f) {
    weight = Tensor<float>::full({num_parameters}, init);
    register_parameter("weight", weight);
  }
  Tensor<float> operator()(const Tensor<float>& x) const {
    if (current_tracer() == nullptr) return prelu(x, weight);
    return detail::traced_call(*this, "PReLU", x, [&] { return prelu(x, weight); },
                               [](const Tensor<float>& y) { return double(y.numel()); });
  }
};

#undef PIXFORGE_OPTION

}  // namespace pixforge
