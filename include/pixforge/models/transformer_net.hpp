// pixforge/models/transformer_net.hpp — TransformerNet, the fast neural style transfer network (Johnson et al.,
// "Perceptual Losses for Real-Time Style Transfer and Super-Resolution", ECCV 2016) as pytorch/examples defines it
// in fast_neural_style/neural_style/transformer_net.py. One network per style.
//
// Mirrors that file class by class (ConvLayer, ResidualBlock, UpsampleConvLayer, TransformerNet); member names are
// the state_dict keys (`conv1.conv2d.weight`, `in1.weight`, `res3.conv2.conv2d.bias`, `deconv1.conv2d.weight`, ...).
// The PyTorch definition used for the goldens is tools/reference/transformer_net.py; spec: architectures/part-a.md
// §5(a)/(b). ConvLayer(k, s) = ReflectionPad2d(k/2) → Conv2d(k, stride s, padding 0, bias); here the reflection
// pad is the conv's padding_mode = reflect with padding k/2 (the same numbers). Every `in*` is
// InstanceNorm2d(affine=True), eps 1e-5, always per-instance statistics: the example's saved .pth files carry stale
// `in*.running_mean/var` keys, which load_state_dict accepts and ignores.
//
//   x    [N, 3, H, W]                                 RGB in [0, 255] (no normalisation)
//   y    = relu(in1(conv1(x)))          3 -> a, k9 s1 [N, a, H, W]          (a, b, c = 32, 64, 128 by default)
//   y    = relu(in2(conv2(y)))          a -> b, k3 s2 [N, b, H/2, W/2]
//   y    = relu(in3(conv3(y)))          b -> c, k3 s2 [N, c, H/4, W/4]
//   y    = res5(…res1(y))               num_res × ResidualBlock(c)          [N, c, H/4, W/4]
//   y    = relu(in4(deconv1(y)))        nearest ×2, c -> b, k3 s1           [N, b, H/2, W/2]
//   y    = relu(in5(deconv2(y)))        nearest ×2, b -> a, k3 s1           [N, a, H, W]
//   out  = deconv3(y)                   a -> 3, k9 s1, no norm, no act      [N, 3, H, W]
//
//   ResidualBlock(x) = x + in2(conv2(relu(in1(conv1(x)))))     (both ConvLayer k3 s1; no ReLU after the add)
//
// Pre/post-processing: RGB in [0, 255] as float (torchvision ToTensor()·255), output nominally [0, 255] but
// unbounded — clamp to [0, 255] when saving (info().range = byte). H and W must be multiples of 4 (PyTorch would
// otherwise return a different size, e.g. 250×333 → 252×336) and at least 8 (the k9 reflection pad needs more than
// 4 pixels); forward() refuses other sizes, the pipeline pads up to info().size_multiple. The instance norms make
// every output pixel depend on the whole image (info().global_context): tiled inference is not exact.
//
// Full size (width 32, 5 residual blocks): 1,679,235 parameters (part-a §5(b); tests/models/test_transformer_net.cpp).
//
// Weights: a pytorch/examples .pth (e.g. mosaic.pth) converts with
//     /usr/bin/python3 tools/convert_pth.py mosaic.pth mosaic.safetensors --arch transformer_net --config '{}'
// (the stale running stats may stay in the file; tested end to end with a tiny network).
//
//     auto net = TransformerNet::load("mosaic.safetensors");
//     Tensor<float> y = clamp(net->forward(x), 0.0f, 255.0f);           // x [1, 3, H, W] in [0, 255]
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "pixforge/core/json.hpp"
#include "pixforge/io/safetensors.hpp"
#include "pixforge/models/model.hpp"
#include "pixforge/nn/layers.hpp"
#include "pixforge/nn/state_dict.hpp"
#include "pixforge/ops/activation.hpp"
#include "pixforge/ops/elementwise.hpp"
#include "pixforge/ops/upsample.hpp"

