// pixforge/ops/conv2d_winograd.hpp — 3×3 stride-1 convolution by Winograd's minimal filtering, F(4×4, 3×3).
//
// What it computes: exactly conv2d (ops/conv2d.hpp) for a 3×3 kernel, stride 1, dilation 1, groups 1, any padding
// and padding mode, fused bias + activation — with 36 multiplications per 4×4 output tile and input/output channel
// pair instead of 144 (4× fewer; the transforms add back a little).
//
// The formula (Lavin & Gray 2015, "Fast Algorithms for Convolutional Neural Networks"): the output is cut into
// 4×4 tiles; tile (ty, tx) needs the 6×6 input patch d starting at padded-input row 4·ty, column 4·tx. For every
// output channel oc
//
//   Y_tile[oc] = Aᵀ [ Σ_ic (G g[oc, ic] Gᵀ) ⊙ (Bᵀ d[ic] B) ] A          (⊙: element-wise, 6×6)
//
// so the work splits into: U = G g Gᵀ, once per layer (weights, 6×6 per channel pair: winograd_transform_weights);
// V = Bᵀ d B per tile and input channel; for each of the 36 positions ξ of the 6×6 a matrix product
// M[ξ][oc][tile] = Σ_ic U[ξ][oc][ic] · V[ξ][ic][tile] (36 batched GEMMs, where all the FLOPs are); Aᵀ M A per tile
// and output channel. The matrices come from interpolating at the points 0, 1, −1, 2, −1/2 and ∞ (column j of Aᵀ
// holds the powers of point j; G row j is the powers over Π(a_j − a_l); Bᵀ makes the identity exact):
//
//   Bᵀ = [ 1  3/2  −2  −3/2   1   0 ]   G = [    1      0      0  ]   Aᵀ = [ 1  1  1  1    1    0 ]
//        [ 0  −1  −5/2 −1/2   1   0 ]       [  −1/3   −1/3   −1/3 ]        [ 0  1 −1  2  −1/2   0 ]
//        [ 0   1   1/2 −5/2   1   0 ]       [   1/3   −1/3    1/3 ]        [ 0  1  1  4   1/4   0 ]
//        [ 0 −1/2  −1   1/2   1   0 ]       [  1/15   2/15   4/15 ]        [ 0  1 −1  8  −1/8   1 ]
//        [ 0   2   −1   −2    1   0 ]       [ −16/15  8/15  −4/15 ]
//        [ 0   1   3/2  −2  −3/2  1 ]       [    0      0      1  ]
//
// Why these points: float rounding in the transforms grows with the size of their entries, which grow like the
// points' powers. The textbook set 0, ±1, ±2 (Lavin & Gray; Bᵀ entries up to 5, Aᵀ up to 8) gave 1.6e-6 abs error
// on Real-ESRGAN's SRVGG output layer, above that golden's 1e-6; replacing −2 by −1/2 (Barabasz et al. 2019,
// "Error analysis and improving the accuracy of Winograd convolution": mixing p and 1/p) halves the error (float32
// simulation, 64 channels, unit-scale data: mean max-error per tile 1.5e-6 → 0.8e-6) and every entry of Bᵀ and Aᵀ
// stays exact in float. Measured errors are printed by tests/ops/test_conv2d_winograd.cpp. F(6×6, 3×3) needs two
// more points (±3 or ±1/3, ±4 ...) and loses about another decimal digit, which is why this file stops at F(4, 3).
//
// Shapes: x [N, Cin, H, W], weight [Cout, Cin, 3, 3], bias [Cout] or undefined, y [N, Cout, Hout, Wout] as conv2d.
// Tile grid: tiles are anchored at output pixel (0, 0): tile (ty, tx) covers output rows 4ty..4ty+3 and columns
// 4tx..4tx+3 (the last row/column of tiles is cut at Hout/Wout, and the input beyond the padded map reads as 0).
// A pipeline that tiles the image and wants bit-identical results must start its tiles on multiples of 4 output
// pixels (of this layer) and give each tile a halo covering the whole 6×6 input patch of every 4×4 tile it keeps
// (in float, each output of a tile depends on all 36 inputs: up to 3 pixels beyond the 3×3 receptive radius) —
// then every 4×4 Winograd tile sees the same 6×6 input and gives the same bits (pipeline.hpp does this).
//
//     auto y = conv2d_winograd(x, weight, bias, Conv2dParams{}.with_padding(1).with_act(Act::leaky_relu(0.1f)));
//     auto u = winograd_transform_weights(weight);            // once per layer
//     auto y2 = conv2d_winograd(x, weight, bias, p, u.get());  // ... then per call
//
// Pitfalls:
//   * float error grows with the tile size (see above); the result is not bit-identical to conv2d_direct;
//   * outputs depend on the tile grid (a value's rounding depends on which 6×6 patch it was computed in), so the
//     grid is fixed to the output origin; tiles of a pipeline must start at multiples of 4;
//   * an Inf or NaN in the input spreads to the whole 4×4 tile (the transforms add and subtract neighbours), where a
//     direct convolution would only spoil the outputs whose 3×3 window contains it.
//
// Implementations:
//   conv2d_winograd_ref  the formula above in plain loops, in double: for reading and for tests.
//   conv2d_winograd      work units (image, chunk of ≤ 48 consecutive tiles in row-major tile order, so a chunk
//                        may span tile rows and the vectors are full on any map width); per unit: for each input
//                        channel, the 6 input rows of each tile-row segment (read in place with masked loads at the
//                        edges for zero padding, copied with their padding for reflect/replicate: no padded copy of
//                        the map; the next channel's rows prefetched) are transformed S::W tiles at a time into
//                        V[36][Cin][tiles]; then per group of ≤ 64 output channels, for each ξ the GEMM in blocks of
//                        8 channels (register tile 8 channels × 48 tiles, ops/conv2d_winograd_kernel.hpp) into
//                        M[36][64][tiles], V[ξ] staying in L1; then the output transform + bias (+ ReLU/LeakyReLU
//                        in AVX-512 builds) straight into y, other activations on the unit's rows while in cache
//                        (outputs ≥ 16 MiB in AVX-512 builds: through a 4-row stage, whole 64-byte lines written
//                        with non-temporal stores, detail::kWinoStreamOutMinBytes; the same values either way).
//                        Extra memory per thread: 36·(Cin + min(Cout, 64))·tiles floats, ≤ 2.5 MiB (the chunk
//                        shrinks for Cin > 303, output channels go in groups of 64), plus the transformed weights
//                        (4× the weights) — or, for weights of ≥ 2 MiB transformed and no prepared ones given
//                        ("streamed", detail::winograd_streams_weights), the transform of a super-group of
//                        output channels per thread (≤ 36·64·1024 floats, 9 MiB, unless one 8-channel block needs
//                        more), made by the work unit before its GEMMs: same U, same bits.
//                        FLOPs ≈ 36/144 of the direct count plus the transforms.
// Summation order (determinism): every GEMM output is one FMA chain over input channels in blocks of
// kWinoIcBlock (64), the block sums added in order, then the output transform — fixed by Cin alone, so the bits do
// not depend on the thread count, the chunking or the map size (only on the 6×6 input patch of the tile).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <vector>

