// pixforge/models/deoldify_unet.hpp — DeOldify NoGAN generator, "artistic" model (spec part-a §8): fastai v1
// DynamicUnetDeep on a torchvision ResNet-34 encoder, nf_factor 1.5, blur, self-attention, y_range (−3, 3).
// Reference definition: tools/reference/deoldify.py (written from the spec); goldens tools/golden/gen_deoldify_unet.py.
//
// Module tree = the DeOldify / fastai v1 state_dict (SequentialEx keeps its modules in `layers`):
//   layers.0        encoder: 0 conv1 7×7 s2 p3, 1 bn1, (2 relu, 3 maxpool 3×3 s2 p1), 4..7 layer1..4 (BasicBlocks:
//                   conv1, bn1, conv2, bn2, downsample.0/.1)
//   layers.1        BatchNorm2d(512)            (layers.2 = ReLU)
//   layers.3.{0,1}  middle: conv (.0, 3×3, no bias) → ReLU → BN (.2): 512→1024→512
//   layers.4..7     UnetBlockDeep ×4 (skips: layer3, layer2, layer1, stem relu); layers.5.conv2.3 = SelfAttention
//   layers.8        PixelShuffle_ICNR(300): conv.0 1×1 (bias) → ReLU → PixelShuffle(2) → blur
//   layers.9        MergeLayer(dense): concat(x, network input)         layers.10 res_block(303)
//   layers.11.0     final 1×1 conv 303→3 (bias)                         layers.12 SigmoidRange(−3, 3)
// Spectral norm and weight norm must be FOLDED before loading (part-a §0.4): the file holds `weight`, not
// `weight_orig`/`weight_u`/`weight_v` or `weight_g`/`weight_v`. A file that still holds them is refused by the
// loader's key check (unexpected/missing keys listed). tools/convert_deoldify.py folds a ColorizeArtistic_gen.pth
// (bare or {'model': ..., 'opt': ...}); its --self-test checks the folding against torch's spectral_norm /
// weight_norm modules (max |diff| ~1e-6) and that the unfolded model has the spec's 63,646,881 parameters.
//
// forward(x): x [1, 3, H, W] = the grey image replicated to 3 channels, ImageNet-normalised (part-a §0.8);
// output [1, 3, H, W] in the same normalised RGB space, in (−3, 3). H and W must be even (the encoder stem halves
// with ceil, the last PixelShuffle doubles: an odd size would not merge with the input — DeOldify renders at
// multiples of 16). Odd deeper sizes (e.g. 560 → 35 → 18) take the nearest resize-to-skip branch.
//
// Pre/post-processing of the reference pipeline (deoldify/filters.py), functions below:
//   deoldify_preprocess(rgb [1,3,S,S] in [0,255]) → 8-bit PIL luma ×3, /255, ImageNet-normalised (resize to
//   render_factor·16 with PIL bilinear beforehand is the caller's job);
//   deoldify_postprocess(model output, original rgb [0,255]) → de-normalise, ×255, clamp [0,255] (resolution §12
//   #9), truncate to 8 bits, then OpenCV 8-bit YUV (bit-exact fixed point): Y from the original, U, V from the
//   model output (inputs must have the same size: resize the model output to the original size first).
//
// Parameter count: 63,645,681 folded (encoder 21,284,672). The spec's 63,646,881 counts the checkpoint's
// parameters, which include the 1,200 `weight_g` of the weight-normed PixelShuffle_ICNR conv that folding removes.
// Not implemented: the "stable" model (ResNet-101, DynamicUnetWide) — Config refuses it.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "pixforge/core/json.hpp"
#include "pixforge/io/image.hpp"
#include "pixforge/models/model.hpp"
#include "pixforge/nn/layers.hpp"
#include "pixforge/nn/state_dict.hpp"
#include "pixforge/ops/activation.hpp"
#include "pixforge/ops/concat.hpp"
#include "pixforge/ops/elementwise.hpp"
#include "pixforge/ops/pad.hpp"
#include "pixforge/ops/pixel_shuffle.hpp"
#include "pixforge/ops/pool.hpp"
#include "pixforge/ops/self_attention.hpp"
#include "pixforge/ops/upsample.hpp"

