// pixforge/ops/channel_attention.hpp — channel attention: squeeze-excitation, CBAM channel gate, FcaNet.
//
// All three compute one weight per (image, channel) from a global descriptor of the channel, pass it through a
// small bottleneck MLP and rescale the channel:  y[n, c, h, w] = x[n, c, h, w] · a[n, c].
//
//   squeeze_excitation (SE, Hu et al.; Real-CUGAN / waifu2x `SEBlock`, part-b §7.3):
//       s[c] = mean_{h,w} x[c, h, w]
//       a = sigmoid(W2·relu(W1·s + b1) + b2)          conv1: C → C/r, conv2: C/r → C (1×1 convs; r = 8 there)
//   cbam_channel_attention (CBAM ChannelGate, Woo et al.; MARDGAN CSAB, part-b §8):
//       a = sigmoid(MLP(mean_{h,w} x) + MLP(max_{h,w} x)),  MLP(s) = W2·relu(W1·s + b1) + b2  (shared weights:
//       the bias b2 is therefore added twice, once per branch, exactly like the reference)
//   multi_spectral_attention (FcaNet `MultiSpectralAttentionLayer`, part-a §4):
//       z[c] = Σ_{h,w} x[c, h, w] · B[c, h, w]         B = fixed 2-D DCT basis images, one frequency per channel
//                                                     group (below); x is first adaptive-avg-pooled to
//                                                     dct_h × dct_w if it has another size
//       a = sigmoid(W2·relu(W1·z))                    fc.0: Linear(C → C/r, bias=False), fc.2: Linear(C/r → C)
//
// FcaNet DCT basis (exactly `MultiSpectralDCTLayer.get_dct_filter`): frequencies (u_i, v_i) from
// get_freq_indices(method) ('top16' etc.; pairs defined on a 7×7 grid, u indexes height, v width) are scaled to
// the map: (u_i·(dct_h / 7), v_i·(dct_w / 7)) with integer division (maps < 7 collapse to DC). With
//   b(pos, f, P) = cos(π·f·(pos + 0.5)/P)/sqrt(P), times sqrt(2) if f ≠ 0,
// channels [i·C/F, (i+1)·C/F) (F = number of frequencies) get B[c, h, w] = b(h, u_i, dct_h)·b(w, v_i, dct_w),
// evaluated in double and rounded to float once (as the reference's Python floats stored into a float32 buffer).
// The DC filter is 1/sqrt(H·W), so DC "pooling" gives sqrt(H·W)·mean, not the mean.
//
// Shapes: x [N, C, H, W]; weights are [out, in] (Linear) or [out, in, 1, 1] (1×1 conv), biases [out] or none.
//
// Pitfalls: SE uses the mean over the *whole* current map, so tiled inference changes the result (part-b §7.3);
// CBAM sums the two MLP outputs *before* the sigmoid; FcaNet needs C divisible by the number of frequencies.
//
// Implementations and cost: pooling and scaling are 2·N·C·H·W memory-bound passes; the MLP is ~4·N·C²/r FLOPs.
//   *_ref       loops in formula order (pooling sums in double).
//   *_parallel  one pass per (image, channel) plane spread over threads, sums with 8 fixed partial accumulators
//               (vectorisable, and independent of the thread count); the tiny MLP runs serially.
//   squeeze_excitation(), cbam_channel_attention(), multi_spectral_attention() dispatch to *_parallel.
//
//     auto get = [&](const std::string& k) { return st.get(k); };
//     auto se = pixforge::SqueezeExcitationWeights::load(get, "unet1.conv2.seblock.");   // Real-CUGAN
//     y = pixforge::squeeze_excitation(x, se);
//     pixforge::MultiSpectralAttentionParams fp;  fp.dct_h = fp.dct_w = 128;           // FcaNet on e1
//     auto fw = pixforge::MultiSpectralAttentionWeights::load(get, fp, "down1.fca.");   // builds the DCT basis once
//     y = pixforge::multi_spectral_attention(x, fw, fp);
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "pixforge/core/activation_spec.hpp"
#include "pixforge/core/error.hpp"
#include "pixforge/core/parallel.hpp"
#include "pixforge/core/tensor.hpp"
#include "pixforge/ops/linear.hpp"

