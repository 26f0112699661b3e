// pixforge/ops/pool.hpp — 2-D pooling: max, average, adaptive, global, and channel-wise (CBAM) reductions.
//
// max_pool2d:   y[n,c,oh,ow] = max over kh, kw of x[n,c, oh·sH − pH + kh·dH, ow·sW − pW + kw·dW]
//               taps outside the input are ignored (as if −∞). NaN propagates (PyTorch: `v > m || isnan(v)`).
// avg_pool2d:   y = Σ taps / divisor, no dilation. divisor = divisor_override if set, else
//               count_include_pad ? (h1 − h0)·(w1 − w0) with h1 = min(h0 + k, H + p) (padding counts, but not the
//                                   overhang of a ceil_mode window past the right padding)
//                                 : the number of taps inside the input.
// adaptive_{avg,max}_pool2d(x, OH, OW): output cell i covers input [floor(i·in/out), ceil((i+1)·in/out)) per
//               axis — windows overlap when out does not divide in (7 → 3: [0,3) [2,5) [4,7)).
// global_{avg,max}_pool2d: adaptive to 1×1 → [N, C, 1, 1] (squeeze-excitation, channel attention).
// channel_mean / channel_max: reduce over C with keepdim → [N, 1, H, W] (CBAM spatial attention:
//               torch.mean(x, 1, keepdim=True), torch.max(x, 1, keepdim=True)[0]).
//
// Output size per axis (PyTorch pooling_output_shape), k_e = d·(k − 1) + 1:
//     out = floor((in + 2p − k_e + (ceil_mode ? s − 1 : 0)) / s) + 1
//     if ceil_mode and (out − 1)·s ≥ in + p: out −= 1     — the last window must start inside the input or the
//                                                          left padding, never entirely in the right padding.
// Requirements (as PyTorch): k, s, d ≥ 1, p ≤ k/2, out ≥ 1. stride 0 in the params means "= kernel" (stride=None).
//
// Used by: U²-Net / IS-Net (max 2×2 s2 ceil_mode=True on odd sizes: 5 → 3), ResNet stems (max 3×3 s2 p1),
// U-Nets (max 2×2), FcaNet/SE/RCAN channel attention (global avg), CBAM (global avg+max, channel mean+max),
// DeOldify (adaptive pools), DIP (avg 2×2).
//
// Pitfalls: ceil_mode on odd sizes adds a half-empty last window (U²-Net 5×5 → 3×3, not 2×2) and breaks the
// size bookkeeping of skip connections unless the decoder resizes. TF 'SAME' pooling pads asymmetrically (extra
// pixel after) and averages over valid taps only: only the symmetric cases map onto these params
// (count_include_pad=false); asymmetric padding is not supported here. Avg sums are accumulated in double (more
// accurate than PyTorch's float sum, so differences are float rounding only).
//
// Implementations (per output: k_h·k_w taps):
//   *_ref                    the formulas, one loop per index, for reading.
//   max_pool2d_separable     a max over a window is a max of row maxima: a horizontal pass over every input
//   avg_pool2d_separable     row (k_w taps per output column), then a vertical pass (k_h taps) whose inner loop
//                            runs along contiguous output columns and vectorises. k_h + k_w instead of k_h·k_w
//                            operations per output; threaded over (n, c) planes.
//   adaptive_*_planes        the reference loops threaded over planes (global_max_pool2d: with a 1×1 output).
//   global_avg_pool2d_lanes  one vectorised 8-lane double sum per plane (see ops/moments.hpp).
//   channel_*_blocked        64 pixels at a time accumulated over c (contiguous reads), threaded over blocks.
// Every work unit is a fixed plane or block, reduced in a fixed order: results do not depend on the thread count.
//
//     auto d = pixforge::max_pool2d(x, MaxPool2dParams{}.with_ceil_mode());                         // U²-Net
//     auto s = pixforge::max_pool2d(x, MaxPool2dParams{}.with_kernel(3).with_stride(2).with_padding(1));  // stem
//     auto a = pixforge::avg_pool2d(x, AvgPool2dParams{}.with_kernel(3).with_stride(1).with_padding(1)
//                                          .with_count_include_pad(false));
//     auto g = pixforge::global_avg_pool2d(x);                                                     // [N, C, 1, 1]
//     auto m = pixforge::channel_max(x);                                                           // [N, 1, H, W]
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "pixforge/core/parallel.hpp"
#include "pixforge/core/tensor.hpp"
#include "pixforge/ops/moments.hpp"

