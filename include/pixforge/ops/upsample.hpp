// pixforge/ops/upsample.hpp — interpolate (resize) of [N, C, H, W] tensors: nearest, nearest-exact, bilinear,
// bicubic (PyTorch 1.13 F.interpolate, bit-exact source indices) and TensorFlow 1's nearest rule.
//
// Resampling is separable: each output pixel is a weighted sum over a few source rows times a few source columns,
//
//     y[n, c, oy, ox] = Σ_ty wy[oy][ty] · ( Σ_tx wx[ox][tx] · x[n, c, iy[oy][ty], ix[ox][tx]] )
//
// with 1 tap (nearest), 2 taps (bilinear) or 4 taps (bicubic) per axis. Everything mode-specific lives in how one
// axis maps an output index i to taps, given the input size `in`, the output size `out` and a float `scale`:
//
//   scale (PyTorch): size given -> in/out; scale_factor s given -> 1/s (computed in double, then float);
//                    align_corners (bilinear/bicubic) -> (in−1)/(out−1), 0 when out = 1.
//   nearest          src = min(floor(i·scale), in−1) in float32: 'legacy' nearest, the default of nn.Upsample /
//                    F.interpolate. Quirk of torch 1.13 (CPU), matched here: when the input is also channels-last
//                    contiguous — for an NCHW tensor that means C = 1 (masks, grey images) — torch runs its
//                    channels-last kernel, whose nearest_idx() short-cuts out = in to src = i and out = 2·in to
//                    src = i/2. That differs from the formula only for scale factors that leave the size unchanged
//                    or exactly doubled without being 1 or 2 (7 px × 1.1 -> 7 px: rows 0,0,1,2,3,4,5 for C > 1 but
//                    an unchanged copy for C = 1; 2 px × 2.3 -> 4 px: 0,0,0,1 vs 0,0,1,1).
//   nearest_exact    src = min(floor((i + 0.5)·scale), in−1)  (Pillow / scikit-image; torch 'nearest-exact').
//   bilinear         x = scale·(i + 0.5) − 0.5 clamped at 0 (align_corners: x = scale·i); taps floor(x) and
//                    floor(x)+1 (clamped to in−1), weights 1−λ, λ with λ = x − floor(x); x in double, as torch's
//                    CPU kernel computes it. out = in: a plain copy (torch's shortcut, also for scale factors ≠ 1).
//   bicubic          x as bilinear but *not* clamped at 0; taps floor(x)−1 … floor(x)+2 clamped to [0, in−1];
//                    Keys' cubic convolution with a = −0.75 (PyTorch's choice; Pillow/Matlab use −0.5):
//                    w(d) = (a+2)|d|³ − (a+3)|d|² + 1 for |d| ≤ 1, a|d|³ − 5a|d|² + 8a|d| − 4a for 1 < |d| < 2.
//   nearest_tf       TensorFlow 1 tf.image.resize_nearest_neighbor (half_pixel_centers=False). With align_corners:
//                    scale = (in−1)/(out−1) and src = min(round_half_away(i·scale), in−1) in float32 — the rule
//                    DeepFill's contextual attention (via neuralgym) depends on: 64 -> 32 picks 0, 2, …, 30, 33, 35,
//                    …, 63. Without align_corners: floor(i·in/out), i.e. PyTorch's nearest. No torch op computes the
//                    align_corners rule; its golden data comes from a numpy transcription of these formulas.
//
//     using M = InterpolateMode;
//     auto up = interpolate(x, InterpolateParams::by_scale(2.0, M::nearest));   // nn.Upsample(scale_factor=2)
//     auto sz = interpolate(x, InterpolateParams::to_size(256, 256, M::bilinear, /*align_corners=*/true));
//
// Output size: size = (H_out, W_out), or floor(H·s_h), floor(W·s_w) for scale factors (in double, like torch).
// recompute_scale_factor = true computes that size and then forgets the factors (scale = in/out).
//
// Who uses it: nn.Upsample(scale_factor=2, mode='nearest') + conv in ESRGAN/RRDBNet, Real-ESRGAN, waifu2x cunet-like
// decoders, DeepFill, DCGAN-style decoders; bilinear ×2 (U²-Net side outputs, align_corners=False) and bilinear with
// align_corners=True (PEN-Net); bicubic for the SR baseline (pre-upsampled input of SRCNN/VDSR) and the Real-ESRGAN
// x1/x2 output resize; nearest_tf in DeepFill v1/v2 contextual attention.
//
// Pitfalls: 'nearest' is not 'nearest-exact' (it is shifted by half a source pixel when down-sampling); size vs
// scale_factor call styles differ for non-integer factors (1/s vs in/out); bicubic overshoots (values outside the
// input range — clamp afterwards when writing 8-bit images); align_corners=True changes the geometry, not just the
// border. Antialiasing for down-sampling (antialias=True in torch) is not implemented.
//
// Implementations:
//   interpolate_ref          one loop per output index, formula order; per-axis taps computed on the fly.
//   interpolate_nearest_gather  nearest modes: per-axis index tables, each output row a gather from one input row.
//   interpolate_separable    bilinear/bicubic: per-axis (index, weight) tables; for a block of 32 output rows of
//                            one plane, a horizontal pass over the input rows the block needs, then a vertical
//                            pass. Same arithmetic order as the reference (rows of taps are summed inside).
//   Cost per output element: taps_y·(taps_x + 1)·2 flops roughly (2·(2+1)·2 = 12 bilinear, 40 bicubic).
// Work units (row blocks of a plane) do not depend on the thread count: bit-identical for any number of threads.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "pixforge/core/error.hpp"
#include "pixforge/core/parallel.hpp"
#include "pixforge/core/tensor.hpp"

