// pixforge/ops/conv2d_direct_kernel.hpp — the register-blocked micro-kernel behind conv2d_direct (ops/conv2d.hpp).
//
// A tile is OCB output channels × PV vectors of consecutive output pixels of one output row. Its OCB·PV sums stay in
// registers for the whole reduction over (ic, ky, kx); per tap the kernel loads PV input vectors and broadcasts OCB
// weights, then does OCB·PV fused multiply-adds. AVX-512: OCB = 8, PV = 3 (8 channels × 48 pixels): 24 accumulators
// + 3 inputs + 1 broadcast = 28 of the 32 zmm registers, 11 loads per 24 FMAs, so the two FMA ports, not the two
// load ports, set the pace. AVX2 (16 ymm registers): OCB = 4, PV = 3, 12 accumulators. bench/NOTES.md has the
// shapes tried.
//
// Input comes from a *panel*: the rows the tile needs, already padded (zeros / reflect / replicate) and with zeroed
// slack on the right, so the kernel has no branch for borders: output column ox, tap (ky, kx) reads
// panel[ic·ic_stride + ky·ky_stride + kx_off[kx] + ox] (from the tile's first row and column). Stride 1,
// dilation 1: ky_stride = one panel row, kx_off[kx] = kx. Dilation d: ky_stride = d rows, kx_off[kx] = d·kx.
// Stride s along x: the panel stores each padded row as s phases (columns c ≡ 0, 1, … mod s, each contiguous), so
// the PV·W consecutive outputs of a tile still read consecutive floats: kx_off[kx] = ((d·kx) mod s)·phase_w +
// (d·kx) div s. The transposed-conv phase kernels (ops/conv_transpose2d.hpp) use the same tile with their own
// offsets.
//
// Summation order: input channels are cut into fixed blocks of kDirectIcBlock; within a block every output is one
// FMA chain over (ic, ky, kx) in increasing order starting from +0, and the block sums are added in block order,
// then the bias. Two levels keep the rounding error of long reductions (DeOldify's middle conv: 1024 channels × 9
// taps) close to a blocked GEMM's: with single chains DeOldify's full-size test was 3e-4 off PyTorch, beyond its
// tolerance. Nothing in this order depends on the tiling (which pixels share a tile, how wide the image or band
// is, which thread runs it), so the bits do not depend on the image width, tile position or thread count. The
// AVX2 and scalar (std::fma) instantiations compute the very same sums, so they give the same bits too.
#pragma once

#include <cmath>
#include <cstdint>

#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif

namespace pixforge {
namespace detail {

// SIMD traits: V (vector type), W (floats per vector), kOcb × kPv (the register tile), zero, loadu, bcast,
// fma (a·b + c, one rounding), add, load_n / store_n (the first n lanes).
#if defined(__AVX512F__)
struct SimdAvx512 {
  using V = __m512;
  static constexpr int W = 16, kOcb = 8, kPv = 3;
  static V zero() { return _mm512_setzero_ps(); }
  static V loadu(const float* p) { return _mm512_loadu_ps(p); }
  static V bcast(const float* p) { return _mm512_set1_ps(*p); }
  static V fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
  static V add(V a, V b) { return _mm512_add_ps(a, b); }
  static V load_n(const float* p, int n) {
    return n == W ? _mm512_loadu_ps(p) : _mm512_maskz_loadu_ps(__mmask16((1u << n) - 1u), p);
  }
  static void store_n(float* p, V v, int n) {
    if (n == W) _mm512_storeu_ps(p, v);
    else _mm512_mask_storeu_ps(p, __mmask16((1u << n) - 1u), v);
  }
};
#endif

#if defined(__AVX2__) && defined(__FMA__)
struct SimdAvx2 {
  using V = __m256;
  static constexpr int W = 8, kOcb = 4, kPv = 3;
  static V zero() { return _mm256_setzero_ps(); }
  static V loadu(const float* p) { return _mm256_loadu_ps(p); }
  static V bcast(const float* p) { return _mm256_broadcast_ss(p); }
  static V fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  static V add(V a, V b) { return _mm256_add_ps(a, b); }
  static V load_n(const float* p, int n) {
    if (n == W) return _mm256_loadu_ps(p);
    alignas(32) float tmp[W] = {};
    for (int i = 0; i < n; ++i) tmp[i] = p[i];
    return _mm256_load_ps(tmp);
  }
  static void store_n(float* p, V v, int n) {
    if (n == W) {
      _mm256_storeu_ps(p, v);
      return;
    }
    alignas(32) float tmp[W];
    _mm256_store_ps(tmp, v);
    for (int i = 0; i < n; ++i) p[i] = tmp[i];
  }
};
#endif

// The portable fallback: one float per "vector", std::fma so the chain rounds exactly like the SIMD versions.
// Without FMA hardware std::fma is a slow library call, so the conv2d dispatcher then keeps conv2d_im2col and only
// direct calls (tests) use this.
struct SimdScalar {
  using V = float;
  static constexpr int W = 1, kOcb = 4, kPv = 4;
  static V zero() { return 0.0f; }
  static V loadu(const float* p) { return *p; }
  static V bcast(const float* p) { return *p; }
  static V fma(V a, V b, V c) { return std::fma(a, b, c); }
  static V add(V a, V b) { return a + b; }
  static V load_n(const float* p, int) { return *p; }
  static void store_n(float* p, V v, int) { *p = v; }
};

#if defined(__AVX512F__)
// For layers with at most 4 output channels (Real-CUGAN's conv_bottom 64→3, waifu2x upconv_7's last deconv): an
// 8-channel tile would leave 5 of 8 accumulator rows idle; 4 channels × 64 pixels keeps 3 of 4 busy. Same FMA
// chains, so the same bits as SimdAvx512.
struct SimdAvx512N4 : SimdAvx512 {
  static constexpr int kOcb = 4, kPv = 4;
};
#endif

#if defined(__AVX512F__)
using SimdBest = SimdAvx512;
using SimdNarrow = SimdAvx512N4;
#elif defined(__AVX2__) && defined(__FMA__)
using SimdBest = SimdAvx2;
using SimdNarrow = SimdAvx2;
#else
using SimdBest = SimdScalar;
using SimdNarrow = SimdScalar;
#endif

// Output channels up to which the conv kernels use SimdNarrow.
constexpr int64_t kDirectNarrowCout = 4;

// Input channels per partial sum (see "Summation order"): 16 channels × 3×3 = 144-long FMA chains. Was 64 until
// the strided convs came here too: DeOldify's full-size golden (a ResNet-34 encoder, its 3×3 s2 and 1×1 s2 convs
// now direct) was then 3.4e-4 off PyTorch, 1.5e-4 with blocks of 32, within tolerance with 16 (bench/NOTES.md).
// The price, measured on the 3×3 s1 benches: 6 % (64→64 256²) to 30 % (32→32 256²) slower than blocks of 64;
// most such layers now take conv2d()'s Winograd path anyway.
constexpr int64_t kDirectIcBlock = 16;

// The largest kOcb of any traits: the size of DirectTile::y.
constexpr int kDirectMaxOcb = 8;

// The largest kernel width the tile takes (kx_off's size); wider kernels use another conv2d path.
constexpr int kDirectMaxKw = 16;

struct DirectTile {
  const float* panel;     // input for this tile's output row, at its first output column
  int64_t ic_stride;      // panel floats between input channels
  int64_t ky_stride;      // panel floats between kernel rows ky and ky + 1
  int64_t kx_off[kDirectMaxKw];  // panel offset of kernel column kx
  int64_t cin, kh, kw;
  const float* wpack;     // [cin][kh][kw][S::kOcb] of this channel block
  float* y[kDirectMaxOcb];  // output row pointers at the first column; nullptr = channel past Cout (not stored)
  const float* bias;      // S::kOcb values of this block, or nullptr (also for all but the last input block)
  int last_n;             // valid floats in the last vector (1..W)
  bool accumulate;        // add to the partial sums already in y (every input-channel block but the first)
};

// Not inlined on purpose: inlined into conv2d_direct's loop nest, GCC kept that loop's values in zmm registers too
// and spilled an accumulator inside the FMA loop; as its own function the loop runs from registers (measured
// 6–10 % faster on the 3×3 layers, bench/NOTES.md "direct"). A call per tile of ≥ 16·9·8·16 FMAs costs nothing.
#if defined(__GNUC__)
#define PIXFORGE_DIRECT_NOINLINE __attribute__((noinline))
#else
#define PIXFORGE_DIRECT_NOINLINE
#endif

// KW > 0: the kernel width is a compile-time constant (3: the kx loop unrolls); 0: runtime t.kw.
template <class S, int PV, int KW>
PIXFORGE_DIRECT_NOINLINE void direct_tile(const DirectTile& t) {
  using V = typename S::V;
  constexpr int OCB = S::kOcb, W = S::W;
  static_assert(OCB <= kDirectMaxOcb && PV <= S::kPv, "tile larger than the traits allow");
  V acc[OCB][PV];
#pragma GCC unroll 8
  for (int o = 0; o < OCB; ++o)
#pragma GCC unroll 8
    for (int v = 0; v < PV; ++v) acc[o][v] = S::zero();
  const float* w = t.wpack;
  const int64_t kw = KW > 0 ? KW : t.kw;
  int64_t off[KW > 0 ? KW : kDirectMaxKw];  // a local copy: stays in registers / stack, not re-read through t
  for (int64_t kx = 0; kx < kw; ++kx) off[kx] = t.kx_off[kx];
  for (int64_t ic = 0; ic < t.cin; ++ic)
    for (int64_t ky = 0; ky < t.kh; ++ky) {
      const float* row = t.panel + ic * t.ic_stride + ky * t.ky_stride;
#pragma GCC unroll 4
      for (int64_t kx = 0; kx < kw; ++kx, w += OCB) {
        V xv[PV];
#pragma GCC unroll 8
        for (int v = 0; v < PV; ++v) xv[v] = S::loadu(row + off[kx] + v * W);
#pragma GCC unroll 8
        for (int o = 0; o < OCB; ++o) {
          const V wb = S::bcast(w + o);
#pragma GCC unroll 8
          for (int v = 0; v < PV; ++v) acc[o][v] = S::fma(wb, xv[v], acc[o][v]);
        }
      }
    }
#pragma GCC unroll 8
  for (int o = 0; o < OCB; ++o) {
    if (!t.y[o]) continue;
    const V b = t.bias ? S::bcast(t.bias + o) : S::zero();
#pragma GCC unroll 8
    for (int v = 0; v < PV; ++v) {
      const int n = v == PV - 1 ? t.last_n : W;
      V r = t.accumulate ? S::add(S::load_n(t.y[o] + v * W, n), acc[o][v]) : acc[o][v];
      if (t.bias) r = S::add(r, b);
      S::store_n(t.y[o] + v * W, r, n);
    }
  }
}

template <class S, int KW>
inline void direct_tile_pv_kw(const DirectTile& t, int pv) {
  if constexpr (S::kPv >= 4) {
    if (pv >= 4) return direct_tile<S, S::kPv, KW>(t);
  }
  switch (pv) {
    case 1: direct_tile<S, 1, KW>(t); break;
    case 2: direct_tile<S, 2, KW>(t); break;
    default: direct_tile<S, 3, KW>(t); break;
  }
}

// Runs the tile with pv (1..S::kPv) vectors; 3-, 2- and 1-wide kernels (3×3 convs; 2×2 stride-2 convs and the 2×2-
// or 1×1-tap phases of transposed convs; 1×1 convs) get unrolled instantiations.
template <class S>
inline void direct_tile_pv(const DirectTile& t, int pv) {
  if (t.kw == 3) direct_tile_pv_kw<S, 3>(t, pv);
  else if (t.kw == 2) direct_tile_pv_kw<S, 2>(t, pv);
  else if (t.kw == 1) direct_tile_pv_kw<S, 1>(t, pv);
  else direct_tile_pv_kw<S, 0>(t, pv);
}

}  // namespace detail
}  // namespace pixforge