namespace pixforge {

struct MaxPool2dParams {
  int64_t kernel_h = 2, kernel_w = 2;
  int64_t stride_h = 0, stride_w = 0;  // 0 = the kernel size (PyTorch's stride=None)
  int64_t pad_h = 0, pad_w = 0;        // symmetric, -inf
  int64_t dilation_h = 1, dilation_w = 1;
  bool ceil_mode = false;

  // Chainable setters: MaxPool2dParams{}.with_kernel(3).with_stride(2).with_padding(1).
  MaxPool2dParams& with_kernel(int64_t k) { return with_kernel(k, k); }
  MaxPool2dParams& with_kernel(int64_t kh, int64_t kw) { kernel_h = kh; kernel_w = kw; return *this; }
  MaxPool2dParams& with_stride(int64_t s) { return with_stride(s, s); }
  MaxPool2dParams& with_stride(int64_t sh, int64_t sw) { stride_h = sh; stride_w = sw; return *this; }
  MaxPool2dParams& with_padding(int64_t p) { return with_padding(p, p); }
  MaxPool2dParams& with_padding(int64_t ph, int64_t pw) { pad_h = ph; pad_w = pw; return *this; }
  MaxPool2dParams& with_dilation(int64_t d) { dilation_h = dilation_w = d; return *this; }
  MaxPool2dParams& with_ceil_mode(bool c = true) { ceil_mode = c; return *this; }
};

struct AvgPool2dParams {
  int64_t kernel_h = 2, kernel_w = 2;
  int64_t stride_h = 0, stride_w = 0;  // 0 = the kernel size
  int64_t pad_h = 0, pad_w = 0;        // symmetric, zeros
  bool ceil_mode = false;
  bool count_include_pad = true;  // PyTorch default; TF/Keras 'same' pooling behaves like false
  int64_t divisor_override = 0;   // > 0: divide every sum by this instead

