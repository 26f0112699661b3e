// pixforge/core/gemm.hpp — matrix multiply, the one place that includes Eigen.
//
//   C[M,N] = A[M,K] · B[K,N] + beta · C          (row-major, leading dimensions lda/ldb/ldc, optional transposes)
//
// Convolution (im2col), transposed convolution, linear layers and attention all reduce to this. Eigen supplies the
// SIMD kernels (AVX-512/AVX2/SSE chosen at compile time by -march). Eigen's own threading is switched off
// (EIGEN_DONT_PARALLELIZE): pixforge parallelises the caller's outer loop instead (core/parallel.hpp), and
// gemm_parallel() below splits N into blocks of a fixed width, so the summation order, and hence every output bit,
// is the same for any thread count.
//
// gemm_ref is the triple loop kept for reading and testing: sum over k in increasing order, in float.
#pragma once

#ifndef EIGEN_DONT_PARALLELIZE
#define EIGEN_DONT_PARALLELIZE
#endif
// GCC 12 reports a false -Wmaybe-uninitialized inside its own avx512fintrin.h when Eigen's AVX-512 packet code is
// inlined (a known GCC/Eigen 3.4 interaction); silence exactly that for Eigen's code.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <Eigen/Core>
#include <cstdint>

#include "pixforge/core/error.hpp"
#include "pixforge/core/parallel.hpp"

namespace pixforge {

struct GemmArgs {
  int64_t M = 0, N = 0, K = 0;
  const float* A = nullptr;
  int64_t lda = 0;  // row stride of A as stored (A is [M,K], or [K,M] when trans_a)
  bool trans_a = false;
  const float* B = nullptr;
  int64_t ldb = 0;  // row stride of B as stored (B is [K,N], or [N,K] when trans_b)
  bool trans_b = false;
  float* C = nullptr;
  int64_t ldc = 0;
  float beta = 0.0f;  // 0 overwrites C (C may be uninitialised), 1 accumulates
};

// Naive reference.
inline void gemm_ref(const GemmArgs& g) {
  for (int64_t m = 0; m < g.M; ++m)
    for (int64_t n = 0; n < g.N; ++n) {
      float acc = 0.0f;
      for (int64_t k = 0; k < g.K; ++k) {
        const float a = g.trans_a ? g.A[k * g.lda + m] : g.A[m * g.lda + k];
        const float b = g.trans_b ? g.B[n * g.ldb + k] : g.B[k * g.ldb + n];
        acc += a * b;
      }
      float& c = g.C[m * g.ldc + n];
      c = g.beta == 0.0f ? acc : acc + g.beta * c;
    }
}

// Single-threaded Eigen GEMM.
inline void gemm_eigen(const GemmArgs& g) {
  using RowMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  using Stride = Eigen::OuterStride<>;
  using CMap = Eigen::Map<const RowMat, Eigen::Unaligned, Stride>;
  Eigen::Map<RowMat, Eigen::Unaligned, Stride> C(g.C, g.M, g.N, Stride(g.ldc));
  if (g.M == 0 || g.N == 0) return;
  if (g.K == 0) {
    if (g.beta == 0.0f) C.setZero();
    else C *= g.beta;
    return;
  }
  const CMap A(g.A, g.trans_a ? g.K : g.M, g.trans_a ? g.M : g.K, Stride(g.lda));
  const CMap B(g.B, g.trans_b ? g.N : g.K, g.trans_b ? g.K : g.N, Stride(g.ldb));
  if (g.beta == 0.0f) {
    if (!g.trans_a && !g.trans_b) C.noalias() = A * B;
    else if (g.trans_a && !g.trans_b) C.noalias() = A.transpose() * B;
    else if (!g.trans_a && g.trans_b) C.noalias() = A * B.transpose();
    else C.noalias() = A.transpose() * B.transpose();
  } else {
    if (g.beta != 1.0f) C *= g.beta;
    if (!g.trans_a && !g.trans_b) C.noalias() += A * B;
    else if (g.trans_a && !g.trans_b) C.noalias() += A.transpose() * B;
    else if (!g.trans_a && g.trans_b) C.noalias() += A * B.transpose();
    else C.noalias() += A.transpose() * B.transpose();
  }
}

// Column block width of gemm_parallel: a constant, so results do not depend on the thread count.
constexpr int64_t kGemmColumnBlock = 256;

// Eigen GEMM with the N dimension split into fixed blocks spread over threads.
inline void gemm_parallel(const GemmArgs& g) {
  const int64_t blocks = (g.N + kGemmColumnBlock - 1) / kGemmColumnBlock;
  if (blocks <= 1) {
    gemm_eigen(g);
    return;
  }
  parallel_for(0, blocks, [&](int64_t b) {
    GemmArgs s = g;
    const int64_t n0 = b * kGemmColumnBlock;
    s.N = std::min(kGemmColumnBlock, g.N - n0);
    s.B = g.trans_b ? g.B + n0 * g.ldb : g.B + n0;
    s.C = g.C + n0;
    gemm_eigen(s);
  });
}

}  // namespace pixforge

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
