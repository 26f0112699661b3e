// pixforge/ops/linear.hpp — fully connected layers and matrix products: linear, matmul, bmm.
//
//   linear (nn.Linear, F.linear):   y[..., o] = act( b[o] + Σ_i x[..., i] · W[o, i] )
//   matmul (torch.matmul):          y[..., m, n] = Σ_k a[..., m, k] · b[..., k, n]
//   bmm    (torch.bmm):             y[p, m, n]   = Σ_k a[p, m, k] · b[p, k, n]
//
// Shapes
//   linear  x [..., in] (any rank ≥ 1), weight [out, in] (PyTorch layout, *not* transposed), bias [out] or none
//           → y [..., out]. A Conv1d with kernel 1 ([out, in, 1]) and a Conv2d 1×1 ([out, in, 1, 1]) hold the same
//           matrix: pass weight.reshape({out, in}) and features laid out as [rows, in]. For NCHW feature maps the
//           1×1 conv is W·X on the [C, H·W] view instead (the attention headers do that with gemm directly);
//           Conv1x1Weights below is the weight + bias pair those headers take in any of the three layouts.
//   matmul  a [..., M, K], b [..., K, N], both of rank 2…6. The leading ("batch") dims broadcast like NumPy and
//           torch.matmul: aligned from the right, a size-1 dim stretches, a missing dim counts as 1, so
//           [2,3,M,K]·[K,N] → [2,3,M,N] and [2,1,M,K]·[5,K,N] → [2,5,M,N]. Not supported: 1-D operands (torch
//           treats them as a row/column vector and drops the dim; reshape to [1,K] or [K,1] yourself).
//   bmm     a [P, M, K], b [P, K, N] → [P, M, N], no broadcasting (like torch.bmm).
//
// Used by: FC layers of the MNIST DCGAN/VAE decoders (Dense + Keras NHWC reshape), the squeeze-excitation and
// FcaNet channel-attention MLPs (tiny: [1,C]·[C,C/r]ᵀ), SAGAN/DeOldify self-attention (1×1 convs and the N×N
// score matrix), contextual attention (patch scores).
//
// Pitfalls
//   * weight is [out, in]: y = x·Wᵀ. Keras Dense stores [in, out] — transpose in the converter, not here.
//   * torch.matmul broadcasts batch dims but *not* M/K/N; K must match exactly.
//   * A 1×1 conv on NCHW is W[Cout,Cin]·X[Cin,H·W] per image, not linear() on the NCHW tensor (that would
//     contract over W, the last axis).
//
// Implementations and cost (2·rows·in·out FLOPs for linear, 2·P·M·N·K for matmul)
//   *_ref    triple loops in formula order, float accumulation over k in increasing order.
//   *_gemm   core/gemm.hpp (Eigen kernels). Work is split into fixed units — row blocks of kLinearRowBlock rows,
//            or one batch matrix each, or gemm_parallel's fixed column blocks when there is a single small block —
//            so every output bit is the same for any thread count.
//   linear(), matmul(), bmm() dispatch to *_gemm.
//
//     auto y = pixforge::linear(x, fc_weight, fc_bias, {pixforge::Act::relu()});   // x [N, 512] → y [N, 256]
//     auto s = pixforge::matmul(q, k_t);                                            // [B, L, D]·[B, D, S]
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "pixforge/core/activation_spec.hpp"
#include "pixforge/core/error.hpp"
#include "pixforge/core/gemm.hpp"
#include "pixforge/core/parallel.hpp"
#include "pixforge/core/tensor.hpp"

