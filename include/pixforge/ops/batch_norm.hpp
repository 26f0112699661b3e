// pixforge/ops/batch_norm.hpp — BatchNorm at inference (running statistics or batch statistics) and folding
// BatchNorm into the convolution before it.
//
//   y[n,c,...] = γ[c] · (x[n,c,...] − μ[c]) / sqrt(σ²[c] + eps) + β[c]
//
// Shapes: x is [N, C, ...] (any rank ≥ 2: [N,C], [N,C,L], [N,C,H,W]); γ (weight), β (bias), μ (running_mean),
// σ² (running_var) are [C]. γ and β are optional (affine=False means γ = 1, β = 0). Output has the shape of x.
//
// Two modes (PyTorch F.batch_norm's `training` flag):
//   * running statistics (default; PyTorch eval()): μ, σ² are the stored running_mean/running_var.
//   * batch statistics (`use_batch_stats = true`; PyTorch training=True without the running-stat update):
//     μ[c], σ²[c] are the mean and the *biased* variance (divide by N·H·W) of channel c over (N, H, W).
//     pix2pix's official test.py runs BN like this unless --eval is given, and Deep Image Prior always does;
//     with N = 1 it is instance normalisation followed by BN's γ, β. running_mean/running_var may be undefined.
//
// eps differs by framework and must come from the model: PyTorch 1e-5, Keras 1e-3, DnCNN's PyTorch port 1e-4.
//
// Folding (fold_batch_norm): when BN (running statistics) follows a convolution directly, it is an affine map per
// *output* channel and can be merged into the conv weights once at load time:
//     s[oc] = γ[oc] / sqrt(σ²[oc] + eps)
//     w'[oc, ...] = w[oc, ...] · s[oc]          b'[oc] = (b[oc] − μ[oc]) · s[oc] + β[oc]      (b = 0 if no bias)
// conv2d weights are [Cout, Cin/g, kh, kw] (output channel = dim 0); conv_transpose2d weights are
// [Cin, Cout/g, kh, kw], so there the output channel of w[ic, j] is (ic / (Cin/g))·(Cout/g) + j — dim 1 within
// the group. This is torch.nn.utils.fusion.fuse_conv_bn_weights(..., transpose=...).
//
// Pitfalls:
//   * freshly initialised BN (μ = 0, σ² = 1, γ = 1, β = 0) is almost the identity: golden tests must randomise
//     all four tensors or a swapped mean/var goes unnoticed.
//   * never fold a BN run with batch statistics: its μ, σ² depend on the input.
//   * statistics are computed in double with two passes (see ops/moments.hpp), so they do not depend on the
//     number of threads; each channel is reduced by one thread.
//
// Implementations:
//   batch_norm_ref      the formula per element, for reading                      ~4 flops/element + a sqrt
//   batch_norm_affine   precomputes scale = γ/sqrt(σ²+eps) per channel and applies y = (x − μ)·scale + β
//                       (μ as a float pair, see SplitMean); threaded over (n, c) planes. 4 flops/element (+ ~3
//                       per element for the statistics in batch-statistics mode). PyTorch's CPU kernel folds μ
//                       into a shift, x·scale + (β − μ·scale): fewer flops, but inaccurate when |μ| >> σ
//                       (a batch of 10⁴ ± 1 loses 3 digits).
//   batch_norm          the dispatcher (→ batch_norm_affine).
//
//     auto y = pixforge::batch_norm(x, bn_mean, bn_var, bn_weight, bn_bias, {/*eps=*/1e-5f});
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "pixforge/core/parallel.hpp"
#include "pixforge/core/tensor.hpp"
#include "pixforge/ops/moments.hpp"

