// pixforge/models/cunet_blocks.hpp — the U-Net blocks shared by Real-CUGAN and waifu2x CUNet/UpCUNet
// (part-b.md §7.3): SEBlock, UNetConv, UNet1 (and the 3× variant), UNet2.
//
// The PyTorch reference is tools/reference/cunet.py; module and member names follow the official Real-CUGAN
// PyTorch code, so named_parameters() yields its state_dict keys verbatim:
//
//     unet1.conv1.conv.0.weight            UNetConv's Sequential(Conv, LReLU, Conv, LReLU): convs at 0 and 2
//     unet2.conv3.seblock.conv1.bias       SEBlock 1×1 convs (with biases)
//     unet2.conv3_up.weight                ConvTranspose2d k2 s2, weight [Cin, Cout, 2, 2]
//
// Conventions that decide parity:
//   * every convolution is *valid* (no padding): the image is padded once at the input (by the caller, see
//     realcugan.hpp / waifu2x_cunet.hpp) and each skip connection is *cropped* to the size of the path it joins;
//   * every activation is LeakyReLU(0.1), fused into the conv epilogues; the SE block uses ReLU then sigmoid;
//   * SE statistics are the mean over the *whole current map* — tiled inference therefore changes the result
//     unless the tiles share statistics. SEBlock exposes its three steps (squeeze → gate → scale) and every
//     forward takes an optional ChannelMeansHook (models/model.hpp), through which a tiler sees each block's map
//     and substitutes whole-image means (the pipeline's multi-pass exact tiling). With no hook the result is
//     the whole-image one. When the hook asks to stop, the U-Nets return an empty tensor right after the block.
//
// Memory plan: a map is released as soon as its last reader is done (inputs taken by value and std::move'd in),
// and the SE scaling, the skip additions and alpha write into a map nobody else holds instead of a new one
// (is_sole_owner(); the same float operations, so the results are bit-identical). What stays alive is only what
// a later layer still reads: the skips x1 (and x2 in UNet2). At Real-CUGAN 2× on a 256² image the peak is UNet2's
// conv4_up: x1 [64, 548²] + its input [64, 258²] + its output [64, 516²] (tests/models/test_memory_plan.cpp).
//
// Width: `nf` (64 in every published model) sets the channels of all levels (nf/2, nf, 2nf, 4nf); smaller
// values give narrow networks for fast tests (nf a multiple of 8: the SE blocks reduce nf channels by 8).
//
// Sizes (input n per side; constraints are checked with a clear error):
//   UNetConv   n → n − 4
//   UNet1      n → n − 16 (conv bottom), 2n − 32 (ConvT k4 s2 p3), 3n − 44 (ConvT k5 s3 p2; UNet1x3); n − 4 even
//   UNet2      n → n − 40; n ≡ 0 (mod 4) and n ≥ 44
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "pixforge/core/error.hpp"
#include "pixforge/core/tensor.hpp"
#include "pixforge/models/model.hpp"
#include "pixforge/nn/layers.hpp"
#include "pixforge/nn/module.hpp"
#include "pixforge/ops/elementwise.hpp"
#include "pixforge/ops/pad.hpp"
#include "pixforge/ops/pool.hpp"

namespace pixforge {
namespace cunet {

constexpr float kSlope = 0.1f;  // LeakyReLU slope of every conv in these networks

// Moves t out and leaves it empty: `y = conv(release(t))` frees t's buffer as soon as conv returns (the argument
// temporary dies with the full expression) instead of when t is next assigned.
inline Tensor<float> release(Tensor<float>& t) { return std::move(t); }

// Squeeze-excitation with reduction 8 and biases:  y = x · sigmoid(conv2(relu(conv1(mean_hw(x))))).
class SEBlock : public Module {
 public:
  Conv2d conv1, conv2;  // 1×1: C → C/8, C/8 → C

  explicit SEBlock(int64_t channels, int64_t reduction = 8)
      : conv1(channels, channels / reduction, 1), conv2(channels / reduction, channels, 1) {
    register_module("conv1", conv1);
    register_module("conv2", conv2);
    conv1.params.act = Act::relu();
    conv2.params.act = Act::sigmoid();
  }

