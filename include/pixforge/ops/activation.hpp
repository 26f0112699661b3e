// pixforge/ops/activation.hpp — point-wise activations, PReLU, and softmax / log_softmax over any dim.
//
// Point-wise (formulas in core/activation_spec.hpp, shared with the fused epilogues of conv2d & co., so a fused and
// an unfused activation give the same bits):
//   relu        max(x, 0)                              most generators
//   leaky_relu  x >= 0 ? x : a·x                       a: PyTorch default 0.01; waifu2x 0.1, pix2pix/DIP 0.2,
//                                                      Keras LeakyReLU() 0.3 — always take it from the model
//   elu         x > 0 ? x : α·(exp(x) − 1)             DeepFill (α = 1)
//   gelu        0.5·x·(1 + erf(x/√2))                  transformer MLPs; PyTorch's exact form, not the tanh one
//   sigmoid     1/(1 + exp(−x))                        attention gates, U²-Net/EdgeConnect outputs
//   tanh        tanh(x)                                pix2pix/DCGAN outputs in [−1, 1]
//   hardtanh    clamp(x, lo, hi) (= clamp)             output clipping; NaN stays NaN like torch.clamp
// Each has an out-of-place form (returns a new tensor) and an in-place form with a trailing underscore, as in
// PyTorch (relu_(x)). The generic activation(x, Act) / activation_(x, Act) take a core Act.
//
// prelu(x, weight): y[n,c,...] = x >= 0 ? x : weight[c]·x with weight of 1 element (PReLU(), shared slope) or
// C = x.size(1) elements (PReLU(num_parameters=C)). SRGAN, FSRCNN, Real-ESRGAN's SRVGGNetCompact.
//
// softmax(x, dim):   y_i = exp(x_i − m) / Σ_j exp(x_j − m),   m = max_j x_j   (j runs along `dim`)
// log_softmax(x, dim): y_i = x_i − m − log Σ_j exp(x_j − m)
// Subtracting the maximum makes the op numerically stable: exp never overflows, and the largest term is exactly
// 1, so the sum is ≥ 1 (without it, logits of 100 overflow float's exp). Used by attention (dim −1, rows of
// length H·W), channel softmax over dim 1 (segmentation heads, contextual attention).
//
// Implementations:
//   activation_ref, prelu_ref, softmax_ref, log_softmax_ref   the formulas, one loop per index
//   activation        fixed chunks of kActivationGrain elements, each apply_act_inplace (switch hoisted so relu/
//                     leaky vectorise); threaded over chunks. 1 flop (relu) to ~20 (gelu, exp) per element.
//   prelu_planes      threaded over (n, c) planes.
//   softmax_lanes     x viewed as [outer, D, inner]: for inner = 1 (last dim) each row is reduced with 8
//                     accumulators (vectorises); otherwise 64 columns at a time, reading rows contiguously.
//                     Threaded over rows / column blocks. ~D·(exp + 3) flops per output row.
//   softmax, log_softmax, prelu   the dispatchers.
//
// Every work unit is a fixed range of elements or rows, and every sum runs in a fixed order, so results are
// identical for any number of threads.
//
//     auto y = pixforge::leaky_relu(x, 0.2f);        // new tensor
//     pixforge::relu_(x);                            // in place
//     auto p = pixforge::prelu(x, prelu_weight);     // weight [1] or [C]
//     auto a = pixforge::softmax(scores, -1);        // attention rows
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "pixforge/core/activation_spec.hpp"
#include "pixforge/core/parallel.hpp"
#include "pixforge/core/tensor.hpp"