namespace pixforge {

struct LinearParams {
  Act act;  // applied right after the bias add (fused epilogue); nn.Linear itself has none
};

// Weight and optional bias of a "pointwise" layer: nn.Linear [out, in], nn.Conv1d(k=1) [out, in, 1] or
// nn.Conv2d 1×1 [out, in, 1, 1] — the same matrix. bias is [out] or undefined (bias=False).
struct Conv1x1Weights {
  Tensor<float> weight;
  Tensor<float> bias;
};

namespace detail {

// Checks that `w` is an [out, in] matrix possibly followed by size-1 kernel dims; returns {out, in}.
inline std::pair<int64_t, int64_t> pointwise_dims(const Tensor<float>& w, const char* op, const char* name) {
  PIXFORGE_CHECK(w.dim() >= 2 && w.dim() <= 4, ErrorCode::shape_mismatch, op, ": ", name,
                 " must be [out, in], [out, in, 1] or [out, in, 1, 1], got ", w.shape().str());
  for (int d = 2; d < w.dim(); ++d)
    PIXFORGE_CHECK(w.size(d) == 1, ErrorCode::shape_mismatch, op, ": ", name,
                   " must be a 1×1 kernel ([out, in, 1, 1]), got ", w.shape().str());
  return {w.size(0), w.size(1)};
}

// Checks a pointwise layer mapping `in` features: weight [out, in(,1,1)], bias [out] or none. Returns out.
inline int64_t check_pointwise(const Conv1x1Weights& l, int64_t in, const char* op, const char* name) {
  PIXFORGE_CHECK(l.weight.defined(), ErrorCode::invalid_argument, op, ": ", name, ".weight is missing");
  const auto [out, w_in] = pointwise_dims(l.weight, op, name);
  PIXFORGE_CHECK(w_in == in, ErrorCode::shape_mismatch, op, ": ", name, " expects ", w_in, " input features, got ",
                 in, " (", name, ".weight=", l.weight.shape().str(), ")");
  if (l.bias.defined())
    PIXFORGE_CHECK(l.bias.dim() == 1 && l.bias.size(0) == out, ErrorCode::shape_mismatch, op, ": ", name,
                   ".bias must be [", out, "], got ", l.bias.shape().str());
  return out;
}

// Number of feature vectors in x [..., in]: the product of all but the last dim.
inline int64_t leading_rows(const Shape& x) {
  int64_t rows = 1;
  for (int d = 0; d + 1 < x.rank(); ++d) rows *= x[d];
  return rows;
}

inline void check_linear_args(const Tensor<float>& x, const Tensor<float>& weight, const Tensor<float>& bias) {
  PIXFORGE_CHECK(x.dim() >= 1, ErrorCode::shape_mismatch, "linear: x must have at least 1 dimension, got ",
                 x.shape().str());
  PIXFORGE_CHECK(weight.dim() == 2, ErrorCode::shape_mismatch, "linear: weight must be [out, in], got ",
                 weight.shape().str());
  PIXFORGE_CHECK(x.size(-1) == weight.size(1), ErrorCode::shape_mismatch, "linear: x has ", x.size(-1),
                 " input features, weight expects ", weight.size(1), " (x=", x.shape().str(),
                 ", weight=", weight.shape().str(), ")");
  if (bias.defined())
    PIXFORGE_CHECK(bias.dim() == 1 && bias.size(0) == weight.size(0), ErrorCode::shape_mismatch,
                   "linear: bias must be [", weight.size(0), "], got ", bias.shape().str(),
                   " (weight=", weight.shape().str(), ")");
}

}  // namespace detail

inline Shape linear_output_shape(const Shape& x, const Shape& weight) {
  PIXFORGE_CHECK(x.rank() >= 1 && weight.rank() == 2 && x[x.rank() - 1] == weight[1], ErrorCode::shape_mismatch,
                 "linear: x ", x.str(), " does not fit weight ", weight.str());
  Shape y = x;
  y[y.rank() - 1] = weight[0];
  return y;
}

// Reference: one loop per index.
inline Tensor<float> linear_ref(const Tensor<float>& x, const Tensor<float>& weight,
                                const Tensor<float>& bias = Tensor<float>(), const LinearParams& p = {}) {
  detail::check_linear_args(x, weight, bias);
  const Tensor<float> xc = x.contiguous(), wc = weight.contiguous();
  const Tensor<float> bc = bias.defined() ? bias.contiguous() : Tensor<float>();
  const int64_t in = weight.size(1), out = weight.size(0), rows = detail::leading_rows(x.shape());
  Tensor<float> y = Tensor<float>::empty(linear_output_shape(x.shape(), weight.shape()));
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t o = 0; o < out; ++o) {
      float acc = 0.0f;
      for (int64_t i = 0; i < in; ++i) acc += xc.data()[r * in + i] * wc.data()[o * in + i];
      if (bc.defined()) acc += bc.data()[o];
      y.data()[r * out + o] = apply_act(acc, p.act);
    }
  return y;
}

// Rows per work unit of linear_gemm: a constant, so results do not depend on the thread count.
constexpr int64_t kLinearRowBlock = 64;

