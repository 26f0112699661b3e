// pixforge/ops/conv2d_narrow.hpp — 3×3 stride-1 convs with 1–4 output channels (the last layer of most generators:
// Real-CUGAN unet2.conv_bottom 64→3, RRDBNet conv_last 64→3, IS-Net side outputs 64→1).
//
//   y = conv2d_narrow(x, weight, bias, p);   // same contract and same bits as conv2d_direct for these shapes
//
// conv2d_direct's 8- (or 4-) channel register tile leaves most accumulator rows idle here, and it first copies
// the band's input rows into a padded panel. This kernel instead reads the input rows in place: one output row,
// PV vectors of consecutive output pixels × Cout accumulators; per (input channel, kernel row) the 3·Cout weights
// are broadcast into registers once, then each input vector loaded (interior tiles: plain unaligned loads; the
// first and last tile of a row: masked loads, lanes outside the image read as zero) feeds Cout FMAs. Kernel rows
// that fall outside the image are skipped: with zero padding they would add fma(w, 0, acc) = acc (acc is never −0:
// it starts at +0), so skipping gives the very same bits as conv2d_direct's zero-padded panel for finite weights.
//
// Summation order: conv2d_direct's ("Summation order" in ops/conv2d_direct_kernel.hpp): per block of
// kDirectIcBlock input channels one FMA chain over (ic, ky, kx) from +0, block sums added in block order through
// y, then the bias, then the activation. So the output bits equal conv2d_direct's (tested), independent of the
// image width, the crop offset and the thread count. The AVX2 and scalar traits compute the same chains.
//
// Handles: groups 1, 3×3 kernel, stride 1, dilation 1, zero padding (any amount per side), Cout ≤ 4. Other
// arguments are rejected; conv2d() only sends it what conv2d_is_narrow() accepts.
#pragma once

#include <algorithm>
#include <cstdint>

#include "pixforge/ops/conv2d.hpp"

