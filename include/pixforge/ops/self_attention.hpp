// pixforge/ops/self_attention.hpp — SAGAN self-attention over the positions of a feature map (two variants).
//
// SAGAN form (heykeetae/Self-Attention-GAN `Self_Attn`; spec part-b §3.3), x [N, C, H, W], P = H·W positions
// flattened row-major (p = h·W + w):
//
//   q = Wq·x + bq   [C', P]     query_conv: Conv2d 1×1 C → C' (C' = C/8 in SAGAN), with bias
//   k = Wk·x + bk   [C', P]     key_conv:   Conv2d 1×1 C → C'
//   v = Wv·x + bv   [C,  P]     value_conv: Conv2d 1×1 C → C
//   energy[i, j] = Σ_c q[c, i]·k[c, j]                   [P, P]; NO 1/sqrt(C') scaling
//   A[i, :] = softmax_j(energy[i, :])                    over the *last* axis (keys)
//   o[c, i] = Σ_j v[c, j]·A[i, j]                        (torch.bmm(v, A.permute(0, 2, 1)))
//   y = gamma·o + x                                      gamma: learned scalar [1], initialised to 0
//
// DeOldify / fastai v1 form (`fastai.layers.SelfAttention`, spec part-a §8): the same idea with different
// conventions, and its weights must not be mixed up with SAGAN's:
//
//   f = Wf·x,  g = Wg·x   [C/8, P]   `query`, `key`: Conv1d k=1, NO bias, spectral norm (fold it at load time:
//   h = Wh·x              [C,   P]   `value`        weight = weight_orig / σ, see part-a §0.4)
//   β = softmax(fᵀ·g, dim=1)          s[i, j] = f_i·g_j; normalised over i (the FIRST position axis, column-wise)
//   o = gamma·(h·β) + x              o[c, j] = Σ_i h[c, i]·β[i, j]
//
// Since β[:, j] = softmax_i(g_j·f_i), output position j attends with "query" g_j (from `key`!) over "keys" f_i
// (from `query`). The fast path therefore runs the SAGAN kernel with the roles of the two projections swapped;
// the reference below follows fastai's formula literally, so the test checks that equivalence too.
//
// Weights use the PyTorch state_dict names: SAGAN `query_conv.weight` [C', C, 1, 1], `query_conv.bias` [C'],
// `key_conv.*`, `value_conv.*`, `gamma` [1]; fastai `query.weight` [C/8, C, 1], `key.weight`, `value.weight`,
// `gamma` [1]. The load() helpers read exactly those keys.
//
// Used by: SRGAN + SA (part-b §6, two SAGAN blocks, C = 64), GAPNet (§3.4, C = 64 at H/2), DeOldify (§8,
// fastai form, C = 768 artistic / 512 stable at 1/8 resolution), SAGAN generators.
//
// Pitfalls: gamma = 0 makes the block the identity (golden tests must set it non-zero); the softmax axis differs
// between the two forms; the official TensorFlow SAGAN (max-pooled keys, C/2 value + output conv) is a third
// variant, not implemented; memory: the P×P matrix is 1 GB for a 128×128 map (P = 16384).
//
// Implementations and cost: projections 2·P·C·(2C' + C) FLOPs, attention 2·P²·(C' + C) FLOPs + P² exps.
//   *_ref      materialises the P×P attention matrix, loops in formula order.
//   *_blocked  projections as gemms on the [C, P] view (a 1×1 conv is W[Cout,Cin]·X[Cin,P] + b), then the
//              blocked attention core of scaled_dot_product_attention.hpp: kAttentionRowBlock query positions at a
//              time, memory O(64·P) per thread, never the full P×P matrix; work units fixed → thread-count
//              independent bits.
//   self_attention() / fastai_self_attention() dispatch to *_blocked.
//
//     auto st = pixforge::SafeTensors::open("srgan_sa.safetensors");
//     auto get = [&](const std::string& k) { return st.get(k); };
//     auto w = pixforge::SelfAttentionWeights::load(get, "sa1.");
//     pixforge::Tensor<float> y = pixforge::self_attention(x, w);            // x, y [N, 64, H, W]
//     auto d = pixforge::FastaiSelfAttentionWeights::load(get, "layers.5.1.sa.");  // DeOldify (key prefix illustrative)
//     pixforge::Tensor<float> z = pixforge::fastai_self_attention(feat, d);
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "pixforge/core/error.hpp"
#include "pixforge/core/gemm.hpp"
#include "pixforge/core/parallel.hpp"
#include "pixforge/core/tensor.hpp"
#include "pixforge/ops/linear.hpp"
#include "pixforge/ops/scaled_dot_product_attention.hpp"

