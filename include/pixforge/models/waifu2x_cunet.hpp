// pixforge/models/waifu2x_cunet.hpp — waifu2x CUNet (1×, `cunet`) and UpCUNet (2×, `upcunet`), nagadomi's
// two-cascaded-U-Net models (part-b.md §7.3). Arch name: `waifu2x_cunet`, Config {scale: 1 | 2}.
//
// The same blocks as Real-CUGAN (cunet_blocks.hpp); the 2× graph is exactly Real-CUGAN 2×'s. PyTorch reference:
// tools/reference/cunet.py (CUNet, UpCUNet); state_dict keys unet1.*, unet2.* (Real-CUGAN naming).
//
//   x   [1, 3, n, n]   the image already padded (see below); n ≡ 0 mod 4 (1×) or even (2×)
//   1×: z1 = unet1(x)                   UNet1 with a 3×3 valid conv bottom, 3 → 3       [1, 3, n − 16]
//       y  = crop(z1, 20) + unet2(z1)   UNet2 3 → 3                                      [1, 3, n − 56]
//   2×: z1 = unet1(x)                   UNet1 with a ConvT k4 s2 p3 bottom               [1, 3, 2n − 32]
//       y  = crop(z1, 20) + unet2(z1)                                                    [1, 3, 2n − 72]
//
// Pre/post-processing: RGB in [0, 1]; **replicate**-pad 28 px (1×) or 18 px (2×) per side ("offset" 28 / 36
// output px), plus the round-up of the image size to a multiple of 4 (1×) or 2 (2×) on the right/bottom (our
// whole-image convention; the apps pad whole blocks); run forward(); keep scale·h0 × scale·w0; clip to [0, 1] and
// write v·255 + 0.5. cunet::upscale_whole_image() does all but the clip. The Lua reference does not clamp between
// the two U-Nets (nunif's port does unless `no_clip`). SE statistics are whole-map: naive tiles are not exact;
// info().mean_pools and forward_with_means() let the pipeline tile exactly in several passes (as realcugan.hpp).
#pragma once

#include <memory>
#include <string>

#include "pixforge/core/json.hpp"
#include "pixforge/models/cunet_blocks.hpp"
#include "pixforge/models/cunet_reach.hpp"
#include "pixforge/models/model.hpp"

namespace pixforge {

class Waifu2xCUNet : public ImageModel {
 public:
  struct Config {
    int64_t scale = 2;  // 1 (cunet, denoise only) or 2 (upcunet)
    int64_t nf = 64;    // U-Net width (64 in every released model; narrower for tests), a multiple of 8
    static Config from_json(const Json& j) {
      Config c;
      c.scale = j.get_int("scale", c.scale);
      c.nf = j.get_int("nf", c.nf);
      PIXFORGE_CHECK(c.scale == 1 || c.scale == 2, ErrorCode::unsupported, "waifu2x_cunet: config scale=", c.scale,
                     " (cunet is 1x, upcunet 2x)");
      PIXFORGE_CHECK(c.nf >= 8 && c.nf % 8 == 0, ErrorCode::invalid_argument, "waifu2x_cunet: config nf=", c.nf,
                     " (a positive multiple of 8)");
      return c;
    }
  };

  cunet::UNet1 unet1;
  cunet::UNet2 unet2;

  Waifu2xCUNet() : Waifu2xCUNet(Config()) {}
  explicit Waifu2xCUNet(const Config& c)
      : unet1(3, 3, c.scale == 1 ? cunet::UNet1Bottom::conv : cunet::UNet1Bottom::deconv, c.nf),
        unet2(3, 3, c.nf),
        config_(c) {
    register_module("unet1", unet1);
    register_module("unet2", unet2);
    info_.arch = "waifu2x_cunet";
    info_.task = c.scale == 1 ? "denoise" : "upscale";
    info_.scale = c.scale;
    info_.border_mode = PaddingMode::replicate;
    info_.pre_pad = c.scale == 1 ? 28 : 18;
    info_.size_multiple = c.scale == 1 ? 4 : 2;
    info_.halo = c.scale == 1 ? 31 : 19;  // receptive-field radius, worst phase (as RealCUGAN::halo)
    if (conv2d_grid_tile() > 0) {  // the exact tile context on the Winograd grid for this width's layers
      const reach::Context ctx = reach::exact_context(
          cunet::cascade_targets(unet1, unet2, c.scale, c.scale == 1 ? 16 : 32, c.scale, c.scale == 1 ? 56 : 72),
          conv2d_grid_tile() * info_.size_multiple, info_.size_multiple);
      info_.grid_halo_before = ctx.before, info_.grid_halo_after = ctx.after;
    }
    info_.global_context = true;  // SE blocks pool over the whole map: tiled exactly only through mean_pools
    info_.mean_pools = {{1, 2}, {c.scale, 2}, {c.scale, 4}, {c.scale, 2}};  // UNet1 conv2; UNet2 conv2, conv3, conv4
    // Peak memory of an untiled forward per padded input pixel (VmHWM growth, 2 threads; bench/NOTES.md "Linear
    // cost"): 607 B/px 1× (512² input), 2258 B/px 2× (256²; Real-CUGAN 2×'s network: 2231 at 512²), + ~8–15 %.
    info_.activation_bytes_per_pixel = c.scale == 1 ? 700 : 2400;
  }

  // Builds the network a weight file describes (pixforge.config) and loads it.
  static std::unique_ptr<Waifu2xCUNet> load(const std::string& path) {
    return load_model_as<Waifu2xCUNet>(path, "waifu2x_cunet");
  }

  const Config& config() const { return config_; }
  const ImageModelInfo& info() const override { return info_; }

  Tensor<float> forward(const Tensor<float>& x) const override { return forward(x, nullptr); }
  Tensor<float> forward_with_means(const Tensor<float>& x, ChannelMeansHook* hook) const override {
    return forward(x, hook);
  }

  // forward with an SE-means hook (nullptr: whole-map statistics, the reference behaviour). Returns an empty
  // tensor when the hook stops the pass.
  Tensor<float> forward(const Tensor<float>& x, ChannelMeansHook* stats) const {
    PIXFORGE_CHECK(x.dim() == 4 && x.size(1) == 3, ErrorCode::shape_mismatch,
                   "waifu2x_cunet: expected an RGB tensor [N,3,H,W], got ", x.shape().str());
    const int64_t m = info_.size_multiple, p = info_.pre_pad;
    PIXFORGE_CHECK(x.size(2) % m == 0 && x.size(3) % m == 0 && x.size(2) > 2 * p && x.size(3) > 2 * p,
                   ErrorCode::shape_mismatch, "waifu2x_cunet ", config_.scale, "x: the padded input H and W must be ",
                   "multiples of ", m, " and larger than 2·", p, " (pad the image with cunet::upscale_whole_image or ",
                   "by info().pre_pad), got x=", x.shape().str());
    const Tensor<float> z1 = unet1.forward(x, stats);                                   // [N, 3, n−16 | 2n−32]
    if (hook_stopped(stats)) return {};
    Tensor<float> z2 = unet2.forward(z1, 1.0f, stats);
    if (hook_stopped(stats)) return {};
    return cunet::crop_add(z1, 20, std::move(z2), "waifu2x_cunet");                                // [N, 3, n−56 | 2n−72]
  }

 private:
  Config config_;
  ImageModelInfo info_;
};

inline const bool kWaifu2xCunetRegistered =
    register_model<Waifu2xCUNet>("waifu2x_cunet", "waifu2x CUNet 1x / UpCUNet 2x (two cascaded U-Nets with SE)");

}  // namespace pixforge
