// pixforge/models/rrdbnet.hpp — RRDBNet, the ESRGAN / Real-ESRGAN generator (x4plus, x2plus, anime_6B, ESRGAN).
//
// Mirrors BasicSR's `basicsr/archs/rrdbnet_arch.py` class by class (ResidualDenseBlock, RRDB, RRDBNet); member
// names are the state_dict keys (`conv_first`, `body.3.rdb2.conv4`, `conv_body`, `conv_up1`, `conv_up2`, `conv_hr`,
// `conv_last`). The PyTorch definition used for the goldens is tools/reference/rrdbnet.py; spec:
// architectures/part-b.md §7.1. Every conv is 3×3, stride 1, zero padding 1, with bias; LeakyReLU slope 0.2.
//
//   x     [N, C, H, W]                                   RGB in [0, 1]
//   scale 2 / 1 only: x = pixel_unshuffle(x, 2 / 4)      [N, 4C, H/2, W/2] / [N, 16C, H/4, W/4]  (trunk grid h × w)
//   feat  = conv_first(x)                                [N, F, h, w]      no activation
//   feat  = feat + conv_body(body(feat))                 [N, F, h, w]      body = num_block × RRDB, no activation
//   feat  = lrelu(conv_up1(nearest×2(feat)))             [N, F, 2h, 2w]
//   feat  = lrelu(conv_up2(nearest×2(feat)))             [N, F, 4h, 4w]
//   out   = conv_last(lrelu(conv_hr(feat)))              [N, C_out, 4h, 4w] = [N, C_out, scale·H, scale·W]
//
//   ResidualDenseBlock(x):  x1 = lrelu(conv1(x))                       F      -> G
//                           x2 = lrelu(conv2([x, x1]))                 F + G  -> G      (input first in the concat)
//                           x3 = lrelu(conv3([x, x1, x2]))             F + 2G -> G
//                           x4 = lrelu(conv4([x, x1, x2, x3]))         F + 3G -> G
//                           x5 =       conv5([x, x1, x2, x3, x4])      F + 4G -> F     (no activation)
//                           return x + 0.2·x5
//   RRDB(x):                return x + 0.2·rdb3(rdb2(rdb1(x)))
//
// Real models (F = num_feat, G = num_grow_ch, B = num_block): RealESRGAN_x4plus / ESRGAN: F 64, G 32, B 23, scale 4
// (16,697,987 parameters); RealESRGAN_x2plus: scale 2 (16,703,171); RealESRGAN_x4plus_anime_6B and the ncnn
// realesrgan-x4plus-anime: B 6 (4,467,779).
//
// Pre/post-processing (Real-ESRGAN's RealESRGANer): RGB (it converts OpenCV's BGR) in [0, 1] (8-bit / 255); for the
// x2 / x1 models the input is reflect-padded on the right/bottom to a multiple of 2 / 4 (info().size_multiple);
// optional `pre_pad` reflect padding (class default 10 px, CLI default 0; we report 10, info().pre_pad), cropped
// from the output times the scale; output clamped to [0, 1] and rounded (no output activation). Real-ESRGAN pads
// only right/bottom, the pixforge pipeline pads all sides: the interior is identical, the top/left border rows
// differ slightly (they see reflected context instead of the convs' zero padding). Real-ESRGAN runs fp16 by
// default; our goldens are fp32.
//
// halo (exact receptive radius, input pixels; tests/models/test_rrdbnet.cpp measures it): on the trunk grid,
// conv_first + 15·B convs (3 RDBs × 5 per RRDB) + conv_body reach T = 15·B + 2 trunk pixels; the up path adds one
// conv at 2× and three at 4× = 5 pixels of the 4× grid, which through the nearest up-sampling reach 2 more trunk
// pixels. With the pixel_unshuffle by u (1, 2, 4) that is u·(T + 2) = u·(15·B + 4) input pixels: 349 for x4plus,
// 698 for x2plus, 94 for anime_6B. Tiling with less context (Real-ESRGAN's default tile_pad is 10) changes pixels
// near the tile seams.
//
// Weights: tools/convert_ncnn.py rrdbnet (realesrgan-x4plus-anime.param/.bin) or tools/convert_pth.py --arch rrdbnet
// (BasicSR / Real-ESRGAN / original ESRGAN .pth; config inferred from the keys). Usage:
//
//     std::unique_ptr<ImageModel> net = load_model("weights/realesrgan-x4plus-anime.safetensors");
//     Tensor<float> y = net->forward(x);     // x [1, 3, H, W] RGB in [0, 1] -> y [1, 3, 4H, 4W]; clamp when saving
#pragma once

