// pixforge/models/u2net_bands.hpp — a U²-Net / IS-Net 3×3 conv on cat(up(src), tar) computed band by band of
// output rows, without materialising the concatenation (or the resized src), optionally writing its output over
// tar or adding it to the block's residual in place.
//
// Why: in the decoders every conv reads torch.cat((_upsample_like(g, h), h), 1), a map twice as wide as h, and at
// IS-Net 1024² the largest of those set the pass's tensor peak (stage1d's input: 128 channels at 512², 128 MiB, next
// to hx1 and the 64 MiB output; bench/NOTES.md "isnetmem"). Here a band of the concatenation — its output rows plus
// one halo row above and below — is filled into a small buffer (the bilinear rows by interpolate_separable's own
// row kernel and tables: the same bits), the conv runs on it, and its output rows go where they are wanted.
//
// Same bits as the conv on the whole concatenation: the band's conv gets zero padding on top only for the first
// band and at the bottom only for the last (elsewhere the halo rows are real rows), and every band starts on a
// multiple of conv2d_grid_tile() output rows, so each Winograd 4×4 tile sees the same 6×6 input as in the whole map
// (the rule pipeline.hpp's bit-identical tiles rely on); the other paths' sums do not depend on the row offset.
// BN + ReLU (when not folded) is per element; the residual is added as add_ would (g + r).
//
// Output over tar (BandOut::into_tar): band k's rows are written to tar only after its conv ran, and the one row of
// tar the next band still reads above its own rows (its halo) is kept in a copy first.
#pragma once

#include <algorithm>
#include <cstring>
#include <functional>
#include <vector>

#include "pixforge/core/parallel.hpp"
#include "pixforge/core/tensor.hpp"
#include "pixforge/nn/layers.hpp"
#include "pixforge/nn/trace.hpp"
#include "pixforge/ops/conv2d.hpp"
#include "pixforge/ops/upsample.hpp"

