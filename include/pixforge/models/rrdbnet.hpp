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

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>

#include "pixforge/core/json.hpp"
#include "pixforge/core/parallel.hpp"
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

// The high-resolution tail (conv_up2 at 4h × 4w, conv_hr, conv_last) runs in bands of this many output rows, so
// only one full-size map is alive at a time instead of two or three. A multiple of conv2d_grid_tile().
constexpr int64_t kTailBandRows = 128;

// Rows [i0, i1) of nearest ×2 up-sampling of x [N, C, h, w]: [N, C, i1 − i0, 2w], each value copied (exact).
inline Tensor<float> upsample_nearest2x_rows(const Tensor<float>& x_in, int64_t i0, int64_t i1) {
  const Tensor<float> x = x_in.contiguous();
  const int64_t N = x.size(0), C = x.size(1), h = x.size(2), w = x.size(3), rows = i1 - i0;
  Tensor<float> y = Tensor<float>::empty({N, C, rows, 2 * w});
  parallel_for(0, N * C, [&](int64_t plane) {
    for (int64_t r = 0; r < rows; ++r) {
      const float* src = x.data() + (plane * h + (i0 + r) / 2) * w;
      float* dst = y.data() + (plane * rows + r) * 2 * w;
      for (int64_t j = 0; j < 2 * w; ++j) dst[j] = src[j / 2];
    }
  });
  return y;
}

// Rows [r0, r1) of a 3×3, padding-1 conv over a map of height H, from rows [max(r0 − 1, 0), min(r1 + 1, H)) of
// its input (`rows(i0, i1)` makes them): the conv's own zero padding is used only at the map's top and bottom.
// Winograd's bits depend on where its 4-row tiles start and end, so with r0 and r1 multiples of
// conv2d_grid_tile() (or r1 = H) the band equals those rows of the whole-map conv bit for bit.
template <class Rows>
Tensor<float> conv3x3_rows(const Conv2d& conv, int64_t H, int64_t r0, int64_t r1, Rows rows) {
  const int64_t i0 = std::max<int64_t>(r0 - 1, 0), i1 = std::min(r1 + 1, H);
  Conv2dParams p = conv.params;
  p.pad_top = r0 == 0 ? 1 : 0;
  p.pad_bottom = r1 == H ? 1 : 0;
  return conv2d(rows(i0, i1), conv.weight, conv.bias, p, &conv.weight_cache);
}

// Writes band [N, C, b, W] into rows [r0, r0 + b) of y [N, C, H, W] (both packed).
inline void copy_rows(const Tensor<float>& band, Tensor<float>& y, int64_t r0) {
  const int64_t b = band.size(2), W = band.size(3), H = y.size(2);
  parallel_for(0, band.size(0) * band.size(1), [&](int64_t plane) {
    std::memcpy(y.data() + (plane * H + r0) * W, band.data() + plane * b * W, size_t(b * W) * sizeof(float));
  });
}
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
    {
      Tensor<float> up = upsample(feat, 2, InterpolateMode::nearest);  // [N, F, 2h, 2w]
      feat = Tensor<float>();
      feat = conv_up1(up);                                             // lrelu fused
    }
    return hr_tail(std::move(feat));                                    // [N, C_out, 4h, 4w]
  }

  // conv_last(conv_hr(conv_up2(upsample(feat, 2)))) in bands of output rows, bit-identical to the whole maps
  // (rrdbnet_detail::conv3x3_rows). Alive at most: feat, conv_up2's output [N, F, 4h, 4w] and one band of each
  // step; the up-sampled map and conv_hr's output never exist whole. conv_hr's bands start 4 rows early and end 4
  // late (its tiles must stay aligned), so it computes 8 rows per band boundary twice.
  Tensor<float> hr_tail(Tensor<float> feat) const {                   // feat [N, F, 2h, 2w]
    using namespace rrdbnet_detail;
    static_assert(conv2d_grid_tile() == 0 || kTailBandRows % conv2d_grid_tile() == 0, "bands off the tile grid");
    const int64_t H = 2 * feat.size(2), W = 2 * feat.size(3), B = kTailBandRows;
    const int64_t g = std::max<int64_t>(conv2d_grid_tile(), 1);
    // The last band takes the rest (B to 2B − 1 rows): every band is as large as the dispatcher's minimum map,
    // so each takes the same conv path as the whole map would.
    auto band_end = [&](int64_t r0) { return H - r0 < 2 * B ? H : r0 + B; };
    Tensor<float> hr_in = Tensor<float>::empty({feat.size(0), conv_up2.weight.size(0), H, W});
    for (int64_t r0 = 0, r1 = 0; r0 < H; r0 = r1) {
      r1 = band_end(r0);
      copy_rows(conv3x3_rows(conv_up2, H, r0, r1,
                             [&](int64_t i0, int64_t i1) { return upsample_nearest2x_rows(feat, i0, i1); }),
                hr_in, r0);
    }
    feat = Tensor<float>();
    Tensor<float> y = Tensor<float>::empty({hr_in.size(0), conv_last.weight.size(0), H, W});
    for (int64_t o0 = 0, o1 = 0; o0 < H; o0 = o1) {
      o1 = band_end(o0);
      const int64_t a0 = std::max<int64_t>(o0 - g, 0), a1 = std::min(o1 + g, H);  // ⊇ [o0 − 1, o1 + 1), aligned
      const Tensor<float> hr = conv3x3_rows(conv_hr, H, a0, a1, [&](int64_t i0, int64_t i1) {
        return hr_in.narrow(2, i0, i1 - i0).contiguous();
      });
      copy_rows(conv3x3_rows(conv_last, H, o0, o1,
                             [&](int64_t i0, int64_t i1) { return hr.narrow(2, i0 - a0, i1 - i0).contiguous(); }),
                y, o0);
    }
    return y;
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