  // Step 1, squeeze: per-channel mean over the whole map.           [N, C, H, W] → [N, C, 1, 1]
  Tensor<float> squeeze(const Tensor<float>& x) const { return global_avg_pool2d(x); }
  // Step 2, gate: the bottleneck MLP on the means.                  [N, C, 1, 1] → [N, C, 1, 1] in (0, 1)
  Tensor<float> gate(const Tensor<float>& means) const { return conv2(conv1(means)); }
  // Step 3, scale: x · gate per channel, in x's buffer when x is the only holder.      [N, C, H, W]
  Tensor<float> scale(Tensor<float> x, const Tensor<float>& g) const {
    if (!x.is_sole_owner() || !x.is_contiguous()) return mul(x, g);
    mul_(x, g);
    return x;
  }

  // With a hook, the means come from hook->means(x) (the whole image's, under tiling) instead of squeeze(x).
  Tensor<float> forward(Tensor<float> x, ChannelMeansHook* stats = nullptr) const {
    const Tensor<float> m = stats != nullptr ? stats->means(x) : squeeze(x);
    return scale(std::move(x), gate(m));
  }
};

// Conv 3×3 valid → LReLU(0.1) → Conv 3×3 valid → LReLU(0.1) [→ SEBlock].    n → n − 4
// PyTorch: self.conv = nn.Sequential(Conv2d, LeakyReLU, Conv2d, LeakyReLU), self.seblock = SEBlock or None.
class UNetConv : public Module {
 public:
  ModuleList<Conv2d> conv;           // keys conv.0.*, conv.2.* (1 and 3 are the parameter-free LReLUs)
  std::unique_ptr<SEBlock> seblock;  // null without SE

  UNetConv(int64_t in_channels, int64_t mid_channels, int64_t out_channels, bool se) {
    conv.emplace_at(0, in_channels, mid_channels, 3).params.act = Act::leaky_relu(kSlope);
    conv.emplace_at(2, mid_channels, out_channels, 3).params.act = Act::leaky_relu(kSlope);
    register_module("conv", conv);
    if (se) {
      seblock = std::make_unique<SEBlock>(out_channels);
      register_module("seblock", *seblock);
    }
  }

  // x is released after the first conv when the caller moved it in.
  Tensor<float> forward(Tensor<float> x, ChannelMeansHook* stats = nullptr) const {
    Tensor<float> h = conv[0](x);  // [N, mid, n−2, n−2]
    x = Tensor<float>();
    h = conv[1](release(h));  // [N, cout, n−4, n−4]
    return seblock ? seblock->forward(std::move(h), stats) : h;
  }
};

// crop(a, c) + b: the skip connection of the U-Nets, a cropped by c on every side to b's size. Written into b's
// buffer when b is its only holder (moved in), reading the crop of a in place: no copy of either.
inline Tensor<float> crop_add(const Tensor<float>& a, int64_t c, Tensor<float> b, const char* where) {
  PIXFORGE_CHECK(a.dim() == 4 && b.dim() == 4 && a.size(2) - 2 * c == b.size(2) && a.size(3) - 2 * c == b.size(3) &&
                     a.size(1) == b.size(1),
                 ErrorCode::shape_mismatch, where, ": skip ", a.shape().str(), " cropped by ", c,
                 " does not match ", b.shape().str());
  const Tensor<float> a_crop = a.narrow(2, c, b.size(2)).narrow(3, c, b.size(3));
  if (!b.is_sole_owner() || !b.is_contiguous()) return add(a_crop, b);
  add_(b, a_crop);  // b + a: the same rounded sum as a + b
  return b;
}

// The final layer of UNet1: which one the cascade needs.
enum class UNet1Bottom {
  conv,      // Conv 3×3 valid 64 → co            n − 16   (waifu2x cunet 1×)
  deconv,    // ConvT(64 → co, k4, s2, p3)         2n − 32  (Real-CUGAN 2×/4×, waifu2x upcunet)
  deconv_x3  // ConvT(64 → co, k5, s3, p2)         3n − 44  (Real-CUGAN 3×, the upstream UNet1x3)
};

// First U-Net: one down/up level, SE in the bottom UNetConv.
class UNet1 : public Module {
 public:
  UNetConv conv1;
  Conv2d conv1_down;          // 2×2 stride 2, 64 → 64
  UNetConv conv2;             // 64 → 128 → 64, SE
  ConvTranspose2d conv2_up;   // k2 s2, 64 → 64
  Conv2d conv3;               // 3×3 valid, 64 → 64
  std::unique_ptr<Conv2d> conv_bottom_conv;           // exactly one of these two is set, both registered as
  std::unique_ptr<ConvTranspose2d> conv_bottom_deconv;  // "conv_bottom"