namespace pixforge {

// Real-CUGAN `SEBlock` state_dict: conv1.weight [C/r, C, 1, 1], conv1.bias [C/r], conv2.weight [C, C/r, 1, 1],
// conv2.bias [C]. Without biases (bias=False SE variants) leave the bias tensors undefined.
struct SqueezeExcitationWeights {
  Conv1x1Weights conv1, conv2;

  template <class Get>
  static SqueezeExcitationWeights load(Get&& get, const std::string& prefix = "", bool bias = true) {
    SqueezeExcitationWeights w;
    w.conv1.weight = get(prefix + "conv1.weight");
    w.conv2.weight = get(prefix + "conv2.weight");
    if (bias) {
      w.conv1.bias = get(prefix + "conv1.bias");
      w.conv2.bias = get(prefix + "conv2.bias");
    }
    return w;
  }
};

// CBAM `ChannelGate.mlp` = Sequential(Flatten, Linear(C, C/r), ReLU, Linear(C/r, C)): keys mlp.1.*, mlp.3.*.
struct CbamChannelWeights {
  Conv1x1Weights mlp_1, mlp_3;

  template <class Get>
  static CbamChannelWeights load(Get&& get, const std::string& prefix = "") {
    CbamChannelWeights w;
    w.mlp_1 = {get(prefix + "mlp.1.weight"), get(prefix + "mlp.1.bias")};
    w.mlp_3 = {get(prefix + "mlp.3.weight"), get(prefix + "mlp.3.bias")};
    return w;
  }
};

struct CbamChannelParams {
  bool avg_pool = true;  // CBAM's pool_types = ['avg', 'max'] (the default); either may be switched off
  bool max_pool = true;
};

struct MultiSpectralAttentionParams {
  int64_t dct_h = 7, dct_w = 7;             // the map size the DCT basis is built for (feature size in training)
  std::string freq_sel_method = "top16";  // top/low/bot × 1, 2, 4, 8, 16, 32
};

// FcaNet `MultiSpectralAttentionLayer` state_dict: fc.0.weight [C/r, C], fc.2.weight [C, C/r] and the buffer
// dct_layer.weight [C, dct_h, dct_w]. load() recomputes the buffer with multi_spectral_dct_filter(); a stored
// buffer may be assigned instead (the test checks both agree).
struct MultiSpectralAttentionWeights {
  Conv1x1Weights fc_0, fc_2;
  Tensor<float> dct_weight;

