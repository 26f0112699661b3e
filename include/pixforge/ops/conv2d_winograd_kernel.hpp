// pixforge/ops/conv2d_winograd_kernel.hpp — the SIMD pieces behind conv2d_winograd (ops/conv2d_winograd.hpp):
// input transform Bᵀ d B, the batched GEMM micro-kernel and the output transform Aᵀ m A, all vectorised over
// S::W horizontally adjacent 4×4 output tiles of one tile row (lane t = tile t of the group).
//
// Why tiles, not channels, in the vector lanes: the map is NCHW, so the S::W tiles of a row are at a fixed stride
// (4 columns) in one channel plane. The input of a group is "deinterleaved" (lane t ← column 4t + k) with two
// AVX-512 two-source permutes per 32 columns, the output re-interleaved the same way; the GEMM then works on
// vectors of tiles, exactly like conv2d_direct's kernel works on vectors of pixels (8 output channels × PV vectors
// of tiles in registers, weights broadcast). AVX2 and scalar builds use plain loops for the (de)interleave.
//
// The transforms below are the matrices of ops/conv2d_winograd.hpp written out with their common subexpressions;
// conv2d_winograd_ref applies the plain matrices, and the tests compare the two.
#pragma once

#include <algorithm>
#include <cstdint>
#include <type_traits>

#include "pixforge/ops/conv2d_direct_kernel.hpp"

namespace pixforge {
namespace detail {

// Input channels per partial sum of the Winograd GEMM (same reasoning as kDirectIcBlock: two-level sums keep the
// rounding error of 1024-channel reductions near a blocked GEMM's).
constexpr int64_t kWinoIcBlock = 64;

// conv2d() uses Winograd only with at least this many input and output channels (ops/conv2d_winograd.hpp,
// conv2d_winograd_preferred; ops/conv2d.hpp's kConv2dGridMinChannels must agree).
constexpr int64_t kWinoMinChannels = 16;

// Bᵀ and Aᵀ of ops/conv2d_winograd.hpp in float (exact: halves, quarters and eighths).
constexpr float kWinoBTf[6][6] = {{1, 1.5f, -2, -1.5f, 1, 0},   {0, -1, -2.5f, -0.5f, 1, 0},
                                  {0, 1, 0.5f, -2.5f, 1, 0},     {0, -0.5f, -1, 0.5f, 1, 0},
                                  {0, 2, -1, -2, 1, 0},          {0, 1, 1.5f, -2, -1.5f, 1}};
constexpr float kWinoATf[4][6] = {
    {1, 1, 1, 1, 1, 0}, {0, 1, -1, 2, -0.5f, 0}, {0, 1, 1, 4, 0.25f, 0}, {0, 1, -1, 8, -0.125f, 1}};

template <class S>
struct WinoOps {
  using V = typename S::V;
  static V c(float v) { return S::bcast(&v); }

  // out = Bᵀ · in (6 → 6) and out = Aᵀ · in (6 → 4), with Bᵀ and Aᵀ of ops/conv2d_winograd.hpp (points 0, 1, −1,
  // 2, −1/2, ∞; every entry is exact in float). One FMA per non-zero entry, in column order; the zero tests fold
  // away at compile time once the loops are unrolled.
  static void bt(const V* d, V* o) {
#pragma GCC unroll 6
    for (int i = 0; i < 6; ++i) {
      V acc = S::zero();
#pragma GCC unroll 6
      for (int k = 0; k < 6; ++k)
        if (kWinoBTf[i][k] != 0.0f) acc = S::fma(c(kWinoBTf[i][k]), d[k], acc);
      o[i] = acc;
    }
  }
  static void at(const V* m, V* o) {
#pragma GCC unroll 4
    for (int i = 0; i < 4; ++i) {
      V acc = S::zero();
#pragma GCC unroll 6
      for (int k = 0; k < 6; ++k)
        if (kWinoATf[i][k] != 0.0f) acc = S::fma(c(kWinoATf[i][k]), m[k], acc);
      o[i] = acc;
    }
  }