namespace pixforge {

namespace deoldify {

// torchvision BasicBlock: relu(bn2(conv2(relu(bn1(conv1(x))))) + identity), identity = downsample(x) if present.
class BasicBlock : public Module {
 public:
  Conv2d conv1, conv2;
  BatchNorm2d bn1, bn2;
  std::unique_ptr<Conv2d> down_conv;
  std::unique_ptr<BatchNorm2d> down_bn;

  BasicBlock(int64_t cin, int64_t cout, int64_t stride)
      : conv1(Conv2dOptions(cin, cout, 3).stride(stride).padding(1).bias(false)),
        conv2(Conv2dOptions(cout, cout, 3).padding(1).bias(false)),
        bn1(cout),
        bn2(cout) {
    register_module("conv1", conv1);
    register_module("bn1", bn1);
    register_module("conv2", conv2);
    register_module("bn2", bn2);
    if (stride != 1 || cin != cout) {
      down_conv = std::make_unique<Conv2d>(Conv2dOptions(cin, cout, 1).stride(stride).bias(false));
      down_bn = std::make_unique<BatchNorm2d>(cout);
      register_module("downsample.0", *down_conv);
      register_module("downsample.1", *down_bn);
    }
  }
  Tensor<float> operator()(const Tensor<float>& x) const {
    const Tensor<float> idt = down_conv ? (*down_bn)((*down_conv)(x)) : x;  // [N, cout, H/s, W/s]
    const Tensor<float> h = relu(bn1(conv1(x)));
    return relu(add(bn2(conv2(h)), idt));
  }
};

// ResNet children[:-2] as nn.Sequential: keys "0" conv1, "1" bn1, "4".."7" layer1..4.
class ResNetEncoder : public Module {
 public:
  Conv2d conv1;
  BatchNorm2d bn1;
  ModuleList<BasicBlock> layer[4];

  ResNetEncoder(const std::vector<int64_t>& blocks, const std::vector<int64_t>& widths)
      : conv1(Conv2dOptions(3, widths[0], 7).stride(2).padding(3).bias(false)), bn1(widths[0]) {
    register_module("0", conv1);
    register_module("1", bn1);
    int64_t cin = widths[0];
    for (int i = 0; i < 4; ++i) {
      for (int64_t b = 0; b < blocks[size_t(i)]; ++b) {
        layer[i].emplace_back(cin, widths[size_t(i)], (i > 0 && b == 0) ? 2 : 1);
        cin = widths[size_t(i)];
      }
      register_module(std::to_string(4 + i), layer[i]);
    }
  }
  // Returns the bottom (layer4) and fills skips = {stem relu (1/2), layer1 (1/4), layer2 (1/8), layer3 (1/16)}.
  Tensor<float> operator()(const Tensor<float>& x, std::vector<Tensor<float>>& skips) const {
    skips.clear();
    Tensor<float> h = relu(bn1(conv1(x)));  // [N, w0, ceil(H/2), ceil(W/2)]  (encoder index 2)
    skips.push_back(h);
    h = max_pool2d(h, MaxPool2dParams().with_kernel(3).with_stride(2).with_padding(1));  // 1/4
    for (int i = 0; i < 4; ++i) {
      for (const auto& blk : layer[i]) h = (*blk)(h);
      if (i < 3) skips.push_back(h);  // indices 4, 5, 6
    }
    return h;  // [N, w3, H/32, W/32]
  }
};

// fastai v1 SelfAttention (spectral norm folded): keys query.weight [C/8, C, 1], key.weight, value.weight
// [C, C, 1], gamma [1].
class SelfAttention : public Module {
 public:
  FastaiSelfAttentionWeights w;
  explicit SelfAttention(int64_t c) {
    w.query.weight = Tensor<float>::zeros({c / 8, c, 1});
    w.key.weight = Tensor<float>::zeros({c / 8, c, 1});
    w.value.weight = Tensor<float>::zeros({c, c, 1});
    w.gamma = Tensor<float>::zeros({1});
    register_parameter("gamma", w.gamma);
    register_parameter("query.weight", w.query.weight);
    register_parameter("key.weight", w.key.weight);
    register_parameter("value.weight", w.value.weight);
  }
  Tensor<float> operator()(const Tensor<float>& x) const { return fastai_self_attention(x, w); }
};

// DeOldify custom_conv_layer(ni, nf, ks, extra_bn): Sequential [conv (no bias), ReLU, BN (, SelfAttention)],
// keys "0.*", "2.*" (, "3.*"). Note BN after the activation.
class ConvReluBn : public Module {
 public:
  Conv2d conv;
  BatchNorm2d bn;
  std::unique_ptr<SelfAttention> sa;