namespace pixforge {

enum class InterpolateMode { nearest, nearest_exact, bilinear, bicubic, nearest_tf };

inline const char* interpolate_mode_name(InterpolateMode m) {
  switch (m) {
    case InterpolateMode::nearest: return "nearest";
    case InterpolateMode::nearest_exact: return "nearest_exact";
    case InterpolateMode::bilinear: return "bilinear";
    case InterpolateMode::bicubic: return "bicubic";
    case InterpolateMode::nearest_tf: return "nearest_tf";
  }
  return "?";
}

struct InterpolateParams {
  InterpolateMode mode = InterpolateMode::nearest;
  int64_t size_h = 0, size_w = 0;   // output size (F.interpolate size=); 0 = use the scale factors
  double scale_h = 0, scale_w = 0;  // F.interpolate scale_factor=; used when no size is given
  bool align_corners = false;       // bilinear, bicubic, nearest_tf only
  bool recompute_scale_factor = false;

  static InterpolateParams to_size(int64_t h, int64_t w, InterpolateMode mode, bool align_corners = false) {
    InterpolateParams p;
    p.mode = mode;
    p.size_h = h;
    p.size_w = w;
    p.align_corners = align_corners;
    return p;
  }
  static InterpolateParams by_scale(double sh, double sw, InterpolateMode mode, bool align_corners = false) {
    InterpolateParams p;
    p.mode = mode;
    p.scale_h = sh;
    p.scale_w = sw;
    p.align_corners = align_corners;
    return p;
  }
  static InterpolateParams by_scale(double s, InterpolateMode mode, bool align_corners = false) {
    return by_scale(s, s, mode, align_corners);
  }
};

namespace detail {
inline bool uses_size(const InterpolateParams& p) { return p.size_h > 0 || p.size_w > 0; }

inline void check_interpolate_args(const Tensor<float>& x, const InterpolateParams& p) {
  check_rank(x, 4, "interpolate", "input");
  const char* mode = interpolate_mode_name(p.mode);
  if (uses_size(p)) {
    PIXFORGE_CHECK(p.size_h > 0 && p.size_w > 0, ErrorCode::invalid_argument, "interpolate(", mode,
                   "): output size ", p.size_h, "x", p.size_w, " must be positive (x=", x.shape().str(), ")");
    PIXFORGE_CHECK(p.scale_h == 0 && p.scale_w == 0, ErrorCode::invalid_argument, "interpolate(", mode,
                   "): give either a size or scale factors, not both (x=", x.shape().str(), ")");
  } else {
    PIXFORGE_CHECK(p.scale_h > 0 && p.scale_w > 0 && std::isfinite(p.scale_h) && std::isfinite(p.scale_w),
                   ErrorCode::invalid_argument, "interpolate(", mode, "): need a size or positive scale factors, got ",
                   p.scale_h, ", ", p.scale_w, " (x=", x.shape().str(), ")");
  }
  const bool corners_ok = p.mode == InterpolateMode::bilinear || p.mode == InterpolateMode::bicubic ||
                          p.mode == InterpolateMode::nearest_tf;
  PIXFORGE_CHECK(!p.align_corners || corners_ok, ErrorCode::invalid_argument, "interpolate(", mode,
                 "): align_corners only applies to bilinear, bicubic and nearest_tf");
  PIXFORGE_CHECK(x.size(2) > 0 && x.size(3) > 0, ErrorCode::invalid_argument, "interpolate(", mode,
                 "): empty input x=", x.shape().str());
}

// torch: floor(in · scale_factor) in double.
inline int64_t scaled_size(int64_t in, double s) { return static_cast<int64_t>(std::floor(double(in) * s)); }

// One axis of a resize: sizes, the float scale PyTorch/TF compute, and the mode. taps() gives the source indices
// and weights for output index i; everything below uses only this.
struct ResizeAxis {
  int64_t in = 0, out = 0;
  float scale = 0;
  InterpolateMode mode = InterpolateMode::nearest;
  bool align_corners = false;
  bool nearest_shortcuts = false;  // torch's channels-last nearest_idx() (see the header comment)

