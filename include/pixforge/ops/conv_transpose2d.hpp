// pixforge/ops/conv_transpose2d.hpp — transposed 2-D convolution (PyTorch F.conv_transpose2d / nn.ConvTranspose2d).
//
// What it computes: every input pixel scatters itself, times the kernel, into the output (the exact adjoint of
// conv2d with the same weight; no kernel flip in this "scatter" view):
//
//   y[n, g·Cout_g + oc, iy·sh − ph + ky·dh, ix·sw − pw + kx·dw] += x[n, g·Cin_g + ic, iy, ix] · w[g·Cin_g + ic, oc, ky, kx]
//
//   then y += b[oc] and y = act(y). Contributions landing outside [0, Hout) × [0, Wout) are dropped.
//
// Shapes:   x [N, Cin, H, W]   weight [Cin, Cout/groups, kH, kW]  (Cin FIRST, unlike conv2d)   bias [Cout] or none
//           Hout = (H − 1)·sh − 2·ph + dh·(kH − 1) + output_padding_h + 1 − crop_end_h      (same for W)
//
// Think of it as: scatter into a full buffer of (H − 1)·s + d·(k − 1) + 1 rows, drop `padding` rows at the start and
// `padding − output_padding` at the end; output_padding (< stride or < dilation) only picks which of the sizes
// that map back to H under conv2d you want. `crop_end` additionally drops rows at the end (for TF 'SAME').
//
//     auto y = conv_transpose2d(x, w, b, ConvTranspose2dParams{}.with_stride(2).with_padding(1));  // 2x up
//
// Who uses it: the pix2pix / DCGAN / EdgeConnect decoders (k4 s2 p1: exact ×2), DeblurGAN (k3 s2 p1 op1),
// Real-CUGAN (k2 s2 p0: every input pixel becomes a 2×2 block), waifu2x upconv_7 (k4 s2 p3: ×2 minus a border),
// FSRCNN's deconvolution, and the attention "paste" step of DeepFill / PEN-Net.
//
// Pitfalls:
//   * weight layout is [Cin, Cout/g, kH, kW]: converting from conv2d layout needs a transpose, not a reshape;
//   * checkerboard artefacts when k is not a multiple of s (output pixels receive unequal numbers of taps);
//   * TensorFlow 'SAME' (Keras Conv2DTranspose) ≠ PyTorch padding: TF 'SAME' with output n·s equals PyTorch
//     p = floor((k_e − s)/2), output_padding 0, then dropping the last (k_e − s) mod 2 rows/cols (k_e = d(k−1)+1;
//     for k_e < s: p 0, output_padding s − k_e). tf_same_transpose_padding() computes this. The popular
//     "k3 s2 p1 op1" replacement has the right size but is shifted by one pixel.
//
// Implementations (FLOPs = 2 · N · Cin · H · W · Cout_g · kH · kW, counting every scattered product):
//   conv_transpose2d_ref     the scatter formula, one loop per index. Slow; the ground truth for tests.
//   conv_transpose2d_col2im  GEMM cols[Cout_g·kH·kW, P] = W_gᵀ · X_g[Cin_g, P] for a block of P input pixels, then
//                            col2im: scatter-add the columns into the output. Work unit = (image, group, block of 16
//                            output channels, band of 32 output rows): a unit computes the columns of the input
//                            rows that reach its band (a few rows are recomputed by the neighbouring band) and
//                            scatters only into its own band, so every output value is summed by one thread in a
//                            fixed order — identical bits for any thread count — and the column buffer is bounded.
//   conv_transpose2d_gather  the "sub-pixel" view: output pixels with the same (oy mod sh, ox mod sw) phase form an
//                            ordinary stride-1 correlation of x with that phase's taps (k4 s2: 2×2 taps per
//                            phase), so each phase is im2col + GEMM and every output is written once. Same FLOPs
//                            (no multiplications by inserted zeros, unlike the "zero-upsample then conv" recipe).
//   conv_transpose2d_direct  groups 1: the same phase view, each phase run by conv2d_direct's register-blocked tile
//                            (k2 s2: four 1×1 convs interleaved into the 2× grid; k4 s2: four 2×2-tap convs); no
//                            column buffer, no GEMM, outputs summed in a fixed order (bits independent of threads,
//                            map size and tile offset).
//   conv_transpose2d_k2s2    k2 s2 p0 only (Real-CUGAN's up convs): a 1×1 conv to 4·Cout channels whose two column
//                            phases are interleaved in registers and stored straight into the output rows (the map
//                            read in place, no panel, no row buffer); FMA chains over 64 input channels.
//   conv_transpose2d         the dispatcher, when built with AVX2+FMA or AVX-512: k2s2 where it applies, else direct
//                            for groups 1; otherwise (or without that SIMD) gather when Cin_g ≤ Cout_g (and phases have > 1 tap), else col2im.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "pixforge/core/activation_spec.hpp"
#include "pixforge/core/error.hpp"
#include "pixforge/core/gemm.hpp"
#include "pixforge/core/op_counter.hpp"
#include "pixforge/core/parallel.hpp"
#include "pixforge/core/tensor.hpp"
#include "pixforge/ops/conv2d.hpp"  // detail::thread_scratch, detail::bias_act_block
#include "pixforge/ops/conv_pointwise_kernel.hpp"

namespace pixforge {

// PyTorch padding / output_padding and the extra end crop that reproduce TensorFlow 'SAME' for one axis.
struct TfSameTranspose {
  int64_t padding = 0, output_padding = 0, crop_end = 0;
};

// TF 'SAME' transposed conv (output = in · stride) as PyTorch parameters (part-b §0.3):
// k4 s2 → p 1; k3 s2 → p 0, crop 1; k5 s2 → p 1, crop 1; k3 s1 → p 1; k1 s2 → output_padding 1.
inline TfSameTranspose tf_same_transpose_padding(int64_t kernel, int64_t stride, int64_t dilation = 1) {
  PIXFORGE_CHECK(kernel >= 1 && stride >= 1 && dilation >= 1, ErrorCode::invalid_argument,
                 "tf_same_transpose_padding: invalid arguments (kernel ", kernel, ", stride ", stride, ", dilation ",
                 dilation, ")");
  const int64_t k_eff = dilation * (kernel - 1) + 1;
  if (k_eff >= stride) return {(k_eff - stride) / 2, 0, (k_eff - stride) % 2};
  return {0, stride - k_eff, 0};  // the forward conv needs no padding; the output is extended by zeros (+ bias)
}

struct ConvTranspose2dParams {
  int64_t stride_h = 1, stride_w = 1;
  int64_t padding_h = 0, padding_w = 0;                // dropped at both ends (PyTorch padding)
  int64_t output_padding_h = 0, output_padding_w = 0;  // added at the end (PyTorch output_padding)
  int64_t dilation_h = 1, dilation_w = 1;
  int64_t groups = 1;
  int64_t crop_end_h = 0, crop_end_w = 0;  // extra rows/cols dropped at the end (TF 'SAME'); not in PyTorch
  Act act;                                 // fused epilogue, applied after the bias