  template <class Get>
  static MultiSpectralAttentionWeights load(Get&& get, const MultiSpectralAttentionParams& p,
                                            const std::string& prefix = "");
};

inline Shape channel_attention_output_shape(const Shape& x) { return x; }

// ---- FcaNet DCT basis ---------------------------------------------------------------------------------------------

// The frequency pairs of FcaNet's get_freq_indices, on the 7×7 grid: {u (height), v (width)}.
inline std::pair<std::vector<int>, std::vector<int>> get_freq_indices(const std::string& method) {
  static const int top_x[32] = {0, 0, 6, 0, 0, 1, 1, 4, 5, 1, 3, 0, 0, 0, 3, 2, 4, 6, 3, 5, 5, 2, 6, 5, 5, 3, 3, 4, 2, 2, 6, 1};
  static const int top_y[32] = {0, 1, 0, 5, 2, 0, 2, 0, 0, 6, 0, 4, 6, 3, 5, 2, 6, 3, 3, 3, 5, 1, 1, 2, 4, 2, 1, 1, 3, 0, 5, 3};
  static const int low_x[32] = {0, 0, 1, 1, 0, 2, 2, 1, 2, 0, 3, 4, 0, 1, 3, 0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5, 6, 1, 2, 3, 4};
  static const int low_y[32] = {0, 1, 0, 1, 2, 0, 1, 2, 2, 3, 0, 0, 4, 3, 1, 5, 4, 3, 2, 1, 0, 6, 5, 4, 3, 2, 1, 0, 6, 5, 4, 3};
  static const int bot_x[32] = {6, 1, 3, 3, 2, 4, 1, 2, 4, 4, 5, 1, 4, 6, 2, 5, 6, 1, 6, 2, 2, 4, 3, 3, 5, 5, 6, 2, 5, 5, 3, 6};
  static const int bot_y[32] = {6, 4, 4, 6, 6, 3, 1, 4, 4, 5, 6, 5, 2, 2, 5, 1, 4, 3, 5, 0, 3, 1, 1, 2, 4, 2, 1, 1, 5, 3, 3, 3};
  const std::string kind = method.substr(0, 3), count = method.size() > 3 ? method.substr(3) : "";
  const bool count_ok = count == "1" || count == "2" || count == "4" || count == "8" || count == "16" || count == "32";
  PIXFORGE_CHECK((kind == "top" || kind == "low" || kind == "bot") && count_ok, ErrorCode::invalid_argument,
                 "multi_spectral_attention: unknown freq_sel_method '", method,
                 "' (expected top|low|bot followed by 1, 2, 4, 8, 16 or 32)");
  const int n = std::stoi(count);
  const int* xs = kind == "top" ? top_x : kind == "low" ? low_x : bot_x;
  const int* ys = kind == "top" ? top_y : kind == "low" ? low_y : bot_y;
  return {std::vector<int>(xs, xs + n), std::vector<int>(ys, ys + n)};
}

// dct_layer.weight [channel, dct_h, dct_w], computed as FcaNet does (see the top of the file).
inline Tensor<float> multi_spectral_dct_filter(int64_t channel, const MultiSpectralAttentionParams& p) {
  auto [mx, my] = get_freq_indices(p.freq_sel_method);
  const int64_t F = int64_t(mx.size());
  PIXFORGE_CHECK(p.dct_h > 0 && p.dct_w > 0, ErrorCode::invalid_argument,
                 "multi_spectral_attention: dct size must be positive, got ", p.dct_h, "x", p.dct_w);
  PIXFORGE_CHECK(channel > 0 && channel % F == 0, ErrorCode::invalid_argument, "multi_spectral_attention: C=",
                 channel, " is not divisible by the ", F, " frequencies of '", p.freq_sel_method, "'");
  const double pi = 3.14159265358979323846;
  auto build_filter = [&](int64_t pos, int64_t freq, int64_t POS) {
    const double r = std::cos(pi * double(freq) * (double(pos) + 0.5) / double(POS)) / std::sqrt(double(POS));
    return freq == 0 ? r : r * std::sqrt(2.0);
  };
  Tensor<float> w = Tensor<float>::empty({channel, p.dct_h, p.dct_w});
  const int64_t c_part = channel / F;
  for (int64_t i = 0; i < F; ++i) {
    const int64_t u = mx[size_t(i)] * (p.dct_h / 7), v = my[size_t(i)] * (p.dct_w / 7);
    for (int64_t c = i * c_part; c < (i + 1) * c_part; ++c)
      for (int64_t h = 0; h < p.dct_h; ++h)
        for (int64_t x = 0; x < p.dct_w; ++x)
          w(c, h, x) = float(build_filter(h, u, p.dct_h) * build_filter(x, v, p.dct_w));
  }
  return w;
}

template <class Get>
MultiSpectralAttentionWeights MultiSpectralAttentionWeights::load(Get&& get, const MultiSpectralAttentionParams& p,
                                                                  const std::string& prefix) {
  MultiSpectralAttentionWeights w;
  w.fc_0.weight = get(prefix + "fc.0.weight");
  w.fc_2.weight = get(prefix + "fc.2.weight");
  w.dct_weight = multi_spectral_dct_filter(w.fc_0.weight.size(1), p);
  return w;
}

namespace detail {

// W2·relu(W1·s + b1) + b2 for one descriptor s [C] (pre-sigmoid logits) — the bottleneck MLP of all three ops.
inline void channel_mlp(const Conv1x1Weights& l1, const Conv1x1Weights& l2, const float* s, float* out) {
  const Tensor<float> w1 = l1.weight.contiguous(), w2 = l2.weight.contiguous();
  const Tensor<float> b1 = l1.bias.defined() ? l1.bias.contiguous() : Tensor<float>();
  const Tensor<float> b2 = l2.bias.defined() ? l2.bias.contiguous() : Tensor<float>();
  const int64_t C = w1.size(1), R = w1.size(0);
  std::vector<float> hidden(static_cast<size_t>(R));
  for (int64_t r = 0; r < R; ++r) {
    float acc = b1.defined() ? b1.data()[r] : 0.0f;
    for (int64_t c = 0; c < C; ++c) acc += w1.data()[r * C + c] * s[c];
    hidden[size_t(r)] = acc > 0.0f ? acc : 0.0f;
  }
  for (int64_t c = 0; c < C; ++c) {
    float acc = b2.defined() ? b2.data()[c] : 0.0f;
    for (int64_t r = 0; r < R; ++r) acc += w2.data()[c * R + r] * hidden[size_t(r)];
    out[c] = acc;
  }
}

inline void check_channel_mlp(const Tensor<float>& x, const Conv1x1Weights& l1, const Conv1x1Weights& l2,
                              const char* op, const char* n1, const char* n2) {
  check_rank(x, 4, op, "x");
  const int64_t hidden = check_pointwise(l1, x.size(1), op, n1);
  const int64_t out = check_pointwise(l2, hidden, op, n2);
  PIXFORGE_CHECK(out == x.size(1), ErrorCode::shape_mismatch, op, ": ", n2, " must map back to C=", x.size(1),
                 " channels, got ", l2.weight.shape().str(), " (x=", x.shape().str(), ")");
}

// The gate: the same scalar formula as the activation ops and fused epilogues (core/activation_spec.hpp).
inline float sigmoid_scalar(float v) { return apply_act(v, Act::sigmoid()); }

// Σ p[i]·w[i] (w = nullptr: Σ p[i]) with 8 fixed partial sums in double: vectorisable and thread-independent.
inline double plane_dot(const float* p, const float* w, int64_t n) {
  double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int l = 0; l < 8; ++l) acc[l] += double(p[i + l]) * (w ? double(w[i + l]) : 1.0);
  for (; i < n; ++i) acc[0] += double(p[i]) * (w ? double(w[i]) : 1.0);
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

// y[n, c] plane = x[n, c] plane · a[n·C + c], planes spread over threads.
inline Tensor<float> scale_channels(const Tensor<float>& xc, const std::vector<float>& a) {
  Tensor<float> y = Tensor<float>::empty(xc.shape());
  const int64_t planes = xc.size(0) * xc.size(1), HW = xc.size(2) * xc.size(3);
  parallel_for(0, planes, [&](int64_t pl) {
    const float s = a[size_t(pl)];
    const float* src = xc.data() + pl * HW;
    float* dst = y.data() + pl * HW;
    for (int64_t i = 0; i < HW; ++i) dst[i] = src[i] * s;
  });
  return y;
}

// PyTorch adaptive_avg_pool2d bins of one plane: rows [floor(i·H/oh), ceil((i+1)·H/oh)).
inline void adaptive_avg_pool_plane(const float* src, int64_t H, int64_t W, int64_t oh, int64_t ow, float* dst) {
  for (int64_t i = 0; i < oh; ++i) {
    const int64_t h0 = (i * H) / oh, h1 = ((i + 1) * H + oh - 1) / oh;
    for (int64_t j = 0; j < ow; ++j) {
      const int64_t w0 = (j * W) / ow, w1 = ((j + 1) * W + ow - 1) / ow;
      double sum = 0.0;
      for (int64_t h = h0; h < h1; ++h)
        for (int64_t w = w0; w < w1; ++w) sum += src[h * W + w];
      dst[i * ow + j] = float(sum / double((h1 - h0) * (w1 - w0)));
    }
  }
}

}  // namespace detail

// ---- squeeze-excitation -------------------------------------------------------------------------------------------

inline Tensor<float> squeeze_excitation_ref(const Tensor<float>& x, const SqueezeExcitationWeights& w) {
  detail::check_channel_mlp(x, w.conv1, w.conv2, "squeeze_excitation", "conv1", "conv2");
  const Tensor<float> xc = x.contiguous();
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  std::vector<float> s(static_cast<size_t>(C)), logits(static_cast<size_t>(C)), a(size_t(N * C));
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t c = 0; c < C; ++c) {
      double sum = 0.0;
      for (int64_t h = 0; h < H; ++h)
        for (int64_t x_ = 0; x_ < W; ++x_) sum += xc(n, c, h, x_);
      s[size_t(c)] = float(sum / double(H * W));
    }
    detail::channel_mlp(w.conv1, w.conv2, s.data(), logits.data());
    for (int64_t c = 0; c < C; ++c) a[size_t(n * C + c)] = detail::sigmoid_scalar(logits[size_t(c)]);
  }
  Tensor<float> y = Tensor<float>::empty(x.shape());
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t h = 0; h < H; ++h)
        for (int64_t x_ = 0; x_ < W; ++x_) y(n, c, h, x_) = xc(n, c, h, x_) * a[size_t(n * C + c)];
  return y;
}