// y[rows, out] = x[rows, in] · Wᵀ via gemm (W read in place with trans_b), bias + act fused per row block.
inline Tensor<float> linear_gemm(const Tensor<float>& x, const Tensor<float>& weight,
                                 const Tensor<float>& bias = Tensor<float>(), const LinearParams& p = {}) {
  detail::check_linear_args(x, weight, bias);
  const Tensor<float> xc = x.contiguous(), wc = weight.contiguous();
  const Tensor<float> bc = bias.defined() ? bias.contiguous() : Tensor<float>();
  const int64_t in = weight.size(1), out = weight.size(0), rows = detail::leading_rows(x.shape());
  Tensor<float> y = Tensor<float>::empty(linear_output_shape(x.shape(), weight.shape()));
  if (rows == 0 || out == 0) return y;

  GemmArgs g;
  g.N = out;
  g.K = in;
  g.lda = in;
  g.B = wc.data();
  g.ldb = in;
  g.trans_b = true;
  g.ldc = out;
  auto epilogue = [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      float* row = y.data() + r * out;
      if (bc.defined())
        for (int64_t o = 0; o < out; ++o) row[o] += bc.data()[o];
      apply_act_inplace(row, out, p.act);
    }
  };
  const int64_t blocks = (rows + kLinearRowBlock - 1) / kLinearRowBlock;
  if (blocks >= 2) {
    parallel_for(0, blocks, [&](int64_t b) {
      const int64_t r0 = b * kLinearRowBlock, r1 = std::min(rows, r0 + kLinearRowBlock);
      GemmArgs s = g;
      s.M = r1 - r0;
      s.A = xc.data() + r0 * in;
      s.C = y.data() + r0 * out;
      gemm_eigen(s);
      epilogue(r0, r1);
    });
  } else {
    // Few rows (a GEMV-like FC layer): split the output features instead.
    g.M = rows;
    g.A = xc.data();
    g.C = y.data();
    gemm_parallel(g);
    epilogue(0, rows);
  }
  return y;
}

inline Tensor<float> linear(const Tensor<float>& x, const Tensor<float>& weight,
                            const Tensor<float>& bias = Tensor<float>(), const LinearParams& p = {}) {
  return linear_gemm(x, weight, bias, p);
}

// ---- matmul / bmm ---------------------------------------------------------------------------------------------

namespace detail {

// Broadcast bookkeeping shared by matmul_ref and matmul_gemm: for output batch index `ob`, the element offsets
// of the matching a and b matrices.
struct MatmulPlan {
  Shape out;
  int64_t M = 0, K = 0, N = 0, batch = 1;
  int batch_rank = 0;
  int64_t out_batch[kMaxRank] = {}, a_batch[kMaxRank] = {}, b_batch[kMaxRank] = {};  // right-aligned, padded with 1

  void offsets(int64_t ob, int64_t* a_off, int64_t* b_off) const {
    int64_t ai = 0, bi = 0, a_mul = 1, b_mul = 1;
    for (int d = batch_rank - 1; d >= 0; --d) {
      const int64_t i = ob % out_batch[d];
      ob /= out_batch[d];
      ai += (a_batch[d] == 1 ? 0 : i) * a_mul;
      bi += (b_batch[d] == 1 ? 0 : i) * b_mul;
      a_mul *= a_batch[d];
      b_mul *= b_batch[d];
    }
    *a_off = ai * M * K;
    *b_off = bi * K * N;
  }
};

inline MatmulPlan matmul_plan(const Shape& a, const Shape& b, const char* op) {
  PIXFORGE_CHECK(a.rank() >= 2 && b.rank() >= 2, ErrorCode::unsupported, op,
                 ": both operands need at least 2 dimensions (1-D vectors: reshape to [1,K] or [K,1]), got a=",
                 a.str(), ", b=", b.str());
  MatmulPlan p;
  p.M = a[a.rank() - 2];
  p.K = a[a.rank() - 1];
  p.N = b[b.rank() - 1];
  PIXFORGE_CHECK(b[b.rank() - 2] == p.K, ErrorCode::shape_mismatch, op, ": a has K=", p.K, " columns, b has ",
                 b[b.rank() - 2], " rows (a=", a.str(), ", b=", b.str(), ")");
  p.batch_rank = std::max(a.rank(), b.rank()) - 2;
  std::vector<int64_t> out_dims;
  for (int d = 0; d < p.batch_rank; ++d) {
    const int ad = d - (p.batch_rank - (a.rank() - 2)), bd = d - (p.batch_rank - (b.rank() - 2));
    p.a_batch[d] = ad >= 0 ? a[ad] : 1;
    p.b_batch[d] = bd >= 0 ? b[bd] : 1;
    PIXFORGE_CHECK(p.a_batch[d] == p.b_batch[d] || p.a_batch[d] == 1 || p.b_batch[d] == 1,
                   ErrorCode::shape_mismatch, op, ": batch dims do not broadcast (a=", a.str(), ", b=", b.str(), ")");
    p.out_batch[d] = std::max(p.a_batch[d], p.b_batch[d]);
    if (p.a_batch[d] == 0 || p.b_batch[d] == 0) p.out_batch[d] = 0;
    out_dims.push_back(p.out_batch[d]);
    p.batch *= p.out_batch[d];
  }
  out_dims.push_back(p.M);
  out_dims.push_back(p.N);
  p.out = Shape(out_dims);
  return p;
}

}  // namespace detail

