// pixforge/models/tiny_sr.hpp — TinySR: the project's own small 2× super-resolution network (the foundation demo).
//
// An ESPCN-style residual network (Shi et al. 2016 sub-pixel convolution, plus a bicubic skip), 15.1 k parameters
// with nf = 32. The PyTorch definition and its training recipe are tools/train/train_tiny_sr.py; the trained
// weights weights/tiny-sr-2x.safetensors (MIT) carry `pixforge.arch = tiny_sr` and the config in their metadata.
//
//   x    [1, 3, H, W]      RGB in [0, 1]
//   up   = interpolate(x, scale_factor=2, mode='bicubic', align_corners=False)      [1, 3, 2H, 2W]
//   h    = tanh(conv1(x))        conv1: 3 -> nf, 5x5, padding 2                     [1, nf, H, W]
//   h    = tanh(conv2(h))        conv2: nf -> nf, 3x3, padding 1                    [1, nf, H, W]
//   y    = up + pixel_shuffle(conv3(h), 2)   conv3: nf -> 3·4, 3x3, padding 1       [1, 3, 2H, 2W]
//
// Pre/post-processing: RGB [0,1] in, RGB [0,1] out (clamp and round to 8 bits when saving). Any H, W >= 1; the
// zero padding of the convs makes the border slightly worse than the interior. Degradation it was trained for:
// 2×2 average pooling.
#pragma once

#include "pixforge/core/json.hpp"
#include "pixforge/models/model.hpp"
#include "pixforge/io/safetensors.hpp"
#include "pixforge/nn/layers.hpp"
#include "pixforge/nn/state_dict.hpp"
#include "pixforge/ops/elementwise.hpp"
#include "pixforge/ops/pixel_shuffle.hpp"
#include "pixforge/ops/upsample.hpp"

namespace pixforge {

class TinySR : public ImageModel {
 public:
  struct Config {
    int64_t nf = 32;
    static Config from_json(const Json& j) {
      Config c;
      c.nf = j.get_int("nf", c.nf);
      PIXFORGE_CHECK(c.nf >= 1 && c.nf <= 4096, ErrorCode::invalid_argument, "tiny_sr: config nf=", c.nf,
                     " out of range");
      PIXFORGE_CHECK(j.get_int("scale", 2) == 2, ErrorCode::unsupported, "tiny_sr: only scale 2 exists");
      return c;
    }
  };

  Conv2d conv1, conv2, conv3;

  TinySR() : TinySR(Config()) {}
  explicit TinySR(const Config& c)
      : conv1(Conv2dOptions(3, c.nf, 5).padding(2)),
        conv2(Conv2dOptions(c.nf, c.nf, 3).padding(1)),
        conv3(Conv2dOptions(c.nf, 12, 3).padding(1)) {
    info_.arch = "tiny_sr";
    info_.task = "upscale";
    info_.scale = 2;
    info_.halo = 2 + 1 + 1 + 2;  // conv radii 2 + 1 + 1, plus bicubic's 2-tap reach
    register_module("conv1", conv1);
    register_module("conv2", conv2);
    register_module("conv3", conv3);
    conv1.params.act = Act::tanh();  // fused into the conv epilogue
    conv2.params.act = Act::tanh();
  }

  // Builds the network a weight file describes and loads it.
  static std::unique_ptr<TinySR> load(const std::string& path) { return load_model_as<TinySR>(path, "tiny_sr"); }

  const ImageModelInfo& info() const override { return info_; }

  Tensor<float> forward(const Tensor<float>& x) const override {
    PIXFORGE_CHECK(x.dim() == 4 && x.size(1) == 3, ErrorCode::shape_mismatch,
                   "tiny_sr: expected an RGB tensor [N,3,H,W], got ", x.shape().str());
    const Tensor<float> up = interpolate(x, InterpolateParams::by_scale(2, InterpolateMode::bicubic));
    const Tensor<float> h = conv2(conv1(x));
    return add(up, pixel_shuffle(conv3(h), 2));
  }

 private:
  ImageModelInfo info_;
};

inline const bool kTinySrRegistered = register_model<TinySR>("tiny_sr", "pixforge's 2x SR demo network (ESPCN-style)");

}  // namespace pixforge
