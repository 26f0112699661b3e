// pixforge/models/u2net.hpp — U²-Net and U²-Net† (U2NETP): salient-object segmentation producing a soft matte.
// Also the building blocks IS-Net (models/isnet.hpp) shares: REBNCONV, RSU-7/6/5/4 and RSU-4F.
//
// Mirrors xuebinqin/U-2-Net `model/u2net.py` (REBNCONV, RSU7…RSU4F, U2NET, U2NETP); member names are its
// state_dict keys (`stage1.rebnconvin.conv_s1.weight`, `stage1.rebnconvin.bn_s1.running_mean`, `stage5d.rebnconv3d`,
// `side1`, `outconv`). Spec: architectures/part-a.md §9; PyTorch definition used for the goldens:
// tools/reference/u2net.py.
//
//   REBNCONV(in, out, d) = relu(bn_s1(conv_s1(x)))   conv_s1 3×3, padding = dilation = d, bias; BN eps 1e-5
//   pool                 = max_pool2d 2×2 stride 2, ceil_mode=True (an odd size keeps its last row/col: 75 → 38)
//   up(a, b)             = bilinear resize of a to b's H×W (align_corners=False) — any input size works
//
//   RSU-L(in, mid, out), L = 7, 6, 5, 4 (a U-Net of height L inside a residual):
//     hxin = rebnconvin(x)                                   [N, out, H, W]
//     h1   = rebnconv1(hxin)                                 [N, mid, H, W]
//     hk   = rebnconv<k>(pool(h(k−1)))         k = 2…L−1     [N, mid, H/2^(k−1), …]  (ceil)
//     hL   = rebnconv<L>(h(L−1))               dilation 2, no pooling
//     g    = rebnconv<L−1>d(cat(hL, h(L−1)))
//     g    = rebnconv<k>d(cat(up(g, hk), hk))  k = L−2…1     (rebnconv1d: 2·mid → out)
//     return g + hxin                                        [N, out, H, W]
//   RSU-4F: no pooling; rebnconv1…4 with dilations 1, 2, 4, 8; rebnconv3d (d4), 2d (d2), 1d (d1) on the concats.
//
//   U2NET(x)                       x [N, 3, H, W]                        (widths: U2NET / U2NETP columns)
//     hx1 = stage1(x)                RSU7(3, 32, 64)        | RSU7(3, 16, 64)        1
//     hx2 = stage2(pool(hx1))        RSU6(64, 32, 128)      | RSU6(64, 16, 64)       1/2
//     hx3 = stage3(pool(hx2))        RSU5(128, 64, 256)     | RSU5(64, 16, 64)       1/4
//     hx4 = stage4(pool(hx3))        RSU4(256, 128, 512)    | RSU4(64, 16, 64)       1/8
//     hx5 = stage5(pool(hx4))        RSU4F(512, 256, 512)   | RSU4F(64, 16, 64)      1/16
//     hx6 = stage6(pool(hx5))        RSU4F(512, 256, 512)   | RSU4F(64, 16, 64)      1/32
//     hx5d = stage5d(cat(up(hx6, hx5), hx5))   RSU4F(1024, 256, 512) | RSU4F(128, 16, 64)
//     hx4d = stage4d(cat(up(hx5d, hx4), hx4))  RSU4(1024, 128, 256)  | RSU4(128, 16, 64)
//     hx3d = stage3d(cat(up(hx4d, hx3), hx3))  RSU5(512, 64, 128)    | RSU5(128, 16, 64)
//     hx2d = stage2d(cat(up(hx3d, hx2), hx2))  RSU6(256, 32, 64)     | RSU6(128, 16, 64)
//     hx1d = stage1d(cat(up(hx2d, hx1), hx1))  RSU7(128, 16, 64)     | RSU7(128, 16, 64)
//     d1 = side1(hx1d); dk = up(side<k>(·), d1) for hx2d, hx3d, hx4d, hx5d, hx6   (3×3 convs → 1 channel)
//     d0 = outconv(cat(d1, …, d6))   1×1, 6 → 1
//     returns sigmoid(d0) (the prediction; forward()) and sigmoid(d1…d6) (forward_all())
//   Parameters: U2NET 44,009,869; U2NETP 1,131,181 (tests/models/test_u2net.cpp checks both).
//
// BatchNorm: applied at run time from the loaded running statistics (not folded at load: load_state_dict has no
// post-load hook, and a weight file must keep PyTorch's keys). The conv writes its output, then one in-place pass
// applies y = max(0, (x − μ)·γ/sqrt(σ² + eps) + β) per channel. Weight files whose BN is already folded into
// conv_s1 (the IS-Net ONNX export) set config `bn_folded: true`: REBNCONV then has no bn_s1 and the ReLU is fused
// into the conv.
//
// Pre/post-processing (u2net_test.py): RGB resized to 320×320 ignoring the aspect ratio, divided by the image's own
// maximum, ImageNet-normalised; prediction min-max normalised per image, then resized to the original size.
// Here forward(x) takes x in [0, 1] (info().range = unit) and applies the config's `normalize` ("imagenet" by
// default, "none" to pass x through); the resizes, the per-image max division and the min-max normalisation are
// the caller's (ops/matte.hpp: predict_matte(net, img, {320, true, true}) does all of u2net_test.py).
// forward_all() is the PyTorch module's forward (normalised input, all seven maps).
//
//     auto net = pixforge::load_model("weights/u2netp.safetensors");   // arch u2net or u2netp
//     Tensor<> matte = net->forward(image_to_tensor(img));              // [1, 1, H, W] in [0, 1]
#pragma once

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "pixforge/core/json.hpp"
#include "pixforge/core/parallel.hpp"
#include "pixforge/io/safetensors.hpp"
#include "pixforge/models/model.hpp"
#include "pixforge/models/u2net_bands.hpp"
#include "pixforge/nn/layers.hpp"
#include "pixforge/nn/state_dict.hpp"
#include "pixforge/ops/activation.hpp"
#include "pixforge/ops/concat.hpp"
#include "pixforge/ops/elementwise.hpp"
#include "pixforge/ops/pool.hpp"
#include "pixforge/ops/upsample.hpp"