#include <memory>
#include <string>

#include "pixforge/core/json.hpp"
#include "pixforge/io/safetensors.hpp"
#include "pixforge/models/model.hpp"
#include "pixforge/nn/layers.hpp"
#include "pixforge/nn/state_dict.hpp"
#include "pixforge/ops/concat.hpp"
#include "pixforge/ops/elementwise.hpp"
#include "pixforge/ops/pixel_shuffle.hpp"
#include "pixforge/ops/upsample.hpp"

namespace pixforge {

namespace rrdbnet_detail {
constexpr float kLReluSlope = 0.2f;
constexpr float kResidualScale = 0.2f;
inline Conv2dOptions conv3x3(int64_t cin, int64_t cout) { return Conv2dOptions(cin, cout, 3).padding(1); }
}  // namespace rrdbnet_detail

// Residual dense block: five densely connected 3×3 convs, x + 0.2·x5.
class ResidualDenseBlock : public Module {
 public:
  Conv2d conv1, conv2, conv3, conv4, conv5;

  ResidualDenseBlock(int64_t num_feat, int64_t num_grow_ch)
      : conv1(rrdbnet_detail::conv3x3(num_feat, num_grow_ch)),
        conv2(rrdbnet_detail::conv3x3(num_feat + num_grow_ch, num_grow_ch)),
        conv3(rrdbnet_detail::conv3x3(num_feat + 2 * num_grow_ch, num_grow_ch)),
        conv4(rrdbnet_detail::conv3x3(num_feat + 3 * num_grow_ch, num_grow_ch)),
        conv5(rrdbnet_detail::conv3x3(num_feat + 4 * num_grow_ch, num_feat)) {
    register_module("conv1", conv1);
    register_module("conv2", conv2);
    register_module("conv3", conv3);
    register_module("conv4", conv4);
    register_module("conv5", conv5);
    for (Conv2d* c : {&conv1, &conv2, &conv3, &conv4}) c->params.act = Act::leaky_relu(rrdbnet_detail::kLReluSlope);
  }

  // torch.cat((x, x1, ...), 1) without the copies: one buffer [N, F + 4G, h, w] holds x, x1, x2, x3, x4 side by
  // side, each conv reads its leading channels (a contiguous view for N = 1) and its output is copied into the
  // next slot once, instead of every concat copying all earlier maps again.
  Tensor<float> forward(const Tensor<float>& x) const {        // x  [N, F, h, w]
    const int64_t F = x.size(1), G = conv1.weight.size(0);
    Tensor<float> cat = Tensor<float>::empty({x.size(0), F + 4 * G, x.size(2), x.size(3)});
    const Tensor<float> xs = cat.narrow(1, 0, F);
    cat.narrow(1, 0, F).copy_from(x);
    const Conv2d* convs[4] = {&conv1, &conv2, &conv3, &conv4};
    for (int64_t k = 0; k < 4; ++k)                            // x1..x4 [N, G, h, w], lrelu fused
      cat.narrow(1, F + k * G, G).copy_from((*convs[k])(cat.narrow(1, 0, F + k * G)));
    Tensor<float> x5 = conv5(cat);                             // [N, F, h, w]  no activation
    add_to_(xs, x5, rrdbnet_detail::kResidualScale);           // x + 0.2·x5, in x5's buffer
    return x5;
  }
};

// Residual in residual dense block: x + 0.2·rdb3(rdb2(rdb1(x))).
class RRDB : public Module {
 public:
  ResidualDenseBlock rdb1, rdb2, rdb3;

