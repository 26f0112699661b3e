// pixforge/ops/conv2d.hpp — 2-D convolution (PyTorch torch.nn.functional.conv2d / nn.Conv2d).
//
// What it computes (cross-correlation, no kernel flip, exactly like PyTorch and TensorFlow):
//
//   y[n, oc, oy, ox] = act( b[oc] + Σ_ic Σ_ky Σ_kx  x̃[n, g·Cin_g + ic, oy·sh − pt + ky·dh, ox·sw − pl + kx·dw]
//                                                   · w[oc, ic, ky, kx] )
//
//   g = oc / Cout_g (the group of the output channel), Cin_g = Cin / groups, Cout_g = Cout / groups, and x̃ is the
//   input extended beyond its border by the padding mode: zeros (0), reflect (… x2 x1 | x0 x1 x2 …, the edge
//   pixel is not repeated, needs pad < size) or replicate (… x0 x0 | x0 x1 …).
//
// Shapes:   x [N, Cin, H, W]   weight [Cout, Cin/groups, kH, kW]   bias [Cout] or an undefined Tensor (none)
//           y [N, Cout, Hout, Wout],  Hout = floor((H + pt + pb − dh·(kH − 1) − 1) / sh) + 1   (same for W)
//
//     auto y = pixforge::conv2d(x, weight, bias, pixforge::Conv2dParams{}.with_padding(1).with_act(Act::relu()));
//
// Padding is per side (top, bottom, left, right), because TensorFlow 'SAME' pads asymmetrically: a stride-2 3×3
// 'SAME' conv on an even size pads 0 before and 1 after (tf_same_padding below, part-b §0.3). PyTorch's
// padding=1 gives the same output size but samples a grid shifted by one pixel, so TF weights then give
// slightly wrong results. PyTorch's padding='same' (stride 1) is with_same_padding(kH, kW).
//
// Who uses it: every generator. 3×3 stride 1 pad 1 is the workhorse (RRDBNet 64→64 and 64+k·32→32, Real-CUGAN,
// SRVGGNet, DnCNN); 1×1 for channel mixing (self-attention q/k/v, PEN-Net torgb heads); 2×2 and 4×4 stride 2
// for down-sampling (Real-CUGAN, pix2pix encoder); dilated 3×3 (d = 2…16) in DeepFill/EdgeConnect; a
// ReflectionPad2d + conv pair (EdgeConnect, Johnson's style transfer) is one conv with padding_mode reflect;
// replicate padding in waifu2x; depthwise (groups = C) in lightweight blocks.
//
// Pitfalls:
//   * weight is [Cout, Cin/groups, kH, kW] — ConvTranspose2d stores Cin first, this does not;
//   * padding_mode reflect/replicate pads *before* the conv, exactly like PyTorch's padding_mode (and like an
//     explicit ReflectionPad2d followed by an unpadded conv); reflect requires every pad < that input size;
//   * TF 'SAME' ≠ PyTorch symmetric padding for stride 2 (see above);
//   * a fused activation runs after the bias add, as the separate layer would.
//
// Implementations (FLOPs = 2 · N · Cout · Hout · Wout · Cin_g · kH · kW for all of them):
//   conv2d_ref        direct loops in formula order; the ground truth for tests, slow.
//   conv2d_im2col     gathers a block of output pixels' receptive fields into a column buffer col[Cin_g·kH·kW, P]
//                     (padding handled inside the gather: no padded copy of the input), then one GEMM
//                     W_g[Cout_g, K] · col[K, P] per (image, group, pixel block). Extra memory: K·P floats per
//                     thread, independent of the image size.
//   conv2d_1x1        1×1, stride 1, no padding: the input plane already *is* the column matrix, so the GEMM
//                     reads x directly (no copy at all).
//   conv2d_depthwise  groups = Cin (each output channel sees one input channel): a direct kernel; im2col would
//                     turn it into many tiny GEMMs with K = kH·kW.
//   conv2d_direct     groups 1, any kernel (≤ 16 wide), stride, dilation and padding (3×3 s1 is most of every SR
//                     network's FLOPs; Real-CUGAN's 2×2 s2 down convs; IS-Net's dilated 3×3): register tiles of 8
//                     output channels × 48 pixels accumulate in SIMD registers over (ic, ky, kx) from a per-thread
//                     panel of a few padded input rows, each row stored as `stride` column phases so strided
//                     outputs read consecutive floats (ops/conv2d_direct_kernel.hpp). Extra memory:
//                     Cin·(rows + dilation·(kH − 1))·(padded width + slack) floats per thread, plus the packed
//                     weights. Every output is summed in a fixed order (FMA chains over blocks of 16 input
//                     channels, then the block sums): identical bits for any thread count, image width or tile
//                     offset (the GEMM paths sum in blocks that depend on the width). conv2d_direct_into
//                     writes into a caller's output buffer instead of a new tensor.
//   conv2d_narrow     3×3, stride 1, zero padding, 1–4 output channels (the models' last layers): reads the input
//                     rows in place, conv2d_direct's summation order and bits (ops/conv2d_narrow.hpp).
//   conv2d            the dispatcher: depthwise → conv2d_depthwise, groups 1 (1×1 too: as fast as the 1×1 GEMM,
//                     bench/NOTES.md) → conv2d_direct when built with AVX2+FMA or AVX-512, 1×1/s1/p0 →
//                     conv2d_1x1, else conv2d_im2col.
//
// Threading (core/parallel.hpp): the work is cut into units — (image, group, fixed-size block of output pixels) for
// the GEMM paths, (image, output channel) for depthwise — whose boundaries depend only on the shapes. Each unit
// writes its own outputs with a single-threaded GEMM, so the bits are identical for any thread count.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include "pixforge/core/activation_spec.hpp"
#include "pixforge/core/error.hpp"
#include "pixforge/core/gemm.hpp"
#include "pixforge/core/op_counter.hpp"
#include "pixforge/core/parallel.hpp"
#include "pixforge/core/tensor.hpp"
#include "pixforge/ops/conv2d_direct_kernel.hpp"

namespace pixforge {

// How the input is extended beyond its border (PyTorch Conv2d padding_mode; 'circular' is not supported).
enum class PaddingMode { zeros, reflect, replicate };

inline const char* padding_mode_name(PaddingMode m) {
  switch (m) {
    case PaddingMode::zeros: return "zeros";
    case PaddingMode::reflect: return "reflect";
    case PaddingMode::replicate: return "replicate";
  }
  return "?";
}

// Per-side padding of one axis.
struct SidePadding {
  int64_t before = 0, after = 0;
};

// TensorFlow 'SAME' padding of one axis (part-b §0.3): output ceil(in / stride), the odd pixel of padding goes
// after. E.g. in 8, k 3, s 2 → {0, 1}; in 7, k 3, s 2 → {1, 1}; k 5, s 1 → {2, 2}.
inline SidePadding tf_same_padding(int64_t in, int64_t kernel, int64_t stride, int64_t dilation = 1) {
  PIXFORGE_CHECK(in >= 0 && kernel >= 1 && stride >= 1 && dilation >= 1, ErrorCode::invalid_argument,
                 "tf_same_padding: invalid arguments (in ", in, ", kernel ", kernel, ", stride ", stride,
                 ", dilation ", dilation, ")");
  const int64_t out = (in + stride - 1) / stride;
  const int64_t k_eff = (kernel - 1) * dilation + 1;
  const int64_t total = std::max<int64_t>((out - 1) * stride + k_eff - in, 0);
  return {total / 2, total - total / 2};
}

struct Conv2dParams {
  int64_t stride_h = 1, stride_w = 1;
  int64_t pad_top = 0, pad_bottom = 0, pad_left = 0, pad_right = 0;
  int64_t dilation_h = 1, dilation_w = 1;
  int64_t groups = 1;
  PaddingMode padding_mode = PaddingMode::zeros;
  Act act;  // fused epilogue, applied after the bias

