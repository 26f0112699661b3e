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
#include <vector>

#include "pixforge/core/json.hpp"
#include "pixforge/core/parallel.hpp"
#include "pixforge/io/safetensors.hpp"
#include "pixforge/models/model.hpp"
#include "pixforge/models/tile_reach.hpp"
#include "pixforge/nn/layers.hpp"
#include "pixforge/nn/row_stream.hpp"
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

// The up-sampling tail (conv_up1 at 2h × 2w, conv_up2 / conv_hr / conv_last at 4h × 4w) is streamed in bands of
// output rows (RRDBNet::tail): no map of the tail ever exists whole except the output. Band rows on the 4× grid are
// multiples of 8, so conv_up1's bands (half as many rows) still start on the Winograd grid. By default a band of one
// F-channel 4×-grid map takes about this many bytes; the band height never changes the output bits.
constexpr int64_t kTailBandBytes = int64_t(16) << 20;

// Output-row boundaries of the tail's bands on the 4× grid (H rows, W columns): 0 = R[0] < R[1] < ... < R[K] = H,
// every R[k] < H a multiple of 8; `rows` (> 0, rounded up to a multiple of 8) or automatic from kTailBandBytes.
// The last band is what remains (1..rows rows): the conv dispatch does not depend on the map size, so a thin band
// takes the same path, and the per-stage buffers are sized for `rows`.
inline std::vector<int64_t> tail_band_bounds(int64_t H, int64_t W, int64_t channels, int64_t rows) {
  if (rows <= 0) rows = kTailBandBytes / std::max<int64_t>(1, channels * W * int64_t(sizeof(float)));
  rows = std::max<int64_t>(8, (rows + 7) / 8 * 8);
  std::vector<int64_t> r{0};
  while (r.back() < H) r.push_back(std::min(H, r.back() + rows));
  return r;
}

using row_stream::rows_buffer;
using row_stream::Scratch;

// Rows [i0, i1) of nearest ×2 up-sampling of a map whose rows [base, base + x.size(2)) x holds:
// [N, C, i1 − i0, 2w], each value copied (exact); written into `scratch` when it is large enough (rows_buffer).
inline Tensor<float> upsample_nearest2x_rows(const Tensor<float>& x_in, int64_t i0, int64_t i1, int64_t base = 0,
                                             Scratch* scratch = nullptr) {
  const Tensor<float> x = x_in.contiguous();
  const int64_t N = x.size(0), C = x.size(1), h = x.size(2), w = x.size(3), rows = i1 - i0;
  PIXFORGE_CHECK(i0 >= 0 && i0 <= i1 && i0 / 2 >= base && (i1 - 1) / 2 < base + h, ErrorCode::invalid_argument,
                 "rrdbnet: up-sampled rows [", i0, ", ", i1, ") need source rows outside [", base, ", ", base + h,
                 ")");
  Tensor<float> y = rows_buffer(scratch, {N, C, rows, 2 * w});
  parallel_for(0, N * C, [&](int64_t plane) {
    for (int64_t r = 0; r < rows; ++r) {
      const float* src = x.data() + (plane * h + (i0 + r) / 2 - base) * w;
      float* dst = y.data() + (plane * rows + r) * 2 * w;
      for (int64_t j = 0; j < 2 * w; ++j) dst[j] = src[j / 2];
    }
  });
  return y;
}

using row_stream::conv3x3_rows;