  UNet1(int64_t in_channels, int64_t out_channels, UNet1Bottom bottom, int64_t nf = 64)
      : conv1(in_channels, nf / 2, nf, false),
        conv1_down(Conv2dOptions(nf, nf, 2).stride(2)),
        conv2(nf, 2 * nf, nf, true),
        conv2_up(ConvTranspose2dOptions(nf, nf, 2).stride(2)),
        conv3(nf, nf, 3),
        bottom_(bottom) {
    register_module("conv1", conv1);
    register_module("conv1_down", conv1_down);
    register_module("conv2", conv2);
    register_module("conv2_up", conv2_up);
    register_module("conv3", conv3);
    conv1_down.params.act = Act::leaky_relu(kSlope);
    conv2_up.params.act = Act::leaky_relu(kSlope);
    conv3.params.act = Act::leaky_relu(kSlope);
    if (bottom == UNet1Bottom::conv) {
      conv_bottom_conv = std::make_unique<Conv2d>(nf, out_channels, 3);
      register_module("conv_bottom", *conv_bottom_conv);
    } else {
      const bool x3 = bottom == UNet1Bottom::deconv_x3;
      conv_bottom_deconv = std::make_unique<ConvTranspose2d>(
          ConvTranspose2dOptions(nf, out_channels, x3 ? 5 : 4).stride(x3 ? 3 : 2).padding(x3 ? 2 : 3));
      register_module("conv_bottom", *conv_bottom_deconv);
    }
  }

  // Output size per side for input size n.
  int64_t output_size(int64_t n) const {
    switch (bottom_) {
      case UNet1Bottom::conv: return n - 16;
      case UNet1Bottom::deconv: return 2 * n - 32;
      case UNet1Bottom::deconv_x3: return 3 * n - 44;
    }
    return 0;
  }

  Tensor<float> forward(const Tensor<float>& x, ChannelMeansHook* stats = nullptr) const {
    PIXFORGE_CHECK(x.dim() == 4 && x.size(2) >= 14 && x.size(3) >= 14 && (x.size(2) - 4) % 2 == 0 &&
                       (x.size(3) - 4) % 2 == 0,
                   ErrorCode::shape_mismatch, "UNet1: input H and W must be even and >= 14, got x=", x.shape().str());
    Tensor<float> x1 = conv1.forward(x);                           // [N, 64, n−4, n−4]
    Tensor<float> x2 = conv2.forward(conv1_down(x1), stats);       // [N, 64, (n−4)/2 − 4, ·]
    if (hook_stopped(stats)) return {};
    x2 = conv2_up(release(x2));                                    // [N, 64, n − 12, ·]
    x2 = crop_add(x1, 4, std::move(x2), "UNet1");                  // x1 is dead after this
    x1 = Tensor<float>();
    const Tensor<float> x3 = conv3(release(x2));                   // [N, 64, n − 14, ·]
    return conv_bottom_conv ? (*conv_bottom_conv)(x3)              // [N, co, n − 16, ·]
                            : (*conv_bottom_deconv)(x3);           // [N, co, 2n − 32 or 3n − 44, ·]
  }

 private:
  UNet1Bottom bottom_;
};

// Second U-Net: two down/up levels, SE in conv2, conv3 and conv4.    n → n − 40, n ≡ 0 (mod 4)
class UNet2 : public Module {
 public:
  UNetConv conv1;             // ci → 32 → 64
  Conv2d conv1_down;          // 2×2 s2, 64 → 64
  UNetConv conv2;             // 64 → 64 → 128, SE
  Conv2d conv2_down;          // 2×2 s2, 128 → 128
  UNetConv conv3;             // 128 → 256 → 128, SE
  ConvTranspose2d conv3_up;   // k2 s2, 128 → 128
  UNetConv conv4;             // 128 → 64 → 64, SE
  ConvTranspose2d conv4_up;   // k2 s2, 64 → 64
  Conv2d conv5;               // 3×3 valid, 64 → 64
  Conv2d conv_bottom;         // 3×3 valid, 64 → co (no activation)

