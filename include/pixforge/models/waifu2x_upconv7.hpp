// pixforge/models/waifu2x_upconv7.hpp — waifu2x `upconv_7`: 2× super-resolution of anime-style art (nagadomi).
//
// Six valid (unpadded) 3×3 convolutions with LeakyReLU(0.1), then one transposed convolution k4 s2 p3 that
// up-samples ×2; 552,483 parameters for RGB (part-b.md §7.4; the Lua model has no final bias, the ncnn export has
// an all-zero one, so it is always present here). Mirrors `UpConv7` in tools/reference/waifu2x.py; the members'
// names are the state_dict keys (conv1 … conv7 = the ncnn layers conv1_layer … conv7_layer). Widths below are for
// the released models (config base = 16); the tests also build narrow ones.
//
//   x  [N, ch, H, W]          RGB (ch 3) or Y (ch 1) in [0, 1], ALREADY replicate-padded by 7 px per side
//   h = lrelu(conv1(x))       ch -> 16                                   [N, 16, H-2, W-2]
//   h = lrelu(conv2(h))       16 -> 32                                   [N, 32, H-4, W-4]
//   h = lrelu(conv3(h))       32 -> 64                                   [N, 64, H-6, W-6]
//   h = lrelu(conv4(h))       64 -> 128                                  [N, 128, H-8, W-8]
//   h = lrelu(conv5(h))       128 -> 128                                 [N, 128, H-10, W-10]
//   h = lrelu(conv6(h))       128 -> 256                                 [N, 256, H-12, W-12]
//   y = clamp(conv7(h), 0, 1) ConvTranspose2d 256 -> ch, k4, s2, p3      [N, ch, 2H-28, 2W-28]
//
// Pre/post-processing (what waifu2x-ncnn-vulkan does, and the Lua waifu2x): RGB 8-bit p -> p / 255; pad the image
// by 7 px on every side with *replicate* padding (info().pre_pad, info().border_mode); run forward(); the output
// is then exactly 2H × 2W of the unpadded image (nothing to crop); 8-bit = round(clamp(y, 0, 1) · 255) (ties to
// even or away: measured identical to the app on our parity crops). upscale() does pad + forward in one call.
// The app pads odd sizes by one more replicate row/column and crops it away again; that does not change any
// output pixel. Input must be at least 15 × 15 after padding (1 × 1 before).
//
// Receptive field: 6 convs reach 6 input px, the transposed conv ≤ 1 more: halo 7 (= pre_pad), so tiles with 7 px
// of real context are exact. Weights: weights/waifu2x-upconv7-scale2x.safetensors (MIT, converted from the npm
// waifu2x@1.6.5 ncnn files with tools/convert_ncnn.py waifu2x_upconv7; the noise<k>_scale2.0x models convert the
// same way).
#pragma once

#include <memory>
#include <string>

#include "pixforge/core/json.hpp"
#include "pixforge/io/safetensors.hpp"
#include "pixforge/models/model.hpp"
#include "pixforge/models/tile_reach.hpp"
#include "pixforge/nn/layers.hpp"
#include "pixforge/nn/state_dict.hpp"
#include "pixforge/ops/pad.hpp"

namespace pixforge {

class Waifu2xUpConv7 : public ImageModel {
 public:
  struct Config {
    int64_t channels = 3;  // 3 = RGB models, 1 = Y models
    int64_t base = 16;     // hidden widths base × (1, 2, 4, 8, 8, 16); 16 in every released model
    static Config from_json(const Json& j) {
      Config c;
      c.channels = j.get_int("channels", c.channels);
      c.base = j.get_int("base", c.base);
      PIXFORGE_CHECK(c.channels == 1 || c.channels == 3, ErrorCode::invalid_argument,
                     "waifu2x_upconv7: config channels=", c.channels, " (expected 1 or 3)");
      PIXFORGE_CHECK(c.base >= 1 && c.base <= 256, ErrorCode::invalid_argument, "waifu2x_upconv7: config base=",
                     c.base, " out of range [1, 256]");
      return c;
    }
  };

  static constexpr float kSlope = 0.1f;  // LeakyReLU slope of every hidden conv
  static constexpr int64_t kOffset = 7;  // replicate pre-padding per side (input px)

  Conv2d conv1, conv2, conv3, conv4, conv5, conv6;
  ConvTranspose2d conv7;