namespace pixforge {

namespace u2net_detail {

// MaxPool2d(2, stride=2, ceil_mode=True).
inline Tensor<float> pool(const Tensor<float>& x) { return max_pool2d(x, MaxPool2dParams{}.with_ceil_mode()); }

// _upsample_like(src, tar): bilinear (align_corners=False) resize of src to tar's H×W.
inline Tensor<float> upsample_like(const Tensor<float>& src, const Tensor<float>& tar) {
  return interpolate(src, InterpolateParams::to_size(tar.size(2), tar.size(3), InterpolateMode::bilinear));
}

// torch.cat((_upsample_like(src, tar), tar), 1) in one buffer: the bilinear resize writes straight into the first
// channels and tar is copied behind it, instead of a resized map that concat() then copies again (one map less to
// allocate, fault in and read at every decoder level). The resize is interpolate()'s own (the tables and row kernel
// of interpolate_separable), so the result is the same bits as concat({upsample_like(src, tar), tar}).
inline Tensor<float> cat_upsampled(const Tensor<float>& src_in, const Tensor<float>& tar_in) {
  PIXFORGE_CHECK(src_in.dim() == 4 && tar_in.dim() == 4 && src_in.size(0) == tar_in.size(0), ErrorCode::shape_mismatch,
                 "u2net cat_upsampled: expected [N,C,h,w] and [N,C',H,W], got ", src_in.shape().str(), " and ",
                 tar_in.shape().str());
  const InterpolateParams p = InterpolateParams::to_size(tar_in.size(2), tar_in.size(3), InterpolateMode::bilinear);
  const Shape up = detail::checked_interpolate_shape(src_in, p);
  const Tensor<float> src = src_in.contiguous(), tar = tar_in.contiguous();
  const int64_t N = src.size(0), Cs = src.size(1), Ct = tar.size(1), H = src.size(2), W = src.size(3);
  const int64_t OH = up[2], OW = up[3], plane = OH * OW;
  Tensor<float> y = Tensor<float>::empty({N, Cs + Ct, OH, OW});
  const detail::ResizeTable ty(detail::make_axis(src, p, 2, OH)), tx(detail::make_axis(src, p, 3, OW));
  constexpr int64_t kRowBlock = 32;  // interpolate_separable's work unit
  const int64_t blocks = (OH + kRowBlock - 1) / kRowBlock;
  parallel_for(0, N * Cs * blocks, [&](int64_t unit) {
    const int64_t nc = unit / blocks, n = nc / Cs, c = nc % Cs;
    const int64_t oy0 = (unit % blocks) * kRowBlock, oy1 = std::min(oy0 + kRowBlock, OH);
    detail::resize_rows<2>(src.data() + nc * H * W, H, W, y.data() + (n * (Cs + Ct) + c) * plane, OW, oy0, oy1, ty,
                           tx);
  });
  parallel_for(0, N * Ct, [&](int64_t nc) {
    const int64_t n = nc / Ct, c = nc % Ct;
    std::memcpy(y.data() + (n * (Cs + Ct) + Cs + c) * plane, tar.data() + nc * plane, size_t(plane) * sizeof(float));
  });
  return y;
}

// In place: x = max(0, (x − μ)·s + β), s = γ / sqrt(σ² + eps), per channel of [N, C, H, W].
inline void batch_norm_relu_(Tensor<float>& x, const BatchNorm2d& bn) {
  const int64_t N = x.size(0), C = x.size(1), plane = x.size(2) * x.size(3);
  PIXFORGE_CHECK(bn.running_mean.numel() == C, ErrorCode::shape_mismatch, "u2net REBNCONV: batch norm has ",
                 bn.running_mean.numel(), " channels, conv output is ", x.shape().str());
  const size_t nc = size_t(C);
  std::vector<float> scale(nc), mean(nc), shift(nc);
  for (int64_t c = 0; c < C; ++c) {
    const double g = bn.weight.defined() ? double(bn.weight.data()[c]) : 1.0;
    scale[size_t(c)] = float(g / std::sqrt(double(bn.running_var.data()[c]) + double(bn.params.eps)));
    mean[size_t(c)] = bn.running_mean.data()[c];
    shift[size_t(c)] = bn.bias.defined() ? bn.bias.data()[c] : 0.0f;
  }
  float* data = x.data();
  parallel_for(0, N * C, [&](int64_t nc) {
    const int64_t c = nc % C;
    const float m = mean[size_t(c)], s = scale[size_t(c)], b = shift[size_t(c)];
    float* p = data + nc * plane;
    for (int64_t i = 0; i < plane; ++i) {
      const float v = (p[i] - m) * s + b;
      p[i] = v > 0.0f ? v : 0.0f;
    }
  });
}

// How forward() maps its [0, 1] input to what the network was trained on.
enum class InputNorm { none, imagenet, isnet, imgly };

inline InputNorm parse_input_norm(const std::string& s, const char* arch) {
  if (s == "none") return InputNorm::none;
  if (s == "imagenet") return InputNorm::imagenet;
  if (s == "isnet") return InputNorm::isnet;
  if (s == "imgly") return InputNorm::imgly;
  fail(ErrorCode::invalid_argument,
       msg(arch, ": config normalize='", s,
           "' is not one of none, imagenet, isnet (x − 0.5), imgly ((255x − 128)/256)"));
}
inline const char* input_norm_name(InputNorm n) {
  switch (n) {
    case InputNorm::none: return "none";
    case InputNorm::imagenet: return "imagenet";
    case InputNorm::isnet: return "isnet";
    case InputNorm::imgly: return "imgly";
  }
  return "?";
}

// x [N, 3, H, W] in [0, 1] -> the network's input.
//   imagenet  (x − mean[c]) / std[c], torchvision's mean (0.485, 0.456, 0.406), std (0.229, 0.224, 0.225)
//   isnet     x − 0.5 (IS-Net Inference.py: mean 0.5, std 1.0)
//   imgly     (255·x − 128) / 256 (@imgly/background-removal's tensorHWCtoBCHW)
inline Tensor<float> normalize_input(const Tensor<float>& x_in, InputNorm norm, const char* arch) {
  if (norm == InputNorm::none) return x_in;
  PIXFORGE_CHECK(x_in.dim() == 4 && x_in.size(1) == 3, ErrorCode::shape_mismatch, arch, ": normalize='",
                 input_norm_name(norm), "' needs an RGB input [N,3,H,W], got ", x_in.shape().str());
  const Tensor<float> x = x_in.contiguous();
  Tensor<float> y = Tensor<float>::empty(x.shape());
  const int64_t plane = x.size(2) * x.size(3);
  const float mean[3] = {0.485f, 0.456f, 0.406f}, stdev[3] = {0.229f, 0.224f, 0.225f};
  parallel_for(0, x.size(0) * 3, [&](int64_t nc) {
    const int c = int(nc % 3);
    const float* s = x.data() + nc * plane;
    float* d = y.data() + nc * plane;
    for (int64_t i = 0; i < plane; ++i) {
      switch (norm) {
        case InputNorm::imagenet: d[i] = (s[i] - mean[c]) / stdev[c]; break;
        case InputNorm::isnet: d[i] = s[i] - 0.5f; break;
        case InputNorm::imgly: d[i] = (s[i] * 255.0f - 128.0f) / 256.0f; break;
        case InputNorm::none: d[i] = s[i]; break;
      }
    }
  });
  return y;
}

}  // namespace u2net_detail

// REBNCONV(in_ch, out_ch, dirate): conv_s1 3×3 (padding = dilation = dirate) → bn_s1 → relu_s1.
// bn = false: the BN is folded into conv_s1 (no bn_s1 keys) and the ReLU is fused into the conv.
class REBNCONV : public Module {
 public:
  Conv2d conv_s1;
  BatchNorm2d bn_s1;