namespace pixforge {

// heykeetae Self_Attn state_dict.
struct SelfAttentionWeights {
  Conv1x1Weights query_conv;  // [C', C, 1, 1], bias [C']
  Conv1x1Weights key_conv;    // [C', C, 1, 1], bias [C']
  Conv1x1Weights value_conv;  // [C, C, 1, 1], bias [C]
  Tensor<float> gamma;        // [1]

  // get(key) -> Tensor<float>, e.g. [&](const std::string& k) { return st.get(k); }; prefix like "attn1.".
  template <class Get>
  static SelfAttentionWeights load(Get&& get, const std::string& prefix = "") {
    SelfAttentionWeights w;
    w.query_conv = {get(prefix + "query_conv.weight"), get(prefix + "query_conv.bias")};
    w.key_conv = {get(prefix + "key_conv.weight"), get(prefix + "key_conv.bias")};
    w.value_conv = {get(prefix + "value_conv.weight"), get(prefix + "value_conv.bias")};
    w.gamma = get(prefix + "gamma");
    return w;
  }
};

// fastai v1 SelfAttention state_dict (spectral norm folded: `weight`, not `weight_orig`/`_u`/`_v`).
struct FastaiSelfAttentionWeights {
  Conv1x1Weights query;  // [C/8, C, 1], no bias
  Conv1x1Weights key;    // [C/8, C, 1], no bias
  Conv1x1Weights value;  // [C, C, 1], no bias
  Tensor<float> gamma;   // [1]