  // Chainable setters: Conv2dParams{}.with_stride(2).with_padding(1).with_act(Act::leaky_relu(0.2f)).
  Conv2dParams& with_stride(int64_t s) { return with_stride(s, s); }
  Conv2dParams& with_stride(int64_t sh, int64_t sw) {
    stride_h = sh;
    stride_w = sw;
    return *this;
  }
  // Symmetric padding, PyTorch's padding=p or padding=(ph, pw).
  Conv2dParams& with_padding(int64_t p) { return with_padding(p, p); }
  Conv2dParams& with_padding(int64_t ph, int64_t pw) { return with_padding(ph, ph, pw, pw); }
  // Per-side padding in (top, bottom, left, right) order. Note F.pad's 4-tuple is (left, right, top, bottom).
  Conv2dParams& with_padding(int64_t top, int64_t bottom, int64_t left, int64_t right) {
    pad_top = top;
    pad_bottom = bottom;
    pad_left = left;
    pad_right = right;
    return *this;
  }
  // TensorFlow 'SAME' for an input of h × w and a kH × kW kernel, using the stride and dilation already set.
  Conv2dParams& with_tf_same_padding(int64_t h, int64_t w, int64_t kh, int64_t kw) {
    const SidePadding ph = tf_same_padding(h, kh, stride_h, dilation_h);
    const SidePadding pw = tf_same_padding(w, kw, stride_w, dilation_w);
    return with_padding(ph.before, ph.after, pw.before, pw.after);
  }
  // PyTorch padding='same' (stride 1 only): d·(k − 1) in total per axis, the odd pixel after; uses the dilation
  // already set. For stride 1 this equals TF 'SAME'.
  Conv2dParams& with_same_padding(int64_t kh, int64_t kw) {
    PIXFORGE_CHECK(stride_h == 1 && stride_w == 1, ErrorCode::invalid_argument,
                   "conv2d: padding='same' is not supported for strided convolutions (stride (", stride_h, ", ",
                   stride_w, "))");
    return with_tf_same_padding(0, 0, kh, kw);  // at stride 1 the total does not depend on the input size
  }
  Conv2dParams& with_dilation(int64_t d) { return with_dilation(d, d); }
  Conv2dParams& with_dilation(int64_t dh, int64_t dw) {
    dilation_h = dh;
    dilation_w = dw;
    return *this;
  }
  Conv2dParams& with_groups(int64_t g) {
    groups = g;
    return *this;
  }
  Conv2dParams& with_padding_mode(PaddingMode m) {
    padding_mode = m;
    return *this;
  }
  Conv2dParams& with_act(Act a) {
    act = a;
    return *this;
  }
};

// floor((in + pad_before + pad_after − dilation·(k − 1) − 1) / stride) + 1, or ≤ 0 when the kernel does not fit.
inline int64_t conv_output_size(int64_t in, int64_t pad_before, int64_t pad_after, int64_t kernel, int64_t stride,
                                int64_t dilation) {
  const int64_t span = in + pad_before + pad_after - dilation * (kernel - 1) - 1;
  return span < 0 ? 0 : span / stride + 1;
}

namespace detail {

// All checks of conv2d's arguments, done once at the entry of every public variant.
inline void conv2d_check(const Tensor<float>& x, const Tensor<float>& weight, const Tensor<float>& bias,
                         const Conv2dParams& p, const char* op) {
  check_rank(x, 4, op, "input x");
  check_rank(weight, 4, op, "weight");
  const std::string shapes = msg(" (x=", x.shape().str(), ", weight=", weight.shape().str(), ")");
  PIXFORGE_CHECK(p.stride_h >= 1 && p.stride_w >= 1, ErrorCode::invalid_argument, op, ": stride must be >= 1, got (",
                 p.stride_h, ", ", p.stride_w, ")");
  PIXFORGE_CHECK(p.dilation_h >= 1 && p.dilation_w >= 1, ErrorCode::invalid_argument, op,
                 ": dilation must be >= 1, got (", p.dilation_h, ", ", p.dilation_w, ")");
  PIXFORGE_CHECK(p.pad_top >= 0 && p.pad_bottom >= 0 && p.pad_left >= 0 && p.pad_right >= 0,
                 ErrorCode::invalid_argument, op, ": padding must be >= 0, got (top ", p.pad_top, ", bottom ",
                 p.pad_bottom, ", left ", p.pad_left, ", right ", p.pad_right, "); crop with narrow() instead");
  PIXFORGE_CHECK(p.groups >= 1, ErrorCode::invalid_argument, op, ": groups must be >= 1, got ", p.groups);
  const int64_t cin = x.size(1), cout = weight.size(0);
  PIXFORGE_CHECK(cin % p.groups == 0 && cout % p.groups == 0, ErrorCode::shape_mismatch, op,
                 ": groups = ", p.groups, " must divide both input channels ", cin, " and output channels ", cout,
                 shapes);
  PIXFORGE_CHECK(weight.size(1) * p.groups == cin, ErrorCode::shape_mismatch, op, ": input has ", cin,
                 " channels, weight expects ", weight.size(1) * p.groups, " (", weight.size(1), " per group × ",
                 p.groups, " groups)", shapes);
  PIXFORGE_CHECK(weight.size(2) >= 1 && weight.size(3) >= 1, ErrorCode::shape_mismatch, op,
                 ": empty kernel", shapes);
  if (bias.defined()) {
    PIXFORGE_CHECK(bias.dim() == 1 && bias.size(0) == cout, ErrorCode::shape_mismatch, op, ": bias must be [",
                   cout, "], got ", bias.shape().str(), shapes);
  }
  const int64_t h = x.size(2), w = x.size(3);
  if (p.padding_mode == PaddingMode::reflect) {
    PIXFORGE_CHECK(p.pad_top < h && p.pad_bottom < h && p.pad_left < w && p.pad_right < w,
                   ErrorCode::invalid_argument, op, ": reflect padding (top ", p.pad_top, ", bottom ", p.pad_bottom,
                   ", left ", p.pad_left, ", right ", p.pad_right, ") must be smaller than the input size ", h, "x",
                   w, shapes);
  }
  if (p.padding_mode == PaddingMode::replicate) {
    PIXFORGE_CHECK(h > 0 && w > 0, ErrorCode::invalid_argument, op, ": replicate padding of an empty input", shapes);
  }
  const int64_t hout = conv_output_size(h, p.pad_top, p.pad_bottom, weight.size(2), p.stride_h, p.dilation_h);
  const int64_t wout = conv_output_size(w, p.pad_left, p.pad_right, weight.size(3), p.stride_w, p.dilation_w);
  PIXFORGE_CHECK(hout > 0 && wout > 0, ErrorCode::shape_mismatch, op, ": kernel ", weight.size(2), "x",
                 weight.size(3), " with dilation (", p.dilation_h, ", ", p.dilation_w,
                 ") is larger than the padded input ", h + p.pad_top + p.pad_bottom, "x",
                 w + p.pad_left + p.pad_right, shapes);
}

// Maps a coordinate of the padded input (may be < 0 or >= n) to a source index, or -1 for a zero.
inline int64_t pad_source_index(int64_t i, int64_t n, PaddingMode mode) {
  if (i >= 0 && i < n) return i;
  switch (mode) {
    case PaddingMode::zeros: return -1;
    case PaddingMode::reflect: return i < 0 ? -i : 2 * (n - 1) - i;  // pad < n, so one reflection suffices
    case PaddingMode::replicate: return i < 0 ? 0 : n - 1;
  }
  return -1;
}

// Source index for every (kernel tap, output position) of one axis: map[k·out + o] = index into the input row
// (or -1 for zero padding). `lo[k]..hi[k]` is the range of o whose tap lands inside the input, where the
// index is simply o·stride + k·dilation − pad_before (the gather copies that range without the table).
struct AxisMap {
  std::vector<int64_t> map, lo, hi;
  int64_t out = 0;
  AxisMap(int64_t in, int64_t out_, int64_t kernel, int64_t stride, int64_t pad_before, int64_t dilation,
          PaddingMode mode)
      : map(size_t(kernel * out_)), lo(size_t(kernel)), hi(size_t(kernel)), out(out_) {
    for (int64_t k = 0; k < kernel; ++k) {
      int64_t l = out_, h = 0;
      for (int64_t o = 0; o < out_; ++o) {
        const int64_t i = o * stride - pad_before + k * dilation;
        map[size_t(k * out_ + o)] = pad_source_index(i, in, mode);
        if (i >= 0 && i < in) {
          l = std::min(l, o);
          h = o + 1;
        }
      }
      lo[size_t(k)] = l;
      hi[size_t(k)] = std::max(l, h);
    }
  }
  int64_t operator()(int64_t k, int64_t o) const { return map[size_t(k * out + o)]; }
};

// One growable buffer per thread and per purpose (Slot), reused across calls: no allocation in the hot loop,
// memory bounded by the largest block ever requested on that thread. Slots in use: 0 im2col columns, 1 depthwise
// row, 2 conv_transpose2d columns, 3 gated_conv2d pre-gate block, 4 conv_transpose2d_gather GEMM output,
// 5 conv2d_direct panel, 6 conv_transpose2d_direct panel.
template <int Slot>
inline float* thread_scratch(int64_t floats) {
  thread_local std::vector<float> buf;
  if (int64_t(buf.size()) < floats) buf.resize(size_t(floats));
  return buf.data();
}

// Gathers input row `row` (already mapped, W wide) for output columns [ox0, ox1) of kernel tap kx into dst.
inline void gather_row(float* dst, const float* row, int64_t ox0, int64_t ox1, int64_t kx, int64_t stride,
                       int64_t offset, const AxisMap& xm) {
  const int64_t lo = std::clamp(xm.lo[size_t(kx)], ox0, ox1), hi = std::clamp(xm.hi[size_t(kx)], lo, ox1);
  for (int64_t ox = ox0; ox < lo; ++ox) {
    const int64_t ix = xm(kx, ox);
    dst[ox - ox0] = ix < 0 ? 0.0f : row[ix];
  }
  if (stride == 1) {
    if (hi > lo) std::memcpy(dst + (lo - ox0), row + lo + offset, size_t(hi - lo) * sizeof(float));
  } else {
    for (int64_t ox = lo; ox < hi; ++ox) dst[ox - ox0] = row[ox * stride + offset];
  }
  for (int64_t ox = hi; ox < ox1; ++ox) {
    const int64_t ix = xm(kx, ox);
    dst[ox - ox0] = ix < 0 ? 0.0f : row[ix];
  }
}

// im2col of one group of one image for output pixels [p0, p0 + np) (flattened oy·Wout + ox):
// col[(ic·kH + ky)·kW + kx, j] = x̃[ic, oy·sh − pt + ky·dh, ox·sw − pl + kx·dw] for pixel p0 + j.
inline void im2col_block(const float* x, int64_t cin_g, int64_t h, int64_t w, int64_t kh, int64_t kw,
                         const Conv2dParams& p, const AxisMap& ym, const AxisMap& xm, int64_t wout, int64_t p0,
                         int64_t np, float* col) {
  for (int64_t ic = 0; ic < cin_g; ++ic) {
    const float* plane = x + ic * h * w;
    for (int64_t ky = 0; ky < kh; ++ky)
      for (int64_t kx = 0; kx < kw; ++kx) {
        float* dst = col + ((ic * kh + ky) * kw + kx) * np;
        const int64_t offset = kx * p.dilation_w - p.pad_left;
        for (int64_t pix = p0; pix < p0 + np;) {
          const int64_t oy = pix / wout, ox0 = pix % wout;
          const int64_t ox1 = std::min(wout, ox0 + (p0 + np - pix));
          const int64_t iy = ym(ky, oy);
          if (iy < 0) std::fill(dst, dst + (ox1 - ox0), 0.0f);
          else gather_row(dst, plane + iy * w, ox0, ox1, kx, p.stride_w, offset, xm);
          dst += ox1 - ox0;
          pix += ox1 - ox0;
        }
      }
  }
}

// y[i] += a · x[i]; the restrict qualifiers let the compiler vectorise without a runtime alias check.
inline void axpy(float* __restrict y, const float* __restrict x, float a, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] += a * x[i];
}

// Adds bias[m] and applies act to rows m of an [M, np] block with leading dimension ldc.
inline void bias_act_block(float* c, int64_t ldc, int64_t m_count, int64_t np, const float* bias, const Act& act) {
  for (int64_t m = 0; m < m_count; ++m) {
    float* row = c + m * ldc;
    if (bias) {
      const float b = bias[m];
      for (int64_t j = 0; j < np; ++j) row[j] += b;
    }
    apply_act_inplace(row, np, act);
  }
}

// Output pixels per GEMM unit: the column buffer K·P stays within ~256 KB (half of a Zen/Skylake L2), and P is a
// multiple of 16 between 64 and 4096. Depends only on K, never on the thread count.
inline int64_t conv_pixel_block(int64_t k) {
  const int64_t budget = 64 * 1024;  // floats
  int64_t pblock = budget / std::max<int64_t>(k, 1);
  pblock = std::clamp<int64_t>(pblock / 16 * 16, 64, 4096);
  return pblock;
}

// The GEMM convolution engine shared by conv2d_im2col, conv2d_1x1 and gated_conv2d. For every unit
// (n, g, block of output pixels [p0, p0 + np)) it computes the raw sums C[Cout_g, np] (no bias) into the
// memory returned by dest(n, g, p0) = {pointer, ldc}, then calls epilogue(n, g, p0, np, c, ldc).
// `direct` = the 1×1/s1/p0 case: the GEMM reads x itself instead of a column buffer. Arguments must be
// validated and contiguous.
template <class Dest, class Epilogue>
void conv2d_gemm_run(const Tensor<float>& x, const Tensor<float>& weight, const Conv2dParams& p, bool direct,
                     Dest&& dest, Epilogue&& epilogue) {
  const int64_t n_img = x.size(0), cin = x.size(1), h = x.size(2), w = x.size(3);
  const int64_t cout = weight.size(0), kh = weight.size(2), kw = weight.size(3);
  const int64_t groups = p.groups, cin_g = cin / groups, cout_g = cout / groups;
  const int64_t hout = conv_output_size(h, p.pad_top, p.pad_bottom, kh, p.stride_h, p.dilation_h);
  const int64_t wout = conv_output_size(w, p.pad_left, p.pad_right, kw, p.stride_w, p.dilation_w);
  const int64_t k = cin_g * kh * kw, pixels = hout * wout;
  const int64_t pblock = direct ? 1024 : conv_pixel_block(k);
  const int64_t blocks = (pixels + pblock - 1) / pblock;
  const AxisMap ym(h, hout, kh, p.stride_h, p.pad_top, p.dilation_h, p.padding_mode);
  const AxisMap xm(w, wout, kw, p.stride_w, p.pad_left, p.dilation_w, p.padding_mode);
  const float* xd = x.data();
  const float* wd = weight.data();

  parallel_for_work(0, n_img * groups * blocks, 2.0 * double(cout_g * k * pblock), [&](int64_t unit) {
    const int64_t b = unit % blocks, g = (unit / blocks) % groups, n = unit / (blocks * groups);
    const int64_t p0 = b * pblock, np = std::min(pblock, pixels - p0);
    const float* xg = xd + (n * cin + g * cin_g) * h * w;
    GemmArgs args;
    args.M = cout_g;
    args.N = np;
    args.K = k;
    args.A = wd + g * cout_g * k;
    args.lda = k;
    if (direct) {
      args.B = xg + p0;
      args.ldb = h * w;
    } else {
      float* col = thread_scratch<0>(k * np);
      im2col_block(xg, cin_g, h, w, kh, kw, p, ym, xm, wout, p0, np, col);
      args.B = col;
      args.ldb = np;
    }
    const std::pair<float*, int64_t> c = dest(n, g, p0, np);
    args.C = c.first;
    args.ldc = c.second;
    gemm_eigen(args);
    epilogue(n, g, p0, np, c.first, c.second);
  });
}

inline Tensor<float> conv2d_gemm_plain(const Tensor<float>& x_in, const Tensor<float>& weight_in,
                                       const Tensor<float>& bias_in, const Conv2dParams& p, bool direct) {
  const Tensor<float> x = x_in.contiguous(), weight = weight_in.contiguous(), bias = bias_in.contiguous();
  const int64_t cout = weight.size(0), cout_g = cout / p.groups;
  const int64_t hout =
      conv_output_size(x.size(2), p.pad_top, p.pad_bottom, weight.size(2), p.stride_h, p.dilation_h);
  const int64_t wout =
      conv_output_size(x.size(3), p.pad_left, p.pad_right, weight.size(3), p.stride_w, p.dilation_w);
  Tensor<float> y = Tensor<float>::empty({x.size(0), cout, hout, wout});
  const int64_t pixels = hout * wout;
  float* yd = y.data();
  const float* bd = bias.defined() ? bias.data() : nullptr;
  conv2d_gemm_run(
      x, weight, p, direct,
      [&](int64_t n, int64_t g, int64_t p0, int64_t) {
        return std::pair<float*, int64_t>(yd + (n * cout + g * cout_g) * pixels + p0, pixels);
      },
      [&](int64_t, int64_t g, int64_t, int64_t np, float* c, int64_t ldc) {
        bias_act_block(c, ldc, cout_g, np, bd ? bd + g * cout_g : nullptr, p.act);
      });
  return y;
}

inline bool conv2d_is_pointwise(const Tensor<float>& weight, const Conv2dParams& p) {
  return weight.size(2) == 1 && weight.size(3) == 1 && p.stride_h == 1 && p.stride_w == 1 && p.pad_top == 0 &&
         p.pad_bottom == 0 && p.pad_left == 0 && p.pad_right == 0;
}

inline bool conv2d_is_depthwise(const Tensor<float>& x, const Tensor<float>& weight, const Conv2dParams& p) {
  return p.groups == x.size(1) && weight.size(1) == 1;
}

// conv2d_direct handles groups 1 with any stride, dilation, padding (mode) and kernel up to kDirectMaxKw wide.
inline bool conv2d_is_direct(const Conv2dParams& p) { return p.groups == 1; }
inline bool conv2d_is_direct(const Tensor<float>& weight, const Conv2dParams& p) {
  return conv2d_is_direct(p) && weight.size(3) <= kDirectMaxKw;
}

// Output rows per conv2d_direct work unit: enough that the kh − 1 halo rows copied into the panel are a small
// overhead, few enough that a 64-row tile still gives 2 threads 16 units each. A constant: it never changes which
// FMA chain computes an output, only which thread does.
constexpr int64_t kDirectBandRows = 4;

// Weights [Cout, Cin, kH, kW] → [ceil(Cout / ocb)][Cin][kH][kW][ocb], zeros past Cout. Repacked per call, nothing
// cached: it copies Cout·Cin·kH·kW floats once (36864 for 64→64 3×3), while the conv does that many FMAs per
// output pixel (4096 pixels even for a 64×64 tile).
inline std::vector<float> pack_direct_weights(const float* w, int64_t cout, int64_t cin, int64_t kh, int64_t kw,
                                              int64_t ocb) {
  const int64_t blocks = (cout + ocb - 1) / ocb, taps = cin * kh * kw;
  std::vector<float> packed(size_t(blocks * taps * ocb), 0.0f);
  for (int64_t oc = 0; oc < cout; ++oc)
    for (int64_t t = 0; t < taps; ++t) packed[size_t(((oc / ocb) * taps + t) * ocb + oc % ocb)] = w[oc * taps + t];
  return packed;
}

// even[j] = src[2j], odd[j] = src[2j + 1] for j < pairs. A 2×2 stride-2 conv uses each input only Cout times, so
// the panel fill is a sizeable part of its time: a scalar strided loop cost about as much as the FMAs.
inline void deinterleave2(const float* __restrict src, int64_t pairs, float* __restrict even,
                          float* __restrict odd) {
  int64_t j = 0;
#if defined(__AVX512F__)
  const __m512i ie = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i io = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
  for (; j + 16 <= pairs; j += 16) {
    const __m512 a = _mm512_loadu_ps(src + 2 * j), b = _mm512_loadu_ps(src + 2 * j + 16);
    _mm512_storeu_ps(even + j, _mm512_permutex2var_ps(a, ie, b));
    _mm512_storeu_ps(odd + j, _mm512_permutex2var_ps(a, io, b));
  }
#endif
  for (; j < pairs; ++j) {
    even[j] = src[2 * j];
    odd[j] = src[2 * j + 1];
  }
}

// Copies input rows iy0 + r·row_step, r < rows, of the padded input (row iy0 = the band's first output row · stride
// − pad_top, any border mode) of all channels into panel[ic][r][phase][j]: padded column c (0 = pad_left columns
// left of the image) goes to phase c mod sw, position c div sw, so stride-sw outputs read consecutive floats
// (conv2d_direct_kernel.hpp). Each phase is phase_w floats; positions past its last column are zeroed: the last
// vector of a tile reads them, and zeros keep them finite.
inline void fill_direct_panel(float* panel, const float* x, int64_t cin, int64_t h, int64_t w, int64_t iy0,
                              int64_t rows, int64_t sw, int64_t phase_w, int64_t pad_left, int64_t padded_w,
                              const int64_t* colmap, PaddingMode mode, int64_t row_step = 1) {
  const int64_t row_stride = sw * phase_w;
  // The columns copied straight from the image: [c0, c1) of the padded row.
  const int64_t c0 = std::min(pad_left, padded_w), c1 = std::min(pad_left + w, padded_w);
  for (int64_t ic = 0; ic < cin; ++ic)
    for (int64_t r = 0; r < rows; ++r) {
      float* dst = panel + (ic * rows + r) * row_stride;
      const int64_t iy = pad_source_index(iy0 + r * row_step, h, mode);
      if (iy < 0) {
        std::fill(dst, dst + row_stride, 0.0f);
        continue;
      }
      const float* src = x + (ic * h + iy) * w;
      if (sw == 1) {
        for (int64_t c = 0; c < c0; ++c) dst[c] = colmap[c] < 0 ? 0.0f : src[colmap[c]];
        if (c1 > c0) std::memcpy(dst + c0, src + (c0 - pad_left), size_t(c1 - c0) * sizeof(float));
        for (int64_t c = std::max(c0, c1); c < padded_w; ++c) dst[c] = colmap[c] < 0 ? 0.0f : src[colmap[c]];
        std::fill(dst + padded_w, dst + row_stride, 0.0f);
        continue;
      }
      if (sw == 2) {  // the common stride: the image part deinterleaved with SIMD permutes
        float* d[2] = {dst, dst + phase_w};
        for (int64_t c = 0; c < c0; ++c) d[c & 1][c >> 1] = colmap[c] < 0 ? 0.0f : src[colmap[c]];
        const int64_t pairs = (c1 - c0) / 2;
        deinterleave2(src + (c0 - pad_left), pairs, d[c0 & 1] + (c0 >> 1), d[(c0 + 1) & 1] + ((c0 + 1) >> 1));
        for (int64_t c = c0 + 2 * pairs; c < c1; ++c) d[c & 1][c >> 1] = src[c - pad_left];
        for (int64_t c = std::max(c0, c1); c < padded_w; ++c)
          d[c & 1][c >> 1] = colmap[c] < 0 ? 0.0f : src[colmap[c]];
        for (int64_t ph = 0; ph < 2; ++ph) std::fill(d[ph] + (padded_w - ph + 1) / 2, d[ph] + phase_w, 0.0f);
        continue;
      }
      // Per phase: border positions through colmap, the image part [jlo, jhi) as a branch-free strided copy (this
      // fill is a sizeable part of a 2×2 stride-2 conv, which uses each input only Cout times).
      for (int64_t ph = 0; ph < sw; ++ph) {
        float* d = dst + ph * phase_w;
        const int64_t n = (padded_w - ph + sw - 1) / sw;  // positions j with c = ph + j·sw < padded_w
        const int64_t jlo = std::min(n, std::max<int64_t>(0, (c0 - ph + sw - 1) / sw));
        const int64_t jhi = std::max(jlo, std::min(n, (c1 - ph + sw - 1) / sw));
        for (int64_t j = 0; j < jlo; ++j) d[j] = colmap[ph + j * sw] < 0 ? 0.0f : src[colmap[ph + j * sw]];
        const float* s0 = src + (ph + jlo * sw - pad_left);  // the first image column of this phase
        for (int64_t j = 0; j < jhi - jlo; ++j) d[jlo + j] = s0[j * sw];
        for (int64_t j = jhi; j < n; ++j) d[j] = colmap[ph + j * sw] < 0 ? 0.0f : src[colmap[ph + j * sw]];
        std::fill(d + n, d + phase_w, 0.0f);
      }
    }
}

}  // namespace detail