inline Tensor<float> squeeze_excitation_parallel(const Tensor<float>& x, const SqueezeExcitationWeights& w) {
  detail::check_channel_mlp(x, w.conv1, w.conv2, "squeeze_excitation", "conv1", "conv2");
  const Tensor<float> xc = x.contiguous();
  const int64_t N = x.size(0), C = x.size(1), HW = x.size(2) * x.size(3);
  std::vector<float> s(size_t(N * C)), a(size_t(N * C));
  parallel_for(0, N * C, [&](int64_t pl) {
    s[size_t(pl)] = float(detail::plane_dot(xc.data() + pl * HW, nullptr, HW) / double(HW));
  });
  for (int64_t n = 0; n < N; ++n) {
    detail::channel_mlp(w.conv1, w.conv2, s.data() + n * C, a.data() + n * C);
    for (int64_t c = 0; c < C; ++c) a[size_t(n * C + c)] = detail::sigmoid_scalar(a[size_t(n * C + c)]);
  }
  return detail::scale_channels(xc, a);
}

inline Tensor<float> squeeze_excitation(const Tensor<float>& x, const SqueezeExcitationWeights& w) {
  return squeeze_excitation_parallel(x, w);
}

// ---- CBAM channel gate --------------------------------------------------------------------------------------------

