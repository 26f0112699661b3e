// pixforge/ops/scaled_dot_product_attention.hpp — softmax(scale · Q·Kᵀ)·V, computed in bounded memory.
//
//   s[b, i, j] = scale · Σ_d q[b, i, d] · k[b, j, d]           scores, one row per query i, one column per key j
//   p[b, i, j] = exp(s[b, i, j] − max_j s[b, i, :]) / Σ_j exp(s[b, i, j] − max_j s[b, i, :])   softmax over keys
//   o[b, i, e] = Σ_j p[b, i, j] · v[b, j, e]
//
// Shapes: q [B, L, D], k [B, S, D], v [B, S, Dv] → o [B, L, Dv]; 4-D [B, H, L, D] (heads) works the same way,
// leading dims must be equal (no broadcasting). scale defaults to 1/sqrt(D), as in
// torch.nn.functional.scaled_dot_product_attention (PyTorch ≥ 2.0; the goldens compute the formula explicitly since
// Debian's torch 1.13 predates it). No mask, no dropout, no causal flag (no generator here needs them).
//
// Numerics: subtracting the row maximum before exp is what makes softmax safe — exp(s) overflows float for s > 88,
// and SAGAN's unscaled energies reach that on real feature maps. After the shift every exponent is ≤ 0, the
// largest term is exactly 1, and the row sum lies in [1, S].
//
// Used by: SAGAN / DeOldify self-attention (ops/self_attention.hpp: same core with Q, K, V stored channel-first as
// [D, L] feature maps and scale 1), transformer-style blocks (SwinIR/Restormer-like restorers).
//
// Implementations and cost (2·B·L·S·(D + Dv) FLOPs + B·L·S exps)
//   *_ref      materialises the whole [L, S] score matrix per batch, loops in formula order.
//   *_blocked  processes kAttentionRowBlock query rows at a time: one gemm for the [rows, S] scores, softmax per row
//              (with a vectorisable exp, exp_nonpositive, since L·S scalar libm exps otherwise dominate: ~2× on a
//              64-channel SAGAN block), one gemm for the output rows. Memory O(rows·S) per thread instead of O(L·S); for a 128×128 SAGAN map
//              (L = S = 16384) that is 4 MB instead of 1 GB. Work units (batch, row block) are fixed, so results are
//              bit-identical for any thread count. A row's softmax never leaves its block, so no cross-block
//              rescaling (flash-attention style) is needed.
//   scaled_dot_product_attention() dispatches to *_blocked.
//
//     pixforge::Tensor<float> o = pixforge::scaled_dot_product_attention(q, k, v);   // scale 1/sqrt(D)
//     pixforge::ScaledDotProductAttentionParams p;
//     p.scale = 1.0f;                                                                // SAGAN-style, unscaled
//     o = pixforge::scaled_dot_product_attention(q, k, v, p);
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <optional>
#include <vector>

#include "pixforge/core/error.hpp"
#include "pixforge/core/gemm.hpp"
#include "pixforge/core/parallel.hpp"
#include "pixforge/core/tensor.hpp"

