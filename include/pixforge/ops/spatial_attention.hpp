// pixforge/ops/spatial_attention.hpp — CBAM spatial attention, and the whole CBAM block (channel then spatial).
//
// CBAM SpatialGate (Woo et al., Jongchan/attention-module `MODELS/cbam.py`; MARDGAN CSAB, part-b §8):
//
//   mx[n, h, w]   = max_c  x[n, c, h, w]
//   mean[n, h, w] = mean_c x[n, c, h, w]
//   p = [mx, mean]  (2 channels; ORDER matters — see below)
//   s[n, h, w] = sigmoid( b + Σ_{ci, ky, kx} W[0, ci, ky, kx] · p[n, ci, h + ky − k/2, w + kx − k/2] )   zero padding
//   y[n, c, h, w] = x[n, c, h, w] · s[n, h, w]
//
// Shapes: x [N, C, H, W]; weight [1, 2, k, k] with k odd (CBAM: 7, padding 3; some nets use 3), bias [1] or none.
//
// Channel order of the pooled pair: the official CBAM `ChannelPool` concatenates [max, mean] and MARDGAN's spec
// follows it (the default here); many re-implementations (e.g. `torch.cat([avg_out, max_out], 1)` in popular
// CBAM.PyTorch ports) use [mean, max]. The two are *not* interchangeable for trained weights: choose with
// SpatialAttentionParams::pool_order to match where the weights came from.
// Bias: official CBAM's conv has no bias but is followed by BatchNorm2d (eval); fold that BN into weight and a bias
// at load time (w' = w·γ/sqrt(σ²+eps), b' = β − μ·γ/sqrt(σ²+eps)). MARDGAN uses a bias and no BN.
//
// cbam(x) = cbam_spatial_attention(cbam_channel_attention(x)) — channel gate first, then spatial gate, as in CBAM
// and MARDGAN's CSAB (the channel gate lives in channel_attention.hpp).
//
// Implementations and cost: 2·N·C·H·W for the pooling and the scaling passes, 2·N·H·W·2k² FLOPs for the conv.
//   *_ref       loops in formula order, bounds checks inside the conv window.
//   *_parallel  rows over threads: channel pooling per row (c outer, w inner, vectorisable; the mean sums over c in
//               the same order as the reference, so the pooled maps are bit-identical), the conv on a zero-padded
//               copy (branch-free inner loop over w; each pixel still sums (ci, ky, kx) in reference order), then
//               the scaling pass over (image, channel) planes.
//   cbam_spatial_attention(), cbam() dispatch to the parallel paths.
//
//     pixforge::CbamWeights w{pixforge::CbamChannelWeights::load(get, "ChannelGate."),
//                             {folded_conv_weight, folded_bn_bias}};
//     pixforge::CbamParams p;                       // [max, mean] (official); p.spatial.pool_order to change
//     pixforge::Tensor<float> y = pixforge::cbam(x, w, p);
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "pixforge/core/error.hpp"
#include "pixforge/core/parallel.hpp"
#include "pixforge/core/tensor.hpp"
#include "pixforge/ops/channel_attention.hpp"

namespace pixforge {

enum class ChannelPoolOrder {
  max_mean,  // [max, mean]: official CBAM ChannelPool, MARDGAN
  mean_max,  // [mean, max]: common re-implementations
};

struct SpatialAttentionParams {
  ChannelPoolOrder pool_order = ChannelPoolOrder::max_mean;
};

// CBAM `SpatialGate.spatial.conv` (BN folded) or MARDGAN's 7×7 conv: weight [1, 2, k, k], bias [1] or undefined.
struct SpatialAttentionWeights {
  Tensor<float> weight;
  Tensor<float> bias;