// The rows of `cur` (band rows [b0, b1) of a map) with the last row of `prev` above and the first row of `next`
// below when given (undefined tensors = none): one packed [N, C, rows, W] tensor, `cur` itself when alone; written
// into `scratch` when it is large enough (rows_buffer).
inline Tensor<float> join_rows(const Tensor<float>& prev, const Tensor<float>& cur, const Tensor<float>& next,
                               Scratch* scratch = nullptr) {
  if (!prev.defined() && !next.defined()) return cur;
  const Tensor<float> c = cur.contiguous();
  const int64_t N = c.size(0), C = c.size(1), b = c.size(2), W = c.size(3);
  const int64_t top = prev.defined() ? 1 : 0, rows = top + b + (next.defined() ? 1 : 0);
  Tensor<float> y = rows_buffer(scratch, {N, C, rows, W});
  const size_t row_bytes = size_t(W) * sizeof(float);
  parallel_for(0, N * C, [&](int64_t plane) {
    float* dst = y.data() + plane * rows * W;
    if (top) std::memcpy(dst, prev.data() + (plane * prev.size(2) + prev.size(2) - 1) * W, row_bytes);
    std::memcpy(dst + top * W, c.data() + plane * b * W, size_t(b) * row_bytes);
    if (next.defined()) std::memcpy(dst + (top + b) * W, next.data() + plane * next.size(2) * W, row_bytes);
  });
  return y;
}

// Row `r` of a band [N, C, b, W] as a packed [N, C, 1, W] tensor.
inline Tensor<float> row_of(const Tensor<float>& band, int64_t r) { return band.narrow(2, r, 1).contiguous(); }

// Writes band [N, C, b, W] into rows [r0, r0 + b) of y [N, C, H, W] (both packed).
inline void copy_rows(const Tensor<float>& band, Tensor<float>& y, int64_t r0) {
  const int64_t b = band.size(2), W = band.size(3), H = y.size(2);
  parallel_for(0, band.size(0) * band.size(1), [&](int64_t plane) {
    std::memcpy(y.data() + (plane * H + r0) * W, band.data() + plane * b * W, size_t(b * W) * sizeof(float));
  });
}

// Copies src [N, c, h, w] into channels [c0, c0 + c) of the packed buffer buf [N, C, h, w], plane by plane.
inline void copy_channels(const Tensor<float>& src_in, Tensor<float>& buf, int64_t c0) {
  const Tensor<float> src = src_in.contiguous();
  const int64_t c = src.size(1), C = buf.size(1), hw = buf.size(2) * buf.size(3);
  PIXFORGE_CHECK(buf.is_contiguous() && src.size(0) == buf.size(0) && c0 + c <= C && src.size(2) * src.size(3) == hw,
                 ErrorCode::shape_mismatch, "rrdbnet: cannot copy ", src.shape().str(), " into channels ", c0,
                 ".. of ", buf.shape().str());
  parallel_for(0, src.size(0) * c, [&](int64_t plane) {
    const int64_t n = plane / c, ch = plane % c;
    std::memcpy(buf.data() + (n * C + c0 + ch) * hw, src.data() + plane * hw, size_t(hw) * sizeof(float));
  });
}

// The floats of image n of t: a packed [N, F, h, w] map or channels [0, F) of a packed buffer [N, C, h, w] (a
// leading-channel view), which hold each image's F·h·w values in one run.
inline int64_t image_run(const Tensor<float>& t) {
  PIXFORGE_CHECK(t.dim() == 4 && t.stride(3) == 1 && t.stride(2) == t.size(3) && t.stride(1) == t.size(2) * t.size(3),
                 ErrorCode::invalid_argument, "rrdbnet: ", t.shape().str(), " is not a leading-channel view");
  return t.size(1) * t.size(2) * t.size(3);
}