namespace pixforge {
namespace u2net_detail {

enum class BandOut {
  fresh,     // a new tensor [N, Cout, H, W]
  into_tar,  // over tar's buffer (tar not shared; Cout == tar's channels, or fewer when N = 1: then over its first
             // Cout channels): returns tar, or a view of its first Cout channels
  add_to,    // residual += conv (in place, residual [N, Cout, H, W]): returns residual
};

// Whether BandOut::into_tar can take Cout channels into a tar of Ct (its first Cout channels are then a contiguous
// block when N = 1).
inline bool over_tar_fits(int64_t n, int64_t ct, int64_t cout) { return cout == ct || (cout < ct && n == 1); }

// Whether conv_cat_banded can run this conv: 3×3, stride 1, dilation 1, zero padding 1 (REBNCONV with dirate 1).
inline bool bandable(const Conv2d& conv) {
  const Conv2dParams& p = conv.params;
  return conv.weight.dim() == 4 && conv.weight.size(2) == 3 && conv.weight.size(3) == 3 && p.stride_h == 1 &&
         p.stride_w == 1 && p.dilation_h == 1 && p.dilation_w == 1 && p.groups == 1 && p.pad_top == 1 &&
         p.pad_bottom == 1 && p.pad_left == 1 && p.pad_right == 1 && p.padding_mode == PaddingMode::zeros;
}

// Bytes of input per band by default: at IS-Net 1024² 8 MiB bands left ~16 MiB of band input and output above
// the live maps at the decoders' peaks, 2 MiB ~4 MiB (bench/NOTES.md "isnetmem").
constexpr int64_t kBandBytes = int64_t(2) << 20;

// Output rows per band: the band's input (all channels) about `bytes`, a multiple of the conv's grid tile.
// Depends on the shapes only.
inline int64_t band_rows(int64_t n, int64_t cin, int64_t w, int64_t bytes = kBandBytes) {
  const int64_t g = std::max<int64_t>(conv2d_grid_tile(), 1);
  const int64_t r = bytes / std::max<int64_t>(1, n * cin * w * int64_t(sizeof(float)));
  return std::max(g, r / g * g);
}

// The band size for `conv` on a map like tar: kBandBytes, except for weights conv2d_winograd transforms per call
// (winograd_streams_weights: 128 × 128 channels and up), which it then transforms again for every band (~35 ns per
// 3×3 kernel; IS-Net's stage4d.rebnconvin 1024 -> 256 on 64²: 79 ms of CPU whole, 129 ms in 8 bands of 2 MiB): there
// bands of 8 MiB, or half the input if that is less (these layers are on the small maps of the deep levels).
inline int64_t band_bytes_for(const Conv2d& conv, const Tensor<float>& tar) {
  if (!detail::winograd_streams_weights(conv.weight.shape())) return kBandBytes;
  const int64_t whole = tar.size(0) * conv.weight.size(1) * tar.size(2) * tar.size(3) * int64_t(sizeof(float));
  return std::max(kBandBytes, std::min(int64_t(8) << 20, whole / 2));
}

// y = epilogue(conv(cat(up(src), tar))) where up = bilinear (align_corners=False) resize of src to tar's H×W and
// epilogue = what the layer applies after its conv (BN + ReLU, or nothing when fused), src optional (undefined:
// the input is tar alone). tar is taken by reference because BandOut::into_tar overwrites it. band_bytes: see
// band_rows (tests pass small values to get many bands on small maps).
inline Tensor<float> conv_cat_banded(const Conv2d& conv, const std::function<void(Tensor<float>&)>& epilogue,
                                     const Tensor<float>& src_in, Tensor<float>& tar, BandOut out_mode,
                                     Tensor<float>* residual = nullptr, int64_t band_bytes = kBandBytes) {
  PIXFORGE_CHECK(bandable(conv), ErrorCode::invalid_argument, "u2net conv_cat_banded: needs a 3x3 stride-1 conv with "
                 "zero padding 1, weight ", conv.weight.shape().str());
  PIXFORGE_CHECK(tar.dim() == 4 && tar.is_contiguous(), ErrorCode::shape_mismatch,
                 "u2net conv_cat_banded: tar must be a contiguous [N,C,H,W], got ", tar.shape().str());
  const bool has_src = src_in.defined();
  const Tensor<float> src = has_src ? src_in.contiguous() : Tensor<float>();
  const int64_t N = tar.size(0), Ct = tar.size(1), H = tar.size(2), W = tar.size(3);
  const int64_t Cs = has_src ? src.size(1) : 0, Cin = Cs + Ct, Cout = conv.weight.size(0);
  PIXFORGE_CHECK(!has_src || (src.dim() == 4 && src.size(0) == N), ErrorCode::shape_mismatch,
                 "u2net conv_cat_banded: src ", src.shape().str(), " and tar ", tar.shape().str(), " differ in N");
  PIXFORGE_CHECK(conv.weight.size(1) == Cin, ErrorCode::shape_mismatch, "u2net conv_cat_banded: weight ",
                 conv.weight.shape().str(), " does not take ", Cs, " + ", Ct, " input channels");
  PIXFORGE_CHECK(out_mode != BandOut::into_tar || (over_tar_fits(N, Ct, Cout) && tar.is_sole_owner()),
                 ErrorCode::invalid_argument, "u2net conv_cat_banded: output over tar needs ", Cout, " == ", Ct,
                 " channels (or fewer with N = 1) and a tar nobody else holds, got N = ", N);
  PIXFORGE_CHECK(out_mode != BandOut::add_to ||
                     (residual != nullptr && residual->is_contiguous() && residual->shape() == Shape({N, Cout, H, W})),
                 ErrorCode::shape_mismatch, "u2net conv_cat_banded: residual must be a contiguous [", N, ",", Cout,
                 ",", H, ",", W, "]");

  const int64_t plane = H * W, sh = has_src ? src.size(2) : 0, sw = has_src ? src.size(3) : 0;
  const InterpolateParams ip = InterpolateParams::to_size(H, W, InterpolateMode::bilinear);
  auto axis = [&](int dim, int64_t out) {  // a 1 -> 1 dummy without src
    return has_src ? detail::make_axis(src, ip, dim, out) : detail::ResizeAxis(1, 1, 0.0, InterpolateMode::bilinear, false);
  };
  const detail::ResizeTable ty(axis(2, H)), tx(axis(3, W));

  Tensor<float> y;
  if (out_mode == BandOut::fresh) y = Tensor<float>::empty({N, Cout, H, W});
  Tensor<float>& dst = out_mode == BandOut::fresh ? y : out_mode == BandOut::into_tar ? tar : *residual;
  // into_tar: tar's row above the next band (already overwritten when that band reads it), all images and channels.
  std::vector<float> kept(out_mode == BandOut::into_tar ? size_t(N * Ct * W) : 0);
  int64_t kept_row = -1;

  const int64_t R = band_rows(N, Cin, W, band_bytes);
  // A layer that keeps no prepared weights (Conv2d::cache_weights false) still prepares them once for all bands.
  ConvWeightCache call_cache;
  const ConvWeightCache* cache = conv.cache_weights ? &conv.weight_cache : &call_cache;
  for (int64_t r0 = 0; r0 < H; r0 += R) {
    const int64_t r1 = std::min(H, r0 + R), i0 = std::max<int64_t>(r0 - 1, 0), i1 = std::min(H, r1 + 1);
    const int64_t rows = i1 - i0;
    Tensor<float> band = Tensor<float>::empty({N, Cin, rows, W});
    parallel_for(0, N * Cin, [&](int64_t nc) {
      const int64_t n = nc / Cin, c = nc % Cin;
      float* b = band.data() + nc * rows * W;
      if (c < Cs) {  // resized rows [i0, i1) of src channel c; resize_rows writes row oy at b + (oy - i0)·W
        detail::resize_rows<2>(src.data() + (n * Cs + c) * sh * sw, sh, sw, b, W, i0, i1, ty, tx, i0);
        return;
      }
      const int64_t ct = c - Cs;
      const float* t = tar.data() + (n * Ct + ct) * plane;
      for (int64_t r = i0; r < i1; ++r) {
        const float* row = r == kept_row ? kept.data() + (n * Ct + ct) * W : t + r * W;
        std::memcpy(b + (r - i0) * W, row, size_t(W) * sizeof(float));
      }
    });
    Conv2dParams p = conv.params;
    p.pad_top = r0 == 0 ? 1 : 0;
    p.pad_bottom = r1 == H ? 1 : 0;
    auto run = [&] { return conv2d(band, conv.weight, conv.bias, p, cache); };
    Tensor<float> g = current_tracer() == nullptr
                          ? run()
                          : detail::traced_call(conv, "Conv2d", band, run, [&](const Tensor<float>& o) {
                              return 2.0 * double(conv.weight.size(1) * 9) * double(o.numel());
                            });
    band = Tensor<float>();
    epilogue(g);                                             // [N, Cout, r1 - r0, W]
    if (out_mode == BandOut::into_tar && r1 < H) {           // the next band's top halo row, before it is overwritten
      for (int64_t nc = 0; nc < N * Ct; ++nc)
        std::memcpy(kept.data() + nc * W, tar.data() + nc * plane + (r1 - 1) * W, size_t(W) * sizeof(float));
      kept_row = r1 - 1;
    }
    const int64_t len = (r1 - r0) * W;
    parallel_for(0, N * Cout, [&](int64_t nc) {
      const float* s = g.data() + nc * len;
      float* d = dst.data() + nc * plane + r0 * W;
      if (out_mode == BandOut::add_to) {
        for (int64_t i = 0; i < len; ++i) d[i] = s[i] + d[i];  // add_(g, residual): g + r
      } else {
        std::memcpy(d, s, size_t(len) * sizeof(float));
      }
    });
  }
  if (out_mode == BandOut::into_tar && Cout < Ct) return tar.narrow(1, 0, Cout);  // N = 1: contiguous
  return out_mode == BandOut::fresh ? y : dst;
}

}  // namespace u2net_detail
}  // namespace pixforge
