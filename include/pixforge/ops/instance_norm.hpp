// pixforge/ops/instance_norm.hpp — InstanceNorm2d: normalise every (sample, channel) plane by its own statistics.
//
//   μ[n,c] = mean of x[n,c,:,:]        σ²[n,c] = biased variance of x[n,c,:,:]      (divide by H·W)
//   y[n,c,h,w] = γ[c] · (x[n,c,h,w] − μ[n,c]) / sqrt(σ²[n,c] + eps) + β[c]
//
// Shapes: x is [N, C, ...] (any rank ≥ 3; statistics over all trailing dims); γ (weight) and β (bias) are [C]
// and optional: PyTorch's default InstanceNorm2d(affine=False) has none (γ = 1, β = 0). eps default 1e-5.
//
// Used by: fast neural style TransformerNet (affine), DeblurGAN (--norm instance, affine=False), EdgeConnect
// (affine=False), CycleGAN/pix2pix with --norm instance. Also what BatchNorm with batch statistics reduces to for
// N = 1 (see batch_norm.hpp).
//
// Pitfall — running statistics: some repositories construct InstanceNorm2d(track_running_stats=True); after
// module.eval() PyTorch then normalises with the stored *running* mean/var instead of each image's statistics,
// which is wrong for these generators (their official test scripts never call eval()). pixforge therefore has no
// running-statistics mode at all: instance_norm always uses the statistics of the plane itself, and a
// converter simply drops running_mean/running_var/num_batches_tracked. Goldens are built with
// track_running_stats=False so that eval() is safe.
//
// Statistics: two-pass, accumulated in double (ops/moments.hpp); one plane is reduced by one thread, so results
// are the same for any thread count. A constant plane gives σ² = 0 and y = β (eps keeps the division finite).
//
// Implementations:
//   instance_norm_ref      the formula per element                          ~5 flops/element + a sqrt
//   instance_norm_planes   per plane: statistics (vectorised double lanes), then y = (x − μ)·scale + β with
//                          scale = γ/sqrt(σ²+eps) and μ as a float pair (SplitMean); threaded over the N·C planes.
//                          ~7 flops/element, 3 reads + 1 write of x. (PyTorch folds μ into a shift,
//                          x·scale + (β − μ·scale): fewer flops, but it cancels badly when |μ| >> σ — a plane of
//                          10⁴ ± 1 loses 3 digits.)
//   instance_norm          the dispatcher (→ instance_norm_planes).
//
//     auto y = pixforge::instance_norm(x);                       // affine=False
//     auto y = pixforge::instance_norm(x, gamma, beta, {1e-5f}); // affine
#pragma once

#include <cmath>
#include <cstdint>

#include "pixforge/core/parallel.hpp"
#include "pixforge/core/tensor.hpp"
#include "pixforge/ops/moments.hpp"

namespace pixforge {

struct InstanceNormParams {
  float eps = 1e-5f;
};

inline Shape instance_norm_output_shape(const Shape& x) { return x; }

namespace detail {
inline void check_instance_norm(const Tensor<float>& x, const Tensor<float>& weight, const Tensor<float>& bias,
                                const InstanceNormParams& p) {
  PIXFORGE_CHECK(x.dim() >= 3, ErrorCode::shape_mismatch,
                 "instance_norm: input must be [N, C, H, W] (or [N, C, L]), got ", x.shape().str());
  PIXFORGE_CHECK(p.eps >= 0.0f, ErrorCode::invalid_argument, "instance_norm: eps must be >= 0, got ", p.eps);
  check_channel_vector(weight, x.size(1), "instance_norm", "weight", x, true);
  check_channel_vector(bias, x.size(1), "instance_norm", "bias", x, true);
}
}  // namespace detail

inline Tensor<float> instance_norm_ref(const Tensor<float>& x_in, const Tensor<float>& weight = {},
                                       const Tensor<float>& bias = {}, const InstanceNormParams& p = {}) {
  detail::check_instance_norm(x_in, weight, bias, p);
  const Tensor<float> x = x_in.contiguous(), g = weight.contiguous(), b = bias.contiguous();
  const int64_t N = x.size(0), C = x.size(1);
  const int64_t S = x.numel() / (N * C > 0 ? N * C : 1);
  Tensor<float> y = Tensor<float>::empty(x.shape());
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c) {
      const int64_t plane = (n * C + c) * S;
      const Moments m = moments_ref(x.data() + plane, 1, S, S);
      const float mean = float(m.mean), var = float(m.var);
      const float gamma = detail::value_or(g, c, 1.0f), beta = detail::value_or(b, c, 0.0f);
      for (int64_t s = 0; s < S; ++s)
        y.data()[plane + s] = gamma * (x.data()[plane + s] - mean) / std::sqrt(var + p.eps) + beta;
    }
  return y;
}

inline Tensor<float> instance_norm_planes(const Tensor<float>& x_in, const Tensor<float>& weight = {},
                                          const Tensor<float>& bias = {}, const InstanceNormParams& p = {}) {
  detail::check_instance_norm(x_in, weight, bias, p);
  const Tensor<float> x = x_in.contiguous(), g = weight.contiguous(), b = bias.contiguous();
  const int64_t N = x.size(0), C = x.size(1);
  const int64_t S = x.numel() / (N * C > 0 ? N * C : 1);
  Tensor<float> y = Tensor<float>::empty(x.shape());
  parallel_for(0, N * C, [&](int64_t plane) {
    const int64_t c = plane % C;
    const float* src = x.data() + plane * S;
    float* dst = y.data() + plane * S;
    const Moments m = moments(src, 1, S, S);
    const float scale = float(double(detail::value_or(g, c, 1.0f)) / std::sqrt(m.var + double(p.eps)));
    const SplitMean mu(m.mean);
    const float beta = detail::value_or(b, c, 0.0f);
    for (int64_t s = 0; s < S; ++s) dst[s] = ((src[s] - mu.hi) - mu.lo) * scale + beta;
  });
  return y;
}

inline Tensor<float> instance_norm(const Tensor<float>& x, const Tensor<float>& weight = {},
                                   const Tensor<float>& bias = {}, const InstanceNormParams& p = {}) {
  return instance_norm_planes(x, weight, bias, p);
}

}  // namespace pixforge