  REBNCONV(int64_t in_ch, int64_t out_ch, int64_t dirate, bool bn = true, int64_t stride = 1)
      : conv_s1(Conv2dOptions(in_ch, out_ch, 3).padding(dirate).dilation(dirate).stride(stride)), bn_s1(out_ch),
        bn_(bn) {
    register_module("conv_s1", conv_s1);
    if (bn) {
      register_module("bn_s1", bn_s1);
      register_ignored("bn_s1.num_batches_tracked");
    } else {
      conv_s1.params.act = Act::relu();
    }
  }

  Tensor<float> operator()(const Tensor<float>& x) const {  // [N, in, H, W] -> [N, out, H, W]
    Tensor<float> y = conv_s1(x);
    if (bn_) u2net_detail::batch_norm_relu_(y, bn_s1);
    return y;
  }
  bool has_bn() const { return bn_; }

  // (*this)(cat(up(src), tar)) (up: bilinear to tar's size; src undefined: tar alone) by row bands without the
  // concatenation (models/u2net_bands.hpp), same bits; the output goes over tar's buffer when it fits there
  // (over_tar_fits) and nobody else holds tar. Both inputs are released when it returns.
  Tensor<float> forward_cat(Tensor<float> src, Tensor<float> tar) const {
    using namespace u2net_detail;
    // One band would cover the map (small maps): building the concatenation and freeing both inputs first is the
    // smaller peak (no band copy next to them).
    const int64_t bytes = band_bytes_for(conv_s1, tar);
    if (!bandable(conv_s1) || band_rows(tar.size(0), conv_s1.weight.size(1), tar.size(3), bytes) >= tar.size(2)) {
      Tensor<float> x = src.defined() ? cat_upsampled(src, tar) : tar;
      src = Tensor<float>();
      tar = Tensor<float>();
      return (*this)(x);
    }
    tar = tar.contiguous();
    const bool over = over_tar_fits(tar.size(0), tar.size(1), conv_s1.weight.size(0)) && tar.is_sole_owner();
    Tensor<float> y =
        conv_cat_banded(conv_s1, epilogue(), src, tar, over ? BandOut::into_tar : BandOut::fresh, nullptr, bytes);
    // Released here: a by-value parameter may otherwise live to the end of the caller's full expression (GCC),
    // e.g. through the whole RSU body in `body(rebnconvin->forward_cat(...))`.
    src = Tensor<float>();
    tar = Tensor<float>();
    return y;
  }
  // residual += (*this)(cat(up(src), tar)), in residual's buffer when it is contiguous (the RSU's `g + hxin`: the
  // same bits as add_(g, residual)).
  void forward_cat_add(Tensor<float> src, Tensor<float> tar, Tensor<float>& residual) const {
    using namespace u2net_detail;
    const int64_t bytes = band_bytes_for(conv_s1, tar);
    if (!bandable(conv_s1) || !residual.is_contiguous() ||
        band_rows(tar.size(0), conv_s1.weight.size(1), tar.size(3), bytes) >= tar.size(2)) {  // as forward_cat
      Tensor<float> x = src.defined() ? cat_upsampled(src, tar) : tar;
      src = Tensor<float>();
      tar = Tensor<float>();
      Tensor<float> g = (*this)(x);
      x = Tensor<float>();
      add_(g, residual);
      residual = std::move(g);
      return;
    }
    tar = tar.contiguous();
    conv_cat_banded(conv_s1, epilogue(), src, tar, BandOut::add_to, &residual, bytes);
  }

