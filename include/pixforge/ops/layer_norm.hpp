// pixforge/ops/layer_norm.hpp — LayerNorm in its two forms: over the last k dims (PyTorch nn.LayerNorm), and
// over the channels of every pixel of an NCHW map (LayerNorm2d, "channels_first" LayerNorm).
//
// 1) layer_norm(x, normalized_shape, weight, bias) — PyTorch F.layer_norm. With normalized_shape = the last k
//    sizes of x (e.g. [C] for tokens [N, L, C], or [C, H, W]), every "row" of the trailing numel(normalized_shape)
//    elements is normalised by its own mean and biased variance:
//        y[r, i] = (x[r, i] − μ[r]) / sqrt(σ²[r] + eps) · γ[i] + β[i]
//    γ (weight) and β (bias) have shape normalized_shape — *per element*, unlike BatchNorm/GroupNorm's per
//    channel — and are optional (elementwise_affine=False). eps default 1e-5.
//    Used by: transformer blocks (SwinIR, Restormer's WithBias_LayerNorm after to_3d, attention in SD-style nets).
//
// 2) layer_norm2d(x, weight, bias) — x is [N, C, H, W]; every pixel (n, h, w) is normalised over its C channels:
//        μ[n,h,w] = (1/C) Σ_c x[n,c,h,w]        σ²[n,h,w] = (1/C) Σ_c (x[n,c,h,w] − μ)²
//        y[n,c,h,w] = γ[c] · (x[n,c,h,w] − μ[n,h,w]) / sqrt(σ²[n,h,w] + eps) + β[c]
//    γ, β are [C]. Equal to permute(0,2,3,1) → F.layer_norm(·, [C]) → permute(0,3,1,2), without the transposes.
//    Used by: NAFNet's LayerNorm2d (eps 1e-6), ConvNeXt's LayerNorm(data_format="channels_first") (eps 1e-6),
//    hence the default eps 1e-6 here; Restormer uses eps 1e-5 — take it from the model.
//
// Pitfalls: do not confuse layer_norm2d with GroupNorm(1, C) (normalises over C *and* H, W) or with
// layer_norm(x, [C, H, W]) (one statistic per sample). Variance is biased (divide by the count, not count − 1),
// like torch.var(unbiased=False) — ConvNeXt/NAFNet compute it by hand as (x − u).pow(2).mean(1), which agrees.
//
// Statistics: two-pass in double. layer_norm rows use ops/moments.hpp (one thread per row); layer_norm2d sums
// over c in increasing order for every pixel, in the reference and in the blocked path alike.
//
// Implementations (E = elements of x):
//   layer_norm_ref, layer_norm2d_ref   the formulas, for reading                              ~5 flops/E
//   layer_norm_rows                    per row: moments(), then x·scale + shift per element; threaded over rows
//   layer_norm2d_blocked               64 pixels at a time: accumulate per-pixel sums over C in double vectors
//                                      (reads stay contiguous along W), threaded over (n, pixel block)
//   layer_norm, layer_norm2d           the dispatchers.
//
//     auto t = pixforge::layer_norm(tokens, {C}, ln_weight, ln_bias);        // tokens [N, L, C]
//     auto y = pixforge::layer_norm2d(x, norm1_weight, norm1_bias);          // NAFNet block, x [N, C, H, W]
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "pixforge/core/parallel.hpp"
#include "pixforge/core/tensor.hpp"
#include "pixforge/ops/moments.hpp"