  RRDB(int64_t num_feat, int64_t num_grow_ch)
      : rdb1(num_feat, num_grow_ch), rdb2(num_feat, num_grow_ch), rdb3(num_feat, num_grow_ch) {
    register_module("rdb1", rdb1);
    register_module("rdb2", rdb2);
    register_module("rdb3", rdb3);
  }

  Tensor<float> forward(const Tensor<float>& x) const {                  // [N, F, h, w]
    Tensor<float> out = rdb3.forward(rdb2.forward(rdb1.forward(x)));      // [N, F, h, w]
    add_to_(x, out, rrdbnet_detail::kResidualScale);                     // x + 0.2·out, in out's buffer
    return out;
  }
};

class RRDBNet : public ImageModel {
 public:
  // BasicSR's RRDBNet(num_in_ch, num_out_ch, scale, num_feat, num_block, num_grow_ch); defaults = RealESRGAN_x4plus.
  struct Config {
    int64_t num_in_ch = 3, num_out_ch = 3;
    int64_t scale = 4;  // 4, 2 (pixel_unshuffle 2 first) or 1 (pixel_unshuffle 4 first)
    int64_t num_feat = 64, num_block = 23, num_grow_ch = 32;

    static Config from_json(const Json& j) {
      Config c;
      c.num_in_ch = j.get_int("num_in_ch", c.num_in_ch);
      c.num_out_ch = j.get_int("num_out_ch", c.num_out_ch);
      c.scale = j.get_int("scale", c.scale);
      c.num_feat = j.get_int("num_feat", c.num_feat);
      c.num_block = j.get_int("num_block", c.num_block);
      c.num_grow_ch = j.get_int("num_grow_ch", c.num_grow_ch);
      c.validate();
      return c;
    }
    void validate() const {
      PIXFORGE_CHECK(scale == 1 || scale == 2 || scale == 4, ErrorCode::unsupported, "rrdbnet: config scale=", scale,
                     " is not supported (1, 2 or 4; other output scales resize the x4 output)");
      PIXFORGE_CHECK(num_in_ch >= 1 && num_in_ch <= 64 && num_out_ch >= 1 && num_out_ch <= 64,
                     ErrorCode::invalid_argument, "rrdbnet: config num_in_ch=", num_in_ch, " num_out_ch=", num_out_ch,
                     " out of range [1, 64]");
      PIXFORGE_CHECK(num_feat >= 1 && num_feat <= 4096 && num_grow_ch >= 1 && num_grow_ch <= 4096,
                     ErrorCode::invalid_argument, "rrdbnet: config num_feat=", num_feat, " num_grow_ch=", num_grow_ch,
                     " out of range [1, 4096]");
      PIXFORGE_CHECK(num_block >= 0 && num_block <= 1000, ErrorCode::invalid_argument, "rrdbnet: config num_block=",
                     num_block, " out of range [0, 1000]");
    }
    // pixel_unshuffle factor in front of conv_first: 1 for x4, 2 for x2, 4 for x1.
    int64_t unshuffle() const { return 4 / scale; }
  };

  Conv2d conv_first;
  ModuleList<RRDB> body;
  Conv2d conv_body, conv_up1, conv_up2, conv_hr, conv_last;