namespace pixforge {

namespace transformer_net {

// ConvLayer: ReflectionPad2d(k / 2) then Conv2d(k, stride, padding 0, bias). Key: `<name>.conv2d.weight/bias`
// (the pad has no parameters).
class ConvLayer : public Module {
 public:
  Conv2d conv2d;
  ConvLayer(int64_t in_channels, int64_t out_channels, int64_t kernel_size, int64_t stride)
      : conv2d(Conv2dOptions(in_channels, out_channels, kernel_size)
                   .stride(stride)
                   .padding(kernel_size / 2)
                   .padding_mode(PaddingMode::reflect)) {
    register_module("conv2d", conv2d);
  }
  Tensor<float> forward(const Tensor<float>& x) const { return conv2d(x); }
};

// ResidualBlock(C): x + in2(conv2(relu(in1(conv1(x))))).
class ResidualBlock : public Module {
 public:
  ConvLayer conv1;
  InstanceNorm2d in1;
  ConvLayer conv2;
  InstanceNorm2d in2;
  explicit ResidualBlock(int64_t channels)
      : conv1(channels, channels, 3, 1),
        in1(channels, 1e-5f, true),
        conv2(channels, channels, 3, 1),
        in2(channels, 1e-5f, true) {
    register_module("conv1", conv1);
    register_module("in1", in1);
    register_module("conv2", conv2);
    register_module("in2", in2);
  }
  Tensor<float> forward(const Tensor<float>& x) const {
    Tensor<float> y = in1(conv1.forward(x));  // [N, C, H, W]
    relu_(y);
    y = in2(conv2.forward(y));                // [N, C, H, W]
    add_(y, x);                               // residual, no activation after it
    return y;
  }
};

// UpsampleConvLayer: optional legacy-nearest upsampling by an integer factor, then ConvLayer. Key
// `<name>.conv2d.*`.
class UpsampleConvLayer : public Module {
 public:
  Conv2d conv2d;
  int64_t upsample;  // 0 = none
  UpsampleConvLayer(int64_t in_channels, int64_t out_channels, int64_t kernel_size, int64_t stride,
                    int64_t upsample_factor)
      : conv2d(Conv2dOptions(in_channels, out_channels, kernel_size)
                   .stride(stride)
                   .padding(kernel_size / 2)
                   .padding_mode(PaddingMode::reflect)),
        upsample(upsample_factor) {
    register_module("conv2d", conv2d);
  }
  Tensor<float> forward(const Tensor<float>& x) const {
    if (upsample <= 1) return conv2d(x);
    // [N, C, H, W] -> [N, C, u·H, u·W] (pixel replication) -> conv
    return conv2d(interpolate(x, InterpolateParams::by_scale(static_cast<double>(upsample), InterpolateMode::nearest)));
  }
};

}  // namespace transformer_net

class TransformerNet : public ImageModel {
 public:
  struct Config {
    int64_t width = 32;   // channels of the first layer; the others are 2·width and 4·width
    int64_t num_res = 5;  // residual blocks (the example always has 5)
    static Config from_json(const Json& j) {
      Config c;
      c.width = j.get_int("width", c.width);
      c.num_res = j.get_int("num_res", c.num_res);
      PIXFORGE_CHECK(c.width >= 1 && c.width <= 1024, ErrorCode::invalid_argument, "transformer_net: config width=",
                     c.width, " out of range [1, 1024]");
      PIXFORGE_CHECK(c.num_res >= 0 && c.num_res <= 64, ErrorCode::invalid_argument,
                     "transformer_net: config num_res=", c.num_res, " out of range [0, 64]");
      return c;
    }
  };

  using ConvLayer = transformer_net::ConvLayer;
  using ResidualBlock = transformer_net::ResidualBlock;
  using UpsampleConvLayer = transformer_net::UpsampleConvLayer;