namespace detail {
inline void check_cbam_channel_params(const CbamChannelParams& p) {
  PIXFORGE_CHECK(p.avg_pool || p.max_pool, ErrorCode::invalid_argument,
                 "cbam_channel_attention: at least one of avg_pool / max_pool must be enabled");
}
}  // namespace detail

inline Tensor<float> cbam_channel_attention_ref(const Tensor<float>& x, const CbamChannelWeights& w,
                                                const CbamChannelParams& p = {}) {
  detail::check_channel_mlp(x, w.mlp_1, w.mlp_3, "cbam_channel_attention", "mlp.1", "mlp.3");
  detail::check_cbam_channel_params(p);
  const Tensor<float> xc = x.contiguous();
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  std::vector<float> avg(static_cast<size_t>(C)), mx(static_cast<size_t>(C)), la(static_cast<size_t>(C)), lm(static_cast<size_t>(C)), a(size_t(N * C));
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t c = 0; c < C; ++c) {
      double sum = 0.0;
      float m = -INFINITY;
      for (int64_t h = 0; h < H; ++h)
        for (int64_t x_ = 0; x_ < W; ++x_) {
          sum += xc(n, c, h, x_);
          m = std::max(m, xc(n, c, h, x_));
        }
      avg[size_t(c)] = float(sum / double(H * W));
      mx[size_t(c)] = m;
    }
    detail::channel_mlp(w.mlp_1, w.mlp_3, avg.data(), la.data());
    detail::channel_mlp(w.mlp_1, w.mlp_3, mx.data(), lm.data());
    for (int64_t c = 0; c < C; ++c) {
      const float att = (p.avg_pool ? la[size_t(c)] : 0.0f) + (p.max_pool ? lm[size_t(c)] : 0.0f);
      a[size_t(n * C + c)] = detail::sigmoid_scalar(att);
    }
  }
  Tensor<float> y = Tensor<float>::empty(x.shape());
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t h = 0; h < H; ++h)
        for (int64_t x_ = 0; x_ < W; ++x_) y(n, c, h, x_) = xc(n, c, h, x_) * a[size_t(n * C + c)];
  return y;
}