// Output shape [N, Cout, Hout, Wout]; validates like conv2d (a bias is not needed for the shape).
inline Shape conv2d_output_shape(const Shape& x, const Shape& weight, const Conv2dParams& p = {}) {
  const Tensor<float> xs = Tensor<float>::view(nullptr, x), ws = Tensor<float>::view(nullptr, weight);
  detail::conv2d_check(xs, ws, Tensor<float>(), p, "conv2d");
  return {x[0], weight[0],
          conv_output_size(x[2], p.pad_top, p.pad_bottom, weight[2], p.stride_h, p.dilation_h),
          conv_output_size(x[3], p.pad_left, p.pad_right, weight[3], p.stride_w, p.dilation_w)};
}

// Reference: the formula above, one loop per index. Slow; for tests and for reading.
inline Tensor<float> conv2d_ref(const Tensor<float>& x, const Tensor<float>& weight,
                                const Tensor<float>& bias = Tensor<float>(), const Conv2dParams& p = {}) {
  detail::conv2d_check(x, weight, bias, p, "conv2d_ref");
  const Shape ys = conv2d_output_shape(x.shape(), weight.shape(), p);
  const int64_t H = x.size(2), W = x.size(3), kH = weight.size(2), kW = weight.size(3);
  const int64_t cin_g = weight.size(1), cout_g = weight.size(0) / p.groups;
  Tensor<float> y = Tensor<float>::empty(ys);
  for (int64_t n = 0; n < ys[0]; ++n)
    for (int64_t oc = 0; oc < ys[1]; ++oc)
      for (int64_t oy = 0; oy < ys[2]; ++oy)
        for (int64_t ox = 0; ox < ys[3]; ++ox) {
          const int64_t g = oc / cout_g;
          float acc = 0.0f;
          for (int64_t ic = 0; ic < cin_g; ++ic)
            for (int64_t ky = 0; ky < kH; ++ky)
              for (int64_t kx = 0; kx < kW; ++kx) {
                // Position in the padded input, then where it comes from in the real input.
                const int64_t iy = detail::pad_source_index(oy * p.stride_h - p.pad_top + ky * p.dilation_h, H,
                                                            p.padding_mode);
                const int64_t ix = detail::pad_source_index(ox * p.stride_w - p.pad_left + kx * p.dilation_w, W,
                                                            p.padding_mode);
                if (iy < 0 || ix < 0) continue;  // zero padding
                acc += x(n, g * cin_g + ic, iy, ix) * weight(oc, ic, ky, kx);
              }
          if (bias.defined()) acc += bias(oc);
          y(n, oc, oy, ox) = apply_act(acc, p.act);
        }
  return y;
}