namespace pixforge {

// Elements per work unit of the point-wise ops: a constant (thread-count independent) that keeps a chunk in L2.
constexpr int64_t kActivationGrain = 16384;

// ---- point-wise -------------------------------------------------------------------------------------------

inline Tensor<float> activation_ref(const Tensor<float>& x_in, const Act& act) {
  const Tensor<float> x = x_in.contiguous();
  Tensor<float> y = Tensor<float>::empty(x.shape());
  for (int64_t i = 0; i < x.numel(); ++i) y.data()[i] = apply_act(x.data()[i], act);
  return y;
}

inline Tensor<float> activation(const Tensor<float>& x_in, const Act& act) {
  const Tensor<float> x = x_in.contiguous();
  Tensor<float> y = Tensor<float>::empty(x.shape());
  parallel_for_chunked(0, x.numel(), kActivationGrain, [&](int64_t lo, int64_t hi) {
    std::memcpy(y.data() + lo, x.data() + lo, size_t(hi - lo) * sizeof(float));
    apply_act_inplace(y.data() + lo, hi - lo, act);
  });
  return y;
}

// In place; a strided view is updated through its strides.
inline Tensor<float>& activation_(Tensor<float>& x, const Act& act) {
  if (!x.is_contiguous()) {
    x.copy_from(activation(x, act));
    return x;
  }
  parallel_for_chunked(0, x.numel(), kActivationGrain,
                       [&](int64_t lo, int64_t hi) { apply_act_inplace(x.data() + lo, hi - lo, act); });
  return x;
}

namespace detail {
inline void check_hardtanh(float lo, float hi, const char* op) {
  PIXFORGE_CHECK(!(lo > hi), ErrorCode::invalid_argument, op, ": min_val ", lo, " is greater than max_val ", hi);
}
}  // namespace detail

inline Tensor<float> relu(const Tensor<float>& x) { return activation(x, Act::relu()); }
inline Tensor<float> leaky_relu(const Tensor<float>& x, float negative_slope = 0.01f) {
  return activation(x, Act::leaky_relu(negative_slope));
}
inline Tensor<float> elu(const Tensor<float>& x, float alpha = 1.0f) { return activation(x, Act::elu(alpha)); }
inline Tensor<float> gelu(const Tensor<float>& x) { return activation(x, Act::gelu()); }
inline Tensor<float> sigmoid(const Tensor<float>& x) { return activation(x, Act::sigmoid()); }
inline Tensor<float> tanh(const Tensor<float>& x) { return activation(x, Act::tanh()); }
inline Tensor<float> hardtanh(const Tensor<float>& x, float min_val = -1.0f, float max_val = 1.0f) {
  detail::check_hardtanh(min_val, max_val, "hardtanh");
  return activation(x, Act::hardtanh(min_val, max_val));
}
inline Tensor<float> clamp(const Tensor<float>& x, float min, float max) {
  detail::check_hardtanh(min, max, "clamp");
  return activation(x, Act::hardtanh(min, max));
}

inline Tensor<float>& relu_(Tensor<float>& x) { return activation_(x, Act::relu()); }
inline Tensor<float>& leaky_relu_(Tensor<float>& x, float negative_slope = 0.01f) {
  return activation_(x, Act::leaky_relu(negative_slope));
}
inline Tensor<float>& elu_(Tensor<float>& x, float alpha = 1.0f) { return activation_(x, Act::elu(alpha)); }
inline Tensor<float>& gelu_(Tensor<float>& x) { return activation_(x, Act::gelu()); }
inline Tensor<float>& sigmoid_(Tensor<float>& x) { return activation_(x, Act::sigmoid()); }
inline Tensor<float>& tanh_(Tensor<float>& x) { return activation_(x, Act::tanh()); }
inline Tensor<float>& hardtanh_(Tensor<float>& x, float min_val = -1.0f, float max_val = 1.0f) {
  detail::check_hardtanh(min_val, max_val, "hardtanh_");
  return activation_(x, Act::hardtanh(min_val, max_val));
}
inline Tensor<float>& clamp_(Tensor<float>& x, float min, float max) {
  detail::check_hardtanh(min, max, "clamp_");
  return activation_(x, Act::hardtanh(min, max));
}

// ---- prelu ------------------------------------------------------------------------------------------------

namespace detail {
inline void check_prelu(const Tensor<float>& x, const Tensor<float>& weight) {
  PIXFORGE_CHECK(x.dim() >= 1, ErrorCode::shape_mismatch, "prelu: input must have at least 1 dimension, got ",
                 x.shape().str());
  const int64_t C = x.dim() >= 2 ? x.size(1) : 1;
  PIXFORGE_CHECK(weight.dim() == 1 && (weight.size(0) == 1 || weight.size(0) == C), ErrorCode::shape_mismatch,
                 "prelu: weight has shape ", weight.shape().str(), ", expected [1] or [", C, "] (x=", x.shape().str(),
                 ")");
}
}  // namespace detail

inline Tensor<float> prelu_ref(const Tensor<float>& x_in, const Tensor<float>& weight_in) {
  detail::check_prelu(x_in, weight_in);
  const Tensor<float> x = x_in.contiguous(), w = weight_in.contiguous();
  const int64_t N = x.size(0), C = x.dim() >= 2 ? x.size(1) : 1;
  const int64_t S = N * C > 0 ? x.numel() / (N * C) : 0;
  Tensor<float> y = Tensor<float>::empty(x.shape());
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c) {
      const float slope = w.data()[w.numel() == 1 ? 0 : c];
      for (int64_t s = 0; s < S; ++s) {
        const int64_t i = (n * C + c) * S + s;
        y.data()[i] = apply_act(x.data()[i], Act::leaky_relu(slope));  // PReLU is leaky ReLU with a learnt slope
      }
    }
  return y;
}