  UNet2(int64_t in_channels, int64_t out_channels, int64_t nf = 64)
      : conv1(in_channels, nf / 2, nf, false),
        conv1_down(Conv2dOptions(nf, nf, 2).stride(2)),
        conv2(nf, nf, 2 * nf, true),
        conv2_down(Conv2dOptions(2 * nf, 2 * nf, 2).stride(2)),
        conv3(2 * nf, 4 * nf, 2 * nf, true),
        conv3_up(ConvTranspose2dOptions(2 * nf, 2 * nf, 2).stride(2)),
        conv4(2 * nf, nf, nf, true),
        conv4_up(ConvTranspose2dOptions(nf, nf, 2).stride(2)),
        conv5(nf, nf, 3),
        conv_bottom(nf, out_channels, 3) {
    register_module("conv1", conv1);
    register_module("conv1_down", conv1_down);
    register_module("conv2", conv2);
    register_module("conv2_down", conv2_down);
    register_module("conv3", conv3);
    register_module("conv3_up", conv3_up);
    register_module("conv4", conv4);
    register_module("conv4_up", conv4_up);
    register_module("conv5", conv5);
    register_module("conv_bottom", conv_bottom);
    for (Conv2d* c : {&conv1_down, &conv2_down, &conv5}) c->params.act = Act::leaky_relu(kSlope);
    for (ConvTranspose2d* c : {&conv3_up, &conv4_up}) c->params.act = Act::leaky_relu(kSlope);
  }

  // alpha scales x4 before its up-sampling ConvT (Real-CUGAN's strength knob; 1 = the trained network).
  Tensor<float> forward(const Tensor<float>& x, float alpha = 1.0f, ChannelMeansHook* stats = nullptr) const {
    PIXFORGE_CHECK(x.dim() == 4 && x.size(2) >= 44 && x.size(3) >= 44 && x.size(2) % 4 == 0 && x.size(3) % 4 == 0,
                   ErrorCode::shape_mismatch, "UNet2: input H and W must be multiples of 4 and >= 44, got x=",
                   x.shape().str());
    Tensor<float> x1 = conv1.forward(x);                                   // [N, 64, n − 4, ·]
    Tensor<float> x2 = conv2.forward(conv1_down(x1), stats);               // [N, 128, n/2 − 6, ·]
    if (hook_stopped(stats)) return {};
    Tensor<float> x3 = conv3.forward(conv2_down(x2), stats);               // [N, 128, n/4 − 7, ·]
    if (hook_stopped(stats)) return {};
    x3 = conv3_up(release(x3));                                            // [N, 128, n/2 − 14, ·]
    x3 = crop_add(x2, 4, std::move(x3), "UNet2");
    x2 = Tensor<float>();
    Tensor<float> x4 = conv4.forward(std::move(x3), stats);                // [N, 64, n/2 − 18, ·]
    if (hook_stopped(stats)) return {};
    if (alpha != 1.0f) {  // in place unless a hook kept a reference to x4
      if (x4.is_sole_owner() && x4.is_contiguous())
        affine_(x4, alpha);
      else
        x4 = affine(x4, alpha);
    }
    x4 = conv4_up(release(x4));                                            // [N, 64, n − 36, ·]
    x4 = crop_add(x1, 16, std::move(x4), "UNet2");
    x1 = Tensor<float>();
    const Tensor<float> x5 = conv5(release(x4));                           // [N, 64, n − 38, ·]
    return conv_bottom(x5);                                                // [N, co, n − 40, ·]
  }
};

// The whole-image pipeline of the reference apps (Real-CUGAN tile_mode 0; waifu2x with one tile): pad the
// image [N, C, h0, w0] by `pre_pad` on the left/top and by `pre_pad` plus the round-up of (h0, w0) to
// `size_multiple` on the right/bottom, in one pad with `border_mode` (reflect for Real-CUGAN, replicate for
// waifu2x); run `forward`; keep the top-left scale·h0 × scale·w0. No clamping: the caller rounds to 8 bits.
template <class Model>
Tensor<float> upscale_whole_image(const Model& model, const Tensor<float>& x) {
  const ImageModelInfo& info = model.info();
  PIXFORGE_CHECK(x.dim() == 4, ErrorCode::shape_mismatch, info.arch, ": expected an image tensor [N,C,H,W], got ",
                 x.shape().str());
  const int64_t h0 = x.size(2), w0 = x.size(3), m = info.size_multiple, p = info.pre_pad;
  PadParams pp;
  pp.top = pp.left = p;
  pp.bottom = p + (m - h0 % m) % m;
  pp.right = p + (m - w0 % m) % m;
  pp.mode = info.border_mode == PaddingMode::reflect     ? PadMode::reflect
            : info.border_mode == PaddingMode::replicate ? PadMode::replicate
                                                         : PadMode::constant;
  const Tensor<float> y = model.forward(pad(x, pp));
  return crop(y, 0, 0, info.scale * h0, info.scale * w0);
}

}  // namespace cunet
}  // namespace pixforge