  AvgPool2dParams& with_kernel(int64_t k) { return with_kernel(k, k); }
  AvgPool2dParams& with_kernel(int64_t kh, int64_t kw) { kernel_h = kh; kernel_w = kw; return *this; }
  AvgPool2dParams& with_stride(int64_t s) { return with_stride(s, s); }
  AvgPool2dParams& with_stride(int64_t sh, int64_t sw) { stride_h = sh; stride_w = sw; return *this; }
  AvgPool2dParams& with_padding(int64_t p) { return with_padding(p, p); }
  AvgPool2dParams& with_padding(int64_t ph, int64_t pw) { pad_h = ph; pad_w = pw; return *this; }
  AvgPool2dParams& with_ceil_mode(bool c = true) { ceil_mode = c; return *this; }
  AvgPool2dParams& with_count_include_pad(bool c) { count_include_pad = c; return *this; }
};

// PyTorch's pooling_output_shape for one axis (see the header comment).
inline int64_t pool_output_size(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d, bool ceil_mode) {
  const int64_t num = in + 2 * p - d * (k - 1) - 1 + (ceil_mode ? s - 1 : 0);
  int64_t out = (num >= 0 ? num / s : -((-num + s - 1) / s)) + 1;  // floor division, also for negative num
  if (ceil_mode && (out - 1) * s >= in + p) --out;
  return out;
}

namespace detail {
// One axis of a pooling window, validated.
struct PoolAxis {
  int64_t in = 0, k = 1, s = 1, p = 0, d = 1, out = 0;
};
inline PoolAxis pool_axis(const char* op, const char* axis, int64_t in, int64_t k, int64_t s, int64_t p, int64_t d,
                          bool ceil_mode, const Shape& x) {
  PoolAxis a{in, k, s == 0 ? k : s, p, d, 0};
  PIXFORGE_CHECK(a.k >= 1 && a.s >= 1 && a.d >= 1 && a.p >= 0, ErrorCode::invalid_argument, op, ": kernel_", axis,
                 "=", k, ", stride_", axis, "=", s, ", dilation_", axis, "=", d, ", pad_", axis, "=", p,
                 " (kernel, dilation >= 1, stride >= 0, pad >= 0 required)");
  PIXFORGE_CHECK(a.p <= a.k / 2, ErrorCode::invalid_argument, op, ": pad_", axis, "=", p,
                 " must be at most half the kernel size ", k);
  a.out = pool_output_size(in, a.k, a.s, a.p, a.d, ceil_mode);
  PIXFORGE_CHECK(a.out >= 1, ErrorCode::shape_mismatch, op, ": input ", x.str(), " is too small for kernel_", axis,
                 "=", k, " dilation_", axis, "=", d, " pad_", axis, "=", p, " (output size ", a.out, ")");
  return a;
}
// Valid taps of window o: t in [t_lo, t_hi) with input index start + t·d in [0, in).
inline void pool_taps(const PoolAxis& a, int64_t o, int64_t& start, int64_t& t_lo, int64_t& t_hi) {
  start = o * a.s - a.p;
  t_lo = start < 0 ? (-start + a.d - 1) / a.d : 0;
  t_hi = start > a.in - 1 ? 0 : std::min(a.k, (a.in - 1 - start) / a.d + 1);
  if (t_hi < t_lo) t_hi = t_lo;
}
inline float nan_max(float m, float v) { return (v > m || std::isnan(v)) ? v : m; }

struct PoolGeometry {
  PoolAxis h, w;
};
inline void check_pool_rank(const Shape& x, const char* op) {
  PIXFORGE_CHECK(x.rank() == 4, ErrorCode::shape_mismatch, op, ": x must be [N, C, H, W], got ", x.str());
}
inline PoolGeometry max_pool_geometry(const Shape& x, const MaxPool2dParams& p) {
  check_pool_rank(x, "max_pool2d");
  return {pool_axis("max_pool2d", "h", x[2], p.kernel_h, p.stride_h, p.pad_h, p.dilation_h, p.ceil_mode, x),
          pool_axis("max_pool2d", "w", x[3], p.kernel_w, p.stride_w, p.pad_w, p.dilation_w, p.ceil_mode, x)};
}
inline PoolGeometry avg_pool_geometry(const Shape& x, const AvgPool2dParams& p) {
  check_pool_rank(x, "avg_pool2d");
  PIXFORGE_CHECK(p.divisor_override >= 0, ErrorCode::invalid_argument,
                 "avg_pool2d: divisor_override must be >= 0, got ", p.divisor_override);
  return {pool_axis("avg_pool2d", "h", x[2], p.kernel_h, p.stride_h, p.pad_h, 1, p.ceil_mode, x),
          pool_axis("avg_pool2d", "w", x[3], p.kernel_w, p.stride_w, p.pad_w, 1, p.ceil_mode, x)};
}
// count_include_pad size of a window along one axis: up to the end of the padding, not past it.
inline int64_t padded_window(const PoolAxis& a, int64_t o) {
  const int64_t start = o * a.s - a.p;
  return std::min(start + a.k, a.in + a.p) - start;
}
}  // namespace detail

inline Shape max_pool2d_output_shape(const Shape& x, const MaxPool2dParams& p) {
  const auto g = detail::max_pool_geometry(x, p);
  return {x[0], x[1], g.h.out, g.w.out};
}
inline Shape avg_pool2d_output_shape(const Shape& x, const AvgPool2dParams& p) {
  const auto g = detail::avg_pool_geometry(x, p);
  return {x[0], x[1], g.h.out, g.w.out};
}

// ---- max_pool2d ---------------------------------------------------------------------------------------------

inline Tensor<float> max_pool2d_ref(const Tensor<float>& x_in, const MaxPool2dParams& p = {}) {
  const detail::PoolGeometry g = detail::max_pool_geometry(x_in.shape(), p);
  const Tensor<float> x = x_in.contiguous();
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  Tensor<float> y = Tensor<float>::empty({N, C, g.h.out, g.w.out});
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t oh = 0; oh < g.h.out; ++oh)
        for (int64_t ow = 0; ow < g.w.out; ++ow) {
          float m = -std::numeric_limits<float>::infinity();
          for (int64_t kh = 0; kh < g.h.k; ++kh)
            for (int64_t kw = 0; kw < g.w.k; ++kw) {
              const int64_t ih = oh * g.h.s - g.h.p + kh * g.h.d, iw = ow * g.w.s - g.w.p + kw * g.w.d;
              if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;  // padding: ignored
              m = detail::nan_max(m, x(n, c, ih, iw));
            }
          y(n, c, oh, ow) = m;
        }
  return y;
}