inline Tensor<float> cbam_channel_attention_parallel(const Tensor<float>& x, const CbamChannelWeights& w,
                                                     const CbamChannelParams& p = {}) {
  detail::check_channel_mlp(x, w.mlp_1, w.mlp_3, "cbam_channel_attention", "mlp.1", "mlp.3");
  detail::check_cbam_channel_params(p);
  const Tensor<float> xc = x.contiguous();
  const int64_t N = x.size(0), C = x.size(1), HW = x.size(2) * x.size(3);
  std::vector<float> avg(size_t(N * C)), mx(size_t(N * C)), la(static_cast<size_t>(C)), lm(static_cast<size_t>(C)), a(size_t(N * C));
  parallel_for(0, N * C, [&](int64_t pl) {
    const float* src = xc.data() + pl * HW;
    avg[size_t(pl)] = float(detail::plane_dot(src, nullptr, HW) / double(HW));
    float m = HW ? src[0] : -INFINITY;
    for (int64_t i = 1; i < HW; ++i) m = std::max(m, src[i]);  // max is order-independent
    mx[size_t(pl)] = m;
  });
  for (int64_t n = 0; n < N; ++n) {
    detail::channel_mlp(w.mlp_1, w.mlp_3, avg.data() + n * C, la.data());
    detail::channel_mlp(w.mlp_1, w.mlp_3, mx.data() + n * C, lm.data());
    for (int64_t c = 0; c < C; ++c)
      a[size_t(n * C + c)] =
          detail::sigmoid_scalar((p.avg_pool ? la[size_t(c)] : 0.0f) + (p.max_pool ? lm[size_t(c)] : 0.0f));
  }
  return detail::scale_channels(xc, a);
}

inline Tensor<float> cbam_channel_attention(const Tensor<float>& x, const CbamChannelWeights& w,
                                            const CbamChannelParams& p = {}) {
  return cbam_channel_attention_parallel(x, w, p);
}

// ---- FcaNet multi-spectral attention -------------------------------------------------------------------------------

namespace detail {
inline void check_multi_spectral_args(const Tensor<float>& x, const MultiSpectralAttentionWeights& w,
                                      const MultiSpectralAttentionParams& p) {
  const char* op = "multi_spectral_attention";
  check_channel_mlp(x, w.fc_0, w.fc_2, op, "fc.0", "fc.2");
  PIXFORGE_CHECK(w.dct_weight.defined(), ErrorCode::invalid_argument, op,
                 ": dct_weight is missing (use MultiSpectralAttentionWeights::load or multi_spectral_dct_filter)");
  const Shape expect{x.size(1), p.dct_h, p.dct_w};
  PIXFORGE_CHECK(w.dct_weight.shape() == expect, ErrorCode::shape_mismatch, op, ": dct_weight must be ",
                 expect.str(), " for x=", x.shape().str(), " and dct size ", p.dct_h, "x", p.dct_w, ", got ",
                 w.dct_weight.shape().str());
  PIXFORGE_CHECK(x.size(2) > 0 && x.size(3) > 0, ErrorCode::invalid_argument, op,
                 ": empty spatial size (x=", x.shape().str(), ")");
}
}  // namespace detail