inline Shape matmul_output_shape(const Shape& a, const Shape& b) { return detail::matmul_plan(a, b, "matmul").out; }

// Reference: for every batch matrix, y[m, n] = Σ_k a[m, k]·b[k, n], k increasing.
inline Tensor<float> matmul_ref(const Tensor<float>& a, const Tensor<float>& b) {
  const detail::MatmulPlan p = detail::matmul_plan(a.shape(), b.shape(), "matmul");
  const Tensor<float> ac = a.contiguous(), bc = b.contiguous();
  Tensor<float> y = Tensor<float>::empty(p.out);
  for (int64_t ob = 0; ob < p.batch; ++ob) {
    int64_t a_off, b_off;
    p.offsets(ob, &a_off, &b_off);
    const float* A = ac.data() + a_off;
    const float* B = bc.data() + b_off;
    float* Y = y.data() + ob * p.M * p.N;
    for (int64_t m = 0; m < p.M; ++m)
      for (int64_t n = 0; n < p.N; ++n) {
        float acc = 0.0f;
        for (int64_t k = 0; k < p.K; ++k) acc += A[m * p.K + k] * B[k * p.N + n];
        Y[m * p.N + n] = acc;
      }
  }
  return y;
}

// One gemm per batch matrix; threads take whole matrices, or, for a single matrix, gemm_parallel's fixed
// column blocks.
inline Tensor<float> matmul_gemm(const Tensor<float>& a, const Tensor<float>& b) {
  const detail::MatmulPlan p = detail::matmul_plan(a.shape(), b.shape(), "matmul");
  const Tensor<float> ac = a.contiguous(), bc = b.contiguous();
  Tensor<float> y = Tensor<float>::empty(p.out);
  auto one = [&](int64_t ob, void (*kernel)(const GemmArgs&)) {
    int64_t a_off, b_off;
    p.offsets(ob, &a_off, &b_off);
    GemmArgs g;
    g.M = p.M;
    g.N = p.N;
    g.K = p.K;
    g.A = ac.data() + a_off;
    g.lda = p.K;
    g.B = bc.data() + b_off;
    g.ldb = p.N;
    g.C = y.data() + ob * p.M * p.N;
    g.ldc = p.N;
    kernel(g);
  };
  if (p.batch == 1) one(0, gemm_parallel);
  else parallel_for(0, p.batch, [&](int64_t ob) { one(ob, gemm_eigen); });
  return y;
}

inline Tensor<float> matmul(const Tensor<float>& a, const Tensor<float>& b) { return matmul_gemm(a, b); }

namespace detail {
inline void check_bmm_args(const Tensor<float>& a, const Tensor<float>& b) {
  PIXFORGE_CHECK(a.dim() == 3 && b.dim() == 3, ErrorCode::shape_mismatch,
                 "bmm: both operands must be 3-D [P, M, K] and [P, K, N], got a=", a.shape().str(),
                 ", b=", b.shape().str());
  PIXFORGE_CHECK(a.size(0) == b.size(0), ErrorCode::shape_mismatch, "bmm: batch sizes differ (a=",
                 a.shape().str(), ", b=", b.shape().str(), "); bmm does not broadcast, use matmul");
}
}  // namespace detail

inline Tensor<float> bmm_ref(const Tensor<float>& a, const Tensor<float>& b) {
  detail::check_bmm_args(a, b);
  return matmul_ref(a, b);
}
inline Tensor<float> bmm_gemm(const Tensor<float>& a, const Tensor<float>& b) {
  detail::check_bmm_args(a, b);
  return matmul_gemm(a, b);
}
inline Tensor<float> bmm(const Tensor<float>& a, const Tensor<float>& b) { return bmm_gemm(a, b); }

}  // namespace pixforge