namespace detail {
// Separable pooling of one plane. Horizontal pass: rows[ih][ow] = reduce of the valid taps of window ow in input
// row ih; vertical pass: out[oh][ow] = reduce of rows[ih][ow] over the valid taps of window oh.
// Op supplies T (accumulator type), init, combine(acc, v) and finish(acc, oh, ow) -> float.
template <class T, class Op>
void pool_plane_separable(const float* src, float* dst, const PoolGeometry& g, std::vector<T>& rows,
                          const Op& op) {
  const PoolAxis &A = g.h, &B = g.w;
  rows.resize(size_t(A.in * B.out));
  // Output columns whose window lies fully inside the row: a branch-free strided loop (vectorises).
  int64_t ow_lo = 0, ow_hi = B.out;
  while (ow_lo < B.out && ow_lo * B.s - B.p < 0) ++ow_lo;
  while (ow_hi > ow_lo && (ow_hi - 1) * B.s - B.p + (B.k - 1) * B.d > B.in - 1) --ow_hi;
  for (int64_t ih = 0; ih < A.in; ++ih) {
    const float* row = src + ih * B.in;
    T* acc = rows.data() + ih * B.out;
    for (int64_t ow = ow_lo; ow < ow_hi; ++ow) acc[ow] = T(row[ow * B.s - B.p]);
    for (int64_t kw = 1; kw < B.k; ++kw) {
      const int64_t off = kw * B.d - B.p;
      for (int64_t ow = ow_lo; ow < ow_hi; ++ow) acc[ow] = op.combine(acc[ow], row[ow * B.s + off]);
    }
    auto border = [&](int64_t ow) {  // a window that is clipped by the row ends
      int64_t start, t_lo, t_hi;
      pool_taps(B, ow, start, t_lo, t_hi);
      T a = op.init();
      for (int64_t t = t_lo; t < t_hi; ++t) a = op.combine(a, row[start + t * B.d]);
      acc[ow] = a;
    };
    for (int64_t ow = 0; ow < ow_lo; ++ow) border(ow);
    for (int64_t ow = ow_hi; ow < B.out; ++ow) border(ow);
  }
  std::vector<T> col(size_t(B.out));
  for (int64_t oh = 0; oh < A.out; ++oh) {
    int64_t start, t_lo, t_hi;
    pool_taps(A, oh, start, t_lo, t_hi);
    std::fill(col.begin(), col.end(), op.init());
    for (int64_t t = t_lo; t < t_hi; ++t) {
      const T* r = rows.data() + (start + t * A.d) * B.out;
      for (int64_t ow = 0; ow < B.out; ++ow) col[size_t(ow)] = op.combine(col[size_t(ow)], r[ow]);
    }
    for (int64_t ow = 0; ow < B.out; ++ow) dst[oh * B.out + ow] = op.finish(col[size_t(ow)], oh, ow);
  }
}

struct MaxOp {
  static float init() { return -std::numeric_limits<float>::infinity(); }
  static float combine(float m, float v) { return nan_max(m, v); }
  static float finish(float m, int64_t, int64_t) { return m; }
};
}  // namespace detail