  ResizeAxis(int64_t in_size, int64_t out_size, double scale_factor, InterpolateMode m, bool corners,
             bool shortcuts = false)
      : in(in_size), out(out_size), mode(m), align_corners(corners), nearest_shortcuts(shortcuts) {
    // scale_factor <= 0 means "none given" (torch's compute_scales_value / area_pixel_compute_scale).
    const float from_sizes = float(in) / float(out);
    const float from_factor = scale_factor > 0 ? float(1.0 / scale_factor) : from_sizes;
    if (align_corners)
      scale = out > 1 ? float(in - 1) / float(out - 1) : (mode == InterpolateMode::nearest_tf ? from_sizes : 0.0f);
    else
      scale = mode == InterpolateMode::nearest_tf ? from_sizes : from_factor;
  }

  static constexpr int kMaxTaps = 4;
  int num_taps() const {
    switch (mode) {
      case InterpolateMode::bilinear: return 2;
      case InterpolateMode::bicubic: return 4;
      default: return 1;
    }
  }
  int64_t clamp_index(int64_t i) const { return std::min(std::max(i, int64_t(0)), in - 1); }

  // Fills idx[0..num_taps) and w[0..num_taps) for output index i.
  void taps(int64_t i, int64_t* idx, float* w) const {
    switch (mode) {
      case InterpolateMode::nearest:
        if (nearest_shortcuts && (out == in || out == 2 * in))
          idx[0] = out == in ? i : i / 2;
        else
          idx[0] = clamp_index(int64_t(std::floor(float(i) * scale)));
        w[0] = 1.0f;
        return;
      case InterpolateMode::nearest_exact:
        idx[0] = clamp_index(int64_t(std::floor((float(i) + 0.5f) * scale)));
        w[0] = 1.0f;
        return;
      case InterpolateMode::nearest_tf: {
        const float v = float(i) * scale;
        idx[0] = clamp_index(int64_t(align_corners ? std::round(v) : std::floor(v)));  // round: half away from 0
        w[0] = 1.0f;
        return;
      }
      case InterpolateMode::bilinear: {
        if (out == in) {  // torch copies (matters only for scale factors that keep the size, e.g. 1.1 on 5 px)
          idx[0] = idx[1] = i;
          w[0] = 1.0f;
          w[1] = 0.0f;
          return;
        }
        // torch evaluates this source coordinate in double ("accscalar_t") from the float scale.
        const double s = scale;
        const double x = align_corners ? s * double(i) : std::max(s * (double(i) + 0.5) - 0.5, 0.0);
        const int64_t i0 = int64_t(x);
        idx[0] = i0;
        idx[1] = i0 < in - 1 ? i0 + 1 : i0;
        w[1] = float(x - double(i0));
        w[0] = 1.0f - w[1];
        return;
      }
      case InterpolateMode::bicubic: {
        const float x = align_corners ? scale * float(i) : scale * (float(i) + 0.5f) - 0.5f;
        const float fl = std::floor(x);
        const float t = x - fl;
        cubic_weights(t, w);
        for (int k = 0; k < 4; ++k) idx[k] = clamp_index(int64_t(fl) - 1 + k);
        return;
      }
    }
  }