  // Lane t ← p[4t + k], t < W: column k of S::W consecutive tiles (p must be readable up to p[4·W + 3]).
  static V deinterleave(const float* p, int k) {
#if defined(__AVX512F__)
    if constexpr (std::is_same<S, SimdAvx512>::value) {
      // permutex2var picks 16 of the 32 floats of (a, b); lanes 0..7 get columns k, k+4, …, k+28.
      const __m512i idx = _mm512_add_epi32(_mm512_setr_epi32(0, 4, 8, 12, 16, 20, 24, 28, 0, 4, 8, 12, 16, 20, 24, 28),
                                           _mm512_set1_epi32(k & 3));
      const float* q = p + (k & 4);  // columns 4, 5 are columns 0, 1 of the next tile
      const __m512 lo = _mm512_permutex2var_ps(_mm512_loadu_ps(q), idx, _mm512_loadu_ps(q + 16));
      const __m512 hi = _mm512_permutex2var_ps(_mm512_loadu_ps(q + 32), idx, _mm512_loadu_ps(q + 48));
      // Lanes 0..7 of lo, then lanes 0..7 of hi (a permute, not _mm512_shuffle_f32x4: GCC 12's version of that
      // intrinsic trips -Wuninitialized).
      const __m512i halves = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
      return _mm512_permutex2var_ps(lo, halves, hi);
    }
#endif
    alignas(64) float tmp[S::W];
    for (int t = 0; t < S::W; ++t) tmp[t] = p[4 * t + k];
    return S::loadu(tmp);
  }

