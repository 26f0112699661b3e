// pixforge/ops/conv_pointwise_kernel.hpp — the GEMM register tile behind the "pointwise" views of the stride-2 layers:
// a 2×2 stride-2 conv is space-to-depth + a 1×1 conv with K = 4·Cin (ops/conv2d_s2d.hpp), a k2 s2 transposed conv
// is a 1×1 conv to 4·Cout channels + depth-to-space (conv_transpose2d_k2s2 in ops/conv_transpose2d.hpp).
//
// One call computes a tile of S::kOcb GEMM rows × PV vectors of consecutive pixels, summed over one block of K:
//
//   tb[r][j] (+)= Σ_{k < kb} a[k][r] · b[k·ldb + j]        r < kOcb, j < PV·W (the last vector: last_n lanes)
//
// a is packed [k][kOcb] (the rows of this tile, zeros past the real rows), b is any K × pixels matrix whose rows are
// ldb floats apart (the input map read in place, or a panel). Each of the kOcb·PV sums is one FMA chain over k in
// increasing order starting from +0 (the same operations as conv2d_direct's tile, ops/conv2d_direct_kernel.hpp),
// then stored to tb (first block) or added to it (later blocks). So a caller that cuts K into the blocks
// conv2d_direct uses (16 input channels × the taps) and adds the bias last gets conv2d_direct's bits exactly, and
// the bits never depend on the pixel tiling, the map size or the thread count.
//
// Why a separate tile instead of conv2d_direct's: the caller owns the loop order. The stride-2 layers have one tap
// per input channel and phase, so a pixel tile's input (K × 48 floats) is read once per 8 output rows only; keeping
// it in L1 while every output-channel block runs over it (and reading the map in place, writing the phases straight
// into the output) is where the time went (bench/NOTES.md, "updown").
#pragma once

#include <cstdint>

#include "pixforge/ops/conv2d_direct_kernel.hpp"

namespace pixforge {
namespace detail {

// tb: kOcb rows of PV·W floats, row stride ldt. TAIL: the last vector loads/stores only last_n lanes (the map is read
// in place, so lanes past the row's end may be past the tensor's end).
template <class S, int PV, bool TAIL>
inline void pointwise_tile(const float* b, int64_t ldb, const float* a, int64_t kb, float* tb, int64_t ldt,
                           bool first, int last_n) {
  using V = typename S::V;
  constexpr int OCB = S::kOcb, W = S::W;
  V acc[OCB][PV];
#pragma GCC unroll 8
  for (int o = 0; o < OCB; ++o)
#pragma GCC unroll 8
    for (int v = 0; v < PV; ++v) acc[o][v] = S::zero();
  for (int64_t k = 0; k < kb; ++k, b += ldb, a += OCB) {
    V xv[PV];
#pragma GCC unroll 8
    for (int v = 0; v < PV; ++v) xv[v] = TAIL && v == PV - 1 ? S::load_n(b + v * W, last_n) : S::loadu(b + v * W);
#pragma GCC unroll 8
    for (int o = 0; o < OCB; ++o) {
      const V wb = S::bcast(a + o);
#pragma GCC unroll 8
      for (int v = 0; v < PV; ++v) acc[o][v] = S::fma(wb, xv[v], acc[o][v]);
    }
  }
#pragma GCC unroll 8
  for (int o = 0; o < OCB; ++o)
#pragma GCC unroll 8
    for (int v = 0; v < PV; ++v) {
      float* t = tb + o * ldt + v * W;  // tb has room for whole vectors: no mask needed
      S::store_n(t, first ? acc[o][v] : S::add(S::loadu(t), acc[o][v]), W);
    }
}

// pv (1..S::kPv) vectors, the last one holding last_n (1..W) valid pixels.
template <class S>
inline void pointwise_tile_pv(int pv, int last_n, const float* b, int64_t ldb, const float* a, int64_t kb, float* tb,
                              int64_t ldt, bool first) {
  const bool tail = last_n < S::W;
  if constexpr (S::kPv >= 4) {
    if (pv >= 4) {
      if (tail) return pointwise_tile<S, S::kPv, true>(b, ldb, a, kb, tb, ldt, first, last_n);
      return pointwise_tile<S, S::kPv, false>(b, ldb, a, kb, tb, ldt, first, last_n);
    }
  }
  switch (pv * 2 + int(tail)) {
    case 2: return pointwise_tile<S, 1, false>(b, ldb, a, kb, tb, ldt, first, last_n);
    case 3: return pointwise_tile<S, 1, true>(b, ldb, a, kb, tb, ldt, first, last_n);
    case 4: return pointwise_tile<S, 2, false>(b, ldb, a, kb, tb, ldt, first, last_n);
    case 5: return pointwise_tile<S, 2, true>(b, ldb, a, kb, tb, ldt, first, last_n);
    case 6: return pointwise_tile<S, 3, false>(b, ldb, a, kb, tb, ldt, first, last_n);
    default: return pointwise_tile<S, 3, true>(b, ldb, a, kb, tb, ldt, first, last_n);
  }
}

// Two rows' vectors a = (a0 … a_{W−1}), b = (b0 …) interleaved: lo = (a0 b0 a1 b1 …) (the first W floats), hi = the
// next W. Writes the two column phases of a k2 s2 transposed conv as one contiguous output run.
#if defined(__AVX512F__)
inline void interleave2(__m512 a, __m512 b, __m512& lo, __m512& hi) {
  const __m512i il = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const __m512i ih = _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  lo = _mm512_permutex2var_ps(a, il, b);
  hi = _mm512_permutex2var_ps(a, ih, b);
}
#endif
#if defined(__AVX2__) && defined(__FMA__)
inline void interleave2(__m256 a, __m256 b, __m256& lo, __m256& hi) {
  const __m256 ul = _mm256_unpacklo_ps(a, b), uh = _mm256_unpackhi_ps(a, b);  // per 128-bit lane
  lo = _mm256_permute2f128_ps(ul, uh, 0x20);
  hi = _mm256_permute2f128_ps(ul, uh, 0x31);
}
#endif
inline void interleave2(float a, float b, float& lo, float& hi) {
  lo = a;
  hi = b;
}

}  // namespace detail
}  // namespace pixforge