  ConvReluBn(int64_t ni, int64_t nf, int64_t ks = 3, bool self_attention = false)
      : conv(Conv2dOptions(ni, nf, ks).padding((ks - 1) / 2).bias(false)), bn(nf) {
    conv.params.act = Act::relu();  // fused epilogue
    register_module("0", conv);
    register_module("2", bn);
    if (self_attention) {
      sa = std::make_unique<SelfAttention>(nf);
      register_module("3", *sa);
    }
  }
  Tensor<float> operator()(const Tensor<float>& x) const {
    const Tensor<float> h = bn(conv(x));
    return sa ? (*sa)(h) : h;
  }
};

// ×2 blur of fastai's PixelShuffle_ICNR: ReplicationPad2d((1, 0, 1, 0)) then AvgPool2d(2, stride 1).
inline Tensor<float> shuffle_blur(const Tensor<float>& x) {
  PadParams p;
  p.left = 1;
  p.top = 1;
  p.mode = PadMode::replicate;
  return avg_pool2d(pad(x, p), AvgPool2dParams().with_kernel(2).with_stride(1));
}

// CustomPixelShuffle_ICNR(ni, nf): conv.0 1×1 ni→4nf (no bias) → conv.1 BN → ReLU → PixelShuffle(2) → blur.
class CustomPixelShuffleICNR : public Module {
 public:
  Conv2d conv0;
  BatchNorm2d bn;
  CustomPixelShuffleICNR(int64_t ni, int64_t nf) : conv0(Conv2dOptions(ni, nf * 4, 1).bias(false)), bn(nf * 4) {
    register_module("conv.0", conv0);
    register_module("conv.1", bn);
  }
  Tensor<float> operator()(const Tensor<float>& x) const {
    return shuffle_blur(pixel_shuffle(relu(bn(conv0(x))), 2));  // [N, nf, 2H, 2W]
  }
};

// UnetBlockDeep(up_in_c, x_in_c, final_div, self_attention, nf_factor).
class UnetBlockDeep : public Module {
 public:
  int64_t up_in_c, x_in_c, ni, nf;
  CustomPixelShuffleICNR shuf;
  BatchNorm2d bn;
  ConvReluBn conv1, conv2;

