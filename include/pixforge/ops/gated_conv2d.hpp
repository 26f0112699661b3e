// pixforge/ops/gated_conv2d.hpp — gated convolution (DeepFill v2, "Free-Form Image Inpainting with Gated
// Convolution", Yu et al. 2019; part-b §3.1).
//
// What it computes: ONE convolution with 2·C output channels, split along channels into a feature half and a
// gate half; the gate (0…1 per pixel and channel) decides how much of each feature passes — a learned,
// soft, per-channel version of a validity mask, which is why it suits holes of any shape:
//
//   z = conv2d(x, weight, bias, conv)            z: [N, 2·C, Hout, Wout]
//   F = z[:, 0:C],  G = z[:, C:2C]               first half = feature, second half = gate (TF split(z, 2, axis=C))
//   y = φ(F) · sigmoid(G)                         y: [N, C, Hout, Wout],  φ = ELU (DeepFill v2) by default
//
// Layout (the DeepFill v2 reference, JiahuiYu/generative_inpainting `gen_conv`): weight is a plain conv2d weight
// [2·C, Cin/groups, kH, kW] and bias [2·C]; rows 0…C−1 produce the features, rows C…2C−1 the gates. Two separate
// convs ("feature conv" and "gate conv", as in some PyTorch ports) are the same thing with their weights
// concatenated along dim 0 in that order. Note that DeepFill's `gen_conv(x, cnum)` means cnum conv outputs and
// cnum/2 gated channels, and that its layers with 3 outputs or no activation are plain convs (use conv2d).
//
//     GatedConv2dParams p;                                    // φ = ELU
//     p.conv.with_stride(2).with_tf_same_padding(H, W, 3, 3);  // DeepFill: TF 'SAME' (asymmetric for stride 2)
//     auto y = gated_conv2d(x, weight, bias, p);             // weight [2C, Cin, 3, 3] → y [N, C, H/2, W/2]
//
// Who uses it: DeepFill v2 (φ = ELU, TF 'SAME', dilations 2…16 in the bottleneck), the GAPNet case study
// (φ = LeakyReLU 0.2, zero padding 1); ports of EdgeConnect/LaMa variants with gating.
//
// Pitfalls: the split is by halves, not interleaved; φ applies to the feature half only; `conv.act` must stay
// none (the gating is the epilogue); padding is TensorFlow 'SAME' for DeepFill weights.
//
// Implementations (FLOPs: the conv's 2·N·2C·Hout·Wout·Cin_g·kH·kW plus ~30 per output for ELU and sigmoid):
//   gated_conv2d_ref    conv2d_ref, then the gating loop — for reading and tests.
//   gated_conv2d_fused  (groups = 1) the conv2d GEMM engine computes feature and gate rows of a pixel block into
//                       a per-thread buffer and the epilogue writes φ(F + b_F) · sigmoid(G + b_G) straight into y:
//                       the 2·C-channel intermediate never exists in memory.
//   gated_conv2d        dispatcher: fused when groups = 1, else conv2d (any path) followed by the gating pass.
#pragma once

#include <cstdint>
#include <utility>

#include "pixforge/core/activation_spec.hpp"
#include "pixforge/core/error.hpp"
#include "pixforge/core/parallel.hpp"
#include "pixforge/core/tensor.hpp"
#include "pixforge/ops/conv2d.hpp"

namespace pixforge {

struct GatedConv2dParams {
  Conv2dParams conv;     // stride, padding, dilation, groups, padding_mode of the underlying conv (act: none)
  Act act = Act::elu();  // φ, applied to the feature half; DeepFill v2: ELU, GAPNet: leaky_relu(0.2)

