// pixforge/models/realcugan.hpp — Real-CUGAN (bilibili/ailab), the "se" models: UpCunet2x / UpCunet3x / UpCunet4x
// as one class with `scale` in its Config (part-b.md §7.3). Arch name: `realcugan`.
//
// Two cascaded U-Nets (cunet_blocks.hpp) with valid convolutions; the first one up-samples. PyTorch reference:
// tools/reference/cunet.py (UpCunet2x/3x/4x); state_dict keys unet1.*, unet2.* and, for 4×, conv_final.*.
//
//   x   [1, 3, n, n]   the image already padded (see pre-processing below); n even (2×, 4×) or n ≡ 0 mod 4 (3×)
//   2×: z1 = unet1(x)                       UNet1, ConvT k4 s2 p3 bottom, 3 → 3      [1, 3, 2n − 32]
//       y  = crop(z1, 20) + unet2(z1)       UNet2 3 → 3                                [1, 3, 2n − 72]
//   3×: z1 = unet1(x)                       UNet1x3, ConvT k5 s3 p2 bottom            [1, 3, 3n − 44]
//       y  = crop(z1, 20) + unet2(z1)                                                  [1, 3, 3n − 84]
//   4×: z1 = unet1(x)                       UNet1 3 → 64, ConvT k4 s2 p3              [1, 64, 2n − 32]
//       z  = crop(z1, 20) + unet2(z1)       UNet2 64 → 64                              [1, 64, 2n − 72]
//       z  = crop(conv_final(z), 1)         Conv 3×3 valid 64 → 12                     [1, 12, 2n − 76]
//       y  = pixel_shuffle(z, 2) + nearest×4(crop(x, 19))   (the unpadded image)       [1, 3, 4n − 152]
//   alpha (Config, default 1) multiplies UNet2's x4 before its up-sampling ConvT.
//   pro (Config, for the "pro" checkpoints): x ← 0.7·x + 0.15 first (the 4× nearest skip then adds the
//   transformed image too), y ← (y − 0.15)/0.7 last. The models-se files of the apps are not "pro".
//
// Pre/post-processing (the app's whole-image mode, tile_mode 0 — cunet::upscale_whole_image() does it):
// RGB in [0, 1]; **reflect**-pad p = 18 (2×), 14 (3×), 19 (4×) on the left/top and p plus the round-up of the
// image size to a multiple of 2 (2×, 4×) or 4 (3×) on the right/bottom; run forward(); keep the top-left
// s·h0 × s·w0; output round(clamp(y·255, 0, 255)). Reflect needs p + round-up < image size: images smaller than
// 20 px (2×) are refused, as by PyTorch. info() carries border_mode, pre_pad and size_multiple.
//
// SE blocks pool over the whole current map, so the output depends on the padding and naive tiles are not exact.
// info().mean_pools lists the four SE maps (UNet1 conv2 at 1/2 of the input resolution; UNet2 conv2, conv3, conv4
// at z1/2, z1/4, z1/2 with z1 = 2, 3, 2 for 2×, 3×, 4×) and forward_with_means() takes their means from a hook:
// the pipeline's multi-pass tiling supplies whole-image means, so tiled runs equal the untiled one (pipeline.hpp).
//
// Checked: against PyTorch (tools/golden/gen_cunet.py: hashed-weight 2×/3×/4× nets, real up2x-conservative) and
// against realcugan-ncnn-vulkan's CPU path, 8-bit output within 1 LSB for 2× (tests/models/test_realcugan.cpp),
// 3× and 4× (measured, weights not committed). Weights: tools/convert_ncnn.py realcugan (weights/README.md).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "pixforge/core/json.hpp"
#include "pixforge/models/cunet_blocks.hpp"
#include "pixforge/models/cunet_reach.hpp"
#include "pixforge/models/model.hpp"
#include "pixforge/nn/layers.hpp"
#include "pixforge/ops/elementwise.hpp"
#include "pixforge/ops/pixel_shuffle.hpp"
#include "pixforge/ops/upsample.hpp"