inline Tensor<float> max_pool2d_separable(const Tensor<float>& x_in, const MaxPool2dParams& p = {}) {
  const detail::PoolGeometry g = detail::max_pool_geometry(x_in.shape(), p);
  const Tensor<float> x = x_in.contiguous();
  const int64_t N = x.size(0), C = x.size(1), plane_in = g.h.in * g.w.in, plane_out = g.h.out * g.w.out;
  Tensor<float> y = Tensor<float>::empty({N, C, g.h.out, g.w.out});
  parallel_for(0, N * C, [&](int64_t plane) {
    std::vector<float> rows;
    detail::pool_plane_separable(x.data() + plane * plane_in, y.data() + plane * plane_out, g, rows,
                                 detail::MaxOp{});
  });
  return y;
}

inline Tensor<float> max_pool2d(const Tensor<float>& x, const MaxPool2dParams& p = {}) {
  return max_pool2d_separable(x, p);
}

// ---- avg_pool2d ---------------------------------------------------------------------------------------------

inline Tensor<float> avg_pool2d_ref(const Tensor<float>& x_in, const AvgPool2dParams& p = {}) {
  const detail::PoolGeometry g = detail::avg_pool_geometry(x_in.shape(), p);
  const Tensor<float> x = x_in.contiguous();
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  Tensor<float> y = Tensor<float>::empty({N, C, g.h.out, g.w.out});
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t oh = 0; oh < g.h.out; ++oh)
        for (int64_t ow = 0; ow < g.w.out; ++ow) {
          double sum = 0.0;
          int64_t inside = 0;
          for (int64_t kh = 0; kh < g.h.k; ++kh)
            for (int64_t kw = 0; kw < g.w.k; ++kw) {
              const int64_t ih = oh * g.h.s - g.h.p + kh, iw = ow * g.w.s - g.w.p + kw;
              if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;  // zero padding
              sum += x(n, c, ih, iw);
              ++inside;
            }
          int64_t divisor = inside;
          if (p.count_include_pad) divisor = detail::padded_window(g.h, oh) * detail::padded_window(g.w, ow);
          if (p.divisor_override > 0) divisor = p.divisor_override;
          y(n, c, oh, ow) = inside == 0 ? 0.0f : float(sum / double(divisor));
        }
  return y;
}

namespace detail {
// Divisors are per-axis products, so both factors are tabulated once per call (not per output).
struct AvgOp {
  std::vector<int64_t> inside_h, inside_w, padded_h, padded_w;
  bool count_include_pad;
  int64_t divisor_override;
  AvgOp(const PoolGeometry& g, const AvgPool2dParams& p)
      : count_include_pad(p.count_include_pad), divisor_override(p.divisor_override) {
    tabulate(g.h, inside_h, padded_h);
    tabulate(g.w, inside_w, padded_w);
  }
  static void tabulate(const PoolAxis& a, std::vector<int64_t>& inside, std::vector<int64_t>& padded) {
    for (int64_t o = 0; o < a.out; ++o) {
      int64_t start, t_lo, t_hi;
      pool_taps(a, o, start, t_lo, t_hi);
      inside.push_back(t_hi - t_lo);
      padded.push_back(padded_window(a, o));
    }
  }
  static double init() { return 0.0; }
  static double combine(double s, float v) { return s + double(v); }
  float finish(double s, int64_t oh, int64_t ow) const {
    const int64_t inside = inside_h[size_t(oh)] * inside_w[size_t(ow)];
    int64_t divisor = inside;
    if (count_include_pad) divisor = padded_h[size_t(oh)] * padded_w[size_t(ow)];
    if (divisor_override > 0) divisor = divisor_override;
    return inside == 0 ? 0.0f : float(s / double(divisor));
  }
};
}  // namespace detail