  // Keys' cubic convolution weights for the taps at distances 1+t, t, 1−t, 2−t (torch's
  // get_cubic_upsample_coefficients, same expression order).
  static void cubic_weights(float t, float* w) {
    const float A = -0.75f;
    auto within1 = [A](float d) { return ((A + 2) * d - (A + 3)) * d * d + 1; };     // |d| <= 1
    auto within2 = [A](float d) { return ((A * d - 5 * A) * d + 8 * A) * d - 4 * A; };  // 1 < |d| < 2
    w[0] = within2(t + 1.0f);
    w[1] = within1(t);
    w[2] = within1(1.0f - t);
    w[3] = within2(1.0f - t + 1.0f);
  }
};

inline ResizeAxis make_axis(const Tensor<float>& x, const InterpolateParams& p, int dim, int64_t out) {
  const bool factors = !uses_size(p) && !p.recompute_scale_factor;
  const double s = factors ? (dim == 2 ? p.scale_h : p.scale_w) : 0.0;
  // torch 1.13 takes its channels-last kernel when an NCHW tensor is also channels-last contiguous: C = 1 or
  // H = W = 1 (for the latter the shortcuts change nothing).
  const bool channels_last_too = x.size(1) == 1 || (x.size(2) == 1 && x.size(3) == 1);
  return ResizeAxis(x.size(dim), out, s, p.mode, p.align_corners, channels_last_too);
}

// Per-axis tables: taps for every output index, laid out [out][num_taps].
struct ResizeTable {
  int taps = 1;
  std::vector<int64_t> idx;
  std::vector<float> w;
  explicit ResizeTable(const ResizeAxis& a) : taps(a.num_taps()), idx(size_t(a.out * taps)), w(size_t(a.out * taps)) {
    for (int64_t i = 0; i < a.out; ++i) a.taps(i, &idx[size_t(i * taps)], &w[size_t(i * taps)]);
  }
};
}  // namespace detail

inline Shape interpolate_output_shape(const Shape& x, const InterpolateParams& p) {
  if (detail::uses_size(p)) return Shape{x[0], x[1], p.size_h, p.size_w};
  return Shape{x[0], x[1], detail::scaled_size(x[2], p.scale_h), detail::scaled_size(x[3], p.scale_w)};
}

namespace detail {
inline Shape checked_interpolate_shape(const Tensor<float>& x, const InterpolateParams& p) {
  check_interpolate_args(x, p);
  const Shape s = interpolate_output_shape(x.shape(), p);
  PIXFORGE_CHECK(s[2] > 0 && s[3] > 0, ErrorCode::invalid_argument, "interpolate(", interpolate_mode_name(p.mode),
                 "): scale factors ", p.scale_h, ", ", p.scale_w, " give an empty output ", s.str(), " for x=",
                 x.shape().str());
  return s;
}
}  // namespace detail

// ---- reference ----------------------------------------------------------------------------------------------

inline Tensor<float> interpolate_ref(const Tensor<float>& x, const InterpolateParams& p) {
  const Shape out = detail::checked_interpolate_shape(x, p);
  const detail::ResizeAxis ay = detail::make_axis(x, p, 2, out[2]), ax = detail::make_axis(x, p, 3, out[3]);
  Tensor<float> y = Tensor<float>::empty(out);
  const int ty_n = ay.num_taps(), tx_n = ax.num_taps();
  for (int64_t n = 0; n < out[0]; ++n)
    for (int64_t c = 0; c < out[1]; ++c)
      for (int64_t oy = 0; oy < out[2]; ++oy)
        for (int64_t ox = 0; ox < out[3]; ++ox) {
          int64_t iy[4] = {}, ix[4] = {};
          float wy[4] = {}, wx[4] = {};
          ay.taps(oy, iy, wy);
          ax.taps(ox, ix, wx);
          float acc = 0.0f;
          for (int ty = 0; ty < ty_n; ++ty) {
            float row = 0.0f;  // the horizontal interpolation of source row iy[ty]
            for (int tx = 0; tx < tx_n; ++tx) row += wx[tx] * x(n, c, iy[ty], ix[tx]);
            acc += wy[ty] * row;
          }
          y(n, c, oy, ox) = acc;
        }
  return y;
}

// ---- fast paths ---------------------------------------------------------------------------------------------

// Nearest modes (1 tap, weight 1): a gather per output row.
inline Tensor<float> interpolate_nearest_gather(const Tensor<float>& x_in, const InterpolateParams& p) {
  const Shape out = detail::checked_interpolate_shape(x_in, p);
  PIXFORGE_CHECK(p.mode == InterpolateMode::nearest || p.mode == InterpolateMode::nearest_exact ||
                     p.mode == InterpolateMode::nearest_tf,
                 ErrorCode::invalid_argument, "interpolate_nearest_gather: mode ", interpolate_mode_name(p.mode),
                 " is not a nearest mode");
  const Tensor<float> x = x_in.contiguous();
  const detail::ResizeTable ty(detail::make_axis(x, p, 2, out[2])), tx(detail::make_axis(x, p, 3, out[3]));
  Tensor<float> y = Tensor<float>::empty(out);
  const int64_t H = x.size(2), W = x.size(3), OH = out[2], OW = out[3];
  const int64_t* ix = tx.idx.data();
  parallel_for_chunked(0, out[0] * out[1] * OH, 64, [&](int64_t lo, int64_t hi) {
    for (int64_t row = lo; row < hi; ++row) {
      const int64_t plane = row / OH, oy = row % OH;
      const float* src = x.data() + (plane * H + ty.idx[size_t(oy)]) * W;
      float* dst = y.data() + row * OW;
      for (int64_t ox = 0; ox < OW; ++ox) dst[ox] = src[ix[ox]];
    }
  });
  return y;
}

namespace detail {
// One work unit of interpolate_separable: output rows [oy0, oy1) of one plane (xp: [H, W] -> yp: [OH, OW]).
// Taps is a compile-time constant so the tap loops unroll and the vertical pass vectorises over ox. Both passes
// sum their taps in the reference's order, starting from 0. Output row oy goes to yp + (oy − yrow0)·OW: yrow0 > 0
// fills a buffer that holds only some rows of the output (models/u2net_bands.hpp); each row's bits are the same.
template <int Taps>
void resize_rows(const float* xp, int64_t H, int64_t W, float* yp, int64_t OW, int64_t oy0, int64_t oy1,
                 const ResizeTable& ty, const ResizeTable& tx, int64_t yrow0 = 0) {
  // Input rows this block reads: the min/max over the taps of its output rows.
  int64_t r0 = H, r1 = -1;
  for (int64_t k = oy0 * Taps; k < oy1 * Taps; ++k) {
    r0 = std::min(r0, ty.idx[size_t(k)]);
    r1 = std::max(r1, ty.idx[size_t(k)]);
  }
  // Horizontal pass: tmp[r - r0][ox] = Σ_tx wx · x[r][ix].
  std::vector<float> tmp(size_t((r1 - r0 + 1) * OW));
  for (int64_t r = r0; r <= r1; ++r) {
    const float* src = xp + r * W;
    float* t = tmp.data() + (r - r0) * OW;
    for (int64_t ox = 0; ox < OW; ++ox) {
      const int64_t* ix = &tx.idx[size_t(ox * Taps)];
      const float* wx = &tx.w[size_t(ox * Taps)];
      float acc = 0.0f;
      for (int k = 0; k < Taps; ++k) acc += wx[k] * src[ix[k]];
      t[ox] = acc;
    }
  }
  // Vertical pass: y[oy][ox] = Σ_ty wy · tmp[iy][ox], a weighted sum of whole rows.
  for (int64_t oy = oy0; oy < oy1; ++oy) {
    const float* rows[Taps];
    float wy[Taps];
    for (int k = 0; k < Taps; ++k) {
      rows[k] = tmp.data() + (ty.idx[size_t(oy * Taps + k)] - r0) * OW;
      wy[k] = ty.w[size_t(oy * Taps + k)];
    }
    float* dst = yp + (oy - yrow0) * OW;
    for (int64_t ox = 0; ox < OW; ++ox) {
      float acc = 0.0f;
      for (int k = 0; k < Taps; ++k) acc += wy[k] * rows[k][ox];
      dst[ox] = acc;
    }
  }
}
}  // namespace detail

// Bilinear / bicubic (any mode works, nearest as 1 tap): separable, blocks of output rows per plane.
inline Tensor<float> interpolate_separable(const Tensor<float>& x_in, const InterpolateParams& p) {
  const Shape out = detail::checked_interpolate_shape(x_in, p);
  const Tensor<float> x = x_in.contiguous();
  const detail::ResizeTable ty(detail::make_axis(x, p, 2, out[2])), tx(detail::make_axis(x, p, 3, out[3]));
  Tensor<float> y = Tensor<float>::empty(out);
  const int64_t H = x.size(2), W = x.size(3), OH = out[2], OW = out[3];
  constexpr int64_t kRowBlock = 32;
  const int64_t blocks = (OH + kRowBlock - 1) / kRowBlock;
  parallel_for(0, out[0] * out[1] * blocks, [&](int64_t unit) {
    const int64_t plane = unit / blocks, oy0 = (unit % blocks) * kRowBlock, oy1 = std::min(oy0 + kRowBlock, OH);
    const float* xp = x.data() + plane * H * W;
    float* yp = y.data() + plane * OH * OW;
    switch (tx.taps) {  // both axes use the same mode, hence the same number of taps
      case 1: return detail::resize_rows<1>(xp, H, W, yp, OW, oy0, oy1, ty, tx);
      case 2: return detail::resize_rows<2>(xp, H, W, yp, OW, oy0, oy1, ty, tx);
      default: return detail::resize_rows<4>(xp, H, W, yp, OW, oy0, oy1, ty, tx);
    }
  });
  return y;
}

// ---- dispatcher ---------------------------------------------------------------------------------------------

// F.interpolate(x, size=... | scale_factor=..., mode=..., align_corners=..., recompute_scale_factor=...)
inline Tensor<float> interpolate(const Tensor<float>& x, const InterpolateParams& p) {
  if (p.mode == InterpolateMode::bilinear || p.mode == InterpolateMode::bicubic) return interpolate_separable(x, p);
  return interpolate_nearest_gather(x, p);
}

// nn.Upsample-style shorthand: interpolate by one scale factor for both axes.
inline Tensor<float> upsample(const Tensor<float>& x, double scale_factor,
                              InterpolateMode mode = InterpolateMode::nearest, bool align_corners = false) {
  return interpolate(x, InterpolateParams::by_scale(scale_factor, mode, align_corners));
}

}  // namespace pixforge