  GatedConv2dParams& with_conv(const Conv2dParams& c) {
    conv = c;
    return *this;
  }
  GatedConv2dParams& with_act(Act a) {
    act = a;
    return *this;
  }
};

namespace detail {

inline void gated_conv2d_check(const Tensor<float>& x, const Tensor<float>& weight, const Tensor<float>& bias,
                               const GatedConv2dParams& p, const char* op) {
  conv2d_check(x, weight, bias, p.conv, op);
  PIXFORGE_CHECK(weight.size(0) % 2 == 0, ErrorCode::shape_mismatch, op, ": weight has ", weight.size(0),
                 " output channels; a gated conv needs an even number (features, then gates) (x=", x.shape().str(),
                 ", weight=", weight.shape().str(), ")");
  PIXFORGE_CHECK(p.conv.act.kind == ActKind::none, ErrorCode::invalid_argument, op,
                 ": conv.act must be none; the feature activation is GatedConv2dParams::act");
}

// y = φ(f) · sigmoid(g), the same scalar formulas as the standalone activations.
inline float gate(float f, float g, const Act& act) { return apply_act(f, act) * apply_act(g, Act::sigmoid()); }

}  // namespace detail

// [N, C, Hout, Wout] with C = weight.size(0) / 2.
inline Shape gated_conv2d_output_shape(const Shape& x, const Shape& weight, const GatedConv2dParams& p = {}) {
  const Tensor<float> xs = Tensor<float>::view(nullptr, x), ws = Tensor<float>::view(nullptr, weight);
  detail::gated_conv2d_check(xs, ws, Tensor<float>(), p, "gated_conv2d");
  Shape s = conv2d_output_shape(x, weight, p.conv);
  s[1] /= 2;
  return s;
}

// Reference: the full 2·C-channel conv, then the gating loop.
inline Tensor<float> gated_conv2d_ref(const Tensor<float>& x, const Tensor<float>& weight,
                                      const Tensor<float>& bias = Tensor<float>(), const GatedConv2dParams& p = {}) {
  detail::gated_conv2d_check(x, weight, bias, p, "gated_conv2d_ref");
  const Tensor<float> z = conv2d_ref(x, weight, bias, p.conv);
  const int64_t c = z.size(1) / 2;
  Tensor<float> y = Tensor<float>::empty({z.size(0), c, z.size(2), z.size(3)});
  for (int64_t n = 0; n < y.size(0); ++n)
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t oy = 0; oy < y.size(2); ++oy)
        for (int64_t ox = 0; ox < y.size(3); ++ox)
          y(n, ch, oy, ox) = detail::gate(z(n, ch, oy, ox), z(n, c + ch, oy, ox), p.act);
  return y;
}

// Fused: GEMM rows [0, 2C) of a pixel block into a per-thread buffer, gate into y. Needs groups = 1.
inline Tensor<float> gated_conv2d_fused(const Tensor<float>& x_in, const Tensor<float>& weight_in,
                                        const Tensor<float>& bias_in = Tensor<float>(),
                                        const GatedConv2dParams& p = {}) {
  detail::gated_conv2d_check(x_in, weight_in, bias_in, p, "gated_conv2d_fused");
  PIXFORGE_CHECK(p.conv.groups == 1, ErrorCode::invalid_argument,
                 "gated_conv2d_fused: needs groups = 1 (got ", p.conv.groups, "); use gated_conv2d");
  const Tensor<float> x = x_in.contiguous(), weight = weight_in.contiguous(), bias = bias_in.contiguous();
  const Shape ys = gated_conv2d_output_shape(x.shape(), weight.shape(), p);
  const int64_t c = ys[1], pixels = ys[2] * ys[3];
  Tensor<float> y = Tensor<float>::empty(ys);
  float* yd = y.data();
  const float* bd = bias.defined() ? bias.data() : nullptr;
  detail::conv2d_gemm_run(
      x, weight, p.conv, detail::conv2d_is_pointwise(weight, p.conv),
      [&](int64_t, int64_t, int64_t, int64_t np) {
        return std::pair<float*, int64_t>(detail::thread_scratch<3>(2 * c * np), np);
      },
      [&](int64_t n, int64_t, int64_t p0, int64_t np, float* z, int64_t ldz) {
        for (int64_t ch = 0; ch < c; ++ch) {
          const float* f = z + ch * ldz;
          const float* g = z + (c + ch) * ldz;
          const float bf = bd ? bd[ch] : 0.0f, bg = bd ? bd[c + ch] : 0.0f;
          float* out = yd + (n * c + ch) * pixels + p0;
          for (int64_t j = 0; j < np; ++j) out[j] = detail::gate(f[j] + bf, g[j] + bg, p.act);
        }
      });
  return y;
}

// The dispatcher.
inline Tensor<float> gated_conv2d(const Tensor<float>& x, const Tensor<float>& weight,
                                  const Tensor<float>& bias = Tensor<float>(), const GatedConv2dParams& p = {}) {
  detail::gated_conv2d_check(x, weight, bias, p, "gated_conv2d");
  if (p.conv.groups == 1) return gated_conv2d_fused(x, weight, bias, p);
  // Grouped: feature and gate channels come from different groups, so gate in a second pass.
  const Tensor<float> z = conv2d(x, weight, bias, p.conv);
  const int64_t n_img = z.size(0), c = z.size(1) / 2, pixels = z.size(2) * z.size(3);
  Tensor<float> y = Tensor<float>::empty({n_img, c, z.size(2), z.size(3)});
  const float* zd = z.data();
  float* yd = y.data();
  parallel_for(0, n_img * c, [&](int64_t unit) {
    const int64_t n = unit / c, ch = unit % c;
    const float* f = zd + (n * 2 * c + ch) * pixels;
    const float* g = f + c * pixels;
    float* out = yd + unit * pixels;
    for (int64_t j = 0; j < pixels; ++j) out[j] = detail::gate(f[j], g[j], p.act);
  });
  return y;
}

}  // namespace pixforge