inline Tensor<float> avg_pool2d_separable(const Tensor<float>& x_in, const AvgPool2dParams& p = {}) {
  const detail::PoolGeometry g = detail::avg_pool_geometry(x_in.shape(), p);
  const Tensor<float> x = x_in.contiguous();
  const int64_t N = x.size(0), C = x.size(1), plane_in = g.h.in * g.w.in, plane_out = g.h.out * g.w.out;
  Tensor<float> y = Tensor<float>::empty({N, C, g.h.out, g.w.out});
  const detail::AvgOp op(g, p);
  parallel_for(0, N * C, [&](int64_t plane) {
    std::vector<double> rows;
    detail::pool_plane_separable(x.data() + plane * plane_in, y.data() + plane * plane_out, g, rows, op);
  });
  return y;
}

inline Tensor<float> avg_pool2d(const Tensor<float>& x, const AvgPool2dParams& p = {}) {
  return avg_pool2d_separable(x, p);
}

// ---- adaptive and global pools ------------------------------------------------------------------------------

// PyTorch's adaptive window of output cell i: [floor(i·in/out), ceil((i+1)·in/out)).
inline int64_t adaptive_start(int64_t i, int64_t in, int64_t out) { return (i * in) / out; }
inline int64_t adaptive_end(int64_t i, int64_t in, int64_t out) { return ((i + 1) * in + out - 1) / out; }

inline Shape adaptive_pool2d_output_shape(const Shape& x, int64_t output_h, int64_t output_w) {
  return {x[0], x[1], output_h, output_w};
}

namespace detail {
inline void check_adaptive(const Tensor<float>& x, int64_t oh, int64_t ow, const char* op) {
  check_rank(x, 4, op, "x");
  PIXFORGE_CHECK(oh >= 1 && ow >= 1, ErrorCode::invalid_argument, op, ": output size [", oh, ",", ow,
                 "] must be positive (x=", x.shape().str(), ")");
  PIXFORGE_CHECK(x.size(2) >= 1 && x.size(3) >= 1, ErrorCode::shape_mismatch, op, ": empty input plane (x=",
                 x.shape().str(), ")");
}
// One plane; Max selects max (NaN-propagating) or average (double sum / window size).
template <bool Max>
void adaptive_plane(const float* src, float* dst, int64_t H, int64_t W, int64_t OH, int64_t OW) {
  for (int64_t oh = 0; oh < OH; ++oh) {
    const int64_t h0 = adaptive_start(oh, H, OH), h1 = adaptive_end(oh, H, OH);
    for (int64_t ow = 0; ow < OW; ++ow) {
      const int64_t w0 = adaptive_start(ow, W, OW), w1 = adaptive_end(ow, W, OW);
      float m = -std::numeric_limits<float>::infinity();
      double sum = 0.0;
      for (int64_t ih = h0; ih < h1; ++ih)
        for (int64_t iw = w0; iw < w1; ++iw) {
          if (Max) m = nan_max(m, src[ih * W + iw]);
          else sum += src[ih * W + iw];
        }
      dst[oh * OW + ow] = Max ? m : float(sum / double((h1 - h0) * (w1 - w0)));
    }
  }
}
template <bool Max>
Tensor<float> adaptive_pool(const Tensor<float>& x_in, int64_t OH, int64_t OW, bool threaded, const char* op) {
  check_adaptive(x_in, OH, OW, op);
  const Tensor<float> x = x_in.contiguous();
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  Tensor<float> y = Tensor<float>::empty({N, C, OH, OW});
  auto plane = [&](int64_t i) { adaptive_plane<Max>(x.data() + i * H * W, y.data() + i * OH * OW, H, W, OH, OW); };
  if (threaded) parallel_for(0, N * C, plane);
  else for (int64_t i = 0; i < N * C; ++i) plane(i);
  return y;
}
}  // namespace detail