// The RDB / RRDB residuals written where the next block reads them (out may alias x or y element for element):
//   rrdb == false: out = x + 0.2·y                      (ResidualDenseBlock: x + 0.2·x5)
//   rrdb == true:  out = x + 0.2·(y + 0.2·z)            (the last RDB's residual, then the RRDB's, in one pass)
// Each step is the float expression add_to_ evaluates (a + alpha·b), so the bits equal the separate adds.
inline void residual_into(const Tensor<float>& x, const Tensor<float>& y, const Tensor<float>& z, Tensor<float>& out,
                          bool rrdb) {
  const int64_t run = image_run(out);
  PIXFORGE_CHECK(x.shape() == out.shape() && y.shape() == out.shape() && (!rrdb || z.shape() == out.shape()),
                 ErrorCode::shape_mismatch, "rrdbnet: residual shapes ", x.shape().str(), ", ", y.shape().str(),
                 " vs ", out.shape().str());
  (void)image_run(x), (void)image_run(y);
  if (rrdb) (void)image_run(z);
  const float a = kResidualScale;
  for (int64_t n = 0; n < out.size(0); ++n) {
    const float* xp = x.data() + n * x.stride(0);
    const float* yp = y.data() + n * y.stride(0);
    const float* zp = rrdb ? z.data() + n * z.stride(0) : nullptr;
    float* op = out.data() + n * out.stride(0);
    parallel_for_chunked(0, run, detail::kElementwiseGrain, [&](int64_t lo, int64_t hi) {
      if (rrdb)
        for (int64_t i = lo; i < hi; ++i) {
          const float t = yp[i] + a * zp[i];
          op[i] = xp[i] + a * t;
        }
      else
        for (int64_t i = lo; i < hi; ++i) op[i] = xp[i] + a * yp[i];
    });
  }
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

  // torch.cat((x, x1, ...), 1) without the copies: one buffer cat [N, F + 4G, h, w] holds x, x1, x2, x3, x4 side
  // by side, each conv reads its leading channels (a contiguous view for N = 1) and its output is copied into the
  // next slot once. dense(cat) expects x in cat's first F channels, fills x1..x4 and returns x5 (no residual).
  Tensor<float> dense(Tensor<float>& cat) const {
    const int64_t F = conv1.weight.size(1), G = conv1.weight.size(0);
    const Conv2d* convs[4] = {&conv1, &conv2, &conv3, &conv4};
    for (int64_t k = 0; k < 4; ++k)                            // x1..x4 [N, G, h, w], lrelu fused
      rrdbnet_detail::copy_channels((*convs[k])(cat.narrow(1, 0, F + k * G)), cat, F + k * G);
    return conv5(cat);                                         // x5 [N, F, h, w]  no activation
  }

  // The span of x whose bits a span of this block's output rows depends on (models/tile_reach.hpp): conv5 reads
  // x, x1..x4 over its window; x_k reads x..x_{k-1} over its own; the residual reads x itself.
  reach::Span reach_of(reach::Span out) const {
    const Conv2d* convs[5] = {&conv1, &conv2, &conv3, &conv4, &conv5};
    reach::Span need[5];  // of x, x1..x4
    const reach::Span in5 = reach::conv(out, conv5);
    for (reach::Span& n : need) n = in5;
    for (int k = 4; k >= 1; --k) {
      const reach::Span in = reach::conv(need[k], *convs[k - 1]);
      for (int j = 0; j < k; ++j) need[j] = reach::join(need[j], in);
    }
    return reach::join(need[0], out);
  }

  Tensor<float> forward(const Tensor<float>& x) const {        // x  [N, F, h, w]
    const int64_t F = x.size(1), G = conv1.weight.size(0);
    Tensor<float> cat = Tensor<float>::empty({x.size(0), F + 4 * G, x.size(2), x.size(3)});
    rrdbnet_detail::copy_channels(x, cat, 0);
    Tensor<float> x5 = dense(cat);
    add_to_(x, x5, rrdbnet_detail::kResidualScale);            // x + 0.2·x5, in x5's buffer
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

  reach::Span reach_of(reach::Span out) const {  // as ResidualDenseBlock::reach_of
    return reach::join(rdb1.reach_of(rdb2.reach_of(rdb3.reach_of(out))), out);
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
    if (conv2d_grid_tile() > 0) {  // the exact tile context on the Winograd grid (models/tile_reach.hpp)
      auto dep = [this, u](reach::Span y) {  // y: rows of the output (4× trunk grid) -> padded input rows
        const auto half = [](reach::Span s) {  // nearest 2× up-sampling: output row r reads row floor(r / 2)
          return reach::Span{reach::floor_div(s.lo, 2), reach::floor_div(s.hi, 2)};
        };
        reach::Span s = half(reach::conv(reach::conv(reach::conv(y, conv_last), conv_hr), conv_up2));
        s = half(reach::conv(s, conv_up1));                                      // trunk rows of feat
        reach::Span t = reach::conv(s, conv_body);
        for (int64_t b = int64_t(body.size()) - 1; b >= 0; --b) t = body[b].reach_of(t);
        t = reach::conv(reach::join(s, t), conv_first);                          // rows of the unshuffled input
        return reach::Span{t.lo * u, t.hi * u + u - 1};
      };
      const reach::Context ctx = reach::exact_context({{c.scale, 1, 0, dep}}, conv2d_grid_tile() * u, u);
      info_.grid_halo_before = ctx.before, info_.grid_halo_after = ctx.after;
    }
    // Peak activations: the body's tensors on the trunk grid (two dense buffers, x5, feat, one conv output:
    // 4F + 9G channels) and the output (C_out·scale² per input pixel) grow with the image; the streamed tail holds
    // a few bands of about kTailBandBytes at each stage whatever the image: fixed, 6 bands allowed. Tensor peaks
    // (test_rrdbnet, F 64 G 32) 100–111 MiB at 96×136 / 48×400 / 200×120 against estimates of 125–150 MiB; VmHWM
    // above a 16² run (CLI --tile 0, anime_6B) 142 / 313 / 554 MiB at 256² / 384² / 512² against 244 / 429 / 688.
    info_.activation_bytes_per_pixel =
        4 * ((4 * c.num_feat + 9 * c.num_grow_ch + u * u - 1) / (u * u) + c.num_out_ch * c.scale * c.scale);
    info_.activation_bytes_fixed = 6 * rrdbnet_detail::kTailBandBytes;
  }

  // Builds the network a weight file describes (pixforge.arch must be rrdbnet or absent) and loads it.
  static std::unique_ptr<RRDBNet> load(const std::string& path) { return load_model_as<RRDBNet>(path, "rrdbnet"); }

  const Config& config() const { return cfg_; }
  const ImageModelInfo& info() const override { return info_; }

  Tensor<float> forward(const Tensor<float>& x) const override {  // x [N, C, H, W]
    check_input(x);
    const int64_t u = cfg_.unshuffle();
    const Tensor<float> in = u > 1 ? pixel_unshuffle(x, u) : x;        // [N, C·u², h, w], h = H/u
    Tensor<float> feat = conv_first(in);                               // [N, F, h, w]
    Tensor<float> trunk = conv_body(run_body(feat));                  // [N, F, h, w]
    add_to_(feat, trunk);                                              // feat + body, in trunk's buffer
    feat = Tensor<float>();
    return tail(std::move(trunk));                                      // [N, C_out, 4h, 4w]
  }

  // body(feat) — every RRDB as RRDB::forward computes it, without a copy of x per block: two dense buffers
  // [N, F + 4G, h, w] take turns. An RRDB whose input x sits in the first F channels of buffer a writes rdb1's
  // output x + 0.2·x5 into those of buffer b, rdb2 and rdb3 read b and write their residuals back over its first F
  // channels (conv5 has read them by then), the last together with the RRDB's x + 0.2·(...), so the next RRDB
  // finds its input in b. Returns a leading-channel view of the buffer holding the result (feat when no blocks).
  Tensor<float> run_body(const Tensor<float>& feat) const {
    if (body.size() == 0) return feat;
    using rrdbnet_detail::residual_into;
    const int64_t F = cfg_.num_feat, G = cfg_.num_grow_ch;
    Tensor<float> cat[2] = {Tensor<float>::empty({feat.size(0), F + 4 * G, feat.size(2), feat.size(3)}),
                            Tensor<float>::empty({feat.size(0), F + 4 * G, feat.size(2), feat.size(3)})};
    rrdbnet_detail::copy_channels(feat, cat[0], 0);
    int a = 0;
    for (const auto& block : body) {
      const Tensor<float> x = cat[a].narrow(1, 0, F);
      Tensor<float>& next = cat[1 - a];
      Tensor<float> y = next.narrow(1, 0, F);
      residual_into(x, block->rdb1.dense(cat[a]), Tensor<float>(), y, false);  // y = x + 0.2·x5
      residual_into(y, block->rdb2.dense(next), Tensor<float>(), y, false);
      residual_into(x, y, block->rdb3.dense(next), y, true);                  // y = x + 0.2·(y + 0.2·x5)
      a = 1 - a;
    }
    return cat[a].narrow(1, 0, F);  // keeps only cat[a] alive
  }

  // forward() layer-streamed (nn/row_stream.hpp): the trunk — conv_first, every RDB's convs and residuals, the
  // RRDB residuals, conv_body and the feat skip — is a graph of row-band maps pulled top to bottom by the tail's
  // bands; each band of output rows goes to sink(band [N, C_out, rows, 4w], its first row). Every layer computes
  // each of its rows once, in bands starting on multiples of 4 rows of its map (the Winograd grid of forward()),
  // with the zero padding of forward() at the top and bottom: the same bits as forward(). Each map keeps the rows
  // its readers still need (about 4 rows per conv between them: RDB inputs ~20, RRDB inputs ~60, the feat skip
  // ~4·(15·B + 1)), so memory grows with the width, not the height.
  void forward_rows(const Tensor<float>& x, const RowSink& sink) const override {
    check_input(x);
    const int64_t u = cfg_.unshuffle(), N = x.size(0), h = x.size(2) / u, w = x.size(3) / u;
    const int64_t step = stream_step(h, w);
    row_stream::Graph dry(N, w, step, /*dry=*/true);
    dry_run(dry, h, w);
    row_stream::Graph g(N, w, step);
    row_stream::Map& trunk = trunk_maps(g, &x, h);
    g.reserve_like(dry);  // every ring at its final size from the start
    const int reader = trunk.add_reader();
    tail_rows(
        N, h, w,
        [&](int64_t i0, int64_t i1, rrdbnet_detail::Scratch* s, bool) {
          const int64_t t0 = i0 / 2, t1 = (i1 - 1) / 2 + 1;  // the trunk rows nearest ×2 reads
          trunk.ensure(row_stream::round_up(t1, step));  // whole steps: fewer, larger bands per layer
          const Tensor<float> rows = trunk.rows(t0, t1);
          trunk.release(reader, t0);
          return rrdbnet_detail::upsample_nearest2x_rows(rows, i0, i1, t0, s);
        },
        sink);
  }

  // forward_rows() into one output tensor: forward()'s result.
  Tensor<float> forward_streamed(const Tensor<float>& x) const {
    check_input(x);
    Tensor<float> y = Tensor<float>::empty({x.size(0), cfg_.num_out_ch, x.size(2) * cfg_.scale, x.size(3) * cfg_.scale});
    forward_rows(x, [&](const Tensor<float>& band, int64_t r0) { rrdbnet_detail::copy_rows(band, y, r0); });
    return y;
  }

  // Estimated peak activation bytes of forward_rows() on a [1, C, H, W] input, without the output: the trunk
  // maps' windows (a dry run of the schedule: their exact sizes), 6 tail bands (as the tiled estimate's
  // activation_bytes_fixed, at this width) and a few trunk-band temporaries (a conv's output, residual inputs).
  int64_t stream_bytes(int64_t H, int64_t W) const override {
    const int64_t u = cfg_.unshuffle(), h = H / u, w = W / u;
    if (h <= 0 || w <= 0) return 0;
    const int64_t step = stream_step(h, w);
    row_stream::Graph g(1, w, step, /*dry=*/true);
    dry_run(g, h, w);
    const int64_t F = cfg_.num_feat, G = cfg_.num_grow_ch;
    const int64_t tail_rows = rrdbnet_detail::tail_band_bounds(4 * h, 4 * w, F, tail_band_rows)[1] + 2;
    return int64_t(sizeof(float)) * (g.held_floats() + (4 * F + 2 * G) * (step + 2) * w + 6 * F * tail_rows * 4 * w);
  }

  // Rows the trunk's maps compute per step in forward_rows(): 0 = automatic (as many as a tail band reads, at
  // least 4); tests set other values. Never changes the output bits.
  int64_t stream_step_rows = 0;

  // Rows of the tail's bands on the 4× grid: 0 = automatic (about rrdbnet_detail::kTailBandBytes per band of an
  // F-channel map); tests set small values to get many bands. Never changes the output bits.
  int64_t tail_band_rows = 0;

  // conv_last(lrelu(conv_hr(lrelu(conv_up2(up(lrelu(conv_up1(up(feat))))))))), up = nearest ×2, streamed in bands of
  // output rows: each stage computes band k of its map from band k of the stage before plus one row of its
  // neighbours k − 1 (kept) and k + 1 (computed one step earlier), so nothing is computed twice and no map of the
  // tail exists whole — alive are `feat`, the output, and at most two bands (plus a row) per stage. Every band
  // starts on a multiple of 4 rows of its grid and gets exactly the input rows the whole-map conv would read, so
  // the result equals the whole-map chain bit for bit (rrdbnet_detail::conv3x3_rows; tests/models/
  // test_memory_plan.cpp checks it).
  Tensor<float> tail(Tensor<float> feat) const {                         // feat [N, F, h, w] (trunk grid)
    const int64_t N = feat.size(0), h = feat.size(2), w = feat.size(3);
    Tensor<float> y = Tensor<float>::empty({N, conv_last.weight.size(0), 4 * h, 4 * w});
    tail_rows(
        N, h, w,
        [&](int64_t i0, int64_t i1, rrdbnet_detail::Scratch* s, bool last) {
          Tensor<float> up = rrdbnet_detail::upsample_nearest2x_rows(feat, i0, i1, 0, s);
          if (last) feat = Tensor<float>();  // the trunk is done with
          return up;
        },
        [&](const Tensor<float>& band, int64_t r0) { rrdbnet_detail::copy_rows(band, y, r0); });
    return y;
  }

  // The tail on an h × w trunk map of batch N whose rows come from `up(i0, i1, scratch, last)`: rows [i0, i1) of
  // its nearest ×2 up-sampling (upsample_nearest2x_rows; `last`: no later call); each band of output rows goes to
  // `sink(band [N, C_out, rows, 4w], first row)`, top to bottom.
  template <class Up, class Sink>
  void tail_rows(int64_t N, int64_t h, int64_t w, Up&& up, Sink&& sink) const {
    using namespace rrdbnet_detail;
    static_assert(conv2d_grid_tile() == 0 || 8 % (2 * conv2d_grid_tile()) == 0, "bands off the tile grid");
    const std::vector<int64_t> R = tail_band_bounds(4 * h, 4 * w, conv_up2.weight.size(0), tail_band_rows);
    const int64_t K = int64_t(R.size()) - 1;
    constexpr int kStages = 4;
    const Conv2d* convs[kStages] = {&conv_up1, &conv_up2, &conv_hr, &conv_last};
    const int64_t grid[kStages] = {2, 4, 4, 4};  // each stage's output grid, in trunk pixels per side
    // band[s][k]: stage s's output band k while a later band still needs all of it, then only its last row.
    std::vector<std::vector<Tensor<float>>> band(kStages, std::vector<Tensor<float>>(size_t(K)));
    // Band inputs (up-sampled or joined rows) go to one buffer shared by all stages (each conv has consumed its
    // input before the next stage builds one), the joined rows an up-sampling stage reads to a second; both sized
    // for the tallest band plus 2 context rows and allocated on first use. A single band reuses nothing: then each
    // input is its own tensor, freed as soon as its conv is done.
    int64_t tallest = 0;
    for (int64_t k = 0; k < K; ++k) tallest = std::max(tallest, R[size_t(k) + 1] - R[size_t(k)]);
    Scratch in_buf, join_buf;
    Scratch* const in_s = K > 1 ? &in_buf : nullptr;
    for (int s = 0; s < kStages; ++s) {
      const int64_t n_c = N * convs[s]->weight.size(1), g = grid[s], gp = s > 0 ? grid[s - 1] : 1;
      in_buf.capacity = std::max(in_buf.capacity, n_c * (tallest * g / 4 + 2) * g * w);
      join_buf.capacity = std::max(join_buf.capacity, n_c * (tallest * gp / 4 + 2) * gp * w);
    }
    // Step j: stage s computes its band j − s, so the band k + 1 of stage s − 1 it needs exists already.
    for (int64_t j = 0; j < K + kStages - 1; ++j) {
      for (int s = 0; s < kStages; ++s) {
        const int64_t k = j - s;
        if (k < 0 || k >= K) continue;
        const int64_t g = grid[s], H = g * h, r0 = R[size_t(k)] * g / 4, r1 = R[size_t(k) + 1] * g / 4;
        Tensor<float> out;
        if (s == 0) {
          out = conv3x3_rows(*convs[0], H, r0, r1,
                             [&](int64_t i0, int64_t i1) { return up(i0, i1, in_s, k == K - 1); });
        } else {
          // Rows [lo, ...) of stage s − 1's map: band k, one row of band k − 1 above and of band k + 1 below.
          std::vector<Tensor<float>>& in = band[size_t(s) - 1];
          const Tensor<float> none;
          const bool up = g == 2 * grid[s - 1];
          const Tensor<float> ext = join_rows(k > 0 ? in[size_t(k) - 1] : none, in[size_t(k)],
                                              k + 1 < K ? in[size_t(k) + 1] : none,
                                              up ? &join_buf : in_s);
          const int64_t lo = std::max<int64_t>(R[size_t(k)] * grid[s - 1] / 4 - 1, 0);
          if (up)
            out = conv3x3_rows(*convs[s], H, r0, r1, [&](int64_t i0, int64_t i1) {
              return upsample_nearest2x_rows(ext, i0, i1, lo, in_s);
            });
          else
            out = conv3x3_rows(*convs[s], H, r0, r1, [&](int64_t i0, int64_t i1) {
              PIXFORGE_CHECK(i0 == lo && i1 - i0 == ext.size(2), ErrorCode::invalid_argument, "rrdbnet: tail band ",
                             k, " of ", convs[s]->weight.shape().str(), " needs rows [", i0, ", ", i1, "), has [", lo,
                             ", ", lo + ext.size(2), ")");
              return ext;
            });
          if (k > 0) in[size_t(k) - 1] = Tensor<float>();     // no later band reads it
          in[size_t(k)] = row_of(in[size_t(k)], in[size_t(k)].size(2) - 1);  // band k + 1 reads its last row
        }
        if (s == kStages - 1)
          sink(out, r0);
        else
          band[size_t(s)][size_t(k)] = std::move(out);
      }
    }
  }

 private:
  void check_input(const Tensor<float>& x) const {
    const int64_t u = cfg_.unshuffle();
    PIXFORGE_CHECK(x.dim() == 4 && x.size(1) == cfg_.num_in_ch, ErrorCode::shape_mismatch, "rrdbnet: expected [N,",
                   cfg_.num_in_ch, ",H,W], got ", x.shape().str());
    PIXFORGE_CHECK(x.size(2) % u == 0 && x.size(3) % u == 0, ErrorCode::shape_mismatch, "rrdbnet (scale ", cfg_.scale,
                   "): height and width must be multiples of ", u, " (pad to info().size_multiple), got ",
                   x.shape().str());
    PIXFORGE_CHECK(x.size(2) > 0 && x.size(3) > 0, ErrorCode::shape_mismatch, "rrdbnet: empty input ",
                   x.shape().str());
  }

  int64_t stream_step(int64_t h, int64_t w) const {
    using row_stream::kRowAlign;
    if (stream_step_rows > 0) return row_stream::round_up(stream_step_rows, kRowAlign);
    const std::vector<int64_t> R = rrdbnet_detail::tail_band_bounds(4 * h, 4 * w, cfg_.num_feat, tail_band_rows);
    return std::max(kRowAlign, row_stream::round_up((R[1] + 3) / 4, kRowAlign));
  }

  // forward_rows()'s schedule on a dry graph: the trunk's rows pulled as the tail's stage 0 reads them (the rows
  // conv3x3_rows asks of conv_up1's up-sampled input, band by band), so the maps' capacities are the real ones.
  void dry_run(row_stream::Graph& g, int64_t h, int64_t w) const {
    row_stream::Map& trunk = trunk_maps(g, nullptr, h);
    const int reader = trunk.add_reader();
    const std::vector<int64_t> R =
        rrdbnet_detail::tail_band_bounds(4 * h, 4 * w, conv_up2.weight.size(0), tail_band_rows);
    for (size_t k = 0; k + 1 < R.size(); ++k) {
      const int64_t i0 = std::max<int64_t>(R[k] / 2 - 1, 0), i1 = std::min(R[k + 1] / 2 + 1, 2 * h);
      trunk.ensure(row_stream::round_up((i1 - 1) / 2 + 1, stream_step(h, w)));
      trunk.release(reader, i0 / 2);
    }
  }

  // The trunk feat + conv_body(body(conv_first(unshuffle(x)))) as maps of g on the h-row trunk grid, fed from x
  // (nullptr in a dry run); returns the last map. Mirrors forward() / run_body() operation for operation.
  row_stream::Map& trunk_maps(row_stream::Graph& g, const Tensor<float>* x, int64_t h) const {
    using rrdbnet_detail::residual_into;
    using Bands = std::vector<Tensor<float>>;
    const int64_t u = cfg_.unshuffle();
    row_stream::Map& in = g.source("input", cfg_.num_in_ch * u * u, h, [x, u](int64_t r0, int64_t r1) {
      if (x == nullptr) return Tensor<float>();
      const Tensor<float> rows = x->narrow(2, u * r0, u * (r1 - r0)).contiguous();
      return u > 1 ? pixel_unshuffle(rows, u) : rows;
    });
    row_stream::Map& feat = g.conv("conv_first", conv_first, {&in});
    const int64_t F = cfg_.num_feat;
    row_stream::Map* x_rrdb = &feat;
    for (size_t b = 0; b < body.size(); ++b) {
      const std::string name = "body." + std::to_string(b);
      const ResidualDenseBlock* rdbs[3] = {&body[b].rdb1, &body[b].rdb2, &body[b].rdb3};
      row_stream::Map* xr = x_rrdb;
      for (int r = 0; r < 3; ++r) {
        const ResidualDenseBlock& rdb = *rdbs[r];
        const std::string n = name + ".rdb" + std::to_string(r + 1);
        // x, x1..x4 in one ring (forward()'s dense buffer): each conv reads their leading channels in place. The
        // RRDB's input is also read by the RRDB residual, ~60 rows later: its copy joins the ring instead, so the
        // ring (all 192 channels) keeps only the ~20 rows its convs need.
        std::vector<row_stream::Map*> cat{r > 0 ? xr : &g.zip(n + ".x", F, {xr}, [](const Bands& t) { return t[0]; })};
        for (const Conv2d* c : {&rdb.conv1, &rdb.conv2, &rdb.conv3, &rdb.conv4})
          cat.push_back(&g.conv(n + ".conv" + std::to_string(cat.size()), *c, cat));  // x1..x4, lrelu fused
        g.share(cat);
        row_stream::Map& x5 = g.conv(n + ".conv5", rdb.conv5, cat);
        if (r < 2)
          xr = &g.zip(n, F, {xr, &x5}, [](const Bands& t) {  // x + 0.2·x5
            Tensor<float> y = t[1];
            residual_into(t[0], t[1], Tensor<float>(), y, false);
            return y;
          });
        else
          xr = &g.zip(name, F, {x_rrdb, xr, &x5}, [](const Bands& t) {  // x + 0.2·(y + 0.2·x5)
            Tensor<float> y = t[1];
            residual_into(t[0], t[1], t[2], y, true);
            return y;
          });
      }
      x_rrdb = xr;
    }
    row_stream::Map& trunk = g.conv("conv_body", conv_body, {x_rrdb});
    return g.zip("feat", F, {&feat, &trunk}, [](const Bands& t) {  // feat + conv_body(...)
      Tensor<float> y = t[1];
      add_to_(t[0], y);
      return y;
    });
  }

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