  // Writes o[b] (lane t = column 4t + b, b = 0..3) to row[0 .. n), n ≤ 4·W: the inverse of deinterleave.
  static void interleave_store(float* row, const V* o, int64_t n) {
#if defined(__AVX512F__)
    if constexpr (std::is_same<S, SimdAvx512>::value) {
      // Pairs (o0[t], o1[t]) and (o2[t], o3[t]), then the pairs of pairs: 16 consecutive columns per vector.
      const __m512i lo_pairs = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
      const __m512i hi_pairs = _mm512_add_epi32(lo_pairs, _mm512_set1_epi32(8));
      const __m512i quads = _mm512_setr_epi32(0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23);
      const __m512i quads_hi = _mm512_add_epi32(quads, _mm512_set1_epi32(8));
      const __m512 u0 = _mm512_permutex2var_ps(o[0], lo_pairs, o[1]), u1 = _mm512_permutex2var_ps(o[0], hi_pairs, o[1]);
      const __m512 v0 = _mm512_permutex2var_ps(o[2], lo_pairs, o[3]), v1 = _mm512_permutex2var_ps(o[2], hi_pairs, o[3]);
      const __m512 out[4] = {_mm512_permutex2var_ps(u0, quads, v0), _mm512_permutex2var_ps(u0, quads_hi, v0),
                             _mm512_permutex2var_ps(u1, quads, v1), _mm512_permutex2var_ps(u1, quads_hi, v1)};
      for (int q = 0; q < 4 && 16 * q < n; ++q) S::store_n(row + 16 * q, out[q], int(std::min<int64_t>(16, n - 16 * q)));
      return;
    }
#endif
    alignas(64) float tmp[4][S::W];
    for (int b = 0; b < 4; ++b) S::store_n(tmp[b], o[b], S::W);
    for (int64_t c = 0; c < n; ++c) row[c] = tmp[c % 4][c / 4];
  }
};

// V[ξ][ic][t] for one input channel and one group of S::W tiles: panel holds the 6 padded input rows of the tile
// row (row r at panel + r·row_stride, column 0 = the group's first input column).
template <class S>
inline void wino_input_group(const float* panel, int64_t row_stride, float* v, int64_t xi_stride) {
  using O = WinoOps<S>;
  using V = typename S::V;
  V t[6][6];  // t[r] = Bᵀ applied along row r (t[r][j] = Σ_k BT[j][k] d[r][k])
  for (int r = 0; r < 6; ++r) {
    V d[6];
    for (int k = 0; k < 6; ++k) d[k] = O::deinterleave(panel + r * row_stride, k);
    O::bt(d, t[r]);
  }
  for (int j = 0; j < 6; ++j) {
    V col[6], o[6];
    for (int r = 0; r < 6; ++r) col[r] = t[r][j];
    O::bt(col, o);
    for (int i = 0; i < 6; ++i) S::store_n(v + (6 * i + j) * xi_stride, o[i], S::W);
  }
}

// The batched GEMM's register tile: m[o][t] (+)= Σ_ic u[ic][o] · v[ic][t] for S::kOcb output channels × PV·S::W
// tiles, one FMA chain per output over ic in increasing order.
template <class S, int PV>
inline void wino_gemm_tile(const float* v, int64_t v_stride, const float* u, int64_t cin, float* m, int64_t m_stride,
                           bool accumulate) {
  using V = typename S::V;
  constexpr int OCB = S::kOcb, W = S::W;
  V acc[OCB][PV];
#pragma GCC unroll 8
  for (int o = 0; o < OCB; ++o)
#pragma GCC unroll 4
    for (int p = 0; p < PV; ++p) acc[o][p] = S::zero();
  for (int64_t ic = 0; ic < cin; ++ic, v += v_stride, u += OCB) {
    V xv[PV];
#pragma GCC unroll 4
    for (int p = 0; p < PV; ++p) xv[p] = S::loadu(v + p * W);
#pragma GCC unroll 8
    for (int o = 0; o < OCB; ++o) {
      const V wb = S::bcast(u + o);
#pragma GCC unroll 4
      for (int p = 0; p < PV; ++p) acc[o][p] = S::fma(wb, xv[p], acc[o][p]);
    }
  }
#pragma GCC unroll 8
  for (int o = 0; o < OCB; ++o)
#pragma GCC unroll 4
    for (int p = 0; p < PV; ++p) {
      float* dst = m + o * m_stride + p * W;
      S::store_n(dst, accumulate ? S::add(S::loadu(dst), acc[o][p]) : acc[o][p], W);
    }
}

template <class S>
inline void wino_gemm_tile_pv(int pv, const float* v, int64_t v_stride, const float* u, int64_t cin, float* m,
                              int64_t m_stride, bool accumulate) {
  if constexpr (S::kPv >= 4) {
    if (pv >= 4) return wino_gemm_tile<S, S::kPv>(v, v_stride, u, cin, m, m_stride, accumulate);
  }
  switch (pv) {
    case 1: wino_gemm_tile<S, 1>(v, v_stride, u, cin, m, m_stride, accumulate); break;
    case 2: wino_gemm_tile<S, 2>(v, v_stride, u, cin, m, m_stride, accumulate); break;
    default: wino_gemm_tile<S, 3>(v, v_stride, u, cin, m, m_stride, accumulate); break;
  }
}

// Output transform of one output channel and one group of S::W tiles: m[ξ·xi_stride + t] → Aᵀ m A + bias, written
// to the rows y_rows[a] (a < rows), columns [0, ncols) of the group (column 0 = the group's first output column).
template <class S>
inline void wino_output_group(const float* m, int64_t xi_stride, float bias, float* const* y_rows, int rows,
                              int64_t ncols) {
  using O = WinoOps<S>;
  using V = typename S::V;
  V t[4][6];  // t[a][j] = Σ_i AT[a][i] m[i][j]
  for (int j = 0; j < 6; ++j) {
    V col[6], o[4];
    for (int i = 0; i < 6; ++i) col[i] = S::loadu(m + (6 * i + j) * xi_stride);
    O::at(col, o);
    for (int a = 0; a < 4; ++a) t[a][j] = o[a];
  }
  const V b = S::bcast(&bias);
  for (int a = 0; a < rows; ++a) {
    V o[4];
    O::at(t[a], o);
    for (int k = 0; k < 4; ++k) o[k] = S::add(o[k], b);
    O::interleave_store(y_rows[a], o, ncols);
  }
}

}  // namespace detail
}  // namespace pixforge