namespace pixforge {

class RealCUGAN : public ImageModel {
 public:
  struct Config {
    int64_t scale = 2;   // 2, 3 or 4
    float alpha = 1.0f;  // UNet2 x4 multiplier (upstream `alpha`; 1 = as trained)
    bool pro = false;    // "pro" checkpoints: input 0.7·x + 0.15, output inverted
    int64_t nf = 64;     // U-Net width (64 in every released model; narrower for tests), a multiple of 8
    static Config from_json(const Json& j) {
      Config c;
      c.scale = j.get_int("scale", c.scale);
      c.alpha = float(j.get_double("alpha", c.alpha));
      c.pro = j.get_bool("pro", c.pro);
      c.nf = j.get_int("nf", c.nf);
      PIXFORGE_CHECK(c.scale == 2 || c.scale == 3 || c.scale == 4, ErrorCode::unsupported,
                     "realcugan: config scale=", c.scale, " (Real-CUGAN exists for 2, 3 and 4)");
      PIXFORGE_CHECK(c.nf >= 8 && c.nf % 8 == 0, ErrorCode::invalid_argument, "realcugan: config nf=", c.nf,
                     " (a positive multiple of 8)");
      return c;
    }
  };

  cunet::UNet1 unet1;
  cunet::UNet2 unet2;
  std::unique_ptr<Conv2d> conv_final;  // 4× only: 64 → 12, 3×3 valid

  RealCUGAN() : RealCUGAN(Config()) {}
  explicit RealCUGAN(const Config& c)
      : unet1(3, c.scale == 4 ? c.nf : 3, c.scale == 3 ? cunet::UNet1Bottom::deconv_x3 : cunet::UNet1Bottom::deconv,
              c.nf),
        unet2(c.scale == 4 ? c.nf : 3, c.scale == 4 ? c.nf : 3, c.nf),
        config_(c) {
    register_module("unet1", unet1);
    register_module("unet2", unet2);
    if (c.scale == 4) {
      conv_final = std::make_unique<Conv2d>(c.nf, 12, 3);
      register_module("conv_final", *conv_final);
    }
    info_.arch = "realcugan";
    info_.task = "upscale";
    info_.scale = c.scale;
    info_.border_mode = PaddingMode::reflect;
    info_.pre_pad = pre_pad(c.scale);
    info_.size_multiple = c.scale == 3 ? 4 : 2;
    info_.halo = halo(c.scale);
    if (conv2d_grid_tile() > 0) {  // the exact tile context on the Winograd grid for this width's layers
      const int64_t m = info_.size_multiple, p = info_.pre_pad;
      std::function<reach::Span(reach::Span)> tail, skip;
      if (conv_final) {  // 4×: y = pixel_shuffle(crop(conv_final(z), 1), 2) + nearest×4(crop(x, p))
        tail = [this](reach::Span s) { return reach::conv(reach::Span{s.lo / 2 + 1, s.hi / 2 + 1}, *conv_final); };
        skip = [p](reach::Span s) { return reach::Span{s.lo / 4 + p, s.hi / 4 + p}; };
      }
      const reach::Context ctx = reach::exact_context(
          cunet::cascade_targets(unet1, unet2, c.scale == 3 ? 3 : 2, c.scale == 3 ? 44 : 32, c.scale,
                                 c.scale == 2 ? 72 : c.scale == 3 ? 84 : 152, tail, skip),
          conv2d_grid_tile() * m, m);
      info_.grid_halo_before = ctx.before, info_.grid_halo_after = ctx.after;
    }
    info_.global_context = true;  // SE blocks pool over the whole map: tiled exactly only through mean_pools
    // SE maps: UNet1 conv2 at 1/2 of the input resolution; UNet2 (at z1's 2× / 3× / 2× resolution) conv2 at
    // 1/2, conv3 at 1/4, conv4 at 1/2 of z1's.
    const int64_t z1 = c.scale == 4 ? 2 : c.scale;
    info_.mean_pools = {{1, 2}, {z1, 2}, {z1, 4}, {z1, 2}};
    // Peak memory of an untiled forward per padded input pixel (VmHWM growth, tensors + Winograd caches and
    // scratch; 2 threads), 512² input for 2×, 256² for 3× / 4× (where the share of the shrinking valid convs is
    // larger): 2231 / 4843 / 3130 B/px measured (bench/NOTES.md "Linear cost"), + ~8–15 % for larger inputs.
    info_.activation_bytes_per_pixel = c.scale == 2 ? 2400 : c.scale == 3 ? 5600 : 3600;
  }