 private:
  std::function<void(Tensor<float>&)> epilogue() const {  // what operator() applies after conv_s1
    return [this](Tensor<float>& y) {
      if (bn_) u2net_detail::batch_norm_relu_(y, bn_s1);
    };
  }
  bool bn_;
};

// An RSU block (RSU-L or RSU-4F) as a stage of U²-Net / IS-Net.
class RSUBlock : public Module {
 public:
  virtual Tensor<float> forward(const Tensor<float>& x) const = 0;
  // forward() on an input the caller hands over (a temporary or std::move'd): the block drops it as soon as
  // rebnconvin has read it, so a stage input (in the decoders a concatenation twice as wide as the output) is freed
  // before the rest of the block runs instead of living until the block returns. Same ops, same bits.
  virtual Tensor<float> forward_consume(Tensor<float>&& x) const = 0;
  // forward(cat(up(src), tar)) (the decoder stages' input), both handed over. The default builds the
  // concatenation; RSU reads its two parts in place (REBNCONV::forward_cat).
  virtual Tensor<float> forward_cat(Tensor<float>&& src, Tensor<float>&& tar) const {
    Tensor<float> x = u2net_detail::cat_upsampled(src, tar);
    src = Tensor<float>();
    tar = Tensor<float>();
    return forward_consume(std::move(x));
  }
};

// RSU-L (height L = 7, 6, 5, 4): RSU7(in, mid, out) is RSU(7, in, mid, out).
class RSU : public RSUBlock {
 public:
  std::unique_ptr<REBNCONV> rebnconvin;
  std::vector<std::unique_ptr<REBNCONV>> enc;  // enc[k-1] = rebnconv<k>, k = 1…L
  std::vector<std::unique_ptr<REBNCONV>> dec;  // dec[k-1] = rebnconv<k>d, k = 1…L−1