#include "pixforge/ops/conv2d.hpp"
#include "pixforge/ops/conv2d_winograd_kernel.hpp"

namespace pixforge {

namespace detail {

// The transform matrices of the header comment (double: the reference and the weight transform use them).
constexpr double kWinoBT[6][6] = {{1, 1.5, -2, -1.5, 1, 0}, {0, -1, -2.5, -0.5, 1, 0}, {0, 1, 0.5, -2.5, 1, 0},
                                  {0, -0.5, -1, 0.5, 1, 0}, {0, 2, -1, -2, 1, 0},     {0, 1, 1.5, -2, -1.5, 1}};
constexpr double kWinoG[6][3] = {{1, 0, 0},
                                 {-1.0 / 3, -1.0 / 3, -1.0 / 3},
                                 {1.0 / 3, -1.0 / 3, 1.0 / 3},
                                 {1.0 / 15, 2.0 / 15, 4.0 / 15},
                                 {-16.0 / 15, 8.0 / 15, -4.0 / 15},
                                 {0, 0, 1}};
constexpr double kWinoAT[4][6] = {
    {1, 1, 1, 1, 1, 0}, {0, 1, -1, 2, -0.5, 0}, {0, 1, 1, 4, 0.25, 0}, {0, 1, -1, 8, -0.125, 1}};

// U = G g Gᵀ for one 3×3 kernel g (row-major), in double.
inline void wino_kernel_transform(const float* g, double u[6][6]) {
  double gg[6][3];  // G g
  for (int i = 0; i < 6; ++i)
    for (int b = 0; b < 3; ++b) {
      gg[i][b] = 0;
      for (int a = 0; a < 3; ++a) gg[i][b] += kWinoG[i][a] * double(g[a * 3 + b]);
    }
  for (int i = 0; i < 6; ++i)
    for (int j = 0; j < 6; ++j) {
      u[i][j] = 0;
      for (int b = 0; b < 3; ++b) u[i][j] += gg[i][b] * kWinoG[j][b];
    }
}

// U = G g Gᵀ of one block of output channels [ob·OCB, ob·OCB + OCB) for every input channel, in the fast kernel's
// layout: dst[ξ·xi_stride + ic·OCB + o], zero for channels ≥ cout. The same double operations as
// wino_kernel_transform per kernel (so the same bits), laid out across the block's channels so they vectorise: one
// kernel at a time with 36 scattered stores took ~200 ns per kernel (IS-Net: 0.7 s for its 3.5 M kernels), too
// slow for the weights conv2d_winograd transforms per call (winograd_streams_weights).
template <int OCB>
inline void wino_transform_block(const float* w, int64_t cout, int64_t cin, int64_t ob, float* dst, int64_t xi_stride) {
  const int64_t oc0 = ob * OCB, valid = std::min<int64_t>(OCB, cout - oc0);
  for (int64_t ic = 0; ic < cin; ++ic) {
    double g[9][OCB], gg[6][3][OCB];
    for (int o = 0; o < OCB; ++o)
      for (int t = 0; t < 9; ++t) g[t][o] = o < valid ? double(w[((oc0 + o) * cin + ic) * 9 + t]) : 0.0;
    for (int i = 0; i < 6; ++i)
      for (int b = 0; b < 3; ++b)
        for (int o = 0; o < OCB; ++o) {
          double s = 0;
          for (int a = 0; a < 3; ++a) s += kWinoG[i][a] * g[a * 3 + b][o];
          gg[i][b][o] = s;
        }
    for (int i = 0; i < 6; ++i)
      for (int j = 0; j < 6; ++j) {
        float* d = dst + (6 * i + j) * xi_stride + ic * OCB;
        for (int o = 0; o < OCB; ++o) {
          double s = 0;
          for (int b = 0; b < 3; ++b) s += gg[i][b][o] * kWinoG[j][b];
          d[o] = o < valid ? float(s) : 0.0f;
        }
      }
  }
}

inline bool conv2d_winograd_applicable(const Tensor<float>& weight, const Conv2dParams& p) {
  return weight.dim() == 4 && weight.size(2) == 3 && weight.size(3) == 3 && p.stride_h == 1 && p.stride_w == 1 &&
         p.dilation_h == 1 && p.dilation_w == 1 && p.groups == 1;
}

inline void conv2d_winograd_check(const Tensor<float>& x, const Tensor<float>& weight, const Tensor<float>& bias,
                                  const Conv2dParams& p, const char* op) {
  conv2d_check(x, weight, bias, p, op);
  PIXFORGE_CHECK(conv2d_winograd_applicable(weight, p), ErrorCode::invalid_argument, op,
                 ": needs a 3x3 kernel, stride 1, dilation 1 and groups 1 (weight=", weight.shape().str(),
                 ", stride (", p.stride_h, ", ", p.stride_w, "), dilation (", p.dilation_h, ", ", p.dilation_w,
                 "), groups ", p.groups, ")");
}

}  // namespace detail

// Weights transformed for conv2d_winograd: u[ξ][oc block][ic][ocb], ξ = 6·i + j of U = G g Gᵀ, output channels in
// blocks of ocb (the kernel's register tile; zero-padded past cout).
struct WinogradWeights {
  int64_t cout = 0, cin = 0, ocb = 0;
  std::vector<float> u;
};

// U = G g Gᵀ for every (oc, ic), computed in double and rounded once, in the fast kernel's layout.
inline std::shared_ptr<const WinogradWeights> winograd_transform_weights(const Tensor<float>& weight_in) {
  check_rank(weight_in, 4, "winograd_transform_weights", "weight");
  PIXFORGE_CHECK(weight_in.size(2) == 3 && weight_in.size(3) == 3, ErrorCode::invalid_argument,
                 "winograd_transform_weights: needs a 3x3 kernel, weight=", weight_in.shape().str());
  const Tensor<float> weight = weight_in.contiguous();
  auto out = std::make_shared<WinogradWeights>();
  const int64_t cout = weight.size(0), cin = weight.size(1), ocb = detail::SimdBest::kOcb;
  const int64_t nocb = (cout + ocb - 1) / ocb;
  out->cout = cout;
  out->cin = cin;
  out->ocb = ocb;
  out->u.resize(size_t(36 * nocb * cin * ocb));
  for (int64_t ob = 0; ob < nocb; ++ob)
    detail::wino_transform_block<detail::SimdBest::kOcb>(weight.data(), cout, cin, ob, out->u.data() + ob * cin * ocb,
                                                         nocb * cin * ocb);
  return out;
}

namespace detail {
// Weights whose transform would be at least this big are not kept (ConvWeightCache) but transformed per call,
// block by block into a per-thread buffer right before the GEMM reads them (conv2d_winograd "streamed"). They are
// the wide layers, 128 × 128 channels and up (IS-Net: 29 of its 89 Winograd layers held 452 of its 476 MiB of
// transformed weights; the biggest are deep layers on small maps, where a call read its whole U from memory once
// per chunk of tiles anyway). The transform is made once per super-group and chunk range: ~35 ns per 3×3 kernel,
// mostly writing U (IS-Net: ~3.3 M kernels, ~0.1 s of CPU per pass, against ~1.7 s; bench/NOTES.md "isnet5").
// Bits are the same either way.
constexpr int64_t kWinoStreamMinBytes = int64_t(2) << 20;
inline bool winograd_streams_weights(const Shape& w) {
  return w.rank() == 4 && 36 * w[0] * w[1] * int64_t(sizeof(float)) >= kWinoStreamMinBytes;
}
}  // namespace detail

// Reference: the formula of the header comment, one loop per index, in double (rounded to float at the end).
inline Tensor<float> conv2d_winograd_ref(const Tensor<float>& x, const Tensor<float>& weight,
                                         const Tensor<float>& bias = Tensor<float>(), const Conv2dParams& p = {}) {
  detail::conv2d_winograd_check(x, weight, bias, p, "conv2d_winograd_ref");
  const Shape ys = conv2d_output_shape(x.shape(), weight.shape(), p);
  const int64_t H = x.size(2), W = x.size(3), cin = x.size(1);
  const int64_t hpad = H + p.pad_top + p.pad_bottom, wpad = W + p.pad_left + p.pad_right;
  Tensor<float> y = Tensor<float>::empty(ys);
  // The padded input at padded coordinates (r, c); 0 beyond the padded map (only discarded outputs use it).
  auto padded = [&](int64_t n, int64_t ic, int64_t r, int64_t c) -> double {
    if (r >= hpad || c >= wpad) return 0.0;
    const int64_t iy = detail::pad_source_index(r - p.pad_top, H, p.padding_mode);
    const int64_t ix = detail::pad_source_index(c - p.pad_left, W, p.padding_mode);
    return iy < 0 || ix < 0 ? 0.0 : double(x(n, ic, iy, ix));
  };
  for (int64_t n = 0; n < ys[0]; ++n)
    for (int64_t oc = 0; oc < ys[1]; ++oc)
      for (int64_t ty = 0; ty * 4 < ys[2]; ++ty)
        for (int64_t tx = 0; tx * 4 < ys[3]; ++tx) {
          double m[6][6] = {};  // Σ_ic U ⊙ V
          for (int64_t ic = 0; ic < cin; ++ic) {
            float g[9];
            for (int k = 0; k < 9; ++k) g[k] = weight(oc, ic, k / 3, k % 3);
            double u[6][6], d[6][6], bd[6][6] = {}, v[6][6] = {};
            detail::wino_kernel_transform(g, u);
            for (int r = 0; r < 6; ++r)
              for (int c = 0; c < 6; ++c) d[r][c] = padded(n, ic, 4 * ty + r, 4 * tx + c);
            for (int i = 0; i < 6; ++i)  // Bᵀ d
              for (int c = 0; c < 6; ++c)
                for (int r = 0; r < 6; ++r) bd[i][c] += detail::kWinoBT[i][r] * d[r][c];
            for (int i = 0; i < 6; ++i)  // (Bᵀ d) B
              for (int j = 0; j < 6; ++j)
                for (int c = 0; c < 6; ++c) v[i][j] += bd[i][c] * detail::kWinoBT[j][c];
            for (int i = 0; i < 6; ++i)
              for (int j = 0; j < 6; ++j) m[i][j] += u[i][j] * v[i][j];
          }
          double am[4][6] = {};  // Aᵀ M
          for (int a = 0; a < 4; ++a)
            for (int j = 0; j < 6; ++j)
              for (int i = 0; i < 6; ++i) am[a][j] += detail::kWinoAT[a][i] * m[i][j];
          for (int a = 0; a < 4 && 4 * ty + a < ys[2]; ++a)
            for (int b = 0; b < 4 && 4 * tx + b < ys[3]; ++b) {
              double acc = bias.defined() ? double(bias(oc)) : 0.0;
              for (int j = 0; j < 6; ++j) acc += am[a][j] * detail::kWinoAT[b][j];  // (Aᵀ M) A
              y(n, oc, 4 * ty + a, 4 * tx + b) = apply_act(float(acc), p.act);
            }
        }
  return y;
}

// The fast path (see "Implementations" above). `prepared` (from winograd_transform_weights(weight)) skips the
// weight transform; it must belong to this weight.
inline Tensor<float> conv2d_winograd(const Tensor<float>& x_in, const Tensor<float>& weight_in,
                                     const Tensor<float>& bias_in = Tensor<float>(), const Conv2dParams& p = {},
                                     const WinogradWeights* prepared = nullptr) {
  detail::conv2d_winograd_check(x_in, weight_in, bias_in, p, "conv2d_winograd");
  using S = detail::SimdBest;
  constexpr int64_t W = S::W, OCB = S::kOcb;
  // Without prepared weights, big ones are streamed (transformed per output-channel group inside the work units,
  // detail::winograd_streams_weights), small ones transformed here once for the call.
  const bool streamed = prepared == nullptr && detail::winograd_streams_weights(weight_in.shape());
  std::shared_ptr<const WinogradWeights> own;
  if (prepared == nullptr && !streamed) {
    own = winograd_transform_weights(weight_in);
    prepared = own.get();
  }
  PIXFORGE_CHECK(streamed || (prepared->cout == weight_in.size(0) && prepared->cin == weight_in.size(1) &&
                              prepared->ocb == OCB),
                 ErrorCode::invalid_argument, "conv2d_winograd: prepared weights are for ", prepared->cout, "x",
                 prepared->cin, " (block ", prepared->ocb, "), weight=", weight_in.shape().str());
  const Tensor<float> weight = streamed ? weight_in.contiguous() : Tensor<float>();
  // Rows packed (stride w, then 1) are read in place whatever the image and plane strides: a band of a taller
  // window (nn/row_stream.hpp) or leading channels of a dense concat are then read without a copy. The strides
  // only move where a plane starts; every output sums the same values in the same order.
  const bool rows_packed = x_in.stride(3) == 1 && x_in.stride(2) == x_in.size(3);
  const Tensor<float> x = rows_packed ? x_in : x_in.contiguous(), bias = bias_in.contiguous();
  const int64_t n_img = x.size(0), cin = x.size(1), h = x.size(2), w = x.size(3), cout = weight_in.size(0);
  const int64_t x_n = x.stride(0), x_c = x.stride(1);  // image and plane strides (C·h·w and h·w when packed)
  const Shape ys = conv2d_output_shape(x.shape(), weight_in.shape(), p);
  const int64_t hout = ys[2], wout = ys[3];
  const int64_t hpad = h + p.pad_top + p.pad_bottom, wpad = w + p.pad_left + p.pad_right;
  const int64_t th = (hout + 3) / 4, tw = (wout + 3) / 4, nocb = (cout + OCB - 1) / OCB;
  // Work unit: a chunk of `per` consecutive tiles of one image in row-major tile order (tile k = row k / tw, column
  // k % tw), so a chunk may span several tile rows and the GEMM's vectors are full whatever the map width (chunks
  // of one tile row left up to 41 % of the lanes empty on 68-tile rows). At most one register tile wide (kPv
  // vectors) and V ≤ 2 MiB; output channels in groups of ≤ 64 (M ≤ 36·64·tiles floats, 442 KiB). With V ≤ 1 MiB
  // (V and M in L2 together) Cin 256 got 16-tile chunks, one vector per GEMM tile: 256→128 on 133² ran at
  // 60 % of the FMA peak (direct-equivalent) vs 94 % with 48 tiles (bench/NOTES.md, winograd2). A tile's bits do
  // not depend on its chunk or lane: every lane runs the same operations.
  const int64_t per = std::max<int64_t>(W, std::min<int64_t>(S::kPv * W, (int64_t(1) << 19) / (36 * cin)) / W * W);
  const int64_t group_blocks = std::min<int64_t>(nocb, std::max<int64_t>(1, 64 / OCB));
  const int64_t img_tiles = th * tw, nch = (img_tiles + per - 1) / per;
  // Zero padding (or none) reads the map in place with masked loads; reflect/replicate padding goes through a
  // 6-row panel per tile-row segment that holds the padded columns.
  const bool in_place = p.padding_mode == PaddingMode::zeros ||
                        (p.pad_top == 0 && p.pad_bottom == 0 && p.pad_left == 0 && p.pad_right == 0);
  const int64_t row_stride = (4 * per + 4 * W + 8 + 15) / 16 * 16;
  const bool fused_act = detail::wino_fuses_act<S>(p.act);  // else a pass over the written rows
  // Large outputs: the output transform writes a segment's rows into a per-thread stage at the output's offset
  // within a 64-byte line, then wino_stream_row copies them out with non-temporal stores (kWinoStreamOutMinBytes).
  const bool stream_out = detail::wino_can_stream_rows<S>() &&
                          ys.numel() * int64_t(sizeof(float)) >= detail::kWinoStreamOutMinBytes;
  const int64_t stage_stride = (4 * per + 32 + 15) / 16 * 16;
  Tensor<float> y = Tensor<float>::empty(ys);
  float* yd = y.data();
  const float* xd = x.data();
  const float* ud = streamed ? nullptr : prepared->u.data();

  // Small maps (deep U-Net levels: IS-Net's 16² and 32² stages with 512-1024 channels) have fewer chunks than
  // threads: their units are then split further over the groups of output channels (each part transforms the
  // chunk's input again, cheap next to its GEMM). Every output channel is computed by the same operations either
  // way, so the split (which follows the thread count) does not change any bit.
  const int64_t ngroups = (nocb + group_blocks - 1) / group_blocks, chunks = n_img * nch;
  const int64_t nsplit = chunks >= 2 * get_num_threads()
                             ? 1
                             : std::min<int64_t>(ngroups, (2 * get_num_threads() + chunks - 1) / chunks);
  // One chunk (image n, tiles from k0) for the output-channel blocks [b_begin, b_end); the U of block ob is at
  // ub + ((ξ·u_nocb + ob − u_ob0)·cin + ic)·OCB (the prepared weights, or a streamed group's buffer).
  const auto run_chunk = [&](int64_t n, int64_t k0, int64_t b_begin, int64_t b_end, const float* ub, int64_t u_nocb,
                             int64_t u_ob0) {
    const int64_t ntiles = std::min(per, img_tiles - k0), tiles = (ntiles + W - 1) / W * W;
    // ξ strides padded by 16 floats: a multiple of 4 KiB (e.g. 128 channels × 48 tiles) put all 36 rows of a
    // tile's V (or M) in one L1 set, and the transforms' 36 strided stores (loads) evicted each other.
    const int64_t v_xi = cin * tiles + 16;
    // 64-byte aligned (a std::vector's data is only 16-byte aligned): every GEMM load of V and store of M is then
    // one cache line, not two (the ξ strides and the register tile's offsets are multiples of 16 floats).
    const auto align64 = [](float* f) { return f + (16 - (reinterpret_cast<uintptr_t>(f) / 4) % 16) % 16; };
    float* vbuf = align64(detail::thread_scratch<20>(36 * (cin * per + 16) + 16));
    float* mbuf = align64(detail::thread_scratch<21>(36 * (group_blocks * OCB * per + 16) + W + 16));
    float* panel = in_place ? nullptr : detail::thread_scratch<22>(6 * row_stride);
    float* stage = nullptr;
    if (stream_out) {  // 4 rows, 64-byte aligned (wino_stream_row loads them aligned)
      stage = align64(detail::thread_scratch<24>(4 * stage_stride + 16));
    }
    // The chunk's segments: runs of tiles in one tile row, at offset f of the chunk.
    struct Segment {
      int64_t ty, tx, len, f;
    };
    static_assert(S::kPv * S::W <= 64, "a chunk has at most kPv·W tiles, so at most that many segments");
    Segment segs[64];
    int nseg = 0;
    for (int64_t k = k0; k < k0 + ntiles;) {
      const int64_t ty = k / tw, tx = k % tw, len = std::min(tw - tx, k0 + ntiles - k);
      segs[nseg++] = {ty, tx, len, k - k0};
      k += len;
    }
    // Lanes past the last tile of an image's last chunk: defined (zero) so the GEMM reads no stale floats.
    if (ntiles < tiles)
      for (int64_t xi = 0; xi < 36; ++xi)
        for (int64_t ic = 0; ic < cin; ++ic)
          std::fill(vbuf + xi * v_xi + ic * tiles + ntiles, vbuf + xi * v_xi + (ic + 1) * tiles, 0.0f);

    // 1. V[ξ][ic][t] = Bᵀ d B, for every input channel.
    for (int64_t ic = 0; ic < cin; ++ic) {
      const float* plane = xd + n * x_n + ic * x_c;
      for (int sgi = 0; sgi < nseg; ++sgi) {
        const Segment& sg = segs[sgi];
        const float* rows[6];
        int64_t c = 4 * sg.tx - p.pad_left, lo = 0, hi = w;
        if (in_place) {
          for (int r = 0; r < 6; ++r) {
            const int64_t iy = 4 * sg.ty - p.pad_top + r;
            rows[r] = iy >= 0 && iy < h ? plane + iy * w : nullptr;
          }
        } else {
          // Padded columns [4·tx, 4·tx + ncols) of the 6 rows; 0 beyond the padded map.
          const int64_t pc0 = 4 * sg.tx, ncols = 4 * sg.len + 2;
          for (int r = 0; r < 6; ++r) {
            float* dst = panel + r * row_stride;
            rows[r] = dst;
            const int64_t pr = 4 * sg.ty + r;
            const int64_t iy = pr < hpad ? detail::pad_source_index(pr - p.pad_top, h, p.padding_mode) : -1;
            if (iy < 0) {
              std::fill(dst, dst + ncols, 0.0f);
              continue;
            }
            const float* src = plane + iy * w;
            for (int64_t j = 0; j < ncols; ++j) {
              const int64_t pc = pc0 + j;
              const int64_t ix = pc < wpad ? detail::pad_source_index(pc - p.pad_left, w, p.padding_mode) : -1;
              dst[j] = ix < 0 ? 0.0f : src[ix];
            }
          }
          c = 0;
          hi = ncols;
        }
        for (int64_t g = 0; g * W < sg.len; ++g)
          detail::wino_input_group<S>(rows, c + 4 * W * g, lo, hi, vbuf + ic * tiles + sg.f + g * W, v_xi,
                                      int(std::min<int64_t>(W, sg.len - g * W)), in_place ? x_c : 0);
      }
    }

    // 2. Per group of output channels, M[ξ][oc][t] = Σ_ic U[ξ][oc][ic] · V[ξ][ic][t]: ξ outermost, so V[ξ]
    //    (Cin × tiles) stays in L1 while every block of OCB output channels runs over it; U streams from L2.
    // 3. Then Aᵀ M A + bias into y, and the activation on the chunk's rows (still in cache).
    for (int64_t b0 = b_begin; b0 < b_end; b0 += group_blocks) {
      const int64_t nb = std::min(group_blocks, b_end - b0), m_xi = nb * OCB * tiles + 16;
      for (int64_t xi = 0; xi < 36; ++xi)
        for (int64_t ob = b0; ob < b0 + nb; ++ob)
          for (int64_t ic0 = 0; ic0 < cin; ic0 += detail::kWinoIcBlock) {
            const int64_t cb = std::min(detail::kWinoIcBlock, cin - ic0);
            const float* u = ub + ((xi * u_nocb + ob - u_ob0) * cin + ic0) * OCB;
            for (int64_t t0 = 0; t0 < tiles; t0 += S::kPv * W) {
              const int pv = int(std::min<int64_t>(S::kPv, (tiles - t0) / W));
              detail::wino_gemm_tile_pv<S>(pv, vbuf + xi * v_xi + ic0 * tiles + t0, tiles, u, cb,
                                           mbuf + xi * m_xi + (ob - b0) * OCB * tiles + t0, tiles, ic0 > 0);
            }
          }
      for (int64_t oc = b0 * OCB; oc < std::min(cout, (b0 + nb) * OCB); ++oc) {
        const float b = bias.defined() ? bias.data()[oc] : 0.0f;
        for (int sgi = 0; sgi < nseg; ++sgi) {
          const Segment& sg = segs[sgi];
          const int rows = int(std::min<int64_t>(4, hout - 4 * sg.ty));
          const int64_t c0 = 4 * sg.tx, col_end = std::min(wout, 4 * (sg.tx + sg.len));  // this chunk's columns
          // out[a]: where the output transform writes column c0 of row a (y itself, or the stage).
          float* yrows[4];
          float* out[4];
          for (int a = 0; a < rows; ++a) {
            yrows[a] = yd + ((n * cout + oc) * hout + 4 * sg.ty + a) * wout;
            out[a] = yrows[a] + c0;
            if (stream_out) out[a] = stage + a * stage_stride + (reinterpret_cast<uintptr_t>(out[a]) / 4) % 16;
          }
          for (int64_t g = 0; g * W < sg.len; ++g) {
            const int64_t col0 = 4 * (sg.tx + g * W), ncol = std::min<int64_t>(4 * W, col_end - col0);
            float* yg[4];
            for (int a = 0; a < rows; ++a) yg[a] = out[a] + (col0 - c0);
            detail::wino_output_group<S>(mbuf + (oc - b0 * OCB) * tiles + sg.f + g * W, m_xi, b, yg, rows, ncol,
                                         p.act);
          }
          for (int a = 0; a < rows; ++a) {
            if (p.act.kind != ActKind::none && !fused_act) apply_act_inplace(out[a], col_end - c0, p.act);
            if (stream_out) detail::wino_stream_row(yrows[a] + c0, out[a], col_end - c0);
          }
        }
      }
    }
#if defined(__AVX512F__)
    if (stream_out) _mm_sfence();  // the non-temporal stores are visible before the unit counts as done
#endif
  };
  if (!streamed) {
    const double unit_flops = 2.0 * 36.0 * double(per * cin * cout) / double(nsplit);
    parallel_for_work(0, chunks * nsplit, unit_flops, [&](int64_t unit) {
      const int64_t part = unit % nsplit;
      run_chunk(unit / nsplit / nch, unit / nsplit % nch * per, part * ngroups / nsplit * group_blocks,
                std::min(nocb, (part + 1) * ngroups / nsplit * group_blocks), ud, nocb, 0);
    });
    return y;
  }
  // Streamed: a unit is a "super-group" of output-channel blocks over a range of chunks; it transforms the
  // super-group's U into its buffer once, then runs its chunks (each chunk's input transformed once per unit).
  // Super-groups are as wide as a buffer of 36·64·1024 floats allows (9 MiB, one 64-channel group of the widest
  // layers): every extra one transforms each chunk's input again (64-channel groups made IS-Net's 512→128 on 128²
  // 105 instead of 82 ms of CPU at 1 thread, 256→512 on 64² 39 instead of 32; bench/NOTES.md "isnet5"). Then chunk
  // ranges for one unit per thread, and narrower super-groups only where the chunks are too few for that.
  // Neither the split nor the thread count changes any bit: every output is the same GEMM on the same U as with
  // prepared weights.
  const int64_t threads = get_num_threads();
  const int64_t sg_cap = std::max<int64_t>(1, (int64_t(64) * 1024 / cin) / OCB);  // blocks per 9 MiB buffer
  int64_t nsg = (nocb + sg_cap - 1) / sg_cap;
  const int64_t ranges = std::min(chunks, std::max<int64_t>(1, (threads + nsg - 1) / nsg));
  if (nsg * ranges < threads) nsg = std::min(ngroups, (threads + ranges - 1) / ranges);
  const int64_t sg_blocks = (nocb + nsg - 1) / nsg;
  nsg = (nocb + sg_blocks - 1) / sg_blocks;
  const double unit_work =
      2.0 * 36.0 * double(img_tiles * n_img * cin) * double(sg_blocks * OCB) / double(ranges);
  parallel_for_work(0, nsg * ranges, unit_work, [&](int64_t unit) {
    const int64_t b0 = unit / ranges * sg_blocks, nb = std::min(sg_blocks, nocb - b0), r = unit % ranges;
    const int64_t xi_stride = nb * cin * OCB;
    float* ub = detail::thread_scratch<23>(36 * xi_stride);
    for (int64_t ob = b0; ob < b0 + nb; ++ob)
      detail::wino_transform_block<OCB>(weight.data(), cout, cin, ob, ub + (ob - b0) * cin * OCB, xi_stride);
    for (int64_t c = r * chunks / ranges; c < (r + 1) * chunks / ranges; ++c)
      run_chunk(c / nch, c % nch * per, b0, b0 + nb, ub, nb, b0);
  });
  return y;
}

// A per-layer cache of weights prepared for a fast kernel (nn::Conv2d holds one; ncnn does the same work in
// create_pipeline). Built lazily on the first call that needs it, shared by concurrent callers (a mutex guards it,
// the prepared weights are immutable and handed out by shared_ptr) and not stale: every lookup hashes the weight
// tensor's bytes (64 bits, detail::weight_hash) and rebuilds when the shape or the hash differs from the one taken
// when the cache was built. That catches every way weights change — load_state_dict, a write through data(), a
// tensor viewing caller memory — which a version counter bumped by non-const accessors could not (a pointer
// obtained once can be written at any time); only a 2^-64 hash collision could keep an edited weight's old
// transform. The hash costs one read of the weights per call (bench: BM_winograd_cache_hit), far below the
// transform it saves (BM_winograd_prepare). Layers with streamed weights (detail::winograd_streams_weights) do not use
// it: conv2d() transforms them per call. Memory: the transformed weights only (4× the weights: 36 values per 9);
// an exact copy for byte comparison cost 1× the weights more (≈ 100 MiB for IS-Net, bench/NOTES.md).
namespace detail {
// 64-bit hash of n bytes: four independent multiply–rotate lanes over 32-byte blocks (fast, vectorisable), the
// tail word by word, then a final avalanche. For change detection, not for security.
inline uint64_t weight_hash(const void* data, size_t n) {
  const unsigned char* p = static_cast<const unsigned char*>(data);
  constexpr uint64_t k1 = 0x9E3779B185EBCA87ull, k2 = 0xC2B2AE3D27D4EB4Full;
  const auto rotl = [](uint64_t v, int r) { return (v << r) | (v >> (64 - r)); };
  const auto round = [&](uint64_t acc, uint64_t v) { return rotl(acc + v * k2, 31) * k1; };
  uint64_t h[4] = {k1 + k2, k2, 0, 0 - k1};
  size_t i = 0;
  for (; i + 32 <= n; i += 32)
    for (int l = 0; l < 4; ++l) {
      uint64_t v;
      std::memcpy(&v, p + i + 8 * l, 8);
      h[l] = round(h[l], v);
    }
  uint64_t r = rotl(h[0], 1) + rotl(h[1], 7) + rotl(h[2], 12) + rotl(h[3], 18) + uint64_t(n);
  for (int l = 0; l < 4; ++l) r = (r ^ round(0, h[l])) * k1 + k2;
  for (; i < n; ++i) r = (r ^ p[i]) * k1;
  r ^= r >> 33, r *= k2, r ^= r >> 29, r *= k1, r ^= r >> 32;
  return r;
}
}  // namespace detail

class ConvWeightCache {
 public:
  ConvWeightCache() = default;
  ConvWeightCache(const ConvWeightCache&) = delete;
  ConvWeightCache& operator=(const ConvWeightCache&) = delete;