  static int64_t out_channels(int64_t up_in_c, int64_t x_in_c, bool final_div, double nf_factor) {
    const int64_t n = up_in_c / 2 + x_in_c;
    return int64_t((final_div ? n : n / 2) * nf_factor);  // Python int(): truncation
  }
  UnetBlockDeep(int64_t up_in_c_, int64_t x_in_c_, bool final_div, bool self_attention, double nf_factor)
      : up_in_c(up_in_c_),
        x_in_c(x_in_c_),
        ni(up_in_c_ / 2 + x_in_c_),
        nf(out_channels(up_in_c_, x_in_c_, final_div, nf_factor)),
        shuf(up_in_c_, up_in_c_ / 2),
        bn(x_in_c_),
        conv1(ni, nf),
        conv2(nf, nf, 3, self_attention) {
    register_module("shuf", shuf);
    register_module("bn", bn);
    register_module("conv1", conv1);
    register_module("conv2", conv2);
  }
  Tensor<float> operator()(const Tensor<float>& up_in, const Tensor<float>& skip) const {
    PIXFORGE_CHECK(up_in.dim() == 4 && up_in.size(1) == up_in_c && skip.dim() == 4 && skip.size(1) == x_in_c &&
                       skip.size(0) == up_in.size(0),
                   ErrorCode::shape_mismatch, "deoldify UnetBlockDeep(", up_in_c, ", ", x_in_c,
                   "): expected up_in [N,", up_in_c, ",h,w] and skip [N,", x_in_c, ",H,W], got ", up_in.shape().str(),
                   " and ", skip.shape().str());
    Tensor<float> up = shuf(up_in);  // [N, up_in_c/2, 2h, 2w]
    if (up.size(2) != skip.size(2) || up.size(3) != skip.size(3))  // legacy nearest to the skip's size (§8(d))
      up = interpolate(up, InterpolateParams::to_size(skip.size(2), skip.size(3), InterpolateMode::nearest));
    const Tensor<float> cat = relu(concat({up, bn(skip)}, 1));  // [N, ni, H, W]: up-sampled first
    return conv2(conv1(cat));                                   // [N, nf, H, W]
  }
};

// fastai PixelShuffle_ICNR(ni) with weight norm folded: conv.0 1×1 ni→4ni (bias) → ReLU → shuffle → blur.
class PixelShuffleICNR : public Module {
 public:
  Conv2d conv0;
  explicit PixelShuffleICNR(int64_t ni) : conv0(Conv2dOptions(ni, ni * 4, 1)) {
    conv0.params.act = Act::relu();
    register_module("conv.0", conv0);
  }
  Tensor<float> operator()(const Tensor<float>& x) const { return shuffle_blur(pixel_shuffle(conv0(x), 2)); }
};

// fastai res_block(ni) (spectral norm, no BN): x + relu(conv(relu(conv(x)))); keys layers.{0,1}.0.*.
class ResBlock : public Module {
 public:
  Conv2d c0, c1;
  explicit ResBlock(int64_t ni) : c0(Conv2dOptions(ni, ni, 3).padding(1)), c1(Conv2dOptions(ni, ni, 3).padding(1)) {
    c0.params.act = Act::relu();
    c1.params.act = Act::relu();
    register_module("layers.0.0", c0);
    register_module("layers.1.0", c1);
  }
  Tensor<float> operator()(const Tensor<float>& x) const { return add(x, c1(c0(x))); }
};

}  // namespace deoldify

class DeoldifyUnet : public ImageModel {
 public:
  struct Config {
    std::string encoder = "resnet34";  // only this one ("artistic"); "resnet101" (stable, Wide) is not built
    double nf_factor = 1.5;
    int64_t n_classes = 3;
    bool self_attention = true;
    double y_lo = -3.0, y_hi = 3.0;
    static Config from_json(const Json& j) {
      Config c;
      c.encoder = j.get_string("encoder", c.encoder);
      PIXFORGE_CHECK(c.encoder == "resnet34", ErrorCode::unsupported, "deoldify_unet: config encoder '", c.encoder,
                     "' is not supported (only resnet34, the artistic DynamicUnetDeep model)");
      c.nf_factor = j.get_double("nf_factor", c.nf_factor);
      PIXFORGE_CHECK(c.nf_factor > 0 && c.nf_factor <= 8, ErrorCode::invalid_argument,
                     "deoldify_unet: config nf_factor=", c.nf_factor, " out of range (0, 8]");
      c.n_classes = j.get_int("n_classes", c.n_classes);
      PIXFORGE_CHECK(c.n_classes >= 1 && c.n_classes <= 64, ErrorCode::invalid_argument,
                     "deoldify_unet: config n_classes=", c.n_classes, " out of range");
      c.self_attention = j.get_bool("self_attention", c.self_attention);
      c.y_lo = j.get_double("y_lo", c.y_lo);
      c.y_hi = j.get_double("y_hi", c.y_hi);
      return c;
    }
  };