  template <class Get>
  static SpatialAttentionWeights load(Get&& get, const std::string& prefix = "", bool bias = true) {
    SpatialAttentionWeights w;
    w.weight = get(prefix + "weight");
    if (bias) w.bias = get(prefix + "bias");
    return w;
  }
};

inline Shape spatial_attention_output_shape(const Shape& x) { return x; }

namespace detail {

inline void check_spatial_attention_args(const Tensor<float>& x, const SpatialAttentionWeights& w) {
  const char* op = "cbam_spatial_attention";
  check_rank(x, 4, op, "x");
  PIXFORGE_CHECK(x.size(1) > 0, ErrorCode::shape_mismatch, op, ": x has no channels (x=", x.shape().str(), ")");
  PIXFORGE_CHECK(w.weight.defined() && w.weight.dim() == 4 && w.weight.size(0) == 1 && w.weight.size(1) == 2 &&
                     w.weight.size(2) == w.weight.size(3) && w.weight.size(2) % 2 == 1,
                 ErrorCode::shape_mismatch, op, ": weight must be [1, 2, k, k] with k odd, got ",
                 w.weight.defined() ? w.weight.shape().str() : "none");
  if (w.bias.defined())
    PIXFORGE_CHECK(w.bias.numel() == 1, ErrorCode::shape_mismatch, op, ": bias must be [1], got ",
                   w.bias.shape().str());
}

// Index of max / mean in the pooled pair for the chosen order.
inline int max_slot(ChannelPoolOrder o) { return o == ChannelPoolOrder::max_mean ? 0 : 1; }

}  // namespace detail

inline Tensor<float> cbam_spatial_attention_ref(const Tensor<float>& x, const SpatialAttentionWeights& w,
                                                const SpatialAttentionParams& p = {}) {
  detail::check_spatial_attention_args(x, w);
  const Tensor<float> xc = x.contiguous(), wt = w.weight.contiguous();
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3), k = wt.size(2), pad = k / 2;
  const float bias = w.bias.defined() ? w.bias.contiguous().data()[0] : 0.0f;
  const int64_t imax = detail::max_slot(p.pool_order), imean = 1 - imax;
  Tensor<float> pooled = Tensor<float>::empty({N, 2, H, W});
  for (int64_t n = 0; n < N; ++n)
    for (int64_t h = 0; h < H; ++h)
      for (int64_t x_ = 0; x_ < W; ++x_) {
        float m = -INFINITY;
        double sum = 0.0;
        for (int64_t c = 0; c < C; ++c) {
          m = std::max(m, xc(n, c, h, x_));
          sum += xc(n, c, h, x_);
        }
        pooled(n, imax, h, x_) = m;
        pooled(n, imean, h, x_) = float(sum / double(C));
      }
  Tensor<float> y = Tensor<float>::empty(x.shape());
  for (int64_t n = 0; n < N; ++n)
    for (int64_t h = 0; h < H; ++h)
      for (int64_t x_ = 0; x_ < W; ++x_) {
        float acc = 0.0f;
        for (int64_t ci = 0; ci < 2; ++ci)
          for (int64_t ky = 0; ky < k; ++ky)
            for (int64_t kx = 0; kx < k; ++kx) {
              const int64_t iy = h + ky - pad, ix = x_ + kx - pad;
              if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
              acc += wt(0, ci, ky, kx) * pooled(n, ci, iy, ix);
            }
        const float s = detail::sigmoid_scalar(acc + bias);
        for (int64_t c = 0; c < C; ++c) y(n, c, h, x_) = xc(n, c, h, x_) * s;
      }
  return y;
}