namespace pixforge {

struct ScaledDotProductAttentionParams {
  std::optional<float> scale;  // default 1/sqrt(D)
};

namespace detail {

// exp(x) for x <= 0, written so the compiler vectorises loops over it (std::exp is a scalar libm call unless
// -ffast-math; the P² exps of self-attention then dominate the run time). x = n·ln2 + r with |r| <= ln2/2,
// exp(r) by its Taylor polynomial to degree 7 (truncation error r^8/8! < 6e-9, far below float epsilon), times
// 2^n built in the exponent bits. Below -87 (exp < 2^-126, where 2^n would leave the normal range) the result is 0.
inline float exp_nonpositive(float x) {
  const bool underflow = x < -87.0f;
  x = underflow ? -87.0f : x;
  const float n = std::floor(x * 1.44269504088896341f + 0.5f);
  const float r = (x - n * 0.693359375f) - n * -2.12194440e-4f;  // ln2 split in two parts: exact n·ln2_hi
  float p = 1.0f / 5040.0f;
  p = p * r + 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  const uint32_t bits = uint32_t(int32_t(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return underflow ? 0.0f : p * scale;
}

// Numerically stable softmax of scale·row, in place. Every pass is a plain loop the compiler vectorises; the sum
// uses 8 fixed partial sums, so the result does not depend on threads or alignment.
inline void softmax_row_inplace(float* row, int64_t n, float scale) {
  if (n == 0) return;
  float m = row[0] * scale;
  for (int64_t j = 1; j < n; ++j) m = std::max(m, row[j] * scale);
  for (int64_t j = 0; j < n; ++j) row[j] = exp_nonpositive(row[j] * scale - m);
  float part[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t j = 0;
  for (; j + 8 <= n; j += 8)
    for (int l = 0; l < 8; ++l) part[l] += row[j + l];
  for (; j < n; ++j) part[0] += row[j];
  const float sum = ((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5]) + (part[6] + part[7]));
  const float inv = 1.0f / sum;
  for (int64_t k = 0; k < n; ++k) row[k] *= inv;
}

// One attention problem (one batch element / head). Operands are either row-major token matrices
// (q [L, D], k [S, D], v [S, Dv], o [L, Dv]) or channel-first feature maps (q [D, L], k [D, S], v [Dv, S],
// o [Dv, L]: NCHW with H·W flattened, how SAGAN holds them).
struct AttentionProblem {
  int64_t L = 0, S = 0, D = 0, Dv = 0;
  const float* q = nullptr;
  const float* k = nullptr;
  const float* v = nullptr;
  float* o = nullptr;
  bool channels_first = false;
  float scale = 1.0f;
};

// Query rows per work unit of the blocked attention (a constant: results must not depend on threads).
constexpr int64_t kAttentionRowBlock = 64;

// Output rows [i0, i1) of one problem; `scores` has room for (i1 − i0)·S floats.
inline void attention_rows(const AttentionProblem& p, int64_t i0, int64_t i1, float* scores) {
  const int64_t rows = i1 - i0;
  GemmArgs s;  // scores[rows, S] = q_rows[rows, D] · kᵀ[D, S]
  s.M = rows;
  s.N = p.S;
  s.K = p.D;
  s.C = scores;
  s.ldc = p.S;
  if (p.channels_first) {
    s.A = p.q + i0, s.lda = p.L, s.trans_a = true;
    s.B = p.k, s.ldb = p.S;
  } else {
    s.A = p.q + i0 * p.D, s.lda = p.D;
    s.B = p.k, s.ldb = p.D, s.trans_b = true;
  }
  gemm_eigen(s);
  for (int64_t r = 0; r < rows; ++r) softmax_row_inplace(scores + r * p.S, p.S, p.scale);
  GemmArgs o;
  o.K = p.S;
  if (p.channels_first) {  // o[:, i0:i1] [Dv, rows] = v[Dv, S] · scoresᵀ[S, rows]
    o.M = p.Dv, o.N = rows;
    o.A = p.v, o.lda = p.S;
    o.B = scores, o.ldb = p.S, o.trans_b = true;
    o.C = p.o + i0, o.ldc = p.L;
  } else {  // o[i0:i1, :] [rows, Dv] = scores[rows, S] · v[S, Dv]
    o.M = rows, o.N = p.Dv;
    o.A = scores, o.lda = p.S;
    o.B = p.v, o.ldb = p.Dv;
    o.C = p.o + i0 * p.Dv, o.ldc = p.Dv;
  }
  gemm_eigen(o);
}

// Runs attention_rows over every (problem, row block) in parallel. problems[b] are independent.
inline void attention_blocked(const std::vector<AttentionProblem>& problems) {
  if (problems.empty()) return;
  const int64_t L = problems[0].L, S = problems[0].S;
  const int64_t blocks = (L + kAttentionRowBlock - 1) / kAttentionRowBlock;
  parallel_for(0, int64_t(problems.size()) * blocks, [&](int64_t u) {
    const AttentionProblem& p = problems[size_t(u / blocks)];
    const int64_t i0 = (u % blocks) * kAttentionRowBlock, i1 = std::min(L, i0 + kAttentionRowBlock);
    Tensor<float> scores = Tensor<float>::empty({i1 - i0, S});  // checked against limits()
    attention_rows(p, i0, i1, scores.data());
  });
}

inline void check_sdpa_args(const Tensor<float>& q, const Tensor<float>& k, const Tensor<float>& v) {
  const char* op = "scaled_dot_product_attention";
  PIXFORGE_CHECK(q.dim() >= 3 && q.dim() == k.dim() && q.dim() == v.dim(), ErrorCode::shape_mismatch, op,
                 ": q, k, v must all be [B, L, D] / [B, S, D] / [B, S, Dv] (or 4-D with heads), got q=",
                 q.shape().str(), ", k=", k.shape().str(), ", v=", v.shape().str());
  for (int d = 0; d < q.dim() - 2; ++d)
    PIXFORGE_CHECK(q.size(d) == k.size(d) && q.size(d) == v.size(d), ErrorCode::shape_mismatch, op,
                   ": leading (batch) dims differ: q=", q.shape().str(), ", k=", k.shape().str(), ", v=",
                   v.shape().str());
  PIXFORGE_CHECK(q.size(-1) == k.size(-1), ErrorCode::shape_mismatch, op, ": q has D=", q.size(-1),
                 ", k has D=", k.size(-1), " (q=", q.shape().str(), ", k=", k.shape().str(), ")");
  PIXFORGE_CHECK(k.size(-2) == v.size(-2), ErrorCode::shape_mismatch, op, ": k has S=", k.size(-2),
                 " keys, v has ", v.size(-2), " values (k=", k.shape().str(), ", v=", v.shape().str(), ")");
}

}  // namespace detail

inline Shape scaled_dot_product_attention_output_shape(const Shape& q, const Shape& v) {
  Shape o = q;
  o[o.rank() - 1] = v[v.rank() - 1];
  return o;
}

namespace detail {
// Product of the leading (batch, head) dims.
inline int64_t sdpa_batch(const Tensor<float>& q) {
  int64_t b = 1;
  for (int d = 0; d < q.dim() - 2; ++d) b *= q.size(d);
  return b;
}
inline float sdpa_scale(const Tensor<float>& q, const ScaledDotProductAttentionParams& p) {
  return p.scale ? *p.scale : 1.0f / std::sqrt(float(q.size(-1)));
}
}  // namespace detail

// Reference: the full score matrix per batch element, loops in formula order.
inline Tensor<float> scaled_dot_product_attention_ref(const Tensor<float>& q, const Tensor<float>& k,
                                                      const Tensor<float>& v,
                                                      const ScaledDotProductAttentionParams& params = {}) {
  detail::check_sdpa_args(q, k, v);
  const Tensor<float> qc = q.contiguous(), kc = k.contiguous(), vc = v.contiguous();
  const int64_t L = q.size(-2), D = q.size(-1), S = k.size(-2), Dv = v.size(-1);
  const int64_t B = detail::sdpa_batch(q);
  const float scale = detail::sdpa_scale(q, params);
  Tensor<float> o = Tensor<float>::empty(scaled_dot_product_attention_output_shape(q.shape(), v.shape()));
  // [B, L, D] views (4-D inputs fold their head dim into B).
  const Tensor<float> Q = qc.reshape({B, L, D}), K = kc.reshape({B, S, D}), V = vc.reshape({B, S, Dv});
  Tensor<float> O = o.reshape({B, L, Dv});
  Tensor<float> s = Tensor<float>::empty({L, S}), p = Tensor<float>::empty({L, S});
  for (int64_t b = 0; b < B; ++b) {
    for (int64_t i = 0; i < L; ++i)
      for (int64_t j = 0; j < S; ++j) {
        float acc = 0.0f;
        for (int64_t d = 0; d < D; ++d) acc += Q(b, i, d) * K(b, j, d);
        s(i, j) = scale * acc;
      }
    for (int64_t i = 0; i < L; ++i) {
      float m = -INFINITY;
      for (int64_t j = 0; j < S; ++j) m = std::max(m, s(i, j));
      float sum = 0.0f;
      for (int64_t j = 0; j < S; ++j) sum += std::exp(s(i, j) - m);
      for (int64_t j = 0; j < S; ++j) p(i, j) = std::exp(s(i, j) - m) / sum;
    }
    for (int64_t i = 0; i < L; ++i)
      for (int64_t e = 0; e < Dv; ++e) {
        float acc = 0.0f;
        for (int64_t j = 0; j < S; ++j) acc += p(i, j) * V(b, j, e);
        O(b, i, e) = acc;
      }
  }
  return o;
}

inline Tensor<float> scaled_dot_product_attention_blocked(const Tensor<float>& q, const Tensor<float>& k,
                                                          const Tensor<float>& v,
                                                          const ScaledDotProductAttentionParams& params = {}) {
  detail::check_sdpa_args(q, k, v);
  const Tensor<float> qc = q.contiguous(), kc = k.contiguous(), vc = v.contiguous();
  const int64_t L = q.size(-2), D = q.size(-1), S = k.size(-2), Dv = v.size(-1);
  Tensor<float> o = Tensor<float>::empty(scaled_dot_product_attention_output_shape(q.shape(), v.shape()));
  const int64_t B = detail::sdpa_batch(q);
  std::vector<detail::AttentionProblem> problems(static_cast<size_t>(B));
  for (int64_t b = 0; b < B; ++b) {
    detail::AttentionProblem& p = problems[size_t(b)];
    p.L = L, p.S = S, p.D = D, p.Dv = Dv;
    p.q = qc.data() + b * L * D;
    p.k = kc.data() + b * S * D;
    p.v = vc.data() + b * S * Dv;
    p.o = o.data() + b * L * Dv;
    p.scale = detail::sdpa_scale(q, params);
  }
  detail::attention_blocked(problems);
  return o;
}

inline Tensor<float> scaled_dot_product_attention(const Tensor<float>& q, const Tensor<float>& k,
                                                  const Tensor<float>& v,
                                                  const ScaledDotProductAttentionParams& params = {}) {
  return scaled_dot_product_attention_blocked(q, k, v, params);
}

}  // namespace pixforge