  deoldify::ResNetEncoder encoder;
  BatchNorm2d bn;
  deoldify::ConvReluBn middle0, middle1;
  std::vector<std::unique_ptr<deoldify::UnetBlockDeep>> blocks;
  std::unique_ptr<deoldify::PixelShuffleICNR> up;
  std::unique_ptr<deoldify::ResBlock> res;
  std::unique_ptr<Conv2d> final_conv;

  DeoldifyUnet() : DeoldifyUnet(Config()) {}
  explicit DeoldifyUnet(const Config& c)
      : encoder({3, 4, 6, 3}, {64, 128, 256, 512}),
        bn(512),
        middle0(512, 1024),
        middle1(1024, 512),
        cfg_(c) {
    info_.arch = "deoldify_unet";
    info_.task = "colorize";
    info_.range = Range::imagenet;
    info_.in_channels = 3;
    info_.out_channels = c.n_classes;
    info_.size_multiple = 2;
    info_.global_context = c.self_attention;  // the attention at 1/8 sees the whole image
    register_module("layers.0", encoder);
    register_module("layers.1", bn);
    register_module("layers.3.0", middle0);
    register_module("layers.3.1", middle1);
    const int64_t skip_ch[4] = {256, 128, 64, 64};  // layer3, layer2, layer1, stem
    int64_t x_c = 512;
    for (int i = 0; i < 4; ++i) {
      blocks.push_back(std::make_unique<deoldify::UnetBlockDeep>(x_c, skip_ch[i], i != 3, c.self_attention && i == 1,
                                                                 c.nf_factor));
      register_module("layers." + std::to_string(4 + i), *blocks.back());
      x_c = blocks.back()->nf;
    }
    up = std::make_unique<deoldify::PixelShuffleICNR>(x_c);
    register_module("layers.8", *up);
    x_c += 3;  // MergeLayer(dense): + the network input
    res = std::make_unique<deoldify::ResBlock>(x_c);
    register_module("layers.10", *res);
    final_conv = std::make_unique<Conv2d>(Conv2dOptions(x_c, c.n_classes, 1));
    register_module("layers.11.0", *final_conv);
  }

  static std::unique_ptr<DeoldifyUnet> load(const std::string& path) {
    return load_model_as<DeoldifyUnet>(path, "deoldify_unet");
  }

  const ImageModelInfo& info() const override { return info_; }
  const Config& config() const { return cfg_; }

  Tensor<float> forward(const Tensor<float>& x) const override {
    PIXFORGE_CHECK(x.dim() == 4 && x.size(1) == 3, ErrorCode::shape_mismatch,
                   "deoldify_unet: expected an ImageNet-normalised grey-as-RGB tensor [N,3,H,W], got ",
                   x.shape().str());
    PIXFORGE_CHECK(x.size(2) % 2 == 0 && x.size(3) % 2 == 0 && x.size(2) >= 2 && x.size(3) >= 2,
                   ErrorCode::shape_mismatch, "deoldify_unet: H and W must be even (DeOldify renders at multiples",
                   " of 16), got ", x.shape().str());
    std::vector<Tensor<float>> skips;
    Tensor<float> h = encoder(x, skips);  // [N, 512, H/32, W/32]
    h = middle1(middle0(relu(bn(h))));    // [N, 512, H/32, W/32]
    for (int i = 0; i < 4; ++i) h = (*blocks[size_t(i)])(h, skips[size_t(3 - i)]);  // 768@1/16 768@1/8 672@1/4 300@1/2
    h = (*up)(h);                                                                  // [N, 300, H, W]
    h = concat({h, x}, 1);                                                         // [N, 303, H, W]
    h = (*final_conv)((*res)(h));                                                  // [N, 3, H, W]
    return affine(sigmoid(h), float(cfg_.y_hi - cfg_.y_lo), float(cfg_.y_lo));     // SigmoidRange
  }