inline Tensor<float> adaptive_avg_pool2d_ref(const Tensor<float>& x_in, int64_t output_h, int64_t output_w) {
  detail::check_adaptive(x_in, output_h, output_w, "adaptive_avg_pool2d");
  const Tensor<float> x = x_in.contiguous();
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  Tensor<float> y = Tensor<float>::empty({N, C, output_h, output_w});
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t oh = 0; oh < output_h; ++oh)
        for (int64_t ow = 0; ow < output_w; ++ow) {
          const int64_t h0 = adaptive_start(oh, H, output_h), h1 = adaptive_end(oh, H, output_h);
          const int64_t w0 = adaptive_start(ow, W, output_w), w1 = adaptive_end(ow, W, output_w);
          double sum = 0.0;
          for (int64_t ih = h0; ih < h1; ++ih)
            for (int64_t iw = w0; iw < w1; ++iw) sum += x(n, c, ih, iw);
          y(n, c, oh, ow) = float(sum / double((h1 - h0) * (w1 - w0)));
        }
  return y;
}

inline Tensor<float> adaptive_max_pool2d_ref(const Tensor<float>& x_in, int64_t output_h, int64_t output_w) {
  detail::check_adaptive(x_in, output_h, output_w, "adaptive_max_pool2d");
  const Tensor<float> x = x_in.contiguous();
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  Tensor<float> y = Tensor<float>::empty({N, C, output_h, output_w});
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t oh = 0; oh < output_h; ++oh)
        for (int64_t ow = 0; ow < output_w; ++ow) {
          const int64_t h0 = adaptive_start(oh, H, output_h), h1 = adaptive_end(oh, H, output_h);
          const int64_t w0 = adaptive_start(ow, W, output_w), w1 = adaptive_end(ow, W, output_w);
          float m = -std::numeric_limits<float>::infinity();
          for (int64_t ih = h0; ih < h1; ++ih)
            for (int64_t iw = w0; iw < w1; ++iw) m = detail::nan_max(m, x(n, c, ih, iw));
          y(n, c, oh, ow) = m;
        }
  return y;
}

inline Tensor<float> adaptive_avg_pool2d_planes(const Tensor<float>& x, int64_t output_h, int64_t output_w) {
  return detail::adaptive_pool<false>(x, output_h, output_w, true, "adaptive_avg_pool2d");
}
inline Tensor<float> adaptive_max_pool2d_planes(const Tensor<float>& x, int64_t output_h, int64_t output_w) {
  return detail::adaptive_pool<true>(x, output_h, output_w, true, "adaptive_max_pool2d");
}
inline Tensor<float> adaptive_avg_pool2d(const Tensor<float>& x, int64_t output_h, int64_t output_w) {
  return adaptive_avg_pool2d_planes(x, output_h, output_w);
}
inline Tensor<float> adaptive_avg_pool2d(const Tensor<float>& x, int64_t output_size) {
  return adaptive_avg_pool2d(x, output_size, output_size);
}
inline Tensor<float> adaptive_max_pool2d(const Tensor<float>& x, int64_t output_h, int64_t output_w) {
  return adaptive_max_pool2d_planes(x, output_h, output_w);
}
inline Tensor<float> adaptive_max_pool2d(const Tensor<float>& x, int64_t output_size) {
  return adaptive_max_pool2d(x, output_size, output_size);
}

// [N, C, H, W] -> [N, C, 1, 1]. The reference is the adaptive reference with a 1×1 output.
inline Tensor<float> global_avg_pool2d_ref(const Tensor<float>& x) { return adaptive_avg_pool2d_ref(x, 1, 1); }
inline Tensor<float> global_max_pool2d_ref(const Tensor<float>& x) { return adaptive_max_pool2d_ref(x, 1, 1); }
// One plane = one sum with 8 double lanes (detail::lane_sum, as the norm statistics): vectorised, and fixed
// per plane, so thread-count independent. Differs from the sequential reference only by double rounding.
inline Tensor<float> global_avg_pool2d_lanes(const Tensor<float>& x_in) {
  detail::check_adaptive(x_in, 1, 1, "global_avg_pool2d");
  const Tensor<float> x = x_in.contiguous();
  const int64_t N = x.size(0), C = x.size(1), S = x.size(2) * x.size(3);
  Tensor<float> y = Tensor<float>::empty({N, C, 1, 1});
  parallel_for(0, N * C, [&](int64_t plane) {
    double acc[detail::kMomentLanes] = {};
    detail::lane_sum(x.data() + plane * S, S, acc, [](double v) { return v; });
    y.data()[plane] = float(detail::add_lanes(acc) / double(S));
  });
  return y;
}
inline Tensor<float> global_avg_pool2d(const Tensor<float>& x) { return global_avg_pool2d_lanes(x); }
inline Tensor<float> global_max_pool2d(const Tensor<float>& x) { return adaptive_max_pool2d_planes(x, 1, 1); }