inline Tensor<float> cbam_spatial_attention_parallel(const Tensor<float>& x, const SpatialAttentionWeights& w,
                                                     const SpatialAttentionParams& p = {}) {
  detail::check_spatial_attention_args(x, w);
  const Tensor<float> xc = x.contiguous(), wt = w.weight.contiguous();
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3), k = wt.size(2), pad = k / 2;
  const int64_t Hp = H + 2 * pad, Wp = W + 2 * pad, HW = H * W;
  const float bias = w.bias.defined() ? w.bias.contiguous().data()[0] : 0.0f;
  const int64_t imax = detail::max_slot(p.pool_order), imean = 1 - imax;

  // 1. Channel max and mean, written into the interior of a zero-padded [N, 2, Hp, Wp] map.
  std::vector<float> padded(size_t(N * 2 * Hp * Wp), 0.0f);
  parallel_for(0, N * H, [&](int64_t nh) {
    const int64_t n = nh / H, h = nh % H;
    std::vector<float> m(static_cast<size_t>(W), -INFINITY);
    std::vector<double> sum(static_cast<size_t>(W), 0.0);
    for (int64_t c = 0; c < C; ++c) {
      const float* row = xc.data() + ((n * C + c) * H + h) * W;
      for (int64_t i = 0; i < W; ++i) {
        m[size_t(i)] = std::max(m[size_t(i)], row[i]);
        sum[size_t(i)] += row[i];
      }
    }
    float* pmax = padded.data() + ((n * 2 + imax) * Hp + h + pad) * Wp + pad;
    float* pmean = padded.data() + ((n * 2 + imean) * Hp + h + pad) * Wp + pad;
    for (int64_t i = 0; i < W; ++i) {
      pmax[i] = m[size_t(i)];
      pmean[i] = float(sum[size_t(i)] / double(C));
    }
  });

  // 2. k×k conv (2 → 1) and sigmoid, one output row per work unit.
  std::vector<float> gate(size_t(N * HW));
  parallel_for(0, N * H, [&](int64_t nh) {
    const int64_t n = nh / H, h = nh % H;
    float* out = gate.data() + n * HW + h * W;
    std::fill(out, out + W, 0.0f);
    for (int64_t ci = 0; ci < 2; ++ci)
      for (int64_t ky = 0; ky < k; ++ky) {
        const float* src = padded.data() + ((n * 2 + ci) * Hp + h + ky) * Wp;
        for (int64_t kx = 0; kx < k; ++kx) {
          const float wv = wt.data()[(ci * k + ky) * k + kx];
          for (int64_t i = 0; i < W; ++i) out[i] += wv * src[i + kx];
        }
      }
    for (int64_t i = 0; i < W; ++i) out[i] = detail::sigmoid_scalar(out[i] + bias);
  });

  // 3. y = x · s, planes over threads.
  Tensor<float> y = Tensor<float>::empty(x.shape());
  parallel_for(0, N * C, [&](int64_t pl) {
    const float* s = gate.data() + (pl / C) * HW;
    const float* src = xc.data() + pl * HW;
    float* dst = y.data() + pl * HW;
    for (int64_t i = 0; i < HW; ++i) dst[i] = src[i] * s[i];
  });
  return y;
}

inline Tensor<float> cbam_spatial_attention(const Tensor<float>& x, const SpatialAttentionWeights& w,
                                            const SpatialAttentionParams& p = {}) {
  return cbam_spatial_attention_parallel(x, w, p);
}

// ---- the CBAM block: channel gate, then spatial gate ---------------------------------------------------------------

// Official CBAM keys: ChannelGate.mlp.{1,3}.*, SpatialGate.spatial.conv.weight (+ folded BN as bias).
struct CbamWeights {
  CbamChannelWeights channel;
  SpatialAttentionWeights spatial;
};

struct CbamParams {
  CbamChannelParams channel;
  SpatialAttentionParams spatial;
};

inline Tensor<float> cbam_ref(const Tensor<float>& x, const CbamWeights& w, const CbamParams& p = {}) {
  return cbam_spatial_attention_ref(cbam_channel_attention_ref(x, w.channel, p.channel), w.spatial, p.spatial);
}

inline Tensor<float> cbam(const Tensor<float>& x, const CbamWeights& w, const CbamParams& p = {}) {
  return cbam_spatial_attention(cbam_channel_attention(x, w.channel, p.channel), w.spatial, p.spatial);
}

}  // namespace pixforge