namespace pixforge {
namespace detail {

constexpr int64_t kNarrowMaxCout = 4;

// On top of conv2d_direct's traits: range_mask(lo, hi) selects the lanes [lo, hi); load_mask reads only those lanes of
// p[0..W) (the others are zero and their addresses are not touched).
#if defined(__AVX512F__)
struct NarrowAvx512 : SimdAvx512 {
  using Mask = __mmask16;
  static Mask range_mask(int lo, int hi) { return Mask(((1u << hi) - 1u) & ~((1u << lo) - 1u)); }
  static V load_mask(const float* p, Mask m) { return _mm512_maskz_loadu_ps(m, p); }  // off lanes: no fault
  // Output pixels per tile by Cout (1..4): Cout·PV accumulators + 3·Cout weights + 1 input ≤ 32 zmm.
  static constexpr int pv(int cout) { return cout <= 2 ? 8 : cout == 3 ? 6 : 4; }
};
#endif
#if defined(__AVX2__) && defined(__FMA__)
struct NarrowAvx2 : SimdAvx2 {
  using Mask = __m256i;
  static Mask range_mask(int lo, int hi) {
    const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_and_si256(_mm256_cmpgt_epi32(idx, _mm256_set1_epi32(lo - 1)),
                            _mm256_cmpgt_epi32(_mm256_set1_epi32(hi), idx));
  }
  static V load_mask(const float* p, Mask m) { return _mm256_maskload_ps(p, m); }  // off lanes: no fault
  static constexpr int pv(int cout) { return cout <= 2 ? 4 : 2; }  // 16 ymm registers
};
#endif
struct NarrowScalar : SimdScalar {
  using Mask = bool;
  static Mask range_mask(int lo, int hi) { return lo <= 0 && 0 < hi; }
  static V load_mask(const float* p, Mask m) { return m ? *p : 0.0f; }
  static constexpr int pv(int) { return 4; }
};

#if defined(__AVX512F__)
using NarrowBest = NarrowAvx512;
#elif defined(__AVX2__) && defined(__FMA__)
using NarrowBest = NarrowAvx2;
#else
using NarrowBest = NarrowScalar;
#endif

struct NarrowRow {
  const float* x;     // this image's input, [cin][h][w]
  int64_t h, w;       // input size
  int64_t iy0;        // input row of kernel row 0 (oy − pad_top)
  int64_t ic0, cin;   // this input-channel block
  const float* wt;    // weights [cout][cin_total][3][3]
  int64_t cin_total;
  float* y[kNarrowMaxCout];  // output row of each channel, at its first column
  const float* bias;  // Cout values on the last block, else nullptr
  bool accumulate;    // add to the partial sums already in y
};

// One tile: output columns [ox0, ox0 + n) (n ≤ PV·W) of the row; input column of output ox, tap kx: ox + kx − pl.
// Edge = false: every read is inside the row (plain loads).
template <class S, int OCB, int PV, bool Edge>
PIXFORGE_DIRECT_NOINLINE void narrow_tile(const NarrowRow& r, int64_t ox0, int64_t n, int64_t pl) {
  using V = typename S::V;
  constexpr int W = S::W;
  V acc[OCB][PV];
#pragma GCC unroll 8
  for (int o = 0; o < OCB; ++o)
#pragma GCC unroll 8
    for (int v = 0; v < PV; ++v) acc[o][v] = S::zero();
  const int64_t c0 = ox0 - pl;  // input column of the tile's first output, tap kx = 0
  // Edge tiles: the lanes of each (kx, vector) inside the row and inside the tile, computed once per tile (per-load
  // mask arithmetic made the two edge tiles of a 512-wide row cost as much as the four interior ones).
  typename S::Mask mask[3][PV];
  if constexpr (Edge)
    for (int kx = 0; kx < 3; ++kx)
      for (int v = 0; v < PV; ++v) {
        const int64_t c = c0 + kx + int64_t(v) * W;                        // input column of lane 0
        const int64_t lanes = std::min<int64_t>(W, n - int64_t(v) * W);  // output lanes of this vector
        mask[kx][v] = S::range_mask(int(std::clamp<int64_t>(-c, 0, W)),
                                    int(std::clamp<int64_t>(std::min(r.w - c, lanes), 0, W)));
      }
  // The next output row needs one input row this one did not read: prefetch this tile's columns of it, per input
  // channel (one short stream per channel, which the hardware prefetchers do not pick up early). Measured ≈ 5 %
  // faster for Cout 3 and ≈ 3 % for Cout 1 on a 64-channel 512² map (bench/NOTES.md, "narrow").
  const int64_t iy_next = r.iy0 + 3;
  const int64_t pf_lo = std::max<int64_t>(0, c0), pf_hi = std::min<int64_t>(r.w, c0 + int64_t(PV) * W + 2);
  const bool prefetch = iy_next >= 0 && iy_next < r.h && pf_lo < pf_hi;
  for (int64_t ic = r.ic0; ic < r.ic0 + r.cin; ++ic) {
#if defined(__GNUC__)
    if (prefetch) {
      const float* next = r.x + (ic * r.h + iy_next) * r.w;
      for (int64_t c = pf_lo; c < pf_hi; c += 16) __builtin_prefetch(next + c, 0, 3);
      __builtin_prefetch(next + pf_hi - 1, 0, 3);
    }
#else
    (void)prefetch;
#endif
    for (int64_t ky = 0; ky < 3; ++ky) {
      const int64_t iy = r.iy0 + ky;
      if (iy < 0 || iy >= r.h) continue;  // zero padding: the chain would add exact zeros
      const float* row = r.x + (ic * r.h + iy) * r.w;
      V wv[3][OCB];
#pragma GCC unroll 4
      for (int kx = 0; kx < 3; ++kx)
#pragma GCC unroll 4
        for (int o = 0; o < OCB; ++o) wv[kx][o] = S::bcast(r.wt + ((o * r.cin_total + ic) * 3 + ky) * 3 + kx);
#pragma GCC unroll 4
      for (int kx = 0; kx < 3; ++kx)
#pragma GCC unroll 8
        for (int v = 0; v < PV; ++v) {
          const int64_t c = c0 + kx + int64_t(v) * W;  // input column of lane 0
          V xv;
          if constexpr (Edge) xv = S::load_mask(row + c, mask[kx][v]);
          else xv = S::loadu(row + c);
#pragma GCC unroll 4
          for (int o = 0; o < OCB; ++o) acc[o][v] = S::fma(wv[kx][o], xv, acc[o][v]);
        }
    }
  }
#pragma GCC unroll 4
  for (int o = 0; o < OCB; ++o) {
    const V b = r.bias ? S::bcast(r.bias + o) : S::zero();
#pragma GCC unroll 8
    for (int v = 0; v < PV; ++v) {
      const int64_t lanes = n - int64_t(v) * W;
      if (lanes <= 0) break;
      const int nn = int(std::min<int64_t>(W, lanes));
      float* dst = r.y[o] + ox0 + v * W;
      V s = r.accumulate ? S::add(S::load_n(dst, nn), acc[o][v]) : acc[o][v];
      if (r.bias) s = S::add(s, b);
      S::store_n(dst, s, nn);
    }
  }
}

// One output row's block: interior tiles with plain loads, tiles touching the left/right border masked.
template <class S, int OCB>
void narrow_row(const NarrowRow& r, int64_t wout, int64_t pl) {
  constexpr int PV = S::pv(OCB);
  constexpr int64_t tile = int64_t(PV) * S::W;
  for (int64_t ox0 = 0; ox0 < wout; ox0 += tile) {
    const int64_t n = std::min(tile, wout - ox0);
    // Interior: full tile, first read column ≥ 0, last read column (ox0 + tile − 1 + 2 − pl) < w.
    const bool interior = n == tile && ox0 - pl >= 0 && ox0 + tile + 1 - pl < r.w;
    if (interior) narrow_tile<S, OCB, PV, false>(r, ox0, n, pl);
    else narrow_tile<S, OCB, PV, true>(r, ox0, n, pl);
  }
}

}  // namespace detail

// Whether conv2d_narrow takes these arguments (see the header comment).
inline bool conv2d_is_narrow(const Tensor<float>& weight, const Conv2dParams& p) {
  return p.groups == 1 && weight.dim() == 4 && weight.size(0) >= 1 && weight.size(0) <= detail::kNarrowMaxCout &&
         weight.size(2) == 3 && weight.size(3) == 3 && p.stride_h == 1 && p.stride_w == 1 && p.dilation_h == 1 &&
         p.dilation_w == 1 && p.padding_mode == PaddingMode::zeros;
}

namespace detail {
// conv2d_narrow with the traits S (tests run the AVX2 and scalar ones on an AVX-512 build too).
template <class S>
Tensor<float> conv2d_narrow_impl(const Tensor<float>& x_in, const Tensor<float>& weight_in,
                                 const Tensor<float>& bias_in, const Conv2dParams& p) {
  conv2d_check(x_in, weight_in, bias_in, p, "conv2d_narrow");
  PIXFORGE_CHECK(conv2d_is_narrow(weight_in, p), ErrorCode::invalid_argument,
                 "conv2d_narrow: needs groups 1, a 3x3 kernel, stride 1, dilation 1, zero padding and 1..",
                 kNarrowMaxCout, " output channels (weight=", weight_in.shape().str(), ", groups ", p.groups,
                 ", stride ", p.stride_h, "x", p.stride_w, ", dilation ", p.dilation_h, "x", p.dilation_w,
                 ", padding mode ", padding_mode_name(p.padding_mode), ")");
  const Tensor<float> x = x_in.contiguous(), weight = weight_in.contiguous(), bias = bias_in.contiguous();
  const int64_t n_img = x.size(0), cin = x.size(1), h = x.size(2), w = x.size(3), cout = weight.size(0);
  const int64_t hout = conv_output_size(h, p.pad_top, p.pad_bottom, 3, 1, 1);
  const int64_t wout = conv_output_size(w, p.pad_left, p.pad_right, 3, 1, 1);
  Tensor<float> y = Tensor<float>::empty({n_img, cout, hout, wout});
  float* yd = y.data();
  const double row_flops = 2.0 * double(wout * cout * cin * 9);
  // Threads over (image, output row): each row's sums do not depend on which thread runs it.
  parallel_for_work(0, n_img * hout, row_flops, [&](int64_t unit) {
    const int64_t n = unit / hout, oy = unit % hout;
    NarrowRow r;
    r.x = x.data() + n * cin * h * w;
    r.h = h;
    r.w = w;
    r.iy0 = oy - p.pad_top;
    r.wt = weight.data();
    r.cin_total = cin;
    for (int64_t o = 0; o < kNarrowMaxCout; ++o)
      r.y[o] = o < cout ? yd + ((n * cout + o) * hout + oy) * wout : nullptr;
    for (int64_t ic0 = 0; ic0 < cin; ic0 += kDirectIcBlock) {
      r.ic0 = ic0;
      r.cin = std::min(kDirectIcBlock, cin - ic0);
      r.accumulate = ic0 > 0;
      r.bias = bias.defined() && ic0 + r.cin == cin ? bias.data() : nullptr;
      switch (cout) {
        case 1: narrow_row<S, 1>(r, wout, p.pad_left); break;
        case 2: narrow_row<S, 2>(r, wout, p.pad_left); break;
        case 3: narrow_row<S, 3>(r, wout, p.pad_left); break;
        default: narrow_row<S, 4>(r, wout, p.pad_left); break;
      }
    }
    if (p.act.kind != ActKind::none)
      for (int64_t o = 0; o < cout; ++o) apply_act_inplace(r.y[o], wout, p.act);
  });
  return y;
}
}  // namespace detail

inline Tensor<float> conv2d_narrow(const Tensor<float>& x, const Tensor<float>& weight,
                                   const Tensor<float>& bias = Tensor<float>(), const Conv2dParams& p = {}) {
  return detail::conv2d_narrow_impl<detail::NarrowBest>(x, weight, bias, p);
}

}  // namespace pixforge