  ConvTranspose2dParams& with_stride(int64_t s) { return with_stride(s, s); }
  ConvTranspose2dParams& with_stride(int64_t sh, int64_t sw) {
    stride_h = sh;
    stride_w = sw;
    return *this;
  }
  ConvTranspose2dParams& with_padding(int64_t p) { return with_padding(p, p); }
  ConvTranspose2dParams& with_padding(int64_t ph, int64_t pw) {
    padding_h = ph;
    padding_w = pw;
    return *this;
  }
  ConvTranspose2dParams& with_output_padding(int64_t op) { return with_output_padding(op, op); }
  ConvTranspose2dParams& with_output_padding(int64_t oph, int64_t opw) {
    output_padding_h = oph;
    output_padding_w = opw;
    return *this;
  }
  ConvTranspose2dParams& with_dilation(int64_t d) { return with_dilation(d, d); }
  ConvTranspose2dParams& with_dilation(int64_t dh, int64_t dw) {
    dilation_h = dh;
    dilation_w = dw;
    return *this;
  }
  ConvTranspose2dParams& with_groups(int64_t g) {
    groups = g;
    return *this;
  }
  ConvTranspose2dParams& with_crop_end(int64_t ch, int64_t cw) {
    crop_end_h = ch;
    crop_end_w = cw;
    return *this;
  }
  ConvTranspose2dParams& with_act(Act a) {
    act = a;
    return *this;
  }
  // TensorFlow 'SAME' for a kH × kW kernel with the stride and dilation already set: output = input · stride.
  ConvTranspose2dParams& with_tf_same_padding(int64_t kh, int64_t kw) {
    const TfSameTranspose th = tf_same_transpose_padding(kh, stride_h, dilation_h);
    const TfSameTranspose tw = tf_same_transpose_padding(kw, stride_w, dilation_w);
    padding_h = th.padding;
    padding_w = tw.padding;
    output_padding_h = th.output_padding;
    output_padding_w = tw.output_padding;
    return with_crop_end(th.crop_end, tw.crop_end);
  }
};

// (in − 1)·s − 2p + d·(k − 1) + output_padding + 1 − crop_end (may be ≤ 0 for impossible arguments).
inline int64_t conv_transpose_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t padding,
                                          int64_t output_padding, int64_t dilation, int64_t crop_end = 0) {
  return (in - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1 - crop_end;
}

namespace detail {

inline void conv_transpose2d_check(const Tensor<float>& x, const Tensor<float>& weight, const Tensor<float>& bias,
                                   const ConvTranspose2dParams& p, const char* op) {
  check_rank(x, 4, op, "input x");
  check_rank(weight, 4, op, "weight");
  const std::string shapes = msg(" (x=", x.shape().str(), ", weight=", weight.shape().str(), ")");
  PIXFORGE_CHECK(p.stride_h >= 1 && p.stride_w >= 1, ErrorCode::invalid_argument, op, ": stride must be >= 1, got (",
                 p.stride_h, ", ", p.stride_w, ")");
  PIXFORGE_CHECK(p.dilation_h >= 1 && p.dilation_w >= 1, ErrorCode::invalid_argument, op,
                 ": dilation must be >= 1, got (", p.dilation_h, ", ", p.dilation_w, ")");
  PIXFORGE_CHECK(p.padding_h >= 0 && p.padding_w >= 0 && p.crop_end_h >= 0 && p.crop_end_w >= 0,
                 ErrorCode::invalid_argument, op, ": padding and crop_end must be >= 0, got padding (", p.padding_h,
                 ", ", p.padding_w, "), crop_end (", p.crop_end_h, ", ", p.crop_end_w, ")");
  // PyTorch's rule: output_padding must be smaller than either the stride or the dilation.
  PIXFORGE_CHECK(p.output_padding_h >= 0 && p.output_padding_w >= 0 &&
                     (p.output_padding_h < p.stride_h || p.output_padding_h < p.dilation_h) &&
                     (p.output_padding_w < p.stride_w || p.output_padding_w < p.dilation_w),
                 ErrorCode::invalid_argument, op, ": output_padding (", p.output_padding_h, ", ", p.output_padding_w,
                 ") must be >= 0 and smaller than either stride (", p.stride_h, ", ", p.stride_w,
                 ") or dilation (", p.dilation_h, ", ", p.dilation_w, ")");
  PIXFORGE_CHECK(p.groups >= 1, ErrorCode::invalid_argument, op, ": groups must be >= 1, got ", p.groups);
  const int64_t cin = x.size(1);
  PIXFORGE_CHECK(cin % p.groups == 0, ErrorCode::shape_mismatch, op, ": groups = ", p.groups,
                 " must divide the input channels ", cin, shapes);
  PIXFORGE_CHECK(weight.size(0) == cin, ErrorCode::shape_mismatch, op, ": input has ", cin,
                 " channels, weight expects ", weight.size(0),
                 " (a transposed-conv weight is [Cin, Cout/groups, kH, kW])", shapes);
  PIXFORGE_CHECK(weight.size(2) >= 1 && weight.size(3) >= 1, ErrorCode::shape_mismatch, op, ": empty kernel", shapes);
  const int64_t cout = weight.size(1) * p.groups;
  if (bias.defined()) {
    PIXFORGE_CHECK(bias.dim() == 1 && bias.size(0) == cout, ErrorCode::shape_mismatch, op, ": bias must be [",
                   cout, "], got ", bias.shape().str(), shapes);
  }
  const int64_t hout = conv_transpose_output_size(x.size(2), weight.size(2), p.stride_h, p.padding_h,
                                                  p.output_padding_h, p.dilation_h, p.crop_end_h);
  const int64_t wout = conv_transpose_output_size(x.size(3), weight.size(3), p.stride_w, p.padding_w,
                                                  p.output_padding_w, p.dilation_w, p.crop_end_w);
  PIXFORGE_CHECK(x.size(2) > 0 && x.size(3) > 0 && hout > 0 && wout > 0, ErrorCode::shape_mismatch, op,
                 ": output size ", hout, "x", wout, " is not positive (padding (", p.padding_h, ", ", p.padding_w,
                 ") and crop_end (", p.crop_end_h, ", ", p.crop_end_w, ") remove too much)", shapes);
}

// Work-unit sizes of the col2im path: fixed, so the bits never depend on the thread count.
constexpr int64_t kConvTransposeChannelBlock = 16;  // output channels per unit
constexpr int64_t kConvTransposeRowBand = 32;       // output rows per unit
constexpr int64_t kConvTransposeColumnFloats = 128 * 1024;  // column buffer per thread: 512 KB (≥ 64 pixels)

}  // namespace detail

inline Shape conv_transpose2d_output_shape(const Shape& x, const Shape& weight, const ConvTranspose2dParams& p = {}) {
  const Tensor<float> xs = Tensor<float>::view(nullptr, x), ws = Tensor<float>::view(nullptr, weight);
  detail::conv_transpose2d_check(xs, ws, Tensor<float>(), p, "conv_transpose2d");
  return {x[0], weight[1] * p.groups,
          conv_transpose_output_size(x[2], weight[2], p.stride_h, p.padding_h, p.output_padding_h, p.dilation_h,
                                     p.crop_end_h),
          conv_transpose_output_size(x[3], weight[3], p.stride_w, p.padding_w, p.output_padding_w, p.dilation_w,
                                     p.crop_end_w)};
}

// Reference: the scatter formula, one loop per index, in formula order.
inline Tensor<float> conv_transpose2d_ref(const Tensor<float>& x, const Tensor<float>& weight,
                                          const Tensor<float>& bias = Tensor<float>(),
                                          const ConvTranspose2dParams& p = {}) {
  detail::conv_transpose2d_check(x, weight, bias, p, "conv_transpose2d_ref");
  const Shape ys = conv_transpose2d_output_shape(x.shape(), weight.shape(), p);
  const int64_t cin_g = x.size(1) / p.groups, cout_g = weight.size(1);
  Tensor<float> y = Tensor<float>::zeros(ys);
  for (int64_t n = 0; n < x.size(0); ++n)
    for (int64_t g = 0; g < p.groups; ++g)
      for (int64_t ic = 0; ic < cin_g; ++ic)
        for (int64_t iy = 0; iy < x.size(2); ++iy)
          for (int64_t ix = 0; ix < x.size(3); ++ix)
            for (int64_t oc = 0; oc < cout_g; ++oc)
              for (int64_t ky = 0; ky < weight.size(2); ++ky)
                for (int64_t kx = 0; kx < weight.size(3); ++kx) {
                  const int64_t oy = iy * p.stride_h - p.padding_h + ky * p.dilation_h;
                  const int64_t ox = ix * p.stride_w - p.padding_w + kx * p.dilation_w;
                  if (oy < 0 || oy >= ys[2] || ox < 0 || ox >= ys[3]) continue;  // cropped away
                  y(n, g * cout_g + oc, oy, ox) += x(n, g * cin_g + ic, iy, ix) * weight(g * cin_g + ic, oc, ky, kx);
                }
  for (int64_t n = 0; n < ys[0]; ++n)
    for (int64_t oc = 0; oc < ys[1]; ++oc)
      for (int64_t oy = 0; oy < ys[2]; ++oy)
        for (int64_t ox = 0; ox < ys[3]; ++ox)
          y(n, oc, oy, ox) = apply_act(y(n, oc, oy, ox) + (bias.defined() ? bias(oc) : 0.0f), p.act);
  return y;
}

// GEMM into columns + col2im scatter, in bounded, thread-count-independent units (see the top of the file).
inline Tensor<float> conv_transpose2d_col2im(const Tensor<float>& x_in, const Tensor<float>& weight_in,
                                             const Tensor<float>& bias_in = Tensor<float>(),
                                             const ConvTranspose2dParams& p = {}) {
  detail::conv_transpose2d_check(x_in, weight_in, bias_in, p, "conv_transpose2d_col2im");
  const Tensor<float> x = x_in.contiguous(), weight = weight_in.contiguous(), bias = bias_in.contiguous();
  const Shape ys = conv_transpose2d_output_shape(x.shape(), weight.shape(), p);
  const int64_t n_img = x.size(0), cin = x.size(1), h = x.size(2), w = x.size(3);
  const int64_t kh = weight.size(2), kw = weight.size(3), kk = kh * kw;
  const int64_t groups = p.groups, cin_g = cin / groups, cout_g = weight.size(1), cout = ys[1];
  const int64_t hout = ys[2], wout = ys[3];
  const int64_t sh = p.stride_h, sw = p.stride_w, dh = p.dilation_h, dw = p.dilation_w;
  const int64_t ph = p.padding_h, pw = p.padding_w;
  const int64_t cblocks = (cout_g + detail::kConvTransposeChannelBlock - 1) / detail::kConvTransposeChannelBlock;
  const int64_t bands = (hout + detail::kConvTransposeRowBand - 1) / detail::kConvTransposeRowBand;

  // Per kx: the input columns [ix_lo, ix_hi) whose output column ix·sw − pw + kx·dw lies in [0, wout).
  std::vector<int64_t> ix_lo(static_cast<size_t>(kw)), ix_hi(static_cast<size_t>(kw));
  for (int64_t kx = 0; kx < kw; ++kx) {
    int64_t lo = w, hi = 0;
    for (int64_t ix = 0; ix < w; ++ix) {
      const int64_t ox = ix * sw - pw + kx * dw;
      if (ox >= 0 && ox < wout) {
        lo = std::min(lo, ix);
        hi = ix + 1;
      }
    }
    ix_lo[size_t(kx)] = lo;
    ix_hi[size_t(kx)] = std::max(lo, hi);
  }

  Tensor<float> y = Tensor<float>::empty(ys);
  const float* xd = x.data();
  const float* wd = weight.data();
  const float* bd = bias.defined() ? bias.data() : nullptr;
  float* yd = y.data();

  parallel_for(0, n_img * groups * cblocks * bands, [&](int64_t unit) {
    const int64_t band = unit % bands, cb = (unit / bands) % cblocks, g = (unit / (bands * cblocks)) % groups;
    const int64_t n = unit / (bands * cblocks * groups);
    const int64_t oc0 = cb * detail::kConvTransposeChannelBlock;
    const int64_t oc1 = std::min(cout_g, oc0 + detail::kConvTransposeChannelBlock);
    const int64_t oy0 = band * detail::kConvTransposeRowBand, oy1 = std::min(hout, oy0 + detail::kConvTransposeRowBand);
    float* ybase = yd + (n * cout + g * cout_g) * hout * wout;  // channel oc of this group: ybase + oc·hout·wout
    for (int64_t oc = oc0; oc < oc1; ++oc)
      std::fill(ybase + (oc * hout + oy0) * wout, ybase + (oc * hout + oy1) * wout, 0.0f);

    // Input rows that reach output rows [oy0, oy1): oy0 ≤ iy·sh − ph + ky·dh < oy1 for some ky.
    const int64_t reach = (kh - 1) * dh;
    const int64_t first = oy0 + ph - reach;  // iy·sh must be at least this
    const int64_t iy_lo = first <= 0 ? 0 : (first + sh - 1) / sh;
    const int64_t iy_hi = std::min<int64_t>(h, (oy1 - 1 + ph) / sh + 1);
    // Columns for the input pixels q ∈ [iy_lo·W, iy_hi·W) (flattened iy·W + ix), P pixels at a time.
    const int64_t m = (oc1 - oc0) * kk;
    const int64_t q_begin = iy_lo * w, q_end = std::max(iy_lo, iy_hi) * w;
    const int64_t pblock = std::max<int64_t>(64, detail::kConvTransposeColumnFloats / m);
    float* col = detail::thread_scratch<2>(m * std::min(pblock, std::max<int64_t>(q_end - q_begin, 1)));

    for (int64_t q0 = q_begin; q0 < q_end; q0 += pblock) {
      const int64_t np = std::min(pblock, q_end - q0);
      // col[(oc − oc0)·kk + ky·kW + kx, j] = Σ_ic w[g·Cin_g + ic, oc, ky, kx] · x[n, g·Cin_g + ic, pixel q0 + j]
      GemmArgs args;
      args.M = m;
      args.N = np;
      args.K = cin_g;
      args.A = wd + g * cin_g * cout_g * kk + oc0 * kk;  // W_g is [Cin_g, Cout_g·kk]; we need its transpose
      args.lda = cout_g * kk;
      args.trans_a = true;
      args.B = xd + (n * cin + g * cin_g) * h * w + q0;
      args.ldb = h * w;
      args.C = col;
      args.ldc = np;
      gemm_eigen(args);
      // col2im restricted to this unit's band, in the fixed order (oc, ky, kx, iy, ix).
      for (int64_t oc = oc0; oc < oc1; ++oc)
        for (int64_t ky = 0; ky < kh; ++ky)
          for (int64_t kx = 0; kx < kw; ++kx) {
            const float* crow = col + ((oc - oc0) * kk + ky * kw + kx) * np;  // crow[q − q0]: pixel q
            const int64_t xoff = kx * dw - pw;
            for (int64_t q = q0; q < q0 + np;) {  // one input-row segment [q, row_end) at a time
              const int64_t iy = q / w, ix0 = q % w, row_end = std::min(q0 + np, (iy + 1) * w);
              const int64_t oy = iy * sh - ph + ky * dh;
              if (oy >= oy0 && oy < oy1) {
                const int64_t lo = std::max(ix0, ix_lo[size_t(kx)]), hi = std::min(row_end - iy * w, ix_hi[size_t(kx)]);
                float* yrow = ybase + (oc * hout + oy) * wout;
                const int64_t base = iy * w - q0;  // crow[base + ix] is input pixel (iy, ix)
                if (sw == 1) {
                  for (int64_t ix = lo; ix < hi; ++ix) yrow[ix + xoff] += crow[base + ix];
                } else {
                  for (int64_t ix = lo; ix < hi; ++ix) yrow[ix * sw + xoff] += crow[base + ix];
                }
              }
              q = row_end;
            }
          }
    }
    for (int64_t oc = oc0; oc < oc1; ++oc)
      detail::bias_act_block(ybase + (oc * hout + oy0) * wout, wout, 1, (oy1 - oy0) * wout,
                             bd ? bd + g * cout_g + oc : nullptr, p.act);
  });
  return y;
}

namespace detail {

// One output phase of one axis for the gather formulation: output index o with (o + pad) mod stride == r
// receives exactly the taps k with (k·dilation) mod stride == r, from input i = t − q_k where o = r − pad + stride·t.
struct TransposePhase {
  int64_t r = 0, t_lo = 0, t_hi = 0;  // output o = r − pad + stride·t for t in [t_lo, t_hi)
  std::vector<int64_t> taps, q;       // kernel taps of this phase and their input offsets
};

inline std::vector<TransposePhase> transpose_phases(int64_t kernel, int64_t stride, int64_t dilation, int64_t pad,
                                                    int64_t out) {
  std::vector<TransposePhase> phases(static_cast<size_t>(stride));
  for (int64_t r = 0; r < stride; ++r) {
    TransposePhase& ph = phases[size_t(r)];
    ph.r = r;
    for (int64_t k = 0; k < kernel; ++k)
      if ((k * dilation) % stride == r) {
        ph.taps.push_back(k);
        ph.q.push_back((k * dilation - r) / stride);
      }
    // r + stride·t ∈ [pad, pad + out)
    ph.t_lo = pad - r <= 0 ? 0 : (pad - r + stride - 1) / stride;
    ph.t_hi = pad + out - r <= 0 ? 0 : (pad + out - r + stride - 1) / stride;
    ph.t_hi = std::max(ph.t_hi, ph.t_lo);
  }
  return phases;
}

}  // namespace detail

// Gather ("sub-pixel") formulation: the outputs of one phase (oy mod sh, ox mod sw) form an ordinary stride-1
// correlation of x with the kernel taps of that phase, so each phase is im2col + GEMM like conv2d and every
// output value is written exactly once — no scatter, no zero-fill, no band overlap. For k4 s2 each of the 4 phases
// uses 2×2 taps. Work unit = (image, group, phase, block of the phase's output pixels).
inline Tensor<float> conv_transpose2d_gather(const Tensor<float>& x_in, const Tensor<float>& weight_in,
                                             const Tensor<float>& bias_in = Tensor<float>(),
                                             const ConvTranspose2dParams& p = {}) {
  detail::conv_transpose2d_check(x_in, weight_in, bias_in, p, "conv_transpose2d_gather");
  const Tensor<float> x = x_in.contiguous(), weight = weight_in.contiguous(), bias = bias_in.contiguous();
  const Shape ys = conv_transpose2d_output_shape(x.shape(), weight.shape(), p);
  const int64_t n_img = x.size(0), cin = x.size(1), h = x.size(2), w = x.size(3);
  const int64_t kh = weight.size(2), kw = weight.size(3);
  const int64_t groups = p.groups, cin_g = cin / groups, cout_g = weight.size(1), cout = ys[1];
  const int64_t hout = ys[2], wout = ys[3];
  const std::vector<detail::TransposePhase> phy =
      detail::transpose_phases(kh, p.stride_h, p.dilation_h, p.padding_h, hout);
  const std::vector<detail::TransposePhase> phx =
      detail::transpose_phases(kw, p.stride_w, p.dilation_w, p.padding_w, wout);

  // Per (group, phase): the weight as a conv2d-style matrix Wp[oc, (ic, ky, kx)] over the phase's taps, and the
  // list of work items (phase, first pixel, pixel count) — the same for every image and group.
  struct Item {
    int64_t py, px, p0, np;
  };
  std::vector<Item> items;
  std::vector<int64_t> wp_offset(size_t(p.stride_h * p.stride_w));
  int64_t wp_size = 0;
  for (int64_t py = 0; py < p.stride_h; ++py)
    for (int64_t px = 0; px < p.stride_w; ++px) {
      const auto& ay = phy[size_t(py)];
      const auto& ax = phx[size_t(px)];
      const int64_t k = cin_g * int64_t(ay.taps.size() * ax.taps.size());
      wp_offset[size_t(py * p.stride_w + px)] = wp_size;
      wp_size += groups * cout_g * k;
      const int64_t pixels = (ay.t_hi - ay.t_lo) * (ax.t_hi - ax.t_lo), pblock = detail::conv_pixel_block(k);
      for (int64_t p0 = 0; p0 < pixels; p0 += pblock) items.push_back({py, px, p0, std::min(pblock, pixels - p0)});
    }
  std::vector<float> wp(size_t(std::max<int64_t>(wp_size, 1)));
  for (int64_t py = 0; py < p.stride_h; ++py)
    for (int64_t px = 0; px < p.stride_w; ++px) {
      const auto& ay = phy[size_t(py)];
      const auto& ax = phx[size_t(px)];
      const int64_t ty = int64_t(ay.taps.size()), tx = int64_t(ax.taps.size()), k = cin_g * ty * tx;
      for (int64_t g = 0; g < groups; ++g)
        for (int64_t oc = 0; oc < cout_g; ++oc)
          for (int64_t ic = 0; ic < cin_g; ++ic)
            for (int64_t a = 0; a < ty; ++a)
              for (int64_t b = 0; b < tx; ++b)
                wp[size_t(wp_offset[size_t(py * p.stride_w + px)] + (g * cout_g + oc) * k + (ic * ty + a) * tx + b)] =
                    weight(g * cin_g + ic, oc, ay.taps[size_t(a)], ax.taps[size_t(b)]);
    }

  Tensor<float> y = Tensor<float>::empty(ys);
  const float* xd = x.data();
  const float* bd = bias.defined() ? bias.data() : nullptr;
  float* yd = y.data();
  const int64_t n_items = int64_t(items.size());

  parallel_for(0, n_img * groups * n_items, [&](int64_t unit) {
    const Item& it = items[size_t(unit % n_items)];
    const int64_t g = (unit / n_items) % groups, n = unit / (n_items * groups);
    const auto& ay = phy[size_t(it.py)];
    const auto& ax = phx[size_t(it.px)];
    const int64_t ty = int64_t(ay.taps.size()), tx = int64_t(ax.taps.size()), k = cin_g * ty * tx;
    const int64_t nv = ax.t_hi - ax.t_lo;
    const float* xg = xd + (n * cin + g * cin_g) * h * w;
    // im2col over the phase grid: col[(ic, a, b), j] = x[ic, t − q_a, v − q_b] (0 outside), pixel j ↔ (t, v).
    float* col = detail::thread_scratch<0>(k * it.np);
    for (int64_t ic = 0; ic < cin_g; ++ic)
      for (int64_t a = 0; a < ty; ++a)
        for (int64_t b = 0; b < tx; ++b) {
          float* dst = col + ((ic * ty + a) * tx + b) * it.np;
          const int64_t qy = ay.q[size_t(a)], qx = ax.q[size_t(b)];
          for (int64_t j = 0; j < it.np;) {
            const int64_t t = ay.t_lo + (it.p0 + j) / nv, v0 = ax.t_lo + (it.p0 + j) % nv;
            const int64_t v1 = std::min(ax.t_hi, v0 + (it.np - j));  // end of this grid row within the block
            const int64_t iy = t - qy;
            // valid v: 0 <= v − qx < w
            const int64_t lo = std::clamp(qx, v0, v1), hi = std::clamp(w + qx, lo, v1);
            if (iy < 0 || iy >= h) {
              std::fill(dst + j, dst + j + (v1 - v0), 0.0f);
            } else {
              std::fill(dst + j, dst + j + (lo - v0), 0.0f);
              std::memcpy(dst + j + (lo - v0), xg + (ic * h + iy) * w + lo - qx, size_t(hi - lo) * sizeof(float));
              std::fill(dst + j + (hi - v0), dst + j + (v1 - v0), 0.0f);
            }
            j += v1 - v0;
          }
        }
    float* c = detail::thread_scratch<4>(cout_g * it.np);
    GemmArgs args;
    args.M = cout_g;
    args.N = it.np;
    args.K = k;
    args.A = wp.data() + wp_offset[size_t(it.py * p.stride_w + it.px)] + g * cout_g * k;
    args.lda = k;
    args.B = col;
    args.ldb = it.np;
    args.C = c;
    args.ldc = it.np;
    gemm_eigen(args);
    // Write the phase's pixels to y[oc, r_y − ph + sh·t, r_x − pw + sw·v] with bias and activation.
    for (int64_t j = 0; j < it.np;) {  // one grid row segment [v0, v1) of grid row t at a time
      const int64_t t = ay.t_lo + (it.p0 + j) / nv, v0 = ax.t_lo + (it.p0 + j) % nv;
      const int64_t v1 = std::min(ax.t_hi, v0 + (it.np - j));
      const int64_t oy = ay.r - p.padding_h + p.stride_h * t, ox0 = ax.r - p.padding_w + p.stride_w * v0;
      for (int64_t oc = 0; oc < cout_g; ++oc) {
        const float b = bd ? bd[g * cout_g + oc] : 0.0f;
        float* yrow = yd + ((n * cout + g * cout_g + oc) * hout + oy) * wout + ox0;
        const float* crow = c + oc * it.np + j;
        for (int64_t v = 0; v < v1 - v0; ++v) yrow[v * p.stride_w] = apply_act(crow[v] + b, p.act);
      }
      j += v1 - v0;
    }
  });
  return y;
}

// Direct phase kernels (groups 1): each output phase (oy mod sh, ox mod sw) is a stride-1 correlation of x with
// that phase's taps — four 1×1 convs for k2 s2 (Real-CUGAN's up convs), four 2×2-tap convs for k4 s2 — run by the
// register-blocked tile of conv2d_direct (ops/conv2d_direct_kernel.hpp): no column buffer, no GEMM, no scatter.
// Work unit = (image, row phase, band of kDirectBandRows phase rows): it copies the input rows the band reads
// (zero rows/columns outside the image) into a panel; then per phase row and block of 8 output channels it runs
// the tile over every column phase's 48-pixel groups into row buffers and interleaves those into the output row
// (pairs for s = 2, a vectorisable loop); the activation runs over whole output rows at the end. Phases without
// taps (k < s) get the bias alone.
// Summation order, as conv2d_direct: per output, FMA chains over (ic, tap row, tap column) within blocks of 16
// input channels, the block sums added in order, then the bias — fixed by the shapes, so the bits do not depend
// on the thread count, the image size or where a pipeline tile starts.
namespace detail {
template <class S>
Tensor<float> conv_transpose2d_direct_impl(const Tensor<float>& x_in, const Tensor<float>& weight_in,
                                           const Tensor<float>& bias_in, const ConvTranspose2dParams& p);
}  // namespace detail

inline Tensor<float> conv_transpose2d_direct(const Tensor<float>& x_in, const Tensor<float>& weight_in,
                                             const Tensor<float>& bias_in = Tensor<float>(),
                                             const ConvTranspose2dParams& p = {}) {
  detail::conv_transpose2d_check(x_in, weight_in, bias_in, p, "conv_transpose2d_direct");
  PIXFORGE_CHECK(p.groups == 1 && weight_in.size(3) <= p.stride_w * detail::kDirectMaxKw,
                 ErrorCode::invalid_argument, "conv_transpose2d_direct: needs groups 1 and at most ",
                 detail::kDirectMaxKw, " taps per column phase (groups ", p.groups, ", weight=",
                 weight_in.shape().str(), ")");
  if (weight_in.size(1) <= detail::kDirectNarrowCout)  // few output channels: the 4-channel tile (same bits)
    return detail::conv_transpose2d_direct_impl<detail::SimdNarrow>(x_in, weight_in, bias_in, p);
  return detail::conv_transpose2d_direct_impl<detail::SimdBest>(x_in, weight_in, bias_in, p);
}

// The body of conv_transpose2d_direct for the register tile of traits S (arguments already checked).
template <class S>
Tensor<float> detail::conv_transpose2d_direct_impl(const Tensor<float>& x_in, const Tensor<float>& weight_in,
                                                   const Tensor<float>& bias_in, const ConvTranspose2dParams& p) {
  constexpr int64_t ocb = S::kOcb, tile_px = S::kPv * S::W;
  const Tensor<float> x = x_in.contiguous(), weight = weight_in.contiguous(), bias = bias_in.contiguous();
  const Shape ys = conv_transpose2d_output_shape(x.shape(), weight.shape(), p);
  const int64_t n_img = x.size(0), cin = x.size(1), h = x.size(2), w = x.size(3);
  const int64_t kh = weight.size(2), kw = weight.size(3), cout = ys[1], hout = ys[2], wout = ys[3];
  const int64_t sh = p.stride_h, sw = p.stride_w;
  const std::vector<detail::TransposePhase> phy =
      detail::transpose_phases(kh, sh, p.dilation_h, p.padding_h, hout);
  const std::vector<detail::TransposePhase> phx =
      detail::transpose_phases(kw, sw, p.dilation_w, p.padding_w, wout);

  // Weights per phase (py, px): [ceil(Cout / ocb)][Cin][a][b][ocb] = w[ic, oc, taps_y[a], taps_x[b]].
  const int64_t cblocks = (cout + ocb - 1) / ocb;
  std::vector<std::vector<float>> wpack(size_t(sh * sw));
  for (int64_t py = 0; py < sh; ++py)
    for (int64_t px = 0; px < sw; ++px) {
      const auto& ay = phy[size_t(py)];
      const auto& ax = phx[size_t(px)];
      const int64_t ty = int64_t(ay.taps.size()), tx = int64_t(ax.taps.size()), taps = cin * ty * tx;
      std::vector<float>& wp = wpack[size_t(py * sw + px)];
      wp.assign(size_t(cblocks * taps * ocb), 0.0f);
      for (int64_t oc = 0; oc < cout; ++oc)
        for (int64_t ic = 0; ic < cin; ++ic)
          for (int64_t a = 0; a < ty; ++a)
            for (int64_t b = 0; b < tx; ++b)
              wp[size_t(((oc / ocb) * taps + (ic * ty + a) * tx + b) * ocb + oc % ocb)] =
                  weight(ic, oc, ay.taps[size_t(a)], ax.taps[size_t(b)]);
    }
  std::vector<float> bpack(size_t(cblocks * ocb), 0.0f);
  if (bias.defined()) std::copy(bias.data(), bias.data() + cout, bpack.begin());

  // Panel columns: input column ix = ix_base + c. A column phase's tile at phase column v reads ix = v − q_b for
  // its taps b, so the panel spans every phase's [t_lo − max q, t_hi − min q).
  int64_t qx_max = 0, ix_base = 0, ix_end = 0;
  bool any_x = false;
  for (const auto& ax : phx)
    for (int64_t q : ax.q) qx_max = std::max(qx_max, q);
  for (const auto& ax : phx) {
    if (ax.taps.empty() || ax.t_hi <= ax.t_lo) continue;
    const int64_t lo = ax.t_lo - qx_max, hi = ax.t_hi - *std::min_element(ax.q.begin(), ax.q.end());
    ix_base = any_x ? std::min(ix_base, lo) : lo;
    ix_end = any_x ? std::max(ix_end, hi) : hi;
    any_x = true;
  }
  const int64_t panel_w = std::max<int64_t>(ix_end - ix_base, 0);
  const int64_t row_stride = (panel_w + tile_px + S::W + 15) / 16 * 16;  // slack for the last tile's reads

  Tensor<float> y = Tensor<float>::empty(ys);
  float* yd = y.data();
  const float* xd = x.data();
  const int64_t band_rows = detail::kDirectBandRows;
  std::vector<int64_t> bands_before(size_t(sh + 1), 0);  // work units: bands of every row phase, in order
  for (int64_t py = 0; py < sh; ++py) {
    const auto& ay = phy[size_t(py)];
    bands_before[size_t(py + 1)] = bands_before[size_t(py)] + (ay.t_hi - ay.t_lo + band_rows - 1) / band_rows;
  }
  const int64_t units = bands_before[size_t(sh)];

  const double unit_flops = 2.0 * double(band_rows * wout * cout * cin * kh * kw) / double(sh * sw);
  parallel_for_work(0, n_img * units, unit_flops, [&](int64_t unit) {
    const int64_t n = unit / units, u = unit % units;
    const int64_t py = int64_t(std::upper_bound(bands_before.begin(), bands_before.end(), u) - bands_before.begin()) - 1;
    const auto& ay = phy[size_t(py)];
    const int64_t t0 = ay.t_lo + (u - bands_before[size_t(py)]) * band_rows;
    const int64_t nt = std::min(band_rows, ay.t_hi - t0);
    const int64_t ty = int64_t(ay.taps.size());
    float* yn = yd + n * cout * hout * wout;
    auto out_row = [&](int64_t oc, int64_t t) { return yn + (oc * hout + ay.r - p.padding_h + sh * t) * wout; };
    // The activation runs once over the unit's whole output rows (every column phase), vectorised.
    auto finish_rows = [&] {
      if (p.act.kind == ActKind::none) return;
      for (int64_t oc = 0; oc < cout; ++oc)
        for (int64_t t = t0; t < t0 + nt; ++t) apply_act_inplace(out_row(oc, t), wout, p.act);
    };
    auto write_bias = [&](const detail::TransposePhase& ax) {  // outputs no tap reaches (k < s): bias only
      for (int64_t oc = 0; oc < cout; ++oc)
        for (int64_t t = t0; t < t0 + nt; ++t) {
          float* yrow = out_row(oc, t) + ax.r - p.padding_w + sw * ax.t_lo;
          for (int64_t v = 0; v < ax.t_hi - ax.t_lo; ++v) yrow[v * sw] = bpack[size_t(oc)];
        }
    };
    if (ty == 0 || !any_x) {
      for (const auto& ax : phx) write_bias(ax);
      finish_rows();
      return;
    }
    // Panel rows: input row iy = t0 − qy_max + r; tap a of phase row t reads r = t − t0 + qy_max − q_a.
    const int64_t qy_min = ay.q.front(), qy_max = ay.q.back();  // q grows with the tap index
    const int64_t rows = nt + qy_max - qy_min, iy0 = t0 - qy_max;
    // Results of one phase row for one channel block: rowbuf[px][o][v − t_lo(px)], interleaved into y afterwards.
    const int64_t vstride = (wout + sw - 1) / sw + tile_px + 16;
    float* scratch = detail::thread_scratch<6>(cin * rows * row_stride + 15 + sw * ocb * vstride);
    float* panel = scratch + (16 - (reinterpret_cast<uintptr_t>(scratch) / sizeof(float)) % 16) % 16;
    float* rowbuf = panel + cin * rows * row_stride;
    for (int64_t ic = 0; ic < cin; ++ic)
      for (int64_t r = 0; r < rows; ++r) {
        float* dst = panel + (ic * rows + r) * row_stride;
        const int64_t iy = iy0 + r;
        std::fill(dst, dst + row_stride, 0.0f);
        if (iy < 0 || iy >= h) continue;
        const int64_t lo = std::clamp<int64_t>(0, ix_base, ix_base + panel_w);
        const int64_t hi = std::clamp<int64_t>(w, lo, ix_base + panel_w);
        std::copy(xd + ((n * cin + ic) * h + iy) * w + lo, xd + ((n * cin + ic) * h + iy) * w + hi, dst + lo - ix_base);
      }
    for (const auto& ax : phx)
      if (ax.taps.empty()) write_bias(ax);
    // Two column phases whose outputs alternate (every s = 2 case): written as pairs, which vectorises.
    int64_t pa = -1, pb = -1;
    if (sw == 2 && !phx[0].taps.empty() && !phx[1].taps.empty()) {
      const int64_t o0 = phx[0].r - p.padding_w + 2 * phx[0].t_lo, o1 = phx[1].r - p.padding_w + 2 * phx[1].t_lo;
      if (o1 == o0 + 1) pa = 0, pb = 1;
      if (o0 == o1 + 1) pa = 1, pb = 0;
    }
    detail::DirectTile tile;
    tile.ic_stride = rows * row_stride;
    // Consecutive taps of a phase differ by the same q step (d / gcd(s, d)); tap a's row is qy_max − q_a.
    tile.ky_stride = ty > 1 ? -(ay.q[1] - ay.q[0]) * row_stride : 0;
    tile.kh = ty;
    for (int64_t t = t0; t < t0 + nt; ++t)
      for (int64_t oc0 = 0; oc0 < cout; oc0 += ocb) {
        for (int64_t px = 0; px < sw; ++px) {
          const auto& ax = phx[size_t(px)];
          const int64_t tx = int64_t(ax.taps.size());
          if (tx == 0 || ax.t_hi <= ax.t_lo) continue;
          tile.kw = tx;
          for (int64_t b = 0; b < tx; ++b) tile.kx_off[b] = qx_max - ax.q[size_t(b)];
          const float* wp = wpack[size_t(py * sw + px)].data() + oc0 * cin * ty * tx;
          for (int64_t v0 = ax.t_lo; v0 < ax.t_hi; v0 += tile_px) {
            const int64_t npx = std::min(tile_px, ax.t_hi - v0);
            const int pv = int((npx + S::W - 1) / S::W);
            tile.last_n = int(npx - (pv - 1) * S::W);
            // Row of tap 0: r = t − t0 + qy_max − q_0; column of tap b: v0 − qx_max − ix_base + kx_off[b].
            const float* base = panel + (t - t0 + qy_max - ay.q[0]) * row_stride + (v0 - qx_max - ix_base);
            for (int64_t o = 0; o < ocb; ++o) tile.y[o] = rowbuf + (px * ocb + o) * vstride + (v0 - ax.t_lo);
            for (int64_t ic0 = 0; ic0 < cin; ic0 += detail::kDirectIcBlock) {
              tile.cin = std::min(detail::kDirectIcBlock, cin - ic0);
              tile.panel = base + ic0 * rows * row_stride;
              tile.wpack = wp + ic0 * ocb * ty * tx;
              tile.accumulate = ic0 > 0;
              tile.bias = ic0 + tile.cin == cin ? bpack.data() + oc0 : nullptr;
              detail::direct_tile_pv<S>(tile, pv);
            }
          }
        }
        for (int64_t o = 0; o < ocb && oc0 + o < cout; ++o) {
          float* yrow = out_row(oc0 + o, t);
          int64_t done_a = 0, done_b = 0;  // phase columns already written by the paired loop
          if (pa >= 0) {
            const auto& aa = phx[size_t(pa)];
            const auto& ab = phx[size_t(pb)];
            const int64_t np = std::min(aa.t_hi - aa.t_lo, ab.t_hi - ab.t_lo);
            float* __restrict dst = yrow + aa.r - p.padding_w + 2 * aa.t_lo;
            const float* __restrict sa = rowbuf + (pa * ocb + o) * vstride;
            const float* __restrict sb = rowbuf + (pb * ocb + o) * vstride;
            for (int64_t j = 0; j < np; ++j) {
              dst[2 * j] = sa[j];
              dst[2 * j + 1] = sb[j];
            }
            done_a = done_b = np;
          }
          for (int64_t px = 0; px < sw; ++px) {
            const auto& ax = phx[size_t(px)];
            if (ax.taps.empty()) continue;
            const int64_t from = px == pa ? done_a : px == pb ? done_b : 0;
            float* dst = yrow + ax.r - p.padding_w + sw * ax.t_lo;
            const float* src = rowbuf + (px * ocb + o) * vstride;
            for (int64_t j = from; j < ax.t_hi - ax.t_lo; ++j) dst[j * sw] = src[j];
          }
        }
      }
    finish_rows();
  });
  return y;
}

// k2 s2 p0 (Real-CUGAN's conv2_up, conv3_up, conv4_up: every input pixel becomes a 2×2 block) as a GEMM:
// out[(a, oc, b), pixel] = Σ_ic w[ic, oc, a, b] · x[ic, pixel], i.e. a 1×1 conv to 4·Cout channels followed by
// depth-to-space — with no temporary: per input row and tile of 48 input pixels, the register tile
// (ops/conv_pointwise_kernel.hpp) computes kOcb/2 output channels × both column phases b of one row phase a, reading
// the map in place; the two phases' vectors are interleaved in registers (+ bias) and stored as one contiguous run
// of output row 2·iy + a. The loop order keeps the tile's input (Cin × 48 floats) in L1 while every (a, channel
// block) runs over it; the packed weights stream from L2. The activation runs over the unit's output rows at the end.
// Summation order: per output, FMA chains over blocks of kK2s2IcBlock = 64 input channels (one tap each), the block
// sums added in order, then the bias — fixed by Cin alone, so nothing depends on the map size, tile or thread count.
// Why 64 and not conv_transpose2d_direct's 16: with one tap per channel a 16-channel chain is 16 FMAs, and the
// round trip of the partial sums through memory after each cost ~20 % of the tile's rate (bench/NOTES.md,
// "updown"); a 64-long chain is still shorter than the 144-long chains (16 channels × 9 taps) the 3×3 direct
// kernel uses, whose rounding error the goldens accept.
namespace detail {
constexpr int64_t kK2s2IcBlock = 64;
inline bool conv_transpose2d_is_k2s2(const Tensor<float>& weight, const ConvTranspose2dParams& p) {
  return p.groups == 1 && weight.size(2) == 2 && weight.size(3) == 2 && p.stride_h == 2 && p.stride_w == 2 &&
         p.padding_h == 0 && p.padding_w == 0 && p.output_padding_h == 0 && p.output_padding_w == 0 &&
         p.dilation_h == 1 && p.dilation_w == 1 && p.crop_end_h == 0 && p.crop_end_w == 0;
}
template <class S>
void conv_transpose2d_k2s2_impl(const Tensor<float>& x_in, const Tensor<float>& weight_in,
                                const Tensor<float>& bias_in, const ConvTranspose2dParams& p, Tensor<float>& y);
}  // namespace detail

// conv_transpose2d_k2s2 writing into `y`, which must already have the output shape [N, Cout, 2H, 2W], be contiguous
// and not share storage with x: a caller that owns the output buffer (a memory plan; a benchmark separating the
// kernel from the first touch of fresh pages) avoids the allocation. Every element of y is overwritten.
inline void conv_transpose2d_k2s2_into(const Tensor<float>& x, const Tensor<float>& weight, const Tensor<float>& bias,
                                       const ConvTranspose2dParams& p, Tensor<float>& y) {
  detail::conv_transpose2d_check(x, weight, bias, p, "conv_transpose2d_k2s2");
  PIXFORGE_CHECK(detail::conv_transpose2d_is_k2s2(weight, p), ErrorCode::invalid_argument,
                 "conv_transpose2d_k2s2: needs a 2x2 kernel, stride 2, no padding, output_padding, dilation or crop, "
                 "groups 1 (weight=", weight.shape().str(), ", stride (", p.stride_h, ", ", p.stride_w, "), padding (",
                 p.padding_h, ", ", p.padding_w, "), groups ", p.groups, ")");
  const Shape ys = conv_transpose2d_output_shape(x.shape(), weight.shape(), p);
  PIXFORGE_CHECK(y.defined() && y.shape() == ys && y.is_contiguous(), ErrorCode::shape_mismatch,
                 "conv_transpose2d_k2s2_into: output must be a contiguous ", ys.str(), " tensor, got ",
                 y.defined() ? y.shape().str() : std::string("an undefined tensor"),
                 y.defined() && !y.is_contiguous() ? " (not contiguous)" : "");
  detail::conv_transpose2d_k2s2_impl<detail::SimdBest>(x, weight, bias, p, y);
}

inline Tensor<float> conv_transpose2d_k2s2(const Tensor<float>& x, const Tensor<float>& weight,
                                           const Tensor<float>& bias = Tensor<float>(),
                                           const ConvTranspose2dParams& p = {}) {
  detail::conv_transpose2d_check(x, weight, bias, p, "conv_transpose2d_k2s2");
  Tensor<float> y = Tensor<float>::empty(conv_transpose2d_output_shape(x.shape(), weight.shape(), p));
  conv_transpose2d_k2s2_into(x, weight, bias, p, y);
  return y;
}

template <class S>
void detail::conv_transpose2d_k2s2_impl(const Tensor<float>& x_in, const Tensor<float>& weight_in,
                                        const Tensor<float>& bias_in, const ConvTranspose2dParams& p,
                                        Tensor<float>& y) {
  using V = typename S::V;
  constexpr int64_t R = S::kOcb, OC = R / 2, W = S::W, tile_px = S::kPv * S::W;  // R rows = OC channels × 2 phases
  const Tensor<float> x = x_in.contiguous(), weight = weight_in.contiguous(), bias = bias_in.contiguous();
  const int64_t n_img = x.size(0), cin = x.size(1), h = x.size(2), w = x.size(3), cout = weight.size(1);
  const int64_t hout = 2 * h, wout = 2 * w, plane = h * w, nblk = (cout + OC - 1) / OC;
  // Packed weights [a][channel block][ic][o][b] = w[ic, block·OC + o, a, b], zeros past Cout.
  std::vector<float> wp(size_t(2 * nblk * cin * R), 0.0f);
  const float* wd = weight.data();
  for (int64_t ic = 0; ic < cin; ++ic)
    for (int64_t oc = 0; oc < cout; ++oc)
      for (int64_t a = 0; a < 2; ++a)
        for (int64_t b = 0; b < 2; ++b)
          wp[size_t(((a * nblk + oc / OC) * cin + ic) * R + (oc % OC) * 2 + b)] = wd[((ic * cout + oc) * 2 + a) * 2 + b];
  const float* bd = bias.defined() ? bias.data() : nullptr;
  float* yd = y.data();
  const float* xd = x.data();

  parallel_for_work(0, n_img * h, 8.0 * double(w * cin * cout), [&](int64_t unit) {  // unit: one input row
    const int64_t n = unit / h, iy = unit % h;
    const float* xrow = xd + n * cin * plane + iy * w;  // channel ic at xrow + ic·plane
    alignas(64) float tb[R * tile_px];
    for (int64_t ix0 = 0; ix0 < w; ix0 += tile_px) {
      const int64_t npx = std::min(tile_px, w - ix0);
      const int pv = int((npx + W - 1) / W), last_n = int(npx - (pv - 1) * W);
      for (int64_t a = 0; a < 2; ++a)
        for (int64_t blk = 0; blk < nblk; ++blk) {
          const float* ap = wp.data() + (a * nblk + blk) * cin * R;
          for (int64_t ic0 = 0; ic0 < cin; ic0 += kK2s2IcBlock)
            pointwise_tile_pv<S>(pv, last_n, xrow + ic0 * plane + ix0, plane, ap + ic0 * R,
                                 std::min(kK2s2IcBlock, cin - ic0), tb, tile_px, ic0 == 0);
          for (int64_t o = 0; o < OC && blk * OC + o < cout; ++o) {
            const int64_t oc = blk * OC + o;
            float* yrow = yd + ((n * cout + oc) * hout + 2 * iy + a) * wout + 2 * ix0;
            for (int v = 0; v < pv; ++v) {
              V r0 = S::loadu(tb + (2 * o) * tile_px + v * W), r1 = S::loadu(tb + (2 * o + 1) * tile_px + v * W);
              if (bd) {
                const V bv = S::bcast(bd + oc);
                r0 = S::add(r0, bv);
                r1 = S::add(r1, bv);
              }
              V lo, hi;
              interleave2(r0, r1, lo, hi);
              const int nout = 2 * (v == pv - 1 ? last_n : int(W));  // output floats of this vector pair
              S::store_n(yrow + 2 * v * W, lo, std::min(nout, int(W)));
              if (nout > W) S::store_n(yrow + 2 * v * W + W, hi, nout - int(W));
            }
          }
        }
    }
    if (p.act.kind != ActKind::none)
      for (int64_t oc = 0; oc < cout; ++oc)
        apply_act_inplace(yd + ((n * cout + oc) * hout + 2 * iy) * wout, 2 * wout, p.act);
  });
}

// The dispatcher. Per input pixel, col2im pushes Cout_g·kH·kW column values through its scatter and gather pulls
// Cin_g·kH·kW values through its im2col, so gather wins when Cin_g ≤ Cout_g — unless every phase has a single tap
// (kH·kW ≤ sh·sw, e.g. Real-CUGAN's k2 s2), where col2im's scatter is a plain strided copy and measured faster.
inline Tensor<float> conv_transpose2d(const Tensor<float>& x, const Tensor<float>& weight,
                                      const Tensor<float>& bias = Tensor<float>(),
                                      const ConvTranspose2dParams& p = {}) {
  detail::conv_transpose2d_check(x, weight, bias, p, "conv_transpose2d");
  detail::count_macs(x.numel() * (weight.numel() / weight.size(0)));  // weight [Cin, Cout/g, kH, kW]
#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
  if (detail::conv_transpose2d_is_k2s2(weight, p)) return conv_transpose2d_k2s2(x, weight, bias, p);
  if (p.groups == 1 && weight.size(3) <= p.stride_w * detail::kDirectMaxKw)
    return conv_transpose2d_direct(x, weight, bias, p);
#endif
  const int64_t cin_g = x.size(1) / p.groups, cout_g = weight.size(1);
  const bool multi_tap = weight.size(2) * weight.size(3) > p.stride_h * p.stride_w;
  if (cin_g <= cout_g && multi_tap) return conv_transpose2d_gather(x, weight, bias, p);
  return conv_transpose2d_col2im(x, weight, bias, p);
}

}  // namespace pixforge
