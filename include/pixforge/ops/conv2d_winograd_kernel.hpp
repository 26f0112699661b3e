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
// The transforms below apply the matrices of ops/conv2d_winograd.hpp in float, one FMA per non-zero entry (a form
// with shared sub-expressions, ~40 % fewer operations, changed the bits and failed test_deoldify_unet's golden:
// bench/NOTES.md "wino2"); conv2d_winograd_ref applies them in double, and the tests compare the two.
#pragma once

#include <algorithm>
#include <cstdint>
#include <type_traits>

#include "pixforge/core/activation_spec.hpp"
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

// The 6 rows × (4·S::W + 2) input columns one group of S::W tiles reads: d[r][k] lane t = row r, column
// c + 4t + k, where row r is rows[r] (nullptr: a row of zeros) and only columns in [lo, hi) are read (others are 0).
// Columns are relative to the row pointers; c may be negative (left padding). Reading the map in place like this
// (masked loads at its edges) replaces a padded copy of the rows for zero padding.
template <class S>
inline void wino_load_rows(const float* const* rows, int64_t c, int64_t lo, int64_t hi, typename S::V (*d)[6],
                           int64_t prefetch) {
#if defined(__AVX512F__)
  if constexpr (std::is_same<S, SimdAvx512>::value) {
    // Columns c .. c+63 as 4 vectors a0..a3 (tile t's columns 0..3 are floats 4t..4t+3) and c+64, c+65 in a4.
    // Stage 1 takes columns (k, k+1) of tiles 0..7 from (a0, a1) and of tiles 8..15 from (a2, a3); stage 2 joins the
    // halves. Columns 4 and 5 of tile t are columns 0 and 1 of tile t + 1: d0, d1 shifted by one lane, with a4's
    // first floats in lane 15. 10 permutes and 5 loads per row (deinterleave(): 18 and 24).
    const __m512i s01 = _mm512_setr_epi32(0, 4, 8, 12, 16, 20, 24, 28, 1, 5, 9, 13, 17, 21, 25, 29);
    const __m512i s23 = _mm512_add_epi32(s01, _mm512_set1_epi32(2));
    const __m512i lo8 = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
    const __m512i hi8 = _mm512_add_epi32(lo8, _mm512_set1_epi32(8));
    // Lanes 1..15 of the first source, then float 0 (next0) or 1 (next1) of the second (an alignr; GCC 12's
    // _mm512_alignr_epi32 trips -Wmaybe-uninitialized).
    const __m512i next0 = _mm512_setr_epi32(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
    const __m512i next1 = _mm512_setr_epi32(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 17);
    const bool inside = c >= lo && c + 66 <= hi;
    for (int r = 0; r < 6; ++r) {
      if (rows[r] == nullptr) {
        for (int k = 0; k < 6; ++k) d[r][k] = S::zero();
        continue;
      }
      const float* p = rows[r] + c;
      // The same columns `prefetch` floats ahead (the next input channel's plane): consecutive input channels are
      // far apart, so the hardware prefetcher does not see this stream and the loads would wait for memory.
      if (prefetch != 0)
        for (int j = 0; j < 5; ++j) __builtin_prefetch(p + prefetch + 16 * j, 0, 3);
      __m512 a[5];
      if (inside) {
        for (int j = 0; j < 4; ++j) a[j] = _mm512_loadu_ps(p + 16 * j);
        a[4] = _mm512_maskz_loadu_ps(__mmask16(3), p + 64);
      } else {
        for (int j = 0; j < 5; ++j) {
          const int64_t first = c + 16 * j;
          const int64_t l0 = std::max<int64_t>(0, lo - first), l1 = std::min<int64_t>(j == 4 ? 2 : 16, hi - first);
          const __mmask16 m = l1 > l0 ? __mmask16(((1u << l1) - 1u) & ~((1u << l0) - 1u)) : __mmask16(0);
          a[j] = _mm512_maskz_loadu_ps(m, p + 16 * j);
        }
      }
      const __m512 b01 = _mm512_permutex2var_ps(a[0], s01, a[1]), b23 = _mm512_permutex2var_ps(a[0], s23, a[1]);
      const __m512 c01 = _mm512_permutex2var_ps(a[2], s01, a[3]), c23 = _mm512_permutex2var_ps(a[2], s23, a[3]);
      d[r][0] = _mm512_permutex2var_ps(b01, lo8, c01);
      d[r][1] = _mm512_permutex2var_ps(b01, hi8, c01);
      d[r][2] = _mm512_permutex2var_ps(b23, lo8, c23);
      d[r][3] = _mm512_permutex2var_ps(b23, hi8, c23);
      d[r][4] = _mm512_permutex2var_ps(d[r][0], next0, a[4]);
      d[r][5] = _mm512_permutex2var_ps(d[r][1], next1, a[4]);
    }
    return;
  }
#endif
  constexpr int kCols = 4 * S::W + 4;  // deinterleave() reads up to column 4·W + 3
  for (int r = 0; r < 6; ++r) {
    float buf[kCols];
    for (int j = 0; j < kCols; ++j)
      buf[j] = rows[r] != nullptr && j < 4 * S::W + 2 && c + j >= lo && c + j < hi ? rows[r][c + j] : 0.0f;
    for (int k = 0; k < 6; ++k) d[r][k] = WinoOps<S>::deinterleave(buf, k);
  }
  (void)prefetch;
}

// V[ξ][ic][t] = Bᵀ d B for one input channel and one group of S::W tiles (d as wino_load_rows reads it); the first
// n tiles (n ≤ S::W) are stored, at v + ξ·xi_stride. `prefetch`: see wino_load_rows (0: none).
template <class S>
inline void wino_input_group(const float* const* rows, int64_t c, int64_t lo, int64_t hi, float* v,
                             int64_t xi_stride, int n, int64_t prefetch = 0) {
  using O = WinoOps<S>;
  using V = typename S::V;
  V d[6][6];
  wino_load_rows<S>(rows, c, lo, hi, d, prefetch);
  V t[6][6];  // t[r] = Bᵀ applied along row r (t[r][j] = Σ_k BT[j][k] d[r][k])
  for (int r = 0; r < 6; ++r) O::bt(d[r], t[r]);
  for (int j = 0; j < 6; ++j) {
    V col[6], o[6];
    for (int r = 0; r < 6; ++r) col[r] = t[r][j];
    O::bt(col, o);
    for (int i = 0; i < 6; ++i) S::store_n(v + (6 * i + j) * xi_stride, o[i], n);
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

// Whether wino_output_group applies `act` itself: ReLU and LeakyReLU in AVX-512 builds (one compare and a masked
// move per vector, the same float operations as apply_act_inplace, so the same bits). Saves the separate pass over
// the written rows (≈ 8–10 % of a 32→64 layer in perf). Other activations and builds keep that pass.
template <class S>
constexpr bool wino_fuses_act(const Act& act) {
#if defined(__AVX512F__)
  return std::is_same<S, SimdAvx512>::value && (act.kind == ActKind::relu || act.kind == ActKind::leaky_relu);
#else
  (void)act;
  return false;
#endif
}

// Output transform of one output channel and one group of S::W tiles: m[ξ·xi_stride + t] → Aᵀ m A + bias (then
// `act` if wino_fuses_act<S>(act), else nothing), written to the rows y_rows[a] (a < rows), columns [0, ncols) of
// the group (column 0 = the group's first output column).
template <class S>
inline void wino_output_group(const float* m, int64_t xi_stride, float bias, float* const* y_rows, int rows,
                              int64_t ncols, const Act& act = Act{}) {
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
  const bool fuse = wino_fuses_act<S>(act);
  for (int a = 0; a < rows; ++a) {
    V o[4];
    O::at(t[a], o);
    for (int k = 0; k < 4; ++k) o[k] = S::add(o[k], b);
#if defined(__AVX512F__)
    if constexpr (std::is_same<S, SimdAvx512>::value) {
      if (fuse) {
        // apply_act: relu x > 0 ? x : 0; leaky_relu x >= 0 ? x : alpha·x (NaN: 0, resp. alpha·NaN, as there).
        const __m512 zero = _mm512_setzero_ps(), alpha = _mm512_set1_ps(act.alpha);
        for (int k = 0; k < 4; ++k)
          o[k] = act.kind == ActKind::relu
                     ? _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(o[k], zero, _CMP_GT_OQ), o[k])
                     : _mm512_mask_mov_ps(_mm512_mul_ps(alpha, o[k]), _mm512_cmp_ps_mask(o[k], zero, _CMP_GE_OQ),
                                          o[k]);
      }
    }
#endif
    O::interleave_store(y_rows[a], o, ncols);
  }
  (void)fuse;
}

// Outputs of at least this many bytes are written with non-temporal stores (wino_stream_row): a map this large is
// not in any cache when the next layer reads it, so the store's read-for-ownership of every line only costs
// bandwidth, and each work unit writes 4 rows of every output channel (planes ≥ 1 MiB apart, so all in the same
// cache sets), which evicted the unit's V, M and U. Measured: bench/NOTES.md "wino" (session 6). Only the store
// instruction changes, never a value, so this size threshold cannot change any bit.
constexpr int64_t kWinoStreamOutMinBytes = int64_t(16) << 20;

template <class S>
constexpr bool wino_can_stream_rows() {
#if defined(__AVX512F__)
  return std::is_same<S, SimdAvx512>::value;
#else
  return false;
#endif
}

// dst[0 .. n) = src[0 .. n), where src and dst have the same offset within a 64-byte line and src is in cache:
// the whole lines of dst with non-temporal stores, the partial lines at both ends (which may be shared with a
// neighbouring work unit) with ordinary ones. The caller fences (_mm_sfence) before another thread reads dst.
inline void wino_stream_row(float* dst, const float* src, int64_t n) {
#if defined(__AVX512F__)
  const int64_t head = std::min<int64_t>(n, int64_t((16 - (reinterpret_cast<uintptr_t>(dst) / 4) % 16) % 16));
  if (head > 0) _mm512_mask_storeu_ps(dst, __mmask16((1u << head) - 1u), _mm512_maskz_loadu_ps(__mmask16((1u << head) - 1u), src));
  int64_t j = head;
  for (; j + 16 <= n; j += 16) _mm512_stream_ps(dst + j, _mm512_load_ps(src + j));
  if (j < n) {
    const __mmask16 m = __mmask16((1u << (n - j)) - 1u);
    _mm512_mask_storeu_ps(dst + j, m, _mm512_maskz_loadu_ps(m, src + j));
  }
#else
  std::copy(src, src + n, dst);
#endif
}

}  // namespace detail
}  // namespace pixforge