  RSU(int64_t height, int64_t in_ch, int64_t mid_ch, int64_t out_ch, bool bn = true) : height_(height) {
    PIXFORGE_CHECK(height >= 3 && height <= 16, ErrorCode::invalid_argument, "RSU: height ", height,
                   " out of range (U²-Net uses 4…7)");
    PIXFORGE_CHECK(in_ch >= 1 && mid_ch >= 1 && out_ch >= 1, ErrorCode::invalid_argument, "RSU", height,
                   ": channels in=", in_ch, " mid=", mid_ch, " out=", out_ch, " must be >= 1");
    rebnconvin = std::make_unique<REBNCONV>(in_ch, out_ch, 1, bn);
    register_module("rebnconvin", *rebnconvin);
    for (int64_t k = 1; k <= height; ++k) {
      const int64_t cin = k == 1 ? out_ch : mid_ch, dirate = k == height ? 2 : 1;
      enc.push_back(std::make_unique<REBNCONV>(cin, mid_ch, dirate, bn));
      register_module("rebnconv" + std::to_string(k), *enc.back());
    }
    for (int64_t k = 1; k <= height - 1; ++k)
      dec.push_back(std::make_unique<REBNCONV>(2 * mid_ch, k == 1 ? out_ch : mid_ch, 1, bn));
    for (int64_t k = height - 1; k >= 1; --k)  // registered deepest first, as the official classes declare them
      register_module("rebnconv" + std::to_string(k) + "d", *dec[size_t(k - 1)]);
  }

  Tensor<float> forward(const Tensor<float>& x) const override { return body((*rebnconvin)(x)); }  // x [N, in, H, W]
  // rebnconvin's output goes over x's buffer where the shapes allow (stage1 of IS-Net: 64 -> 64 channels).
  Tensor<float> forward_consume(Tensor<float>&& x) const override {
    if (x.size(1) == rebnconvin->conv_s1.weight.size(0) && x.is_sole_owner())
      return body(rebnconvin->forward_cat(Tensor<float>(), std::move(x)));
    Tensor<float> hxin = (*rebnconvin)(x);
    x = Tensor<float>();
    return body(std::move(hxin));
  }
  Tensor<float> forward_cat(Tensor<float>&& src, Tensor<float>&& tar) const override {
    return body(rebnconvin->forward_cat(std::move(src), std::move(tar)));
  }
  int64_t height() const { return height_; }

 private:
  Tensor<float> body(Tensor<float> hxin) const {                   // hxin = rebnconvin(x) [N, out, H, W]
    using namespace u2net_detail;
    const size_t L = size_t(height_);
    std::vector<Tensor<float>> h(L);                               // h[k-1] = hk
    h[0] = (*enc[0])(hxin);                                        // [N, mid, H, W]
    for (size_t k = 1; k + 1 < L; ++k) h[k] = (*enc[k])(pool(h[k - 1]));  // [N, mid, ceil(H/2^k), …]
    h[L - 1] = (*enc[L - 1])(h[L - 2]);                            // dilation 2 at the coarsest level
    Tensor<float> g = (*dec[L - 2])(concat({h[L - 1], h[L - 2]})); // [N, mid, …]
    h[L - 1] = Tensor<float>();
    // Levels L−2 … 2 read cat(up(g), hk) in place, by row bands, and write over hk (both mid channels); level 1
    // adds its output to hxin in hxin's buffer. No concatenation and no second full-size map is ever allocated.
    for (size_t k = L - 2; k >= 2; --k) g = dec[k - 1]->forward_cat(std::move(g), std::move(h[k - 1]));
    dec[0]->forward_cat_add(std::move(g), std::move(h[0]), hxin);  // rebnconv1d(cat(up(g), h1)) + hxin
    return hxin;                                                   // [N, out, H, W]
  }
  int64_t height_;
};

// RSU-4F: dilations 1, 2, 4, 8 instead of pooling; all tensors at the input resolution.
class RSU4F : public RSUBlock {
 public:
  REBNCONV rebnconvin, rebnconv1, rebnconv2, rebnconv3, rebnconv4, rebnconv3d, rebnconv2d, rebnconv1d;