namespace pixforge {

struct LayerNormParams {
  float eps = 1e-5f;
};

struct LayerNorm2dParams {
  float eps = 1e-6f;
};

inline Shape layer_norm_output_shape(const Shape& x) { return x; }
inline Shape layer_norm2d_output_shape(const Shape& x) { return x; }

namespace detail {
// Validates and returns the row length numel(normalized_shape).
inline int64_t check_layer_norm(const Tensor<float>& x, const std::vector<int64_t>& normalized_shape,
                                const Tensor<float>& weight, const Tensor<float>& bias, const LayerNormParams& p) {
  const int k = int(normalized_shape.size());
  PIXFORGE_CHECK(k >= 1 && k <= x.dim(), ErrorCode::shape_mismatch, "layer_norm: normalized_shape ",
                 shape_str(normalized_shape), " must name 1..", x.dim(), " trailing dims of x=", x.shape().str());
  int64_t row = 1;
  for (int i = 0; i < k; ++i) {
    PIXFORGE_CHECK(x.size(x.dim() - k + i) == normalized_shape[size_t(i)], ErrorCode::shape_mismatch,
                   "layer_norm: normalized_shape ", shape_str(normalized_shape),
                   " does not match the trailing dims of x=", x.shape().str());
    row *= normalized_shape[size_t(i)];
  }
  PIXFORGE_CHECK(p.eps >= 0.0f, ErrorCode::invalid_argument, "layer_norm: eps must be >= 0, got ", p.eps);
  const Shape ns(normalized_shape);
  PIXFORGE_CHECK(!weight.defined() || weight.shape() == ns, ErrorCode::shape_mismatch, "layer_norm: weight has shape ",
                 weight.shape().str(), ", expected normalized_shape ", ns.str(), " (x=", x.shape().str(), ")");
  PIXFORGE_CHECK(!bias.defined() || bias.shape() == ns, ErrorCode::shape_mismatch, "layer_norm: bias has shape ",
                 bias.shape().str(), ", expected normalized_shape ", ns.str(), " (x=", x.shape().str(), ")");
  return row;
}
inline void check_layer_norm2d(const Tensor<float>& x, const Tensor<float>& weight, const Tensor<float>& bias,
                               const LayerNorm2dParams& p) {
  check_rank(x, 4, "layer_norm2d", "x");
  PIXFORGE_CHECK(p.eps >= 0.0f, ErrorCode::invalid_argument, "layer_norm2d: eps must be >= 0, got ", p.eps);
  check_channel_vector(weight, x.size(1), "layer_norm2d", "weight", x, true);
  check_channel_vector(bias, x.size(1), "layer_norm2d", "bias", x, true);
}
}  // namespace detail

// ---- layer_norm over the trailing dims ----------------------------------------------------------------------

inline Tensor<float> layer_norm_ref(const Tensor<float>& x_in, const std::vector<int64_t>& normalized_shape,
                                    const Tensor<float>& weight = {}, const Tensor<float>& bias = {},
                                    const LayerNormParams& p = {}) {
  const int64_t D = detail::check_layer_norm(x_in, normalized_shape, weight, bias, p);
  const Tensor<float> x = x_in.contiguous(), g = weight.contiguous(), b = bias.contiguous();
  const int64_t R = D > 0 ? x.numel() / D : 0;
  Tensor<float> y = Tensor<float>::empty(x.shape());
  for (int64_t r = 0; r < R; ++r) {
    const Moments m = moments_ref(x.data() + r * D, 1, D, D);
    const float mean = float(m.mean), var = float(m.var);
    for (int64_t i = 0; i < D; ++i) {
      const float gamma = g.defined() ? g.data()[i] : 1.0f, beta = b.defined() ? b.data()[i] : 0.0f;
      y.data()[r * D + i] = (x.data()[r * D + i] - mean) / std::sqrt(var + p.eps) * gamma + beta;
    }
  }
  return y;
}

inline Tensor<float> layer_norm_rows(const Tensor<float>& x_in, const std::vector<int64_t>& normalized_shape,
                                     const Tensor<float>& weight = {}, const Tensor<float>& bias = {},
                                     const LayerNormParams& p = {}) {
  const int64_t D = detail::check_layer_norm(x_in, normalized_shape, weight, bias, p);
  const Tensor<float> x = x_in.contiguous(), g = weight.contiguous(), b = bias.contiguous();
  const int64_t R = D > 0 ? x.numel() / D : 0;
  Tensor<float> y = Tensor<float>::empty(x.shape());
  parallel_for(0, R, [&](int64_t r) {
    const float* src = x.data() + r * D;
    float* dst = y.data() + r * D;
    const Moments m = moments(src, 1, D, D);
    const float inv_std = float(1.0 / std::sqrt(m.var + double(p.eps)));
    const SplitMean mu(m.mean);
    if (g.defined() && b.defined()) {
      for (int64_t i = 0; i < D; ++i) dst[i] = ((src[i] - mu.hi) - mu.lo) * inv_std * g.data()[i] + b.data()[i];
    } else {
      for (int64_t i = 0; i < D; ++i)
        dst[i] = ((src[i] - mu.hi) - mu.lo) * inv_std * (g.defined() ? g.data()[i] : 1.0f) +
                 (b.defined() ? b.data()[i] : 0.0f);
    }
  });
  return y;
}

inline Tensor<float> layer_norm(const Tensor<float>& x, const std::vector<int64_t>& normalized_shape,
                                const Tensor<float>& weight = {}, const Tensor<float>& bias = {},
                                const LayerNormParams& p = {}) {
  return layer_norm_rows(x, normalized_shape, weight, bias, p);
}

// ---- layer_norm2d: over C at every pixel of [N, C, H, W] ----------------------------------------------------

inline Tensor<float> layer_norm2d_ref(const Tensor<float>& x_in, const Tensor<float>& weight = {},
                                      const Tensor<float>& bias = {}, const LayerNorm2dParams& p = {}) {
  detail::check_layer_norm2d(x_in, weight, bias, p);
  const Tensor<float> x = x_in.contiguous(), g = weight.contiguous(), b = bias.contiguous();
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  Tensor<float> y = Tensor<float>::empty(x.shape());
  for (int64_t n = 0; n < N; ++n)
    for (int64_t h = 0; h < H; ++h)
      for (int64_t w = 0; w < W; ++w) {
        const Moments m = moments_ref(&x(n, 0, h, w), C, H * W, 1);  // C spans of 1 element, H·W apart
        const float mean = float(m.mean), var = float(m.var);
        for (int64_t c = 0; c < C; ++c) {
          const float gamma = detail::value_or(g, c, 1.0f), beta = detail::value_or(b, c, 0.0f);
          y(n, c, h, w) = gamma * (x(n, c, h, w) - mean) / std::sqrt(var + p.eps) + beta;
        }
      }
  return y;
}

inline Tensor<float> layer_norm2d_blocked(const Tensor<float>& x_in, const Tensor<float>& weight = {},
                                          const Tensor<float>& bias = {}, const LayerNorm2dParams& p = {}) {
  detail::check_layer_norm2d(x_in, weight, bias, p);
  const Tensor<float> x = x_in.contiguous(), g = weight.contiguous(), b = bias.contiguous();
  const int64_t N = x.size(0), C = x.size(1), HW = x.size(2) * x.size(3);
  constexpr int64_t kBlock = 64;  // pixels per work unit: a constant, so results do not depend on threads
  const int64_t blocks = (HW + kBlock - 1) / kBlock;
  Tensor<float> y = Tensor<float>::empty(x.shape());
  parallel_for(0, N * blocks, [&](int64_t unit) {
    const int64_t n = unit / blocks, p0 = (unit % blocks) * kBlock;
    const int64_t len = std::min(kBlock, HW - p0);
    const float* src = x.data() + n * C * HW + p0;
    float* dst = y.data() + n * C * HW + p0;
    double sum[kBlock] = {}, sq[kBlock] = {};
    for (int64_t c = 0; c < C; ++c)
      for (int64_t i = 0; i < len; ++i) sum[i] += double(src[c * HW + i]);
    for (int64_t i = 0; i < len; ++i) sum[i] /= double(C);  // now the mean
    for (int64_t c = 0; c < C; ++c)
      for (int64_t i = 0; i < len; ++i) {
        const double d = double(src[c * HW + i]) - sum[i];
        sq[i] += d * d;
      }
    float mean_hi[kBlock], mean_lo[kBlock], inv_std[kBlock];  // the mean as a SplitMean pair
    for (int64_t i = 0; i < len; ++i) {
      mean_hi[i] = float(sum[i]);
      mean_lo[i] = float(sum[i] - double(mean_hi[i]));
      inv_std[i] = float(1.0 / std::sqrt(sq[i] / double(C) + double(p.eps)));
    }
    for (int64_t c = 0; c < C; ++c) {
      const float gamma = detail::value_or(g, c, 1.0f), beta = detail::value_or(b, c, 0.0f);
      for (int64_t i = 0; i < len; ++i)
        dst[c * HW + i] = ((src[c * HW + i] - mean_hi[i]) - mean_lo[i]) * inv_std[i] * gamma + beta;
    }
  });
  return y;
}

inline Tensor<float> layer_norm2d(const Tensor<float>& x, const Tensor<float>& weight = {},
                                  const Tensor<float>& bias = {}, const LayerNorm2dParams& p = {}) {
  return layer_norm2d_blocked(x, weight, bias, p);
}

}  // namespace pixforge