  Waifu2xUpConv7() : Waifu2xUpConv7(Config()) {}
  explicit Waifu2xUpConv7(const Config& c)
      : conv1(c.channels, c.base, 3),
        conv2(c.base, 2 * c.base, 3),
        conv3(2 * c.base, 4 * c.base, 3),
        conv4(4 * c.base, 8 * c.base, 3),
        conv5(8 * c.base, 8 * c.base, 3),
        conv6(8 * c.base, 16 * c.base, 3),
        conv7(ConvTranspose2dOptions(16 * c.base, c.channels, 4).stride(2).padding(3)),
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
    info_.arch = "waifu2x_upconv7";
    info_.task = "upscale";
    info_.scale = 2;
    info_.in_channels = info_.out_channels = c.channels;
    info_.range = Range::unit;
    info_.border_mode = PaddingMode::replicate;
    info_.pre_pad = kOffset;
    info_.halo = kOffset;
    if (conv2d_grid_tile() > 0) {  // the exact tile context on the Winograd grid (models/tile_reach.hpp)
      auto dep = [this](reach::Span y) {
        reach::Span s = reach::conv_transpose(y, conv7);
        for (const Conv2d* conv : {&conv6, &conv5, &conv4, &conv3, &conv2, &conv1}) s = reach::conv(s, *conv);
        return s;
      };
      const reach::Context ctx = reach::exact_context({{2, 1, 4 * kOffset, dep}}, conv2d_grid_tile(), 1);
      info_.grid_halo_before = ctx.before, info_.grid_halo_after = ctx.after;
    }
    // Widest step: conv6 reads 8·base and writes 16·base channels per (input) pixel, float32: 1536 B/px for base
    // 16, and 1538 B/px measured (VmHWM growth of an untiled 512² forward, bench/NOTES.md "Linear cost"); + 1/8.
    info_.activation_bytes_per_pixel = (8 + 16) * c.base * 4 * 9 / 8;
  }

  const Config& config() const { return config_; }
  const ImageModelInfo& info() const override { return info_; }

  // Builds the network a weight file describes (pixforge.config) and loads it.
  static std::unique_ptr<Waifu2xUpConv7> load(const std::string& path) {
    return load_model_as<Waifu2xUpConv7>(path, "waifu2x_upconv7");
  }

  // The bare network on an already padded image: [N, ch, H, W] -> [N, ch, 2H - 28, 2W - 28].
  Tensor<float> forward(const Tensor<float>& x) const override {
    PIXFORGE_CHECK(x.dim() == 4 && x.size(1) == config_.channels, ErrorCode::shape_mismatch,
                   "waifu2x_upconv7: expected [N,", config_.channels, ",H,W], got ", x.shape().str());
    PIXFORGE_CHECK(x.size(2) >= 2 * kOffset + 1 && x.size(3) >= 2 * kOffset + 1, ErrorCode::invalid_argument,
                   "waifu2x_upconv7: input ", x.shape().str(), " is smaller than 15x15 (the 7 px replicate ",
                   "pre-padding included); use upscale() to pad an unpadded image");
    Tensor<float> h = conv1(x);  // [N, 16, H-2, W-2]
    h = conv2(h);                // [N, 32, H-4, W-4]
    h = conv3(h);                // [N, 64, H-6, W-6]
    h = conv4(h);                // [N, 128, H-8, W-8]
    h = conv5(h);                // [N, 128, H-10, W-10]
    h = conv6(h);                // [N, 256, H-12, W-12]
    return conv7(h);             // [N, ch, 2H-28, 2W-28], clamped to [0, 1]
  }

  // The reference app's whole-image path: replicate-pad 7 px, forward: [N, ch, H, W] -> [N, ch, 2H, 2W].
  Tensor<float> upscale(const Tensor<float>& x) const {
    PIXFORGE_CHECK(x.dim() == 4, ErrorCode::shape_mismatch, "waifu2x_upconv7: expected [N,", config_.channels,
                   ",H,W], got ", x.shape().str());
    return forward(pad(x, PadParams::all(kOffset, PadMode::replicate)));
  }

 private:
  Config config_;
  ImageModelInfo info_;
};

inline const bool kWaifu2xUpConv7Registered =
    register_model<Waifu2xUpConv7>("waifu2x_upconv7", "waifu2x upconv_7: 2x SR for anime-style art (valid convs)");

}  // namespace pixforge