// im2col + GEMM, any kernel, stride, dilation, padding (mode) and groups.
inline Tensor<float> conv2d_im2col(const Tensor<float>& x, const Tensor<float>& weight,
                                   const Tensor<float>& bias = Tensor<float>(), const Conv2dParams& p = {}) {
  detail::conv2d_check(x, weight, bias, p, "conv2d_im2col");
  return detail::conv2d_gemm_plain(x, weight, bias, p, /*direct=*/false);
}

// Direct convolution, groups 1, any stride / dilation / padding (the 3×3 s1 workhorse, Real-CUGAN's 2×2 s2 down
// convs, IS-Net's dilated 3×3): no im2col buffer, no GEMM. Work units are (image, band of kDirectBandRows output
// rows); a unit copies the band's padded input rows into a per-thread panel (columns split into `stride` phases),
// then runs register tiles of 8 output channels × up to 48 pixels (AVX-512; ops/conv2d_direct_kernel.hpp) over it.
// Every output is summed in an order fixed by the shapes alone (conv2d_direct_kernel.hpp, "Summation order"), so
// the bits do not depend on the thread count, the image width or where a pipeline tile starts.
namespace detail {
template <class S>
void conv2d_direct_impl(const Tensor<float>& x_in, const Tensor<float>& weight_in, const Tensor<float>& bias_in,
                        const Conv2dParams& p, Tensor<float>& y);
}  // namespace detail