  RSU4F(int64_t in_ch, int64_t mid_ch, int64_t out_ch, bool bn = true)
      : rebnconvin(in_ch, out_ch, 1, bn), rebnconv1(out_ch, mid_ch, 1, bn), rebnconv2(mid_ch, mid_ch, 2, bn),
        rebnconv3(mid_ch, mid_ch, 4, bn), rebnconv4(mid_ch, mid_ch, 8, bn), rebnconv3d(2 * mid_ch, mid_ch, 4, bn),
        rebnconv2d(2 * mid_ch, mid_ch, 2, bn), rebnconv1d(2 * mid_ch, out_ch, 1, bn) {
    register_module("rebnconvin", rebnconvin);
    register_module("rebnconv1", rebnconv1);
    register_module("rebnconv2", rebnconv2);
    register_module("rebnconv3", rebnconv3);
    register_module("rebnconv4", rebnconv4);
    register_module("rebnconv3d", rebnconv3d);
    register_module("rebnconv2d", rebnconv2d);
    register_module("rebnconv1d", rebnconv1d);
  }

  Tensor<float> forward(const Tensor<float>& x) const override { return body(rebnconvin(x)); }  // x [N, in, H, W]
  Tensor<float> forward_consume(Tensor<float>&& x) const override {
    Tensor<float> hxin = rebnconvin(x);
    x = Tensor<float>();
    return body(std::move(hxin));
  }

 private:
  Tensor<float> body(const Tensor<float> hxin) const {            // hxin = rebnconvin(x) [N, out, H, W]
    const Tensor<float> h1 = rebnconv1(hxin);                     // [N, mid, H, W]
    const Tensor<float> h2 = rebnconv2(h1);                       // d2
    const Tensor<float> h3 = rebnconv3(h2);                       // d4
    const Tensor<float> h4 = rebnconv4(h3);                       // d8
    const Tensor<float> g3 = rebnconv3d(concat({h4, h3}));        // [N, mid, H, W]
    const Tensor<float> g2 = rebnconv2d(concat({g3, h2}));
    Tensor<float> g1 = rebnconv1d(concat({g2, h1}));              // [N, out, H, W]
    add_(g1, hxin);
    return g1;
  }
};

namespace u2net_detail {

// One stage: block height (7…4, or 0 for RSU-4F) and its (in, mid, out) channels.
struct StageSpec {
  const char* name;
  int height;
  int64_t in_ch, mid_ch, out_ch;
};

constexpr int kStages = 11;
// Order = registration order = the official classes' attribute order.
inline const StageSpec* stage_table(const std::string& variant) {
  static const StageSpec full[kStages] = {
      {"stage1", 7, 3, 32, 64},        {"stage2", 6, 64, 32, 128},     {"stage3", 5, 128, 64, 256},
      {"stage4", 4, 256, 128, 512},    {"stage5", 0, 512, 256, 512},   {"stage6", 0, 512, 256, 512},
      {"stage5d", 0, 1024, 256, 512},  {"stage4d", 4, 1024, 128, 256}, {"stage3d", 5, 512, 64, 128},
      {"stage2d", 6, 256, 32, 64},     {"stage1d", 7, 128, 16, 64}};
  static const StageSpec small[kStages] = {
      {"stage1", 7, 3, 16, 64},     {"stage2", 6, 64, 16, 64},    {"stage3", 5, 64, 16, 64},
      {"stage4", 4, 64, 16, 64},    {"stage5", 0, 64, 16, 64},    {"stage6", 0, 64, 16, 64},
      {"stage5d", 0, 128, 16, 64},  {"stage4d", 4, 128, 16, 64},  {"stage3d", 5, 128, 16, 64},
      {"stage2d", 6, 128, 16, 64},  {"stage1d", 7, 128, 16, 64}};
  return variant == "u2netp" ? small : full;
}

// Divides widths by `div` (narrow networks for tests; tools/reference/u2net.py scaled()). `stage1_in` replaces
// stage1's input channels (U²-Net: the image channels; IS-Net: conv_in's 64 / div).
inline StageSpec scaled(const StageSpec& s, int64_t div) {
  if (div == 1) return s;
  StageSpec r = s;
  r.in_ch = s.in_ch / div;
  r.mid_ch = std::max<int64_t>(s.mid_ch / div, 1);
  r.out_ch = s.out_ch / div;
  return r;
}

inline std::unique_ptr<RSUBlock> make_block(const StageSpec& s, bool bn) {
  if (s.height == 0) return std::make_unique<RSU4F>(s.in_ch, s.mid_ch, s.out_ch, bn);
  return std::make_unique<RSU>(s.height, s.in_ch, s.mid_ch, s.out_ch, bn);
}

// The stages and side convs shared by U²-Net and IS-Net, registered under the official names.
struct Stages {
  std::unique_ptr<RSUBlock> stage[kStages];  // stage1…stage6, stage5d…stage1d (table order)
  std::unique_ptr<Conv2d> side[6];           // side1…side6 on stage1d, 2d, 3d, 4d, 5d, stage6
};

}  // namespace u2net_detail

class U2Net : public ImageModel {
 public:
  struct Config {
    std::string variant = "u2net";  // "u2net" (U2NET, 44.0 M) or "u2netp" (U2NETP / U²-Net†, 1.13 M)
    int64_t in_ch = 3, out_ch = 1;
    bool bn_folded = false;         // BatchNorm already folded into conv_s1: no bn_s1 keys
    int64_t width_divisor = 1;      // narrow test networks: every stage's widths divided by this
    std::string normalize = "imagenet";  // what forward() applies to its [0, 1] input (see the top)

