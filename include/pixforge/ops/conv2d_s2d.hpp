// pixforge/ops/conv2d_s2d.hpp — "patchify" convolutions (kernel = stride, no padding), e.g. Real-CUGAN's 2×2
// stride-2 down convs (unet1.conv1_down, unet2.conv1_down / conv2_down), by space-to-depth + a GEMM.
//
// What it computes: exactly conv2d (ops/conv2d.hpp) when kH = stride_h, kW = stride_w, no padding, dilation 1,
// groups 1. Then the kernel windows tile the input without overlap, so
//
//   y[n, oc, oy, ox] = act( b[oc] + Σ_{ic, ky, kx} w[oc, ic, ky, kx] · x[n, ic, oy·kH + ky, ox·kW + kx] )
//
// is a 1×1 convolution of the space-to-depth input (K = Cin·kH·kW channels, (ic, ky, kx) order) — a dense GEMM.
//
// Shapes: x [N, Cin, H, W]   weight [Cout, Cin, kH, kW]   bias [Cout] or none   y [N, Cout, H / kH, W / kW] (floor;
// the last H mod kH rows and W mod kW columns are not read, as in PyTorch).
//
//     auto y = conv2d_s2d(x, w, b, Conv2dParams{}.with_stride(2).with_act(Act::leaky_relu(0.1f)));  // 2×2 s2
//
// Implementations (FLOPs = 2 · N · Cout · Hout · Wout · Cin · kH · kW):
//   conv2d_ref (ops/conv2d.hpp) is the reference.
//   conv2d_s2d   work unit = (image, output row). The unit copies its kH input rows into a per-thread panel, each
//                row split into its kW column phases ([ic][ky][kx][ox]: the space-to-depth matrix, K rows of Wout
//                floats). Then per tile of 48 output pixels, per block of 16 input channels (K rows: 16·kH·kW),
//                every block of 8 output channels runs the GEMM register tile (ops/conv_pointwise_kernel.hpp) over
//                that L1-resident slice, accumulating into a per-thread buffer of Cout × 48 floats; bias, store and
//                activation follow. Extra memory per thread: Cin·kH·kW·Wout + Cout·48 floats.
// Summation order: as conv2d_direct — per output one FMA chain over (ic, ky, kx) within blocks of 16 input channels,
// the block sums added in order, then the bias — so conv2d_s2d gives conv2d_direct's bits exactly, and nothing in
// the order depends on the map size, the tiling or the thread count.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "pixforge/ops/conv2d.hpp"
#include "pixforge/ops/conv_pointwise_kernel.hpp"