  // Reflect padding of the reference app per side, in input pixels.
  static int64_t pre_pad(int64_t scale) { return scale == 2 ? 18 : scale == 3 ? 14 : 19; }
  // Receptive-field radius in input pixels, worst output phase, SE means aside (1-D interval propagation through
  // the layer geometry; 2× cross-checked with the reference's input gradients). Larger than pre_pad by 1–2 px:
  // the outermost output pixels see a little of the padding by design.
  static int64_t halo(int64_t scale) { return scale == 2 ? 19 : scale == 3 ? 16 : 20; }

  // Builds the network a weight file describes (pixforge.config) and loads it.
  static std::unique_ptr<RealCUGAN> load(const std::string& path) {
    return load_model_as<RealCUGAN>(path, "realcugan");
  }

  const Config& config() const { return config_; }
  const ImageModelInfo& info() const override { return info_; }

  Tensor<float> forward(const Tensor<float>& x) const override { return forward(x, nullptr); }
  Tensor<float> forward_with_means(const Tensor<float>& x, ChannelMeansHook* hook) const override {
    return forward(x, hook);
  }

  // forward with an SE-means hook (nullptr: whole-map statistics, the reference behaviour). Returns an empty
  // tensor when the hook stops the pass.
  Tensor<float> forward(const Tensor<float>& x_in, ChannelMeansHook* stats) const {
    PIXFORGE_CHECK(x_in.dim() == 4 && x_in.size(1) == 3, ErrorCode::shape_mismatch,
                   "realcugan: expected an RGB tensor [N,3,H,W], got ", x_in.shape().str());
    const int64_t m = info_.size_multiple, p = info_.pre_pad;
    PIXFORGE_CHECK(x_in.size(2) % m == 0 && x_in.size(3) % m == 0 && x_in.size(2) > 2 * p && x_in.size(3) > 2 * p,
                   ErrorCode::shape_mismatch, "realcugan ", config_.scale, "x: the padded input H and W must be ",
                   "multiples of ", m, " and larger than 2·", p, " (pad the image with cunet::upscale_whole_image or ",
                   "by info().pre_pad), got x=", x_in.shape().str());
    const Tensor<float> x = config_.pro ? affine(x_in, 0.7f, 0.15f) : x_in;
    const Tensor<float> z1 = unet1.forward(x, stats);                                // [N, 3|64, 2n−32 | 3n−44]
    if (hook_stopped(stats)) return {};
    Tensor<float> z2 = unet2.forward(z1, config_.alpha, stats);
    if (hook_stopped(stats)) return {};
    Tensor<float> z = cunet::crop_add(z1, 20, std::move(z2), "realcugan");
    Tensor<float> y;
    if (config_.scale != 4) {
      y = std::move(z);                                                               // [N, 3, 2n−72 | 3n−84]
    } else {
      z = (*conv_final)(z);                                                           // [N, 12, 2n − 74, ·]
      z = crop(z, 1, 1, z.size(2) - 2, z.size(3) - 2);                                // [N, 12, 2n − 76, ·]
      const Tensor<float> base = crop(x, p, p, x.size(2) - 2 * p, x.size(3) - 2 * p);  // [N, 3, n − 38, ·]
      y = add(pixel_shuffle(z, 2),                                                    // [N, 3, 4n − 152, ·]
              interpolate(base, InterpolateParams::by_scale(4, InterpolateMode::nearest)));
    }
    return config_.pro ? affine(y, 1.0f / 0.7f, -0.15f / 0.7f) : y;
  }

 private:
  Config config_;
  ImageModelInfo info_;
};

inline const bool kRealCuganRegistered =
    register_model<RealCUGAN>("realcugan", "Real-CUGAN UpCunet 2x/3x/4x (two cascaded U-Nets with SE; anime SR)");

}  // namespace pixforge