  // The Winograd-transformed weights of `weight` (3×3), rebuilt if the weights changed since the last call.
  std::shared_ptr<const WinogradWeights> winograd(const Tensor<float>& weight) const {
    std::lock_guard<std::mutex> lock(mu_);
    if (wino_ == nullptr || !same_as_source(weight)) {
      const Tensor<float> w = weight.contiguous();
      wino_ = winograd_transform_weights(w);
      shape_ = w.shape();
      hash_ = detail::weight_hash(w.data(), size_t(w.numel()) * sizeof(float));
      ++builds_;
    }
    return wino_;
  }
  // How many times the prepared weights were built (tests check laziness and invalidation with it).
  int64_t builds() const {
    std::lock_guard<std::mutex> lock(mu_);
    return builds_;
  }

 private:
  bool same_as_source(const Tensor<float>& weight) const {
    if (weight.shape() != shape_) return false;
    const Tensor<float> w = weight.contiguous();
    return detail::weight_hash(w.data(), size_t(w.numel()) * sizeof(float)) == hash_;
  }
  mutable std::mutex mu_;
  mutable std::shared_ptr<const WinogradWeights> wino_;
  mutable uint64_t hash_ = 0;
  mutable Shape shape_;
  mutable int64_t builds_ = 0;
};

namespace detail {

// When conv2d() takes the Winograd path (bench/NOTES.md "Winograd"): a 3×3 stride-1 undilated ungrouped conv in a
// SIMD build, with enough channels for the GEMM to dominate the transforms (a 64 → 3 output layer or a 3-channel
// first layer stays direct). Deliberately not the map size, although small maps are slower this way (256 → 128 on
// 16×16: 0.7× conv2d_direct, the 16-tile vectors mostly empty): the choice must be the same for a pipeline tile and
// the whole image, or tiled runs would not be bit-identical to untiled ones (pipeline.hpp relies on this, see
// conv2d_grid_dependent_weight in ops/conv2d.hpp).
inline bool conv2d_winograd_preferred(const Tensor<float>& x, const Tensor<float>& weight, const Conv2dParams& p) {
#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
  return conv2d_winograd_applicable(weight, p) && x.size(1) >= kWinoMinChannels && weight.size(0) >= kWinoMinChannels;
#else
  (void)x, (void)weight, (void)p;
  return false;
#endif
}

inline Tensor<float> conv2d_winograd_cached(const Tensor<float>& x, const Tensor<float>& weight,
                                            const Tensor<float>& bias, const Conv2dParams& p,
                                            const ConvWeightCache* cache) {
  if (cache == nullptr || winograd_streams_weights(weight.shape())) return conv2d_winograd(x, weight, bias, p);
  const std::shared_ptr<const WinogradWeights> u = cache->winograd(weight);
  return conv2d_winograd(x, weight, bias, p, u.get());
}

}  // namespace detail

}  // namespace pixforge