  ConvLayer conv1;
  InstanceNorm2d in1;
  ConvLayer conv2;
  InstanceNorm2d in2;
  ConvLayer conv3;
  InstanceNorm2d in3;
  std::vector<std::unique_ptr<ResidualBlock>> res;  // keys res1 … res<num_res>
  UpsampleConvLayer deconv1;
  InstanceNorm2d in4;
  UpsampleConvLayer deconv2;
  InstanceNorm2d in5;
  ConvLayer deconv3;

  TransformerNet() : TransformerNet(Config()) {}
  explicit TransformerNet(const Config& c)
      : conv1(3, c.width, 9, 1),
        in1(c.width, 1e-5f, true),
        conv2(c.width, 2 * c.width, 3, 2),
        in2(2 * c.width, 1e-5f, true),
        conv3(2 * c.width, 4 * c.width, 3, 2),
        in3(4 * c.width, 1e-5f, true),
        deconv1(4 * c.width, 2 * c.width, 3, 1, 2),
        in4(2 * c.width, 1e-5f, true),
        deconv2(2 * c.width, c.width, 3, 1, 2),
        in5(c.width, 1e-5f, true),
        deconv3(c.width, 3, 9, 1),
        config_(c) {
    register_module("conv1", conv1);
    register_module("in1", in1);
    register_module("conv2", conv2);
    register_module("in2", in2);
    register_module("conv3", conv3);
    register_module("in3", in3);
    for (int64_t i = 0; i < c.num_res; ++i) {
      res.push_back(std::make_unique<ResidualBlock>(4 * c.width));
      register_module("res" + std::to_string(i + 1), *res.back());
    }
    register_module("deconv1", deconv1);
    register_module("in4", in4);
    register_module("deconv2", deconv2);
    register_module("in5", in5);
    register_module("deconv3", deconv3);
    info_.arch = "transformer_net";
    info_.task = "stylize";
    info_.scale = 1;
    info_.range = Range::byte;
    info_.border_mode = PaddingMode::reflect;
    info_.size_multiple = 4;
    info_.global_context = true;  // instance norm statistics over the whole image
  }

  static std::unique_ptr<TransformerNet> load(const std::string& path) {
    return load_model_as<TransformerNet>(path, "transformer_net");
  }

  const Config& config() const { return config_; }
  const ImageModelInfo& info() const override { return info_; }

  Tensor<float> forward(const Tensor<float>& x) const override {
    PIXFORGE_CHECK(x.dim() == 4 && x.size(1) == 3, ErrorCode::shape_mismatch,
                   "transformer_net: expected an RGB tensor [N,3,H,W] in [0,255], got ", x.shape().str());
    PIXFORGE_CHECK(x.size(2) % 4 == 0 && x.size(3) % 4 == 0 && x.size(2) >= 8 && x.size(3) >= 8,
                   ErrorCode::shape_mismatch, "transformer_net: H and W must be multiples of 4 and at least 8, got ",
                   x.shape().str(), " (pad the image, e.g. with the pipeline, which pads to info().size_multiple)");
    Tensor<float> y = in1(conv1.forward(x));  // [N, a, H, W]
    relu_(y);
    y = in2(conv2.forward(y));                // [N, b, H/2, W/2]
    relu_(y);
    y = in3(conv3.forward(y));                // [N, c, H/4, W/4]
    relu_(y);
    for (const auto& block : res) y = block->forward(y);  // [N, c, H/4, W/4]
    y = in4(deconv1.forward(y));              // [N, b, H/2, W/2]
    relu_(y);
    y = in5(deconv2.forward(y));              // [N, a, H, W]
    relu_(y);
    return deconv3.forward(y);                // [N, 3, H, W], unbounded (clamp to [0, 255] when saving)
  }

 private:
  Config config_;
  ImageModelInfo info_;
};

inline const bool kTransformerNetRegistered =
    register_model<TransformerNet>("transformer_net", "fast neural style TransformerNet (pytorch/examples)");

}  // namespace pixforge
