// pixforge/ops/conv2d_direct_blocked.hpp — conv2d_direct on an NCHW16c input (ops/layout.hpp), NCHW16c output.
//
// An experiment of issue #5 ("direct2" in bench/NOTES.md): the models' layers do NOT use it — they run
// conv2d_direct on NCHW maps — unless a caller converts a map with to_nchw16c and calls this. It exists to measure
// what the channel-blocked layout buys the 3×3 stride-1 layers (bench_conv2d `pct_il`, one thread, same run: 86–90 %
// of the FMA peak on the layers with 64 or 128 output channels, 86–87 % at 32→32, 80 % on IS-Net's 64→32 512²,
// against conv2d_direct_into's 70–81 %; nothing at 16 output channels) and what the conversions cost (more than
// that gain, for one layer).
//
// Why it is faster: conv2d_direct copies each band's input rows of every channel into a panel (Cin·rows short runs
// from planes H·W·4 bytes apart); here a band's rows of one 16-channel block are one contiguous run of the map, and
// the tile reads its inputs in place — the zero border of the Nchw16c map is the conv's zero padding.
//
// The tile: OCB blocks of 16 output channels × P consecutive output pixels of one row (AVX-512: 4 × 6 for groups
// of 4 blocks, 24 zmm accumulators, else 3 × 8, 2 × 12, 1 × 12; AVX2: 1 × 6, 12 ymm; scalar: 1 × 4). Per tap
// (ic, ky, kx) it loads OCB·16 weights and broadcasts P input values x[ic][oy + ky][ox + kx + p] (16 floats apart in
// the layout), then does OCB·P vector FMAs: 4 × 6 needs 10 loads per 24 FMAs, 2 × 12 14 (measured: 86–90 % vs
// 82–85 % of the peak on the 64- and 128-output-channel layers, bench/NOTES.md "direct2").
//
// Summation order: conv2d_direct's (conv2d_direct_kernel.hpp): input channels in blocks of kDirectIcBlock = 16;
// per block one FMA chain over (ic, ky, kx) in increasing order from +0; block sums added in block order (through
// y), then the bias, then the activation. The product w·x is the same single rounding either way round, so the
// outputs are conv2d_direct's bits (tests/ops/test_conv2d_direct_blocked.cpp) — the same for any thread count,
// width or vector width. Input channels past Cin (the last block's padding) add fma(0, 0, s) = s + 0 to the chains:
// the same value except that a chain at −0 becomes +0.
//
// Limits: groups 1, stride 1, dilation 1, zero padding no wider than the input's border (the border holds it; a
// larger pad is an error, not a silent wrong result). Output channels past Cout in the last block are zero.
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "pixforge/core/activation_spec.hpp"
#include "pixforge/core/error.hpp"
#include "pixforge/core/parallel.hpp"
#include "pixforge/core/tensor.hpp"
#include "pixforge/ops/conv2d.hpp"
#include "pixforge/ops/conv2d_direct_kernel.hpp"
#include "pixforge/ops/layout.hpp"