 private:
  Config cfg_;
  ImageModelInfo info_;
};

// deoldify/filters.py pre-processing after the resize: rgb [N,3,H,W] holding 8-bit values 0..255 (rounded and
// saturated here) → Pillow convert('LA').convert('RGB'): the 8-bit luma pil_luma() (io/image.hpp, fixed point,
// rounded) replicated ×3 → /255 → ImageNet-normalised. The result is the model's input.
inline Tensor<float> deoldify_preprocess(const Tensor<float>& rgb255) {
  PIXFORGE_CHECK(rgb255.dim() == 4 && rgb255.size(1) == 3, ErrorCode::shape_mismatch,
                 "deoldify_preprocess: expected RGB [N,3,H,W], got ", rgb255.shape().str());
  const Tensor<float> src = rgb255.contiguous();
  Tensor<float> out = Tensor<float>::empty(src.shape());
  const int64_t N = src.size(0), P = src.size(2) * src.size(3);
  const float mean[3] = {0.485f, 0.456f, 0.406f}, stdv[3] = {0.229f, 0.224f, 0.225f};
  auto u8 = [](float v) { return uint8_t(std::lround(std::min(255.0f, std::max(0.0f, v)))); };
  for (int64_t n = 0; n < N; ++n) {
    const float* s = src.data() + n * 3 * P;
    float* d = out.data() + n * 3 * P;
    for (int64_t i = 0; i < P; ++i) {
      const float l = float(pil_luma(u8(s[i]), u8(s[P + i]), u8(s[2 * P + i]))) / 255.0f;
      for (int c = 0; c < 3; ++c) d[c * P + i] = (l - mean[c]) / stdv[c];
    }
  }
  return out;
}

namespace deoldify {
// OpenCV's 8-bit COLOR_RGB2YUV / COLOR_YUV2RGB exactly (14-bit fixed point, round half up; U and V use the ROUNDED
// Y): Y = (4899R + 9617G + 1868B + 2^13) >> 14, U = 128 + ((B − Y)·8061 + 2^13) >> 14, V = 128 + ((R − Y)·14369 +
// 2^13) >> 14; R = Y + ((V−128)·18678 + 2^13) >> 14, G = Y + ((U−128)·(−6472) + (V−128)·(−9519) + 2^13) >> 14,
// B = Y + ((U−128)·33292 + 2^13) >> 14, saturated to [0,255] (the float BT.601 formulas of io/color.hpp with the
// constants 0.299/0.587/0.114, 0.492, 0.877, 1.140, 0.395, 0.581, 2.032 scaled by 2^14). Checked bit-exact against
// OpenCV 4.6 on all-random images while writing this; the golden test covers it through deoldify_postprocess.
inline int sat8(int64_t v) { return int(std::min<int64_t>(255, std::max<int64_t>(0, v))); }
inline void rgb_to_yuv8(int r, int g, int b, int& y, int& u, int& v) {
  constexpr int64_t h = 1 << 13;
  y = sat8((4899 * int64_t(r) + 9617 * int64_t(g) + 1868 * int64_t(b) + h) >> 14);
  u = sat8(128 + ((int64_t(b - y) * 8061 + h) >> 14));
  v = sat8(128 + ((int64_t(r - y) * 14369 + h) >> 14));
}
inline void yuv8_to_rgb(int y, int u, int v, int& r, int& g, int& b) {
  constexpr int64_t h = 1 << 13;
  const int64_t uu = u - 128, vv = v - 128;
  r = sat8(y + ((vv * 18678 + h) >> 14));
  g = sat8(y + ((uu * -6472 + vv * -9519 + h) >> 14));
  b = sat8(y + ((uu * 33292 + h) >> 14));
}
inline int to8(float v) { return int(std::lround(std::min(255.0f, std::max(0.0f, v)))); }
// deoldify/filters.py _post_process on one pixel: cv2.cvtColor(x, COLOR_BGR2YUV) of the colour result and of the
// original, Y of the original with U, V of the result, COLOR_YUV2BGR. The arrays are Pillow's RGB, so OpenCV reads
// channel 0 (R) as blue: the luminance kept is 0.114 R + 0.587 G + 0.299 B, not BT.601's (the catalogue's §0.8
// reading, RGB2YUV, is not what the app does). For a gray original both readings keep the same Y; colours of the
// result differ slightly. rgb_to_yuv8 / yuv8_to_rgb are called with R and B swapped to reproduce that exactly.
inline void keep_luminance(const int color[3], const int original[3], int out[3]) {
  int yc, uc, vc, yo, uo, vo, r, g, b;
  rgb_to_yuv8(color[2], color[1], color[0], yc, uc, vc);  // BGR2YUV on an RGB array
  rgb_to_yuv8(original[2], original[1], original[0], yo, uo, vo);
  (void)yc;
  (void)uo;
  (void)vo;
  yuv8_to_rgb(yo, uc, vc, r, g, b);  // YUV2BGR: "r" lands in channel 2
  out[0] = b;
  out[1] = g;
  out[2] = r;
}

}  // namespace deoldify

// Model output (normalised RGB) → 8-bit RGB like deoldify/filters.py: y·std + mean, ×255, clamp to [0,255] (the
// reference casts with astype(uint8) without clamping; part-a §12 #9) and truncate; then keep the original's
// luminance: OpenCV 8-bit YUV of both as filters.py calls it (deoldify::keep_luminance: BGR2YUV on RGB arrays),
// Y from `original255` (rounded to 8 bits), U and V from the model, back to RGB. Both [N,3,H,W] of the same size (the reference resizes
// the 8-bit colour result to the original size with PIL bilinear before this step: resize the model output first).
// Matches the reference with OpenCV exactly (tests/golden/deoldify_unet.safetensors, "post").
inline Tensor<float> deoldify_postprocess(const Tensor<float>& model_out, const Tensor<float>& original255) {
  PIXFORGE_CHECK(model_out.dim() == 4 && model_out.size(1) == 3 && model_out.shape() == original255.shape(),
                 ErrorCode::shape_mismatch, "deoldify_postprocess: model output ", model_out.shape().str(),
                 " and original ", original255.shape().str(), " must both be [N,3,H,W] of the same size");
  const Tensor<float> col = model_out.contiguous(), orig = original255.contiguous();
  Tensor<float> out = Tensor<float>::empty(col.shape());
  const int64_t N = col.size(0), P = col.size(2) * col.size(3);
  const float mean[3] = {0.485f, 0.456f, 0.406f}, stdv[3] = {0.229f, 0.224f, 0.225f};
  for (int64_t n = 0; n < N; ++n) {
    const float* c = col.data() + n * 3 * P;
    const float* o = orig.data() + n * 3 * P;
    float* d = out.data() + n * 3 * P;
    for (int64_t i = 0; i < P; ++i) {
      int rgb[3];
      for (int k = 0; k < 3; ++k)  // de-normalise, ×255, clamp, truncate (astype(uint8))
        rgb[k] = int(std::floor(std::min(255.0f, std::max(0.0f, (c[k * P + i] * stdv[k] + mean[k]) * 255.0f))));
      const int o8[3] = {deoldify::to8(o[i]), deoldify::to8(o[P + i]), deoldify::to8(o[2 * P + i])};
      int res[3];
      deoldify::keep_luminance(rgb, o8, res);
      for (int k = 0; k < 3; ++k) d[k * P + i] = float(res[k]);
    }
  }
  return out;
}

inline const bool kDeoldifyUnetRegistered =
    register_model<DeoldifyUnet>("deoldify_unet", "DeOldify NoGAN artistic generator (fastai DynamicUnetDeep, ResNet-34)");

}  // namespace pixforge