inline Tensor<float> multi_spectral_attention_ref(const Tensor<float>& x, const MultiSpectralAttentionWeights& w,
                                                  const MultiSpectralAttentionParams& p) {
  detail::check_multi_spectral_args(x, w, p);
  const Tensor<float> xc = x.contiguous(), dct = w.dct_weight.contiguous();
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3), dh = p.dct_h, dw = p.dct_w;
  const bool resize = H != dh || W != dw;
  std::vector<float> pooled(size_t(dh * dw)), z(static_cast<size_t>(C)), a(size_t(N * C));
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t c = 0; c < C; ++c) {
      const float* plane = xc.data() + (n * C + c) * H * W;
      if (resize) detail::adaptive_avg_pool_plane(plane, H, W, dh, dw, pooled.data());
      else std::copy(plane, plane + H * W, pooled.begin());
      double sum = 0.0;
      for (int64_t h = 0; h < dh; ++h)
        for (int64_t x_ = 0; x_ < dw; ++x_) sum += double(pooled[size_t(h * dw + x_)]) * dct(c, h, x_);
      z[size_t(c)] = float(sum);
    }
    detail::channel_mlp(w.fc_0, w.fc_2, z.data(), a.data() + n * C);
    for (int64_t c = 0; c < C; ++c) a[size_t(n * C + c)] = detail::sigmoid_scalar(a[size_t(n * C + c)]);
  }
  Tensor<float> y = Tensor<float>::empty(x.shape());
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t h = 0; h < H; ++h)
        for (int64_t x_ = 0; x_ < W; ++x_) y(n, c, h, x_) = xc(n, c, h, x_) * a[size_t(n * C + c)];
  return y;
}

inline Tensor<float> multi_spectral_attention_parallel(const Tensor<float>& x,
                                                       const MultiSpectralAttentionWeights& w,
                                                       const MultiSpectralAttentionParams& p) {
  detail::check_multi_spectral_args(x, w, p);
  const Tensor<float> xc = x.contiguous(), dct = w.dct_weight.contiguous();
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3), dh = p.dct_h, dw = p.dct_w;
  const bool resize = H != dh || W != dw;
  std::vector<float> z(size_t(N * C)), a(size_t(N * C));
  parallel_for(0, N * C, [&](int64_t pl) {
    const float* plane = xc.data() + pl * H * W;
    const float* basis = dct.data() + (pl % C) * dh * dw;
    if (resize) {
      std::vector<float> pooled(size_t(dh * dw));
      detail::adaptive_avg_pool_plane(plane, H, W, dh, dw, pooled.data());
      z[size_t(pl)] = float(detail::plane_dot(pooled.data(), basis, dh * dw));
    } else {
      z[size_t(pl)] = float(detail::plane_dot(plane, basis, H * W));
    }
  });
  for (int64_t n = 0; n < N; ++n) {
    detail::channel_mlp(w.fc_0, w.fc_2, z.data() + n * C, a.data() + n * C);
    for (int64_t c = 0; c < C; ++c) a[size_t(n * C + c)] = detail::sigmoid_scalar(a[size_t(n * C + c)]);
  }
  return detail::scale_channels(xc, a);
}

inline Tensor<float> multi_spectral_attention(const Tensor<float>& x, const MultiSpectralAttentionWeights& w,
                                              const MultiSpectralAttentionParams& p) {
  return multi_spectral_attention_parallel(x, w, p);
}

}  // namespace pixforge