// conv2d_direct writing into `y`, which must already have the output shape and be contiguous (and must not share
// storage with x): a caller that owns the output buffer (a memory plan, a benchmark separating the kernel from the
// first touch of fresh pages) avoids a new allocation. Every element of y is overwritten.
namespace detail {
// conv2d_direct's argument checks; returns the output shape.
inline Shape conv2d_direct_check(const Tensor<float>& x, const Tensor<float>& weight, const Tensor<float>& bias,
                                 const Conv2dParams& p) {
  conv2d_check(x, weight, bias, p, "conv2d_direct");
  PIXFORGE_CHECK(conv2d_is_direct(weight, p), ErrorCode::invalid_argument,
                 "conv2d_direct: needs groups 1 and a kernel at most ", kDirectMaxKw, " wide (weight=",
                 weight.shape().str(), ", groups ", p.groups, ")");
  return {x.size(0), weight.size(0),
          conv_output_size(x.size(2), p.pad_top, p.pad_bottom, weight.size(2), p.stride_h, p.dilation_h),
          conv_output_size(x.size(3), p.pad_left, p.pad_right, weight.size(3), p.stride_w, p.dilation_w)};
}

inline void conv2d_direct_run(const Tensor<float>& x, const Tensor<float>& weight, const Tensor<float>& bias,
                              const Conv2dParams& p, Tensor<float>& y) {
  if (weight.size(0) <= kDirectNarrowCout) conv2d_direct_impl<SimdNarrow>(x, weight, bias, p, y);
  else conv2d_direct_impl<SimdBest>(x, weight, bias, p, y);
}
}  // namespace detail