namespace pixforge {

struct BatchNormParams {
  float eps = 1e-5f;
  bool use_batch_stats = false;  // PyTorch training=True: statistics of this batch over (N, H, W)
};

inline Shape batch_norm_output_shape(const Shape& x) { return x; }

namespace detail {
inline void check_batch_norm(const Tensor<float>& x, const Tensor<float>& running_mean,
                             const Tensor<float>& running_var, const Tensor<float>& weight, const Tensor<float>& bias,
                             const BatchNormParams& p) {
  PIXFORGE_CHECK(x.dim() >= 2, ErrorCode::shape_mismatch, "batch_norm: input must be [N, C, ...], got ",
                 x.shape().str());
  PIXFORGE_CHECK(p.eps >= 0.0f, ErrorCode::invalid_argument, "batch_norm: eps must be >= 0, got ", p.eps);
  const int64_t C = x.size(1);
  check_channel_vector(running_mean, C, "batch_norm", "running_mean", x, p.use_batch_stats);
  check_channel_vector(running_var, C, "batch_norm", "running_var", x, p.use_batch_stats);
  check_channel_vector(weight, C, "batch_norm", "weight", x, true);
  check_channel_vector(bias, C, "batch_norm", "bias", x, true);
}
// x viewed as [N, C, S] with S = product of the trailing dims.
inline int64_t trailing_size(const Shape& s, int from) {
  int64_t n = 1;
  for (int i = from; i < s.rank(); ++i) n *= s[i];
  return n;
}
}  // namespace detail

// Reference: the formula, element by element.
inline Tensor<float> batch_norm_ref(const Tensor<float>& x_in, const Tensor<float>& running_mean,
                                    const Tensor<float>& running_var, const Tensor<float>& weight = {},
                                    const Tensor<float>& bias = {}, const BatchNormParams& p = {}) {
  detail::check_batch_norm(x_in, running_mean, running_var, weight, bias, p);
  const Tensor<float> x = x_in.contiguous();
  const int64_t N = x.size(0), C = x.size(1), S = detail::trailing_size(x.shape(), 2);
  const Tensor<float> g = weight.contiguous(), b = bias.contiguous();
  const Tensor<float> rm = running_mean.contiguous(), rv = running_var.contiguous();
  Tensor<float> y = Tensor<float>::empty(x.shape());
  for (int64_t c = 0; c < C; ++c) {
    float mean, var;
    if (p.use_batch_stats) {
      const Moments m = moments_ref(x.data() + c * S, N, C * S, S);  // channel c of every sample
      mean = float(m.mean);
      var = float(m.var);
    } else {
      mean = rm.data()[c];
      var = rv.data()[c];
    }
    const float gamma = detail::value_or(g, c, 1.0f), beta = detail::value_or(b, c, 0.0f);
    for (int64_t n = 0; n < N; ++n)
      for (int64_t s = 0; s < S; ++s) {
        const int64_t i = (n * C + c) * S + s;
        y.data()[i] = gamma * (x.data()[i] - mean) / std::sqrt(var + p.eps) + beta;
      }
  }
  return y;
}

// Per-channel mean and scale, then (x − μ)·scale + β per element.
inline Tensor<float> batch_norm_affine(const Tensor<float>& x_in, const Tensor<float>& running_mean,
                                       const Tensor<float>& running_var, const Tensor<float>& weight = {},
                                       const Tensor<float>& bias = {}, const BatchNormParams& p = {}) {
  detail::check_batch_norm(x_in, running_mean, running_var, weight, bias, p);
  const Tensor<float> x = x_in.contiguous();
  const int64_t N = x.size(0), C = x.size(1), S = detail::trailing_size(x.shape(), 2);
  const Tensor<float> g = weight.contiguous(), b = bias.contiguous();
  const Tensor<float> rm = running_mean.contiguous(), rv = running_var.contiguous();

  std::vector<SplitMean> mean_c(static_cast<size_t>(C), SplitMean(0.0));
  std::vector<float> scale(static_cast<size_t>(C)), beta(static_cast<size_t>(C));
  auto channel_coeffs = [&](int64_t c) {
    double mean, var;
    if (p.use_batch_stats) {
      const Moments m = moments(x.data() + c * S, N, C * S, S);
      mean = m.mean;
      var = m.var;
    } else {
      mean = rm.data()[c];
      var = rv.data()[c];
    }
    mean_c[size_t(c)] = SplitMean(mean);
    scale[size_t(c)] = float(double(detail::value_or(g, c, 1.0f)) / std::sqrt(var + double(p.eps)));
    beta[size_t(c)] = detail::value_or(b, c, 0.0f);
  };
  // The statistics pass reads all of x, so it is worth threading; the running-stat coefficients are not.
  if (p.use_batch_stats) parallel_for(0, C, channel_coeffs);
  else for (int64_t c = 0; c < C; ++c) channel_coeffs(c);

  Tensor<float> y = Tensor<float>::empty(x.shape());
  parallel_for(0, N * C, [&](int64_t plane) {
    const size_t c = size_t(plane % C);
    const SplitMean mu = mean_c[c];
    const float sc = scale[c], be = beta[c];
    const float* src = x.data() + plane * S;
    float* dst = y.data() + plane * S;
    for (int64_t s = 0; s < S; ++s) dst[s] = ((src[s] - mu.hi) - mu.lo) * sc + be;
  });
  return y;
}

inline Tensor<float> batch_norm(const Tensor<float>& x, const Tensor<float>& running_mean,
                                const Tensor<float>& running_var, const Tensor<float>& weight = {},
                                const Tensor<float>& bias = {}, const BatchNormParams& p = {}) {
  return batch_norm_affine(x, running_mean, running_var, weight, bias, p);
}

// ---- Folding into the preceding convolution ----------------------------------------------------------------

// The BatchNorm2d state_dict entries (PyTorch names); weight and bias may be undefined (affine=False).
struct BatchNormTensors {
  Tensor<float> weight, bias, running_mean, running_var;
};

struct FoldBatchNormParams {
  float eps = 1e-5f;
  bool transposed = false;  // conv_weight is a conv_transpose2d weight [Cin, Cout/g, kh, kw]
  int64_t groups = 1;       // needed for transposed weights to locate the output channel
};

struct FoldedConv {
  Tensor<float> weight;  // same shape as the conv weight
  Tensor<float> bias;    // [Cout]
};

// Returns the weight and bias of a conv whose output equals batch_norm(conv(x)) with running statistics.
// conv_bias may be undefined (conv without bias); the folded conv always has one.
inline FoldedConv fold_batch_norm(const Tensor<float>& conv_weight, const Tensor<float>& conv_bias,
                                  const BatchNormTensors& bn, const FoldBatchNormParams& p = {}) {
  PIXFORGE_CHECK(conv_weight.dim() >= 2, ErrorCode::shape_mismatch,
                 "fold_batch_norm: conv weight must have at least 2 dimensions, got ", conv_weight.shape().str());
  PIXFORGE_CHECK(p.groups >= 1, ErrorCode::invalid_argument, "fold_batch_norm: groups must be >= 1, got ", p.groups);
  PIXFORGE_CHECK(!p.transposed || conv_weight.size(0) % p.groups == 0, ErrorCode::shape_mismatch,
                 "fold_batch_norm: transposed weight ", conv_weight.shape().str(), " has ", conv_weight.size(0),
                 " input channels, not divisible by groups=", p.groups);
  const Tensor<float> w = conv_weight.contiguous();
  const int64_t d0 = w.size(0), d1 = w.size(1), K = detail::trailing_size(w.shape(), 2);
  const int64_t cout = p.transposed ? d1 * p.groups : d0;
  const char* op = "fold_batch_norm";
  detail::check_channel_vector(conv_bias, cout, op, "conv bias", w, true, "weight");
  detail::check_channel_vector(bn.running_mean, cout, op, "running_mean", w, false, "weight");
  detail::check_channel_vector(bn.running_var, cout, op, "running_var", w, false, "weight");
  detail::check_channel_vector(bn.weight, cout, op, "bn weight", w, true, "weight");
  detail::check_channel_vector(bn.bias, cout, op, "bn bias", w, true, "weight");
  const Tensor<float> cb = conv_bias.contiguous(), g = bn.weight.contiguous(), b = bn.bias.contiguous();
  const Tensor<float> rm = bn.running_mean.contiguous(), rv = bn.running_var.contiguous();

  std::vector<double> s(static_cast<size_t>(cout));
  FoldedConv f{Tensor<float>::empty(w.shape()), Tensor<float>::empty({cout})};
  for (int64_t oc = 0; oc < cout; ++oc) {
    s[size_t(oc)] = double(detail::value_or(g, oc, 1.0f)) / std::sqrt(double(rv.data()[oc]) + double(p.eps));
    f.bias.data()[oc] = float((double(detail::value_or(cb, oc, 0.0f)) - double(rm.data()[oc])) * s[size_t(oc)] +
                              double(detail::value_or(b, oc, 0.0f)));
  }
  const int64_t in_per_group = d0 / p.groups;  // transposed only
  for (int64_t i = 0; i < d0; ++i)
    for (int64_t j = 0; j < d1; ++j) {
      const int64_t oc = p.transposed ? (i / in_per_group) * d1 + j : i;
      const int64_t at = (i * d1 + j) * K;
      for (int64_t k = 0; k < K; ++k) f.weight.data()[at + k] = float(double(w.data()[at + k]) * s[size_t(oc)]);
    }
  return f;
}

}  // namespace pixforge