    static Config from_json(const Json& j) { return from_json(j, Config{}); }
    static Config from_json(const Json& j, Config c) {
      c.variant = j.get_string("variant", c.variant);
      c.in_ch = j.get_int("in_ch", c.in_ch);
      c.out_ch = j.get_int("out_ch", c.out_ch);
      c.bn_folded = j.get_bool("bn_folded", c.bn_folded);
      c.width_divisor = j.get_int("width_divisor", c.width_divisor);
      c.normalize = j.get_string("normalize", c.normalize);
      c.validate();
      return c;
    }
    void validate() const {
      PIXFORGE_CHECK(variant == "u2net" || variant == "u2netp", ErrorCode::invalid_argument, "u2net: config variant='",
                     variant, "' is not u2net or u2netp");
      PIXFORGE_CHECK(in_ch >= 1 && in_ch <= 64 && out_ch >= 1 && out_ch <= 64, ErrorCode::invalid_argument,
                     "u2net: config in_ch=", in_ch, " out_ch=", out_ch, " out of range [1, 64]");
      PIXFORGE_CHECK(width_divisor == 1 || width_divisor == 2 || width_divisor == 4 || width_divisor == 8 ||
                         width_divisor == 16,
                     ErrorCode::invalid_argument, "u2net: config width_divisor=", width_divisor,
                     " is not 1, 2, 4, 8 or 16");
      u2net_detail::parse_input_norm(normalize, "u2net");
    }
  };

  u2net_detail::Stages s;
  Conv2d outconv;

  U2Net() : U2Net(Config()) {}
  explicit U2Net(const Config& c) : outconv(Conv2dOptions(6 * validated(c).out_ch, c.out_ch, 1)), cfg_(c) {
    using namespace u2net_detail;
    const StageSpec* table = stage_table(c.variant);
    for (int i = 0; i < kStages; ++i) {
      StageSpec spec = scaled(table[i], c.width_divisor);
      if (i == 0) spec.in_ch = c.in_ch;
      s.stage[i] = make_block(spec, !c.bn_folded);
      register_module(spec.name, *s.stage[i]);
    }
    const int side_src[6] = {10, 9, 8, 7, 6, 5};  // stage1d, 2d, 3d, 4d, 5d, stage6
    for (int k = 0; k < 6; ++k) {
      const int64_t cin = scaled(table[side_src[k]], c.width_divisor).out_ch;
      s.side[k] = std::make_unique<Conv2d>(Conv2dOptions(cin, c.out_ch, 3).padding(1));
      register_module("side" + std::to_string(k + 1), *s.side[k]);
    }
    register_module("outconv", outconv);
    norm_ = parse_input_norm(c.normalize, "u2net");

    info_.arch = c.variant;
    info_.task = "segment";
    info_.scale = 1;
    info_.in_channels = c.in_ch;
    info_.out_channels = c.out_ch;
    info_.range = Range::unit;
    info_.global_context = true;  // 5 poolings + dilations: the receptive field covers the whole 320² input
  }