inline Tensor<float> prelu_planes(const Tensor<float>& x_in, const Tensor<float>& weight_in) {
  detail::check_prelu(x_in, weight_in);
  const Tensor<float> x = x_in.contiguous(), w = weight_in.contiguous();
  const int64_t N = x.size(0), C = x.dim() >= 2 ? x.size(1) : 1;
  const int64_t S = N * C > 0 ? x.numel() / (N * C) : 0;
  Tensor<float> y = Tensor<float>::empty(x.shape());
  parallel_for(0, N * C, [&](int64_t plane) {
    const Act act = Act::leaky_relu(w.data()[w.numel() == 1 ? 0 : plane % C]);  // the kind is known: inlines
    const float* src = x.data() + plane * S;
    float* dst = y.data() + plane * S;
    for (int64_t s = 0; s < S; ++s) dst[s] = apply_act(src[s], act);
  });
  return y;
}

inline Tensor<float> prelu(const Tensor<float>& x, const Tensor<float>& weight) { return prelu_planes(x, weight); }

// ---- softmax / log_softmax --------------------------------------------------------------------------------

namespace detail {
// x viewed as [outer, D, inner] around `dim`.
struct SoftmaxView {
  int64_t outer = 1, D = 1, inner = 1;
};
inline SoftmaxView softmax_view(const Tensor<float>& x, int dim, const char* op) {
  PIXFORGE_CHECK(x.dim() >= 1 && dim >= -x.dim() && dim < x.dim(), ErrorCode::invalid_argument, op, ": dim ", dim,
                 " out of range for x=", x.shape().str());
  const int d = dim < 0 ? dim + x.dim() : dim;
  SoftmaxView v;
  for (int i = 0; i < d; ++i) v.outer *= x.size(i);
  v.D = x.size(d);
  for (int i = d + 1; i < x.dim(); ++i) v.inner *= x.size(i);
  return v;
}

inline Tensor<float> softmax_ref_impl(const Tensor<float>& x_in, int dim, bool log, const char* op) {
  const SoftmaxView v = softmax_view(x_in, dim, op);
  const Tensor<float> x = x_in.contiguous();
  Tensor<float> y = Tensor<float>::empty(x.shape());
  const float* X = x.data();
  float* Y = y.data();
  for (int64_t o = 0; o < v.outer; ++o)
    for (int64_t i = 0; i < v.inner; ++i) {
      auto at = [&](int64_t d) { return (o * v.D + d) * v.inner + i; };
      float m = -INFINITY;
      for (int64_t d = 0; d < v.D; ++d) m = std::max(m, X[at(d)]);
      float sum = 0.0f;
      for (int64_t d = 0; d < v.D; ++d) sum += std::exp(X[at(d)] - m);
      for (int64_t d = 0; d < v.D; ++d)
        Y[at(d)] = log ? X[at(d)] - m - std::log(sum) : std::exp(X[at(d)] - m) / sum;
    }
  return y;
}

inline Tensor<float> softmax_lanes_impl(const Tensor<float>& x_in, int dim, bool log, const char* op) {
  const SoftmaxView v = softmax_view(x_in, dim, op);
  const Tensor<float> x = x_in.contiguous();
  Tensor<float> y = Tensor<float>::empty(x.shape());
  const float* X = x.data();
  float* Y = y.data();
  const int64_t D = v.D, inner = v.inner;
  if (inner == 1) {
    // Rows along the last dim: 8 independent lanes for the max and the sum (vectorisable, fixed order).
    constexpr int L = 8;
    parallel_for(0, v.outer, [&](int64_t o) {
      const float* xr = X + o * D;
      float* yr = Y + o * D;
      float ml[L];
      std::fill(ml, ml + L, -INFINITY);
      int64_t d = 0;
      for (; d + L <= D; d += L)
        for (int l = 0; l < L; ++l) ml[l] = std::max(ml[l], xr[d + l]);
      for (int l = 0; d < D; ++d, ++l) ml[l] = std::max(ml[l], xr[d]);
      const float m = *std::max_element(ml, ml + L);
      float sl[L] = {};
      for (d = 0; d < D; ++d) yr[d] = std::exp(xr[d] - m);  // exp is the cost; glibc's expf is not vectorised
      for (d = 0; d + L <= D; d += L)
        for (int l = 0; l < L; ++l) sl[l] += yr[d + l];
      for (int l = 0; d < D; ++d, ++l) sl[l] += yr[d];
      float sum = 0.0f;
      for (int l = 0; l < L; ++l) sum += sl[l];
      if (log) {
        const float lse = m + std::log(sum);
        for (d = 0; d < D; ++d) yr[d] = xr[d] - lse;
      } else {
        for (d = 0; d < D; ++d) yr[d] /= sum;
      }
    });
    return y;
  }
  // Softmax across rows (e.g. dim 1 of NCHW): blocks of B columns, each column reduced in increasing d.
  constexpr int64_t B = 64;
  const int64_t blocks = (inner + B - 1) / B;
  parallel_for(0, v.outer * blocks, [&](int64_t unit) {
    const int64_t o = unit / blocks, i0 = (unit % blocks) * B, len = std::min(B, inner - i0);
    const float* xb = X + o * D * inner + i0;
    float* yb = Y + o * D * inner + i0;
    float m[B], sum[B];
    std::fill(m, m + B, -INFINITY);
    std::fill(sum, sum + B, 0.0f);
    for (int64_t d = 0; d < D; ++d)
      for (int64_t i = 0; i < len; ++i) m[i] = std::max(m[i], xb[d * inner + i]);
    for (int64_t d = 0; d < D; ++d)
      for (int64_t i = 0; i < len; ++i) {
        const float e = std::exp(xb[d * inner + i] - m[i]);
        if (!log) yb[d * inner + i] = e;
        sum[i] += e;
      }
    if (log) {
      for (int64_t i = 0; i < len; ++i) m[i] += std::log(sum[i]);  // m is now log Σ exp(x)
      for (int64_t d = 0; d < D; ++d)
        for (int64_t i = 0; i < len; ++i) yb[d * inner + i] = xb[d * inner + i] - m[i];
    } else {
      for (int64_t d = 0; d < D; ++d)
        for (int64_t i = 0; i < len; ++i) yb[d * inner + i] /= sum[i];
    }
  });
  return y;
}
}  // namespace detail

inline Tensor<float> softmax_ref(const Tensor<float>& x, int dim) {
  return detail::softmax_ref_impl(x, dim, false, "softmax");
}
inline Tensor<float> log_softmax_ref(const Tensor<float>& x, int dim) {
  return detail::softmax_ref_impl(x, dim, true, "log_softmax");
}
inline Tensor<float> softmax_lanes(const Tensor<float>& x, int dim) {
  return detail::softmax_lanes_impl(x, dim, false, "softmax");
}
inline Tensor<float> log_softmax_lanes(const Tensor<float>& x, int dim) {
  return detail::softmax_lanes_impl(x, dim, true, "log_softmax");
}
inline Tensor<float> softmax(const Tensor<float>& x, int dim) { return softmax_lanes(x, dim); }
inline Tensor<float> log_softmax(const Tensor<float>& x, int dim) { return log_softmax_lanes(x, dim); }

inline Shape activation_output_shape(const Shape& x) { return x; }
inline Shape softmax_output_shape(const Shape& x) { return x; }

}  // namespace pixforge