namespace pixforge {
namespace detail {

// Register tiles per vector width. Output channels go in groups of kOcb blocks of 16 (the last group may have
// fewer); a group of `ocb` blocks runs tiles of tile_px(ocb) pixels, all dividing kChunk, the pixels per step of
// the loop over a row. AVX-512: 4 × 6 (24 accumulators, 4 + 6 loads per 24 FMAs), 3 × 8, 2 × 12, 1 × 12.
template <class S>
struct BlockedTileShape {
  static constexpr int kOcb = S::W == 16 ? 4 : 1;
  static constexpr int kChunk = S::W == 16 ? 24 : S::W == 8 ? 6 : 4;
  static constexpr int tile_px(int ocb) { return S::W == 16 ? (ocb == 4 ? 6 : ocb == 3 ? 8 : 12) : kChunk; }
};

struct BlockedTile {
  const float* x;     // input block at (tile's first output row + 0, first output column + 0) of the padded map
  int64_t row_pitch;  // floats between stored rows of the input
  const float* w;     // [16 ic][kh][kw][ocb·16] of this input block and output-channel group
  int64_t kh, kw;
  int ocb;            // output blocks of this group (the weights' innermost stride is ocb·16)
  float* y[4];        // output block rows at the tile's first pixel (pixels 16 floats apart)
  const float* bias;  // ocb·16 values, only for the last input block
  bool accumulate;    // add to the partial sums in y (every input block but the first)
};

// GCC's predictive commoning carries the broadcast x[kx + p + 1] of one kx over to the next in registers, which
// then spill accumulators out of the FMA loop (seen in the throwaway step-1 build); the kx loop is kept rolled for
// the same reason (unrolled, GCC merged the broadcasts across kx and spilled). Not inlined for conv2d_direct's
// reason (conv2d_direct_kernel.hpp).
#if defined(__GNUC__) && !defined(__clang__)
#define PIXFORGE_BLOCKED_TILE_ATTR __attribute__((noinline, optimize("no-predictive-commoning")))
#else
#define PIXFORGE_BLOCKED_TILE_ATTR PIXFORGE_DIRECT_NOINLINE
#endif

template <class S, int OCB, int P>
PIXFORGE_BLOCKED_TILE_ATTR void blocked_tile(const BlockedTile& t) {
  using V = typename S::V;
  constexpr int VPB = int(kNchw16cBlock) / S::W;  // vectors per 16-channel block
  constexpr int NV = OCB * VPB;
  V acc[NV][P];
#pragma GCC unroll 4
  for (int o = 0; o < NV; ++o)
#pragma GCC unroll 16
    for (int p = 0; p < P; ++p) acc[o][p] = S::zero();
  const float* w = t.w;
  for (int64_t ic = 0; ic < kNchw16cBlock; ++ic)
    for (int64_t ky = 0; ky < t.kh; ++ky) {
      const float* xr = t.x + ky * t.row_pitch + ic;
#pragma GCC unroll 1
      for (int64_t kx = 0; kx < t.kw; ++kx, w += NV * S::W) {
        V wv[NV];
#pragma GCC unroll 4
        for (int o = 0; o < NV; ++o) wv[o] = S::loadu(w + o * S::W);
#pragma GCC unroll 16
        for (int p = 0; p < P; ++p) {
          const V xb = S::bcast(xr + (kx + p) * kNchw16cBlock);
#pragma GCC unroll 4
          for (int o = 0; o < NV; ++o) acc[o][p] = S::fma(wv[o], xb, acc[o][p]);
        }
      }
    }
#pragma GCC unroll 4
  for (int o = 0; o < NV; ++o) {
    float* y = t.y[o / VPB] + (o % VPB) * S::W;
    const V b = t.bias ? S::loadu(t.bias + o * S::W) : S::zero();
#pragma GCC unroll 16
    for (int p = 0; p < P; ++p) {
      V r = t.accumulate ? S::add(S::loadu(y + p * kNchw16cBlock), acc[o][p]) : acc[o][p];
      if (t.bias) r = S::add(r, b);
      S::store_n(y + p * kNchw16cBlock, r, S::W);
    }
  }
}

// The tile for np (1..P) pixels: the full tile, or the narrower instantiations for a row's last pixels.
template <class S, int OCB, int P>
void blocked_tile_n(const BlockedTile& t, int np) {
  if constexpr (P > 1) {
    if (np < P) return blocked_tile_n<S, OCB, P - 1>(t, np);
  }
  blocked_tile<S, OCB, P>(t);
}

// The tile for a group of t.ocb output blocks and np pixels (1..tile_px(t.ocb)).
template <class S>
void blocked_tile_group(const BlockedTile& t, int np) {
  using Shape = BlockedTileShape<S>;
  if constexpr (Shape::kOcb == 4) {
    switch (t.ocb) {
      case 4: return blocked_tile_n<S, 4, Shape::tile_px(4)>(t, np);
      case 3: return blocked_tile_n<S, 3, Shape::tile_px(3)>(t, np);
      case 2: return blocked_tile_n<S, 2, Shape::tile_px(2)>(t, np);
      default: return blocked_tile_n<S, 1, Shape::tile_px(1)>(t, np);
    }
  } else {
    blocked_tile_n<S, 1, Shape::tile_px(1)>(t, np);
  }
}

// Weights [Cout, Cin, kH, kW] → per group of `ocb` output blocks (the last group may have fewer), per input block:
// [16 ic][kH][kW][group blocks · 16], zeros past Cin and Cout. Returns the offset of each (group, input block).
inline std::vector<float> pack_blocked_weights(const float* w, int64_t cout, int64_t cin, int64_t kh, int64_t kw,
                                               int64_t ocb, std::vector<int64_t>& offsets) {
  const int64_t ob = (cout + kNchw16cBlock - 1) / kNchw16cBlock, cb = (cin + kNchw16cBlock - 1) / kNchw16cBlock;
  const int64_t groups = (ob + ocb - 1) / ocb, taps = kh * kw;
  offsets.assign(size_t(groups * cb), 0);
  int64_t total = 0;
  for (int64_t g = 0; g < groups; ++g)
    for (int64_t icb = 0; icb < cb; ++icb) {
      offsets[size_t(g * cb + icb)] = total;
      total += kNchw16cBlock * taps * std::min(ocb, ob - g * ocb) * kNchw16cBlock;
    }
  // 64-byte aligned: a weight vector split over two cache lines costs a second L1 access per load (measured:
  // 7–8 points of the peak on 64→64 256² and 128→128 128², bench/NOTES.md "direct2").
  std::vector<float> packed(size_t(total + 15), 0.0f);
  const int64_t shift = int64_t((64 - reinterpret_cast<uintptr_t>(packed.data()) % 64) % 64 / sizeof(float));
  for (int64_t& o : offsets) o += shift;
  // In destination order (sequential writes, no divisions): the pack runs on every call, like conv2d_direct's.
  for (int64_t g = 0; g < groups; ++g) {
    const int64_t oc0 = g * ocb * kNchw16cBlock, width = std::min(ocb, ob - g * ocb) * kNchw16cBlock;
    const int64_t lanes = std::min(width, cout - oc0);
    for (int64_t icb = 0; icb < cb; ++icb) {
      float* dst = packed.data() + offsets[size_t(g * cb + icb)];
      for (int64_t ic = icb * kNchw16cBlock; ic < std::min(cin, (icb + 1) * kNchw16cBlock); ++ic)
        for (int64_t t = 0; t < taps; ++t) {
          float* d = dst + ((ic % kNchw16cBlock) * taps + t) * width;
          for (int64_t l = 0; l < lanes; ++l) d[l] = w[((oc0 + l) * cin + ic) * taps + t];
        }
    }
  }
  return packed;
}

// Argument checks; returns the output's H and W.
inline std::pair<int64_t, int64_t> conv2d_direct_blocked_check(const Nchw16c& x, const Tensor<float>& weight,
                                                                const Tensor<float>& bias, const Conv2dParams& p,
                                                                const char* op) {
  check_nchw16c(x, op);
  check_rank(weight, 4, op, "weight");
  PIXFORGE_CHECK(weight.size(1) == x.channels, ErrorCode::shape_mismatch, op, ": weight ", weight.shape().str(),
                 " expects ", weight.size(1), " input channels, the map has ", x.channels);
  PIXFORGE_CHECK(!bias.defined() || (bias.dim() == 1 && bias.size(0) == weight.size(0)), ErrorCode::shape_mismatch,
                 op, ": bias ", bias.defined() ? bias.shape().str() : std::string(), " does not match weight ",
                 weight.shape().str());
  PIXFORGE_CHECK(p.groups == 1 && p.stride_h == 1 && p.stride_w == 1 && p.dilation_h == 1 && p.dilation_w == 1 &&
                     p.padding_mode == PaddingMode::zeros,
                 ErrorCode::invalid_argument, op,
                 ": needs groups 1, stride 1, dilation 1 and zero padding (conv2d_direct takes the rest), got groups ",
                 p.groups, ", stride (", p.stride_h, ", ", p.stride_w, "), dilation (", p.dilation_h, ", ",
                 p.dilation_w, ")");
  const int64_t pad_max = std::max(std::max(p.pad_top, p.pad_bottom), std::max(p.pad_left, p.pad_right));
  const int64_t pad_min = std::min(std::min(p.pad_top, p.pad_bottom), std::min(p.pad_left, p.pad_right));
  PIXFORGE_CHECK(pad_min >= 0 && pad_max <= x.border, ErrorCode::invalid_argument, op, ": padding (", p.pad_top,
                 ", ", p.pad_bottom, ", ", p.pad_left, ", ", p.pad_right, ") must be >= 0 and at most the map's border ",
                 x.border, " (the border holds the zero padding)");
  const int64_t hout = x.height + p.pad_top + p.pad_bottom - weight.size(2) + 1;
  const int64_t wout = x.width + p.pad_left + p.pad_right - weight.size(3) + 1;
  PIXFORGE_CHECK(hout >= 1 && wout >= 1, ErrorCode::shape_mismatch, op, ": kernel ", weight.shape().str(),
                 " larger than the padded ", x.height, "x", x.width, " map");
  return {hout, wout};
}

}  // namespace detail

// Weights and bias packed for conv2d_direct_blocked: prepare once per layer (the Tensor overloads pack on every call,
// like conv2d_direct; for a 192→64 3×3 layer that is ≈ 0.4 MiB gathered from the [Cout, Cin, kH, kW] weights).
struct BlockedConvWeights {
  std::vector<float> data;        // per group of output blocks and input block, 64-byte aligned at offsets[...]
  std::vector<int64_t> offsets;   // [group · input blocks + input block]
  std::vector<float> bias;        // output blocks · 16 values, zeros past Cout (all zero without a bias)
  int64_t cout = 0, cin = 0, kh = 0, kw = 0;
  bool has_bias = false;
};

inline BlockedConvWeights pack_conv2d_direct_blocked(const Tensor<float>& weight_in, const Tensor<float>& bias_in) {
  check_rank(weight_in, 4, "pack_conv2d_direct_blocked", "weight");
  PIXFORGE_CHECK(!bias_in.defined() || (bias_in.dim() == 1 && bias_in.size(0) == weight_in.size(0)),
                 ErrorCode::shape_mismatch, "pack_conv2d_direct_blocked: bias ",
                 bias_in.defined() ? bias_in.shape().str() : std::string(), " does not match weight ",
                 weight_in.shape().str());
  using S = detail::SimdBest;
  const Tensor<float> weight = weight_in.contiguous(), bias = bias_in.contiguous();
  BlockedConvWeights pw;
  pw.cout = weight.size(0), pw.cin = weight.size(1), pw.kh = weight.size(2), pw.kw = weight.size(3);
  pw.data = detail::pack_blocked_weights(weight.data(), pw.cout, pw.cin, pw.kh, pw.kw,
                                         detail::BlockedTileShape<S>::kOcb, pw.offsets);
  pw.bias.assign(size_t((pw.cout + kNchw16cBlock - 1) / kNchw16cBlock * kNchw16cBlock), 0.0f);
  pw.has_bias = bias.defined();
  if (pw.has_bias) std::copy(bias.data(), bias.data() + pw.cout, pw.bias.begin());
  return pw;
}

// conv2d_direct_blocked into `y`, which must be an Nchw16c map of the output's N, Cout, H, W (any border; its
// border and padded channels are left as they are: zero for a map from Nchw16c::zeros).
inline void conv2d_direct_blocked_into(const Nchw16c& x, const BlockedConvWeights& pw, const Conv2dParams& p,
                                       Nchw16c& y) {
  const Tensor<float> wshape = Tensor<float>::view(nullptr, {pw.cout, pw.cin, pw.kh, pw.kw});
  const auto [hout, wout] =
      detail::conv2d_direct_blocked_check(x, wshape, Tensor<float>(), p, "conv2d_direct_blocked");
  const int64_t cout = pw.cout;
  detail::check_nchw16c(y, "conv2d_direct_blocked (output)");
  PIXFORGE_CHECK(y.batch() == x.batch() && y.channels == cout && y.height == hout && y.width == wout,
                 ErrorCode::shape_mismatch, "conv2d_direct_blocked: output map N=", y.batch(), " C=", y.channels,
                 " H=", y.height, " W=", y.width, ", expected N=", x.batch(), " C=", cout, " H=", hout, " W=", wout);
  using S = detail::SimdBest;
  constexpr int OCB = detail::BlockedTileShape<S>::kOcb, CHUNK = detail::BlockedTileShape<S>::kChunk;
  const int64_t cin = x.channels, kh = pw.kh, kw = pw.kw;
  const int64_t cb = x.blocks(), ob = y.blocks(), groups = (ob + OCB - 1) / OCB;
  const std::vector<int64_t>& woff = pw.offsets;
  const float* wpack = pw.data.data();
  const float* bpack = pw.bias.data();
  const bool has_bias = pw.has_bias;
  const int64_t bands = (hout + detail::kDirectBandRows - 1) / detail::kDirectBandRows;
  const double unit_flops = 2.0 * double(detail::kDirectBandRows * wout * cout * cin * kh * kw);
  // Where output (0, 0)'s first tap sits in the stored input: the border less the padding.
  const int64_t y_off = x.border - p.pad_top, x_off = x.border - p.pad_left;
  parallel_for_work(0, x.batch() * bands, unit_flops, [&](int64_t unit) {
    const int64_t n = unit / bands, oy0 = unit % bands * detail::kDirectBandRows;
    const int64_t out_rows = std::min(detail::kDirectBandRows, hout - oy0);
    detail::BlockedTile t;
    t.row_pitch = x.pitch() * kNchw16cBlock;
    t.kh = kh;
    t.kw = kw;
    // Per output row and chunk of pixels, input blocks outside the output groups, as conv2d_direct: the chunk's
    // inputs of one block (16 channels × kH rows × (24 + kW − 1) pixels, 5 KiB for 3×3) stay in L1 across the
    // groups. The other order tried (groups outside, the weights in L1) was 3 points slower on IS-Net 64→32 512²
    // with 2 × 12 tiles (NOTES). Which pixels share a tile changes no sum.
    for (int64_t r = 0; r < out_rows; ++r) {
      const int64_t oy = oy0 + r;
      for (int64_t ox0 = 0; ox0 < wout; ox0 += CHUNK) {
        const int64_t ox1 = std::min<int64_t>(ox0 + CHUNK, wout);
        for (int64_t icb = 0; icb < cb; ++icb) {
          t.accumulate = icb > 0;
          for (int64_t g = 0; g < groups; ++g) {
            t.ocb = int(std::min<int64_t>(OCB, ob - g * OCB));
            t.w = wpack + woff[size_t(g * cb + icb)];
            t.bias = icb == cb - 1 && has_bias ? bpack + g * OCB * kNchw16cBlock : nullptr;
            const int64_t px = detail::BlockedTileShape<S>::tile_px(t.ocb);
            for (int64_t sx = ox0; sx < ox1; sx += px) {
              t.x = x.row(n, icb, oy + y_off) + (sx + x_off) * kNchw16cBlock;
              for (int o = 0; o < t.ocb; ++o)
                t.y[o] = y.row(n, g * OCB + o, oy + y.border) + (sx + y.border) * kNchw16cBlock;
              detail::blocked_tile_group<S>(t, int(std::min(px, ox1 - sx)));
            }
          }
        }
      }
    }
    if (p.act.kind == ActKind::none) return;
    for (int64_t b = 0; b < ob; ++b)
      for (int64_t r = 0; r < out_rows; ++r) {
        float* row = y.row(n, b, oy0 + r + y.border) + y.border * kNchw16cBlock;
        apply_act_inplace(row, wout * kNchw16cBlock, p.act);
        if (b == ob - 1 && cout % kNchw16cBlock != 0)  // act(0) may be non-zero (sigmoid): keep the padding zero
          for (int64_t px = 0; px < wout; ++px)
            std::fill(row + px * kNchw16cBlock + cout % kNchw16cBlock, row + (px + 1) * kNchw16cBlock, 0.0f);
      }
  });
}

// The same with the weights packed on this call.
inline void conv2d_direct_blocked_into(const Nchw16c& x, const Tensor<float>& weight, const Tensor<float>& bias,
                                       const Conv2dParams& p, Nchw16c& y) {
  detail::conv2d_direct_blocked_check(x, weight, bias, p, "conv2d_direct_blocked");
  conv2d_direct_blocked_into(x, pack_conv2d_direct_blocked(weight, bias), p, y);
}

// y = conv2d(x, weight, bias, p) with x and y in NCHW16c; y gets a zero border of `out_border` pixels (the next
// blocked conv's padding).
inline Nchw16c conv2d_direct_blocked(const Nchw16c& x, const Tensor<float>& weight, const Tensor<float>& bias,
                                     const Conv2dParams& p, int64_t out_border = 0) {
  const auto [hout, wout] = detail::conv2d_direct_blocked_check(x, weight, bias, p, "conv2d_direct_blocked");
  Nchw16c y = Nchw16c::zeros(x.batch(), weight.size(0), hout, wout, out_border);
  conv2d_direct_blocked_into(x, weight, bias, p, y);
  return y;
}

// Reference: the conv formula on the blocked indices, one loop per index (plain float sums in (ic, ky, kx) order,
// like conv2d_ref). Slow; for tests.
inline Nchw16c conv2d_direct_blocked_ref(const Nchw16c& x, const Tensor<float>& weight, const Tensor<float>& bias,
                                         const Conv2dParams& p, int64_t out_border = 0) {
  const auto [hout, wout] = detail::conv2d_direct_blocked_check(x, weight, bias, p, "conv2d_direct_blocked_ref");
  const int64_t cout = weight.size(0), cin = x.channels, kh = weight.size(2), kw = weight.size(3);
  Nchw16c y = Nchw16c::zeros(x.batch(), cout, hout, wout, out_border);
  for (int64_t n = 0; n < x.batch(); ++n)
    for (int64_t oc = 0; oc < cout; ++oc)
      for (int64_t oy = 0; oy < hout; ++oy)
        for (int64_t ox = 0; ox < wout; ++ox) {
          float acc = 0.0f;
          for (int64_t ic = 0; ic < cin; ++ic)
            for (int64_t ky = 0; ky < kh; ++ky)
              for (int64_t kx = 0; kx < kw; ++kx) {
                // Stored position: output + tap − padding + border (the border is the zero padding).
                const float* row = x.row(n, ic / kNchw16cBlock, oy + ky - p.pad_top + x.border);
                acc += row[(ox + kx - p.pad_left + x.border) * kNchw16cBlock + ic % kNchw16cBlock] *
                       weight(oc, ic, ky, kx);
              }
          if (bias.defined()) acc += bias(oc);
          y.row(n, oc / kNchw16cBlock, oy + out_border)[(ox + out_border) * kNchw16cBlock + oc % kNchw16cBlock] =
              apply_act(acc, p.act);
        }
  return y;
}

}  // namespace pixforge