  template <class Get>
  static FastaiSelfAttentionWeights load(Get&& get, const std::string& prefix = "") {
    FastaiSelfAttentionWeights w;
    w.query.weight = get(prefix + "query.weight");
    w.key.weight = get(prefix + "key.weight");
    w.value.weight = get(prefix + "value.weight");
    w.gamma = get(prefix + "gamma");
    return w;
  }
};

// Nothing to choose for the math; the block size of the fast path is the constant kAttentionRowBlock.
struct SelfAttentionParams {};

inline Shape self_attention_output_shape(const Shape& x) { return x; }

namespace detail {

// Validates x [N, C, H, W] against query/key (C → C'), value (C → C) and gamma [1].
inline void check_self_attention_args(const Tensor<float>& x, const Conv1x1Weights& q, const Conv1x1Weights& k,
                                      const Conv1x1Weights& v, const Tensor<float>& gamma, const char* op,
                                      const char* qn, const char* kn, const char* vn) {
  check_rank(x, 4, op, "x");
  const int64_t C = x.size(1);
  const int64_t cq = check_pointwise(q, C, op, qn);
  const int64_t ck = check_pointwise(k, C, op, kn);
  const int64_t cv = check_pointwise(v, C, op, vn);
  PIXFORGE_CHECK(cq == ck, ErrorCode::shape_mismatch, op, ": ", qn, " and ", kn, " must have the same output width, got ",
                 q.weight.shape().str(), " and ", k.weight.shape().str());
  PIXFORGE_CHECK(cv == C, ErrorCode::shape_mismatch, op, ": ", vn, " must map C=", C, " to ", C, " channels, got ",
                 v.weight.shape().str(), " (x=", x.shape().str(), ")");
  PIXFORGE_CHECK(gamma.defined() && gamma.numel() == 1, ErrorCode::shape_mismatch, op,
                 ": gamma must hold one value, got ", gamma.defined() ? gamma.shape().str() : "none");
}

// y[Cout, P] = W[Cout, Cin]·x[Cin, P] + b — a 1×1 convolution on one image, as a gemm over fixed column blocks.
inline void pointwise_conv_gemm(const Conv1x1Weights& l, const float* w, const float* x, int64_t cin, int64_t P,
                                float* y) {
  const int64_t cout = l.weight.size(0);
  GemmArgs g;
  g.M = cout, g.N = P, g.K = cin;
  g.A = w, g.lda = cin;
  g.B = x, g.ldb = P;
  g.C = y, g.ldc = P;
  gemm_parallel(g);
  if (l.bias.defined()) {
    const Tensor<float> b = l.bias.contiguous();
    parallel_for(0, cout, [&](int64_t o) {
      for (int64_t p = 0; p < P; ++p) y[o * P + p] += b.data()[o];
    });
  }
}

// Shared fast path: projections, blocked attention with (query role, key role) = (qr, kr), residual.
inline Tensor<float> self_attention_blocked_impl(const Tensor<float>& x, const Conv1x1Weights& qr,
                                                 const Conv1x1Weights& kr, const Conv1x1Weights& v, float gamma) {
  const Tensor<float> xc = x.contiguous();
  const Tensor<float> wq = qr.weight.contiguous(), wk = kr.weight.contiguous(), wv = v.weight.contiguous();
  const int64_t N = x.size(0), C = x.size(1), P = x.size(2) * x.size(3), Cq = qr.weight.size(0);
  Tensor<float> y = Tensor<float>::empty(x.shape());
  // Tensors rather than std::vector so limits().max_tensor_bytes applies to these buffers too.
  Tensor<float> q = Tensor<float>::empty({Cq, P}), k = Tensor<float>::empty({Cq, P});
  Tensor<float> val = Tensor<float>::empty({C, P}), o = Tensor<float>::empty({C, P});
  for (int64_t n = 0; n < N; ++n) {
    const float* xn = xc.data() + n * C * P;
    pointwise_conv_gemm(qr, wq.data(), xn, C, P, q.data());  // [C', P]
    pointwise_conv_gemm(kr, wk.data(), xn, C, P, k.data());  // [C', P]
    pointwise_conv_gemm(v, wv.data(), xn, C, P, val.data());  // [C, P]
    AttentionProblem pr;
    pr.L = P, pr.S = P, pr.D = Cq, pr.Dv = C;
    pr.q = q.data(), pr.k = k.data(), pr.v = val.data(), pr.o = o.data();
    pr.channels_first = true;
    pr.scale = 1.0f;
    attention_blocked({pr});
    float* yn = y.data() + n * C * P;
    parallel_for(0, C, [&](int64_t c) {
      for (int64_t p = 0; p < P; ++p) yn[c * P + p] = gamma * o.data()[c * P + p] + xn[c * P + p];
    });
  }
  return y;
}

// z[n, o, p] = b[o] + Σ_c W[o, c]·x[n, c, p] — the 1×1 conv of the references, one loop per index.
inline Tensor<float> pointwise_conv_ref(const Conv1x1Weights& l, const Tensor<float>& xc, int64_t n) {
  const int64_t C = xc.size(1), P = xc.size(2) * xc.size(3), Co = l.weight.size(0);
  const Tensor<float> w = l.weight.contiguous().reshape({Co, C});
  const Tensor<float> b = l.bias.defined() ? l.bias.contiguous() : Tensor<float>();
  const Tensor<float> x3 = xc.reshape({xc.size(0), C, P});
  Tensor<float> z = Tensor<float>::empty({Co, P});
  for (int64_t o = 0; o < Co; ++o)
    for (int64_t p = 0; p < P; ++p) {
      float acc = b.defined() ? b(o) : 0.0f;
      for (int64_t c = 0; c < C; ++c) acc += w(o, c) * x3(n, c, p);
      z(o, p) = acc;
    }
  return z;
}

}  // namespace detail

// ---- SAGAN ------------------------------------------------------------------------------------------------------

inline Tensor<float> self_attention_ref(const Tensor<float>& x, const SelfAttentionWeights& w,
                                        const SelfAttentionParams& = {}) {
  detail::check_self_attention_args(x, w.query_conv, w.key_conv, w.value_conv, w.gamma, "self_attention",
                                    "query_conv", "key_conv", "value_conv");
  const Tensor<float> xc = x.contiguous();
  const int64_t N = x.size(0), C = x.size(1), P = x.size(2) * x.size(3), Cq = w.query_conv.weight.size(0);
  const float gamma = w.gamma.contiguous().data()[0];
  Tensor<float> y = Tensor<float>::empty(x.shape());
  const Tensor<float> x3 = xc.reshape({N, C, P});  // positions flattened row-major: p = h·W + w
  Tensor<float> y3 = y.reshape({N, C, P});
  Tensor<float> energy = Tensor<float>::empty({P, P}), A = Tensor<float>::empty({P, P});
  for (int64_t n = 0; n < N; ++n) {
    const Tensor<float> q = detail::pointwise_conv_ref(w.query_conv, xc, n);  // [C', P]
    const Tensor<float> k = detail::pointwise_conv_ref(w.key_conv, xc, n);    // [C', P]
    const Tensor<float> v = detail::pointwise_conv_ref(w.value_conv, xc, n);  // [C, P]
    for (int64_t i = 0; i < P; ++i)
      for (int64_t j = 0; j < P; ++j) {
        float acc = 0.0f;
        for (int64_t c = 0; c < Cq; ++c) acc += q(c, i) * k(c, j);
        energy(i, j) = acc;
      }
    for (int64_t i = 0; i < P; ++i) {  // softmax over j, one row at a time
      float m = -INFINITY;
      for (int64_t j = 0; j < P; ++j) m = std::max(m, energy(i, j));
      float sum = 0.0f;
      for (int64_t j = 0; j < P; ++j) sum += std::exp(energy(i, j) - m);
      for (int64_t j = 0; j < P; ++j) A(i, j) = std::exp(energy(i, j) - m) / sum;
    }
    for (int64_t c = 0; c < C; ++c)
      for (int64_t i = 0; i < P; ++i) {
        float o = 0.0f;
        for (int64_t j = 0; j < P; ++j) o += v(c, j) * A(i, j);
        y3(n, c, i) = gamma * o + x3(n, c, i);
      }
  }
  return y;
}

inline Tensor<float> self_attention_blocked(const Tensor<float>& x, const SelfAttentionWeights& w,
                                            const SelfAttentionParams& = {}) {
  detail::check_self_attention_args(x, w.query_conv, w.key_conv, w.value_conv, w.gamma, "self_attention",
                                    "query_conv", "key_conv", "value_conv");
  return detail::self_attention_blocked_impl(x, w.query_conv, w.key_conv, w.value_conv,
                                             w.gamma.contiguous().data()[0]);
}

inline Tensor<float> self_attention(const Tensor<float>& x, const SelfAttentionWeights& w,
                                    const SelfAttentionParams& p = {}) {
  return self_attention_blocked(x, w, p);
}

// ---- DeOldify / fastai v1 ---------------------------------------------------------------------------------------

inline Tensor<float> fastai_self_attention_ref(const Tensor<float>& x, const FastaiSelfAttentionWeights& w,
                                               const SelfAttentionParams& = {}) {
  detail::check_self_attention_args(x, w.query, w.key, w.value, w.gamma, "fastai_self_attention", "query", "key",
                                    "value");
  const Tensor<float> xc = x.contiguous();
  const int64_t N = x.size(0), C = x.size(1), P = x.size(2) * x.size(3), Cq = w.query.weight.size(0);
  const float gamma = w.gamma.contiguous().data()[0];
  Tensor<float> y = Tensor<float>::empty(x.shape());
  const Tensor<float> x3 = xc.reshape({N, C, P});
  Tensor<float> y3 = y.reshape({N, C, P});
  Tensor<float> s = Tensor<float>::empty({P, P}), beta = Tensor<float>::empty({P, P});
  for (int64_t n = 0; n < N; ++n) {
    const Tensor<float> f = detail::pointwise_conv_ref(w.query, xc, n);  // [C/8, P]
    const Tensor<float> g = detail::pointwise_conv_ref(w.key, xc, n);    // [C/8, P]
    const Tensor<float> h = detail::pointwise_conv_ref(w.value, xc, n);  // [C, P]
    for (int64_t i = 0; i < P; ++i)  // s = fᵀ·g
      for (int64_t j = 0; j < P; ++j) {
        float acc = 0.0f;
        for (int64_t c = 0; c < Cq; ++c) acc += f(c, i) * g(c, j);
        s(i, j) = acc;
      }
    for (int64_t j = 0; j < P; ++j) {  // softmax over i (dim=1 of [N, P, P]), one column at a time
      float m = -INFINITY;
      for (int64_t i = 0; i < P; ++i) m = std::max(m, s(i, j));
      float sum = 0.0f;
      for (int64_t i = 0; i < P; ++i) sum += std::exp(s(i, j) - m);
      for (int64_t i = 0; i < P; ++i) beta(i, j) = std::exp(s(i, j) - m) / sum;
    }
    for (int64_t c = 0; c < C; ++c)  // o = gamma·(h·β) + x
      for (int64_t j = 0; j < P; ++j) {
        float o = 0.0f;
        for (int64_t i = 0; i < P; ++i) o += h(c, i) * beta(i, j);
        y3(n, c, j) = gamma * o + x3(n, c, j);
      }
  }
  return y;
}

inline Tensor<float> fastai_self_attention_blocked(const Tensor<float>& x, const FastaiSelfAttentionWeights& w,
                                                   const SelfAttentionParams& = {}) {
  detail::check_self_attention_args(x, w.query, w.key, w.value, w.gamma, "fastai_self_attention", "query", "key",
                                    "value");
  // Output position j queries with g_j (the `key` projection) over keys f_i (the `query` projection).
  return detail::self_attention_blocked_impl(x, w.key, w.query, w.value, w.gamma.contiguous().data()[0]);
}

inline Tensor<float> fastai_self_attention(const Tensor<float>& x, const FastaiSelfAttentionWeights& w,
                                           const SelfAttentionParams& p = {}) {
  return fastai_self_attention_blocked(x, w, p);
}

}  // namespace pixforge