inline void conv2d_direct_into(const Tensor<float>& x_in, const Tensor<float>& weight_in, const Tensor<float>& bias_in,
                               const Conv2dParams& p, Tensor<float>& y) {
  const Shape ys = detail::conv2d_direct_check(x_in, weight_in, bias_in, p);
  PIXFORGE_CHECK(y.defined() && y.shape() == ys && y.is_contiguous(), ErrorCode::shape_mismatch,
                 "conv2d_direct_into: output must be a contiguous ", ys.str(), " tensor, got ",
                 y.defined() ? y.shape().str() : std::string("an undefined tensor"),
                 y.defined() && !y.is_contiguous() ? " (not contiguous)" : "");
  detail::conv2d_direct_run(x_in, weight_in, bias_in, p, y);
}

inline Tensor<float> conv2d_direct(const Tensor<float>& x_in, const Tensor<float>& weight_in,
                                   const Tensor<float>& bias_in = Tensor<float>(), const Conv2dParams& p = {}) {
  Tensor<float> y = Tensor<float>::empty(detail::conv2d_direct_check(x_in, weight_in, bias_in, p));
  detail::conv2d_direct_run(x_in, weight_in, bias_in, p, y);
  return y;
}

// The body of conv2d_direct for the register tile of traits S (arguments already checked).
template <class S>
void detail::conv2d_direct_impl(const Tensor<float>& x_in, const Tensor<float>& weight_in,
                                const Tensor<float>& bias_in, const Conv2dParams& p, Tensor<float>& y) {
  const Tensor<float> x = x_in.contiguous(), weight = weight_in.contiguous(), bias = bias_in.contiguous();
  const int64_t n_img = x.size(0), cin = x.size(1), h = x.size(2), w = x.size(3);
  const int64_t cout = weight.size(0), kh = weight.size(2), kw = weight.size(3);
  const int64_t sh = p.stride_h, sw = p.stride_w, dh = p.dilation_h, dw = p.dilation_w;
  const int64_t hout = y.size(2), wout = y.size(3);
  constexpr int64_t ocb = S::kOcb, tile_px = S::kPv * S::W;
  const std::vector<float> wpack = detail::pack_direct_weights(weight.data(), cout, cin, kh, kw, ocb);
  std::vector<float> bpack;
  if (bias.defined()) {
    bpack.assign(size_t((cout + ocb - 1) / ocb * ocb), 0.0f);
    std::copy(bias.data(), bias.data() + cout, bpack.begin());
  }
  // Padded columns the outputs read, and the source column of each (left and right borders only are used).
  const int64_t padded_w = (wout - 1) * sw + (kw - 1) * dw + 1;
  std::vector<int64_t> colmap(static_cast<size_t>(padded_w));
  for (int64_t c = 0; c < padded_w; ++c)
    colmap[size_t(c)] = detail::pad_source_index(c - p.pad_left, w, p.padding_mode);
  // Each phase: its columns plus ≥ one vector of zeroed slack for the last tile's reads, 64-byte aligned.
  const int64_t phase_w = ((padded_w + sw - 1) / sw + S::W + 15) / 16 * 16, row_stride = sw * phase_w;
  // A band is kDirectBandRows output rows `out_step` apart. Dilated stride-1 convs (IS-Net's RSU-4F, d 2/4/8) take
  // rows dh apart (one residue class of oy mod dh): their taps then read panel rows 1 apart, so a band copies
  // band + kh − 1 input rows, not band + (kh − 1)·dh of which most were never read (d 8: 20 rows per 4 output
  // rows, 2 MiB of panel at 256 channels). Which rows share a band changes no sum.
  const bool phased = sh == 1 && dh > 1;
  const int64_t out_step = phased ? dh : 1;           // output rows (and input rows) between a band's rows
  const int64_t pr_out = phased ? 1 : sh;             // panel rows between a band's output rows
  const int64_t pr_ky = phased ? 1 : dh;              // panel rows between kernel rows
  std::vector<int64_t> band_oy0;                      // first output row of each band of one image
  for (int64_t ph = 0; ph < std::min(out_step, hout); ++ph)
    for (int64_t oy = ph; oy < hout; oy += detail::kDirectBandRows * out_step) band_oy0.push_back(oy);
  const int64_t bands = int64_t(band_oy0.size());
  float* yd = y.data();

  const double unit_flops = 2.0 * double(detail::kDirectBandRows * wout * cout * cin * kh * kw);
  parallel_for_work(0, n_img * bands, unit_flops, [&](int64_t unit) {
    const int64_t n = unit / bands, oy0 = band_oy0[size_t(unit % bands)];
    const int64_t out_rows = std::min(detail::kDirectBandRows, (hout - oy0 + out_step - 1) / out_step);
    const int64_t rows = (out_rows - 1) * pr_out + (kh - 1) * pr_ky + 1;
    // 64-byte aligned (row_stride is a multiple of 16 floats), so the kx = 0 loads never straddle a cache line.
    float* scratch = detail::thread_scratch<5>(cin * rows * row_stride + 15);
    float* panel = scratch + (16 - (reinterpret_cast<uintptr_t>(scratch) / sizeof(float)) % 16) % 16;
    detail::fill_direct_panel(panel, x.data() + n * cin * h * w, cin, h, w, oy0 * sh - p.pad_top, rows, sw,
                              phase_w, p.pad_left, padded_w, colmap.data(), p.padding_mode, out_step);
    detail::DirectTile t;
    t.ic_stride = rows * row_stride;
    t.ky_stride = pr_ky * row_stride;
    for (int64_t kx = 0; kx < kw; ++kx) t.kx_off[kx] = (kx * dw) % sw * phase_w + (kx * dw) / sw;
    t.kh = kh;
    t.kw = kw;
    // Per pixel tile, input-channel blocks outside the output-channel blocks: the tile's input columns of one block
    // (16 channels × kH rows of ≤ 50 floats, 12 KiB for 3×3) stay in L1 while every output-channel block reads
    // them; with the channel blocks the other way round the whole tile's columns (49 KiB for 64 channels) had to
    // fit, and did not (bench/NOTES.md, "direct"). The weights stream from L2 at one line per 2 taps. The order
    // of the blocks does not change any sum: each output still adds its block sums in block order (through y).
    for (int64_t r = 0; r < out_rows; ++r)
      for (int64_t ox0 = 0; ox0 < wout; ox0 += tile_px) {
        const int64_t npx = std::min(tile_px, wout - ox0);
        const int pv = int((npx + S::W - 1) / S::W);
        t.last_n = int(npx - (pv - 1) * S::W);
        for (int64_t ic0 = 0; ic0 < cin; ic0 += detail::kDirectIcBlock)
          for (int64_t oc0 = 0; oc0 < cout; oc0 += ocb) {
            for (int64_t o = 0; o < ocb; ++o)
              t.y[o] = oc0 + o < cout ? yd + ((n * cout + oc0 + o) * hout + oy0 + r * out_step) * wout + ox0 : nullptr;
            t.cin = std::min(detail::kDirectIcBlock, cin - ic0);
            t.panel = panel + ic0 * rows * row_stride + r * pr_out * row_stride + ox0;
            t.wpack = wpack.data() + (oc0 * cin + ic0 * ocb) * kh * kw;
            t.accumulate = ic0 > 0;
            const bool last = ic0 + t.cin == cin;
            t.bias = bpack.empty() || !last ? nullptr : bpack.data() + oc0;
            detail::direct_tile_pv<S>(t, pv);
          }
      }
    if (p.act.kind != ActKind::none)
      for (int64_t oc = 0; oc < cout; ++oc)
        for (int64_t r = 0; r < out_rows; r += out_step == 1 ? out_rows : 1)  // contiguous rows: one call
          apply_act_inplace(yd + ((n * cout + oc) * hout + oy0 + r * out_step) * wout,
                            (out_step == 1 ? out_rows : 1) * wout, p.act);
  });
}

