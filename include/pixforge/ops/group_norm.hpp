// pixforge/ops/group_norm.hpp — GroupNorm: split the channels into G groups, normalise each (sample, group).
//
//   group g holds channels [g·C/G, (g+1)·C/G)
//   μ[n,g], σ²[n,g] = mean and biased variance over those channels and all of H×W   (divide by (C/G)·H·W)
//   y[n,c,h,w] = γ[c] · (x[n,c,h,w] − μ[n,g(c)]) / sqrt(σ²[n,g(c)] + eps) + β[c]
//
// Shapes: x is [N, C, ...] (rank ≥ 2), C divisible by num_groups; γ (weight), β (bias) are [C] (per *channel*,
// not per group) and optional. eps default 1e-5 (PyTorch); diffusion-model VAEs and U-Nets use GroupNorm(32, C)
// with eps 1e-6. G = C is instance norm (with per-channel γ, β); G = 1 normalises each sample over (C, H, W),
// i.e. LayerNorm over [C, H, W] but with per-channel instead of per-element γ, β.
//
// Statistics: two-pass, in double (ops/moments.hpp). The channels of one group are contiguous in NCHW, so a
// group is one contiguous span of (C/G)·H·W floats, reduced by one thread — results do not depend on the number
// of threads.
//
// Implementations:
//   group_norm_ref      the formula per element                                   ~5 flops/element + a sqrt
//   group_norm_groups   statistics per (n, g), then y = (x − μ)·scale[c] + β[c] with scale = γ/sqrt(σ²+eps)
//                       (subtracting μ, as a SplitMean, first stays accurate when |μ| >> σ); threaded over the
//                       N·G groups. ~7 flops/element.
//   group_norm          the dispatcher (→ group_norm_groups).
//
//     auto y = pixforge::group_norm(x, gamma, beta, {/*num_groups=*/32, /*eps=*/1e-6f});
#pragma once

#include <cmath>
#include <cstdint>

#include "pixforge/core/parallel.hpp"
#include "pixforge/core/tensor.hpp"
#include "pixforge/ops/moments.hpp"

namespace pixforge {

struct GroupNormParams {
  int64_t num_groups = 32;
  float eps = 1e-5f;
};

inline Shape group_norm_output_shape(const Shape& x) { return x; }

namespace detail {
inline void check_group_norm(const Tensor<float>& x, const Tensor<float>& weight, const Tensor<float>& bias,
                             const GroupNormParams& p) {
  PIXFORGE_CHECK(x.dim() >= 2, ErrorCode::shape_mismatch, "group_norm: input must be [N, C, ...], got ",
                 x.shape().str());
  PIXFORGE_CHECK(p.num_groups >= 1, ErrorCode::invalid_argument, "group_norm: num_groups must be >= 1, got ",
                 p.num_groups);
  PIXFORGE_CHECK(x.size(1) % p.num_groups == 0, ErrorCode::shape_mismatch, "group_norm: ", x.size(1),
                 " channels are not divisible by num_groups=", p.num_groups, " (x=", x.shape().str(), ")");
  PIXFORGE_CHECK(p.eps >= 0.0f, ErrorCode::invalid_argument, "group_norm: eps must be >= 0, got ", p.eps);
  check_channel_vector(weight, x.size(1), "group_norm", "weight", x, true);
  check_channel_vector(bias, x.size(1), "group_norm", "bias", x, true);
}
}  // namespace detail

inline Tensor<float> group_norm_ref(const Tensor<float>& x_in, const Tensor<float>& weight = {},
                                    const Tensor<float>& bias = {}, const GroupNormParams& p = {}) {
  detail::check_group_norm(x_in, weight, bias, p);
  const Tensor<float> x = x_in.contiguous(), g = weight.contiguous(), b = bias.contiguous();
  const int64_t N = x.size(0), C = x.size(1), G = p.num_groups, Cg = C / G;
  const int64_t S = N * C > 0 ? x.numel() / (N * C) : 0;
  Tensor<float> y = Tensor<float>::empty(x.shape());
  for (int64_t n = 0; n < N; ++n)
    for (int64_t grp = 0; grp < G; ++grp) {
      const Moments m = moments_ref(x.data() + (n * C + grp * Cg) * S, 1, Cg * S, Cg * S);
      const float mean = float(m.mean), var = float(m.var);
      for (int64_t c = grp * Cg; c < (grp + 1) * Cg; ++c) {
        const float gamma = detail::value_or(g, c, 1.0f), beta = detail::value_or(b, c, 0.0f);
        for (int64_t s = 0; s < S; ++s) {
          const int64_t i = (n * C + c) * S + s;
          y.data()[i] = gamma * (x.data()[i] - mean) / std::sqrt(var + p.eps) + beta;
        }
      }
    }
  return y;
}

inline Tensor<float> group_norm_groups(const Tensor<float>& x_in, const Tensor<float>& weight = {},
                                       const Tensor<float>& bias = {}, const GroupNormParams& p = {}) {
  detail::check_group_norm(x_in, weight, bias, p);
  const Tensor<float> x = x_in.contiguous(), g = weight.contiguous(), b = bias.contiguous();
  const int64_t N = x.size(0), C = x.size(1), G = p.num_groups, Cg = C / G;
  const int64_t S = N * C > 0 ? x.numel() / (N * C) : 0;
  Tensor<float> y = Tensor<float>::empty(x.shape());
  parallel_for(0, N * G, [&](int64_t ng) {
    const int64_t c0 = (ng % G) * Cg;
    const float* src = x.data() + ng * Cg * S;  // (n·C + grp·Cg)·S == ng·Cg·S
    float* dst = y.data() + ng * Cg * S;
    const Moments m = moments(src, 1, Cg * S, Cg * S);
    const double inv_std = 1.0 / std::sqrt(m.var + double(p.eps));
    const SplitMean mu(m.mean);
    for (int64_t k = 0; k < Cg; ++k) {
      const float scale = float(double(detail::value_or(g, c0 + k, 1.0f)) * inv_std);
      const float beta = detail::value_or(b, c0 + k, 0.0f);
      for (int64_t s = 0; s < S; ++s) dst[k * S + s] = ((src[k * S + s] - mu.hi) - mu.lo) * scale + beta;
    }
  });
  return y;
}

inline Tensor<float> group_norm(const Tensor<float>& x, const Tensor<float>& weight = {},
                                const Tensor<float>& bias = {}, const GroupNormParams& p = {}) {
  return group_norm_groups(x, weight, bias, p);
}

}  // namespace pixforge