  const Config& config() const { return cfg_; }
  const ImageModelInfo& info() const override { return info_; }

  // The PyTorch module's forward: x already normalised; returns sigmoid of d0 (fused), d1, …, d6, [N, out, H, W].
  std::vector<Tensor<float>> forward_all(const Tensor<float>& x) const {
    using namespace u2net_detail;
    PIXFORGE_CHECK(x.dim() == 4 && x.size(1) == cfg_.in_ch && x.size(2) >= 1 && x.size(3) >= 1,
                   ErrorCode::shape_mismatch, cfg_.variant, ": expected [N,", cfg_.in_ch, ",H,W], got ",
                   x.shape().str());
    const auto& st = s.stage;
    const Tensor<float> hx1 = st[0]->forward(x);           // [N, 64, H, W]
    const Tensor<float> hx2 = st[1]->forward(pool(hx1));   // [N, 128, H/2, W/2]     (ceil)
    const Tensor<float> hx3 = st[2]->forward(pool(hx2));   // [N, 256, H/4, W/4]
    const Tensor<float> hx4 = st[3]->forward(pool(hx3));   // [N, 512, H/8, W/8]
    const Tensor<float> hx5 = st[4]->forward(pool(hx4));   // [N, 512, H/16, W/16]
    const Tensor<float> hx6 = st[5]->forward(pool(hx5));   // [N, 512, H/32, W/32]
    const Tensor<float> hx5d = st[6]->forward(concat({upsample_like(hx6, hx5), hx5}));    // [N, 512, H/16, …]
    const Tensor<float> hx4d = st[7]->forward(concat({upsample_like(hx5d, hx4), hx4}));   // [N, 256, H/8, …]
    const Tensor<float> hx3d = st[8]->forward(concat({upsample_like(hx4d, hx3), hx3}));   // [N, 128, H/4, …]
    const Tensor<float> hx2d = st[9]->forward(concat({upsample_like(hx3d, hx2), hx2}));   // [N, 64, H/2, …]
    const Tensor<float> hx1d = st[10]->forward(concat({upsample_like(hx2d, hx1), hx1}));  // [N, 64, H, W]
    std::vector<Tensor<float>> d(7);
    d[1] = (*s.side[0])(hx1d);                                                            // [N, 1, H, W]
    const Tensor<float>* feats[6] = {&hx1d, &hx2d, &hx3d, &hx4d, &hx5d, &hx6};
    for (int k = 1; k < 6; ++k) d[size_t(k + 1)] = upsample_like((*s.side[k])(*feats[k]), d[1]);
    d[0] = outconv(concat({d[1], d[2], d[3], d[4], d[5], d[6]}));                         // [N, 1, H, W]
    for (auto& t : d) sigmoid_(t);
    return d;
  }

  // x [N, in, H, W] in [0, 1] -> the fused matte sigmoid(d0) [N, out, H, W] in (0, 1).
  Tensor<float> forward(const Tensor<float>& x) const override {
    return forward_all(u2net_detail::normalize_input(x, norm_, cfg_.variant.c_str()))[0];
  }

 protected:
  static const Config& validated(const Config& c) {
    c.validate();
    return c;
  }
  Config cfg_;
  u2net_detail::InputNorm norm_ = u2net_detail::InputNorm::imagenet;
  ImageModelInfo info_;
};

// U²-Net† (U2NETP): the same class with variant "u2netp" as the default, registered as arch "u2netp".
class U2NetP : public U2Net {
 public:
  struct Config : U2Net::Config {
    Config() { variant = "u2netp"; }
    static U2Net::Config from_json(const Json& j) { return U2Net::Config::from_json(j, Config{}); }
  };
  U2NetP() : U2Net(Config()) {}
  explicit U2NetP(const U2Net::Config& c) : U2Net(c) {}
};

inline const bool kU2NetRegistered =
    register_model<U2Net>("u2net", "U²-Net salient-object matte (config variant u2net / u2netp)") &&
    register_model<U2NetP>("u2netp", "U²-Net† (U2NETP, 1.1 M parameters) salient-object matte");

}  // namespace pixforge