// ---- channel_mean / channel_max: reduce over C, keepdim ----------------------------------------------------

inline Shape channel_pool_output_shape(const Shape& x) { return {x[0], 1, x[2], x[3]}; }

namespace detail {
inline void check_channel_pool(const Tensor<float>& x, const char* op) {
  check_rank(x, 4, op, "x");
  PIXFORGE_CHECK(x.size(1) >= 1, ErrorCode::shape_mismatch, op, ": input has no channels (x=", x.shape().str(), ")");
}
template <bool Max>
Tensor<float> channel_pool_ref(const Tensor<float>& x_in, const char* op) {
  check_channel_pool(x_in, op);
  const Tensor<float> x = x_in.contiguous();
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  Tensor<float> y = Tensor<float>::empty({N, 1, H, W});
  for (int64_t n = 0; n < N; ++n)
    for (int64_t h = 0; h < H; ++h)
      for (int64_t w = 0; w < W; ++w) {
        float m = -std::numeric_limits<float>::infinity();
        double sum = 0.0;
        for (int64_t c = 0; c < C; ++c) {
          if (Max) m = nan_max(m, x(n, c, h, w));
          else sum += x(n, c, h, w);
        }
        y(n, 0, h, w) = Max ? m : float(sum / double(C));
      }
  return y;
}
template <bool Max>
Tensor<float> channel_pool_blocked(const Tensor<float>& x_in, const char* op) {
  check_channel_pool(x_in, op);
  const Tensor<float> x = x_in.contiguous();
  const int64_t N = x.size(0), C = x.size(1), HW = x.size(2) * x.size(3);
  constexpr int64_t kBlock = 64;
  const int64_t blocks = (HW + kBlock - 1) / kBlock;
  Tensor<float> y = Tensor<float>::empty({N, 1, x.size(2), x.size(3)});
  parallel_for(0, N * blocks, [&](int64_t unit) {
    const int64_t n = unit / blocks, p0 = (unit % blocks) * kBlock, len = std::min(kBlock, HW - p0);
    const float* src = x.data() + n * C * HW + p0;
    float* dst = y.data() + n * HW + p0;
    if (Max) {
      float m[kBlock];
      std::fill(m, m + kBlock, -std::numeric_limits<float>::infinity());
      for (int64_t c = 0; c < C; ++c)
        for (int64_t i = 0; i < len; ++i) m[i] = nan_max(m[i], src[c * HW + i]);
      for (int64_t i = 0; i < len; ++i) dst[i] = m[i];
    } else {
      double s[kBlock] = {};
      for (int64_t c = 0; c < C; ++c)
        for (int64_t i = 0; i < len; ++i) s[i] += double(src[c * HW + i]);
      for (int64_t i = 0; i < len; ++i) dst[i] = float(s[i] / double(C));
    }
  });
  return y;
}
}  // namespace detail

inline Tensor<float> channel_mean_ref(const Tensor<float>& x) {
  return detail::channel_pool_ref<false>(x, "channel_mean");
}
inline Tensor<float> channel_max_ref(const Tensor<float>& x) {
  return detail::channel_pool_ref<true>(x, "channel_max");
}
inline Tensor<float> channel_mean_blocked(const Tensor<float>& x) {
  return detail::channel_pool_blocked<false>(x, "channel_mean");
}
inline Tensor<float> channel_max_blocked(const Tensor<float>& x) {
  return detail::channel_pool_blocked<true>(x, "channel_max");
}
inline Tensor<float> channel_mean(const Tensor<float>& x) { return channel_mean_blocked(x); }
inline Tensor<float> channel_max(const Tensor<float>& x) { return channel_max_blocked(x); }

}  // namespace pixforge