  RRDBNet() : RRDBNet(Config()) {}
  explicit RRDBNet(const Config& c)
      : conv_first(rrdbnet_detail::conv3x3(validated(c).num_in_ch * c.unshuffle() * c.unshuffle(), c.num_feat)),
        conv_body(rrdbnet_detail::conv3x3(c.num_feat, c.num_feat)),
        conv_up1(rrdbnet_detail::conv3x3(c.num_feat, c.num_feat)),
        conv_up2(rrdbnet_detail::conv3x3(c.num_feat, c.num_feat)),
        conv_hr(rrdbnet_detail::conv3x3(c.num_feat, c.num_feat)),
        conv_last(rrdbnet_detail::conv3x3(c.num_feat, c.num_out_ch)),
        cfg_(c) {
    for (int64_t b = 0; b < c.num_block; ++b) body.emplace_back(c.num_feat, c.num_grow_ch);
    register_module("conv_first", conv_first);
    register_module("body", body);
    register_module("conv_body", conv_body);
    register_module("conv_up1", conv_up1);
    register_module("conv_up2", conv_up2);
    register_module("conv_hr", conv_hr);
    register_module("conv_last", conv_last);
    for (Conv2d* conv : {&conv_up1, &conv_up2, &conv_hr})
      conv->params.act = Act::leaky_relu(rrdbnet_detail::kLReluSlope);  // fused; conv_first/conv_body/conv_last: none

    const int64_t u = c.unshuffle();
    info_.arch = "rrdbnet";
    info_.task = "upscale";
    info_.scale = c.scale;
    info_.in_channels = c.num_in_ch;
    info_.out_channels = c.num_out_ch;
    info_.range = Range::unit;
    info_.border_mode = PaddingMode::reflect;
    info_.pre_pad = 10;
    info_.halo = u * (15 * c.num_block + 4);
    info_.size_multiple = u;
    // Peak activations per input pixel: ~3 live F-channel maps on the 4×-trunk (output) grid, plus an RDB's
    // tensors (x, x1..x4, their concat, x5: 4F + 8G channels) on the trunk grid. Gives 14,336 B for x4 F 64 G 32;
    // measured (peak-RSS slope over 64²..192² inputs, 1 and 2 threads) 10.4 KB for anime_6B.
    info_.activation_bytes_per_pixel =
        4 * (3 * c.num_feat * c.scale * c.scale + (4 * c.num_feat + 8 * c.num_grow_ch + u * u - 1) / (u * u));
  }

  // Builds the network a weight file describes (pixforge.arch must be rrdbnet or absent) and loads it.
  static std::unique_ptr<RRDBNet> load(const std::string& path) { return load_model_as<RRDBNet>(path, "rrdbnet"); }

  const Config& config() const { return cfg_; }
  const ImageModelInfo& info() const override { return info_; }

  Tensor<float> forward(const Tensor<float>& x) const override {  // x [N, C, H, W]
    const int64_t u = cfg_.unshuffle();
    PIXFORGE_CHECK(x.dim() == 4 && x.size(1) == cfg_.num_in_ch, ErrorCode::shape_mismatch, "rrdbnet: expected [N,",
                   cfg_.num_in_ch, ",H,W], got ", x.shape().str());
    PIXFORGE_CHECK(x.size(2) % u == 0 && x.size(3) % u == 0, ErrorCode::shape_mismatch, "rrdbnet (scale ", cfg_.scale,
                   "): height and width must be multiples of ", u, " (pad to info().size_multiple), got ",
                   x.shape().str());
    const Tensor<float> in = u > 1 ? pixel_unshuffle(x, u) : x;        // [N, C·u², h, w], h = H/u
    Tensor<float> feat = conv_first(in);                               // [N, F, h, w]
    Tensor<float> trunk = feat;
    for (const auto& block : body) trunk = block->forward(trunk);      // [N, F, h, w]
    trunk = conv_body(trunk);
    add_to_(feat, trunk);                                              // feat + body, in trunk's buffer
    feat = std::move(trunk);                                           // [N, F, h, w]
    // Each map is released as soon as the next one exists (the 4h × 4w ones dominate the peak: the up-sampled
    // input and the output of conv_up2 / conv_hr, two at a time).
    for (const Conv2d* up : {&conv_up1, &conv_up2}) {
      Tensor<float> big = upsample(feat, 2, InterpolateMode::nearest);  // [N, F, 2·, 2·]
      feat = Tensor<float>();
      feat = (*up)(big);                                                // lrelu fused
    }
    const Tensor<float> hr = conv_hr(feat);                            // [N, F, 4h, 4w]  lrelu fused
    feat = Tensor<float>();
    return conv_last(hr);                                              // [N, C_out, 4h, 4w]
  }

 private:
  static const Config& validated(const Config& c) {  // before any member is built from it
    c.validate();
    return c;
  }
  Config cfg_;
  ImageModelInfo info_;
};

inline const bool kRRDBNetRegistered =
    register_model<RRDBNet>("rrdbnet", "ESRGAN / Real-ESRGAN RRDBNet (x4plus, x2plus, anime_6B), scale 1/2/4");

}  // namespace pixforge