// 1×1, stride 1, no padding: y_g[Cout_g, H·W] = W_g[Cout_g, Cin_g] · x_g[Cin_g, H·W], read in place.
inline Tensor<float> conv2d_1x1(const Tensor<float>& x, const Tensor<float>& weight,
                                const Tensor<float>& bias = Tensor<float>(), const Conv2dParams& p = {}) {
  detail::conv2d_check(x, weight, bias, p, "conv2d_1x1");
  PIXFORGE_CHECK(detail::conv2d_is_pointwise(weight, p), ErrorCode::invalid_argument,
                 "conv2d_1x1: needs a 1x1 kernel, stride 1 and no padding (weight=", weight.shape().str(),
                 ", stride (", p.stride_h, ", ", p.stride_w, "))");
  return detail::conv2d_gemm_plain(x, weight, bias, p, /*direct=*/true);
}

// Depthwise (groups = Cin, Cout = multiplier · Cin): each output row is accumulated tap by tap,
// every output sums its kH·kW taps in the order (ky, kx); 16 outputs of a row share registers.
inline Tensor<float> conv2d_depthwise(const Tensor<float>& x_in, const Tensor<float>& weight_in,
                                      const Tensor<float>& bias_in = Tensor<float>(), const Conv2dParams& p = {}) {
  detail::conv2d_check(x_in, weight_in, bias_in, p, "conv2d_depthwise");
  PIXFORGE_CHECK(detail::conv2d_is_depthwise(x_in, weight_in, p), ErrorCode::invalid_argument,
                 "conv2d_depthwise: needs groups == input channels (groups ", p.groups, ", x=", x_in.shape().str(),
                 ", weight=", weight_in.shape().str(), ")");
  const Tensor<float> x = x_in.contiguous(), weight = weight_in.contiguous(), bias = bias_in.contiguous();
  const int64_t n_img = x.size(0), cin = x.size(1), h = x.size(2), w = x.size(3);
  const int64_t cout = weight.size(0), kh = weight.size(2), kw = weight.size(3), mult = cout / cin;
  const Shape ys = conv2d_output_shape(x.shape(), weight.shape(), p);
  const int64_t hout = ys[2], wout = ys[3];
  const detail::AxisMap ym(h, hout, kh, p.stride_h, p.pad_top, p.dilation_h, p.padding_mode);
  const detail::AxisMap xm(w, wout, kw, p.stride_w, p.pad_left, p.dilation_w, p.padding_mode);
  Tensor<float> y = Tensor<float>::empty(ys);
  const float* xd = x.data();
  const float* wd = weight.data();
  const float* bd = bias.defined() ? bias.data() : nullptr;
  float* yd = y.data();

  // Stride 1: columns [xlo, xhi) have every kx tap inside the row; there 16 outputs at a time are accumulated in
  // registers over all taps. Elsewhere (borders, strided) a scalar or gathered path. Either way each output sums its
  // taps in the order (ky, kx), starting from 0.
  int64_t xlo = 0, xhi = wout;
  for (int64_t kx = 0; kx < kw; ++kx) {
    xlo = std::max(xlo, xm.lo[size_t(kx)]);
    xhi = std::min(xhi, xm.hi[size_t(kx)]);
  }
  // The last block of 16 is aligned to xhi and may overlap the previous one (recomputing identical values).
  constexpr int64_t kVec = 16;
  const bool vec = p.stride_w == 1 && xhi - xlo >= kVec;
  const int64_t vec_end = vec ? xhi : xlo;

  parallel_for_work(0, n_img * cout, 2.0 * double(hout * wout * kh * kw), [&](int64_t unit) {
    const int64_t n = unit / cout, oc = unit % cout;
    const float* plane = xd + (n * cin + oc / mult) * h * w;
    const float* wk = wd + oc * kh * kw;
    float* row_buf = detail::thread_scratch<1>(wout);
    for (int64_t oy = 0; oy < hout; ++oy) {
      float* yrow = yd + ((n * cout + oc) * hout + oy) * wout;
      if (p.stride_w == 1) {
        for (int64_t b = xlo; b < vec_end; b += kVec) {
          const int64_t ox0 = std::min(b, vec_end - kVec);
          float acc[kVec] = {};
          for (int64_t ky = 0; ky < kh; ++ky) {
            const int64_t iy = ym(ky, oy);
            if (iy < 0) continue;
            for (int64_t kx = 0; kx < kw; ++kx) {
              const float wv = wk[ky * kw + kx];
              const float* src = plane + iy * w + ox0 + kx * p.dilation_w - p.pad_left;
              for (int64_t i = 0; i < kVec; ++i) acc[i] += wv * src[i];
            }
          }
          std::memcpy(yrow + ox0, acc, sizeof acc);
        }
        for (int64_t ox = 0; ox < wout; ++ox) {
          if (ox == xlo && vec_end > xlo) ox = vec_end;  // skip the vectorised part
          if (ox >= wout) break;
          float acc = 0.0f;
          for (int64_t ky = 0; ky < kh; ++ky) {
            const int64_t iy = ym(ky, oy);
            if (iy < 0) continue;
            for (int64_t kx = 0; kx < kw; ++kx) {
              const int64_t ix = xm(kx, ox);
              if (ix >= 0) acc += wk[ky * kw + kx] * plane[iy * w + ix];
            }
          }
          yrow[ox] = acc;
        }
      } else {
        // Strided: per tap, gather the samples (padding included) into a buffer, then one axpy over the row.
        std::fill(yrow, yrow + wout, 0.0f);
        for (int64_t ky = 0; ky < kh; ++ky) {
          const int64_t iy = ym(ky, oy);
          if (iy < 0) continue;
          for (int64_t kx = 0; kx < kw; ++kx) {
            detail::gather_row(row_buf, plane + iy * w, 0, wout, kx, p.stride_w, kx * p.dilation_w - p.pad_left, xm);
            detail::axpy(yrow, row_buf, wk[ky * kw + kx], wout);
          }
        }
      }
      detail::bias_act_block(yrow, wout, 1, wout, bd ? bd + oc : nullptr, p.act);
    }
  });
  return y;
}