namespace pixforge {

namespace detail {

inline bool conv2d_is_s2d(const Tensor<float>& weight, const Conv2dParams& p) {
  return p.groups == 1 && weight.size(2) == p.stride_h && weight.size(3) == p.stride_w && p.stride_h * p.stride_w > 1 &&
         p.dilation_h == 1 && p.dilation_w == 1 && p.pad_top == 0 && p.pad_bottom == 0 && p.pad_left == 0 &&
         p.pad_right == 0;
}

template <class S>
Tensor<float> conv2d_s2d_impl(const Tensor<float>& x_in, const Tensor<float>& weight_in, const Tensor<float>& bias_in,
                              const Conv2dParams& p);

}  // namespace detail

inline Tensor<float> conv2d_s2d(const Tensor<float>& x, const Tensor<float>& weight,
                                const Tensor<float>& bias = Tensor<float>(), const Conv2dParams& p = {}) {
  detail::conv2d_check(x, weight, bias, p, "conv2d_s2d");
  PIXFORGE_CHECK(detail::conv2d_is_s2d(weight, p), ErrorCode::invalid_argument,
                 "conv2d_s2d: needs kernel = stride (> 1 pixel), no padding, dilation 1 and groups 1 (weight=",
                 weight.shape().str(), ", stride (", p.stride_h, ", ", p.stride_w, "), groups ", p.groups, ")");
  return detail::conv2d_s2d_impl<detail::SimdBest>(x, weight, bias, p);
}

template <class S>
Tensor<float> detail::conv2d_s2d_impl(const Tensor<float>& x_in, const Tensor<float>& weight_in,
                                      const Tensor<float>& bias_in, const Conv2dParams& p) {
  constexpr int64_t R = S::kOcb, W = S::W, tile_px = S::kPv * S::W;
  const Tensor<float> x = x_in.contiguous(), weight = weight_in.contiguous(), bias = bias_in.contiguous();
  const int64_t n_img = x.size(0), cin = x.size(1), h = x.size(2), w = x.size(3);
  const int64_t cout = weight.size(0), kh = weight.size(2), kw = weight.size(3), taps = kh * kw;
  const Shape ys = conv2d_output_shape(x.shape(), weight.shape(), p);
  const int64_t hout = ys[2], wout = ys[3], nblk = (cout + R - 1) / R;
  // [block][ic][ky][kx][R]: K in (ic, ky, kx) order, the order of the panel rows and of conv2d_direct's chains.
  const std::vector<float> wpack = pack_direct_weights(weight.data(), cout, cin, kh, kw, R);
  const float* bd = bias.defined() ? bias.data() : nullptr;
  // Panel rows hold Wout floats rounded up to whole vectors (zeroed slack: the last tile's lanes read defined zeros).
  const int64_t pw = (wout + W - 1) / W * W, krows = cin * taps;
  Tensor<float> y = Tensor<float>::empty(ys);
  float* yd = y.data();
  const float* xd = x.data();

  parallel_for_work(0, n_img * hout, 2.0 * double(wout * cout * krows), [&](int64_t unit) {
    const int64_t n = unit / hout, oy = unit % hout;
    float* panel = thread_scratch<30>(krows * pw);
    float* tb = thread_scratch<31>(nblk * R * tile_px);
    // Space-to-depth: panel[(ic·kH + ky)·kW + kx][ox] = x[n, ic, oy·kH + ky, ox·kW + kx].
    for (int64_t ic = 0; ic < cin; ++ic)
      for (int64_t ky = 0; ky < kh; ++ky) {
        const float* __restrict src = xd + ((n * cin + ic) * h + oy * kh + ky) * w;
        float* __restrict dst = panel + (ic * kh + ky) * kw * pw;
        if (kw == 2) {  // the common case, written so the compiler vectorises the de-interleave
          float* __restrict d1 = dst + pw;
          for (int64_t ox = 0; ox < wout; ++ox) {
            dst[ox] = src[2 * ox];
            d1[ox] = src[2 * ox + 1];
          }
        } else {
          for (int64_t kx = 0; kx < kw; ++kx)
            for (int64_t ox = 0; ox < wout; ++ox) dst[kx * pw + ox] = src[ox * kw + kx];
        }
        for (int64_t kx = 0; kx < kw; ++kx) std::fill(dst + kx * pw + wout, dst + (kx + 1) * pw, 0.0f);
      }
    for (int64_t ox0 = 0; ox0 < wout; ox0 += tile_px) {
      const int64_t npx = std::min(tile_px, wout - ox0);
      const int pv = int((npx + W - 1) / W);
      // Input-channel blocks outside the channel blocks: the block's K × 48 slice stays in L1 for all of them.
      for (int64_t ic0 = 0; ic0 < cin; ic0 += kDirectIcBlock) {
        const int64_t kb = std::min(kDirectIcBlock, cin - ic0) * taps;
        for (int64_t blk = 0; blk < nblk; ++blk)
          pointwise_tile_pv<S>(pv, int(W), panel + ic0 * taps * pw + ox0, pw,
                               wpack.data() + (blk * krows + ic0 * taps) * R, kb, tb + blk * R * tile_px, tile_px,
                               ic0 == 0);
      }
      for (int64_t oc = 0; oc < cout; ++oc) {
        const float* t = tb + oc * tile_px;  // block oc / R, row oc % R: rows of all blocks are consecutive
        float* yrow = yd + ((n * cout + oc) * hout + oy) * wout + ox0;
        if (bd) {
          const float b = bd[oc];
          for (int64_t j = 0; j < npx; ++j) yrow[j] = t[j] + b;
        } else {
          std::copy(t, t + npx, yrow);
        }
      }
    }
    if (p.act.kind != ActKind::none)
      for (int64_t oc = 0; oc < cout; ++oc) apply_act_inplace(yd + ((n * cout + oc) * hout + oy) * wout, wout, p.act);
  });
  return y;
}

}  // namespace pixforge