// Defined in ops/conv2d_s2d.hpp (included at the end of this file): kernel = stride, unpadded (2×2 s2 down convs) as
// space-to-depth + GEMM.
namespace detail {
inline bool conv2d_is_s2d(const Tensor<float>& weight, const Conv2dParams& p);
}  // namespace detail
inline Tensor<float> conv2d_s2d(const Tensor<float>& x, const Tensor<float>& weight, const Tensor<float>& bias,
                                const Conv2dParams& p);
// Defined in ops/conv2d_narrow.hpp (included at the end of this file): 3×3 s1 convs with 1–4 output channels.
inline bool conv2d_is_narrow(const Tensor<float>& weight, const Conv2dParams& p);
inline Tensor<float> conv2d_narrow(const Tensor<float>& x, const Tensor<float>& weight, const Tensor<float>& bias,
                                   const Conv2dParams& p);

// Defined in ops/conv2d_winograd.hpp (included at the end of this file): the Winograd path and its weight cache.
class ConvWeightCache;
namespace detail {
inline bool conv2d_winograd_preferred(const Tensor<float>& x, const Tensor<float>& weight, const Conv2dParams& p);
inline Tensor<float> conv2d_winograd_cached(const Tensor<float>& x, const Tensor<float>& weight,
                                            const Tensor<float>& bias, const Conv2dParams& p,
                                            const ConvWeightCache* cache);
}  // namespace detail

// The output tile edge of a grid-dependent algorithm conv2d() below may dispatch to (Winograd F(4×4,3×3): 4; its
// bits depend on where each 4×4 tile starts relative to the map), 0 while every path it takes sums each output in
// an order independent of the map's origin. pipeline.hpp reads this to align tiles and widen halos so that tiled
// runs stay bit-identical to untiled ones: keep it in step with the dispatcher.
constexpr int64_t conv2d_grid_tile() { return 4; }
// The fewest input and output channels for which conv2d() may take that path (kWinoMinChannels of
// ops/conv2d_winograd_kernel.hpp; pipeline.hpp checks they agree).
constexpr int64_t kConv2dGridMinChannels = 16;
// Whether conv2d() may take its grid-dependent path with a weight of this shape — conservative: the stride,
// dilation, groups and map size that also decide are not known from the shape.
inline bool conv2d_grid_dependent_weight(const Shape& w) {
  return conv2d_grid_tile() > 0 && w.rank() == 4 && w[2] == 3 && w[3] == 3 && w[0] >= kConv2dGridMinChannels &&
         w[1] >= kConv2dGridMinChannels;
}

// The dispatcher: picks the fastest implementation for the arguments. `cache` (optional, one per layer: nn::Conv2d
// passes its own) keeps prepared weights between calls; without it they are prepared per call.
inline Tensor<float> conv2d(const Tensor<float>& x, const Tensor<float>& weight,
                            const Tensor<float>& bias = Tensor<float>(), const Conv2dParams& p = {},
                            const ConvWeightCache* cache = nullptr) {
  detail::conv2d_check(x, weight, bias, p, "conv2d");
  detail::count_macs(conv2d_output_shape(x.shape(), weight.shape(), p).numel() * (weight.numel() / weight.size(0)));
  if (detail::conv2d_is_depthwise(x, weight, p) && x.size(1) > 1) return conv2d_depthwise(x, weight, bias, p);
  if (detail::conv2d_winograd_preferred(x, weight, p)) return detail::conv2d_winograd_cached(x, weight, bias, p, cache);
#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
  if (detail::conv2d_is_s2d(weight, p)) return conv2d_s2d(x, weight, bias, p);  // conv2d_direct's bits, faster
  if (conv2d_is_narrow(weight, p)) return conv2d_narrow(x, weight, bias, p);  // conv2d_direct's bits, faster
  if (detail::conv2d_is_direct(weight, p)) return conv2d_direct(x, weight, bias, p);
#endif
  const bool direct = detail::conv2d_is_pointwise(weight, p);
  return detail::conv2d_gemm_plain(x, weight, bias, p, direct);
}

}  // namespace pixforge

#include "pixforge/ops/conv2d_winograd.hpp"  // conv2d_winograd, ConvWeightCache (used by the dispatcher above)
#include "pixforge/ops/conv2d_s2d.hpp"       // conv2d_s2d (used by the dispatcher above)
#include "pixforge/ops/conv2d_narrow.hpp"    // conv2d_narrow (used by the dispatcher above)
