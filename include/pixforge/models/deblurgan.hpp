// pixforge/models/deblurgan.hpp — the DeblurGAN generator (Kupyn et al., "DeblurGAN: Blind Motion Deblurring Using
// Conditional Adversarial Networks", CVPR 2018): the pix2pix-family ResnetGenerator of KupynOrest/DeblurGAN
// models/networks.py (canonical two-conv ResnetBlock, commit a6f4ad0 and the released weights).
//
// Spec: architectures/part-a.md §7(b); PyTorch definition for the goldens: tools/reference/deblurgan.py. The Python
// class is one nn.Sequential `model`, so the state_dict keys are numeric indices; each member below names its index:
//
//   x    [N, 3, H, W]                                      RGB in [-1, 1] (x/255 then (x − 0.5)/0.5)
//   y    = relu(IN(model.1(reflect_pad3(x))))              3 -> ngf, 7×7             [N, ngf, H, W]
//   y    = relu(IN(model.4(y)))                            ngf -> 2ngf, 3×3 s2 p1    [N, 2ngf, H/2, W/2]
//   y    = relu(IN(model.7(y)))                            2ngf -> 4ngf, 3×3 s2 p1   [N, 4ngf, H/4, W/4]
//   y    = model.<9+n>(… model.10(y))                      n_blocks × ResnetBlock    [N, 4ngf, H/4, W/4]
//   y    = relu(IN(model.<10+n>(y)))                       ConvT 3×3 s2 p1 op1       [N, 2ngf, H/2, W/2]
//   y    = relu(IN(model.<13+n>(y)))                       ConvT 3×3 s2 p1 op1       [N, ngf, H, W]
//   g    = tanh(model.<17+n>(reflect_pad3(y)))             ngf -> 3, 7×7             [N, 3, H, W]
//   out  = learn_residual ? clamp(x + g, −1, 1) : g                                  [N, 3, H, W]
//
//   ResnetBlock(x) = x + IN(conv_block.6(pad1(Dropout(relu(IN(conv_block.1(pad1(x))))))))   (with dropout;
//                    the second conv is conv_block.5 without dropout). No ReLU after the add.
//
// IN = InstanceNorm2d(affine=False), eps 1e-5, always per-instance statistics (the repo builds it with
// track_running_stats=True but never calls eval(); the stale running_mean/var/num_batches_tracked keys are ignored).
// Dropout(0.5) is the identity (inference). All convs have a bias. Reflection pads are the convs' padding_mode.
//
// Pre/post-processing: RGB in [-1, 1] (info().range = symmetric); DeblurGAN's tensor2im maps back with
// (y + 1)/2·255 and truncates. The released weights need learn_residual = true (the default here). H and W must be
// multiples of 4 (otherwise the residual add fails, e.g. 250 → 125 → 63 → 126 → 252) and at least 8 (the
// reflection pads of the blocks at H/4); forward() refuses other sizes. Instance norm makes every pixel depend on
// the whole image (info().global_context).
//
// Block variants (part-a §7(b), §12 #8; config `block`): "two_conv" (canonical, default) and "one_conv", the
// 2019 HEAD code whose conditional-expression precedence leaves one conv per block:
//   x + Dropout(relu(IN(conv_block.1(pad1(x)))))   with dropout,   x + IN(conv_block.1(pad1(x)))   without.
// (That code also hard-codes its channel numbers independently of ngf; they coincide with 4·ngf at ngf 64, the
// only width it was used with — here the blocks always have 4·ngf channels.) detect_block_variant() tells the
// variants apart by the keys of the first block; loading a file of one variant into the other reports the
// missing / unexpected conv_block keys.
//
// Full size (ngf 64): 11,378,179 parameters with 9 blocks, 6,657,539 with 5 (part-a §7(b)).
//
//     auto net = DeblurGAN::load("weights/deblurgan.safetensors");
//     Tensor<float> y = net->forward(x);       // x [1, 3, H, W] in [-1, 1] -> y [1, 3, H, W] in [-1, 1]
#pragma once

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "pixforge/core/json.hpp"
#include "pixforge/io/safetensors.hpp"
#include "pixforge/models/model.hpp"
#include "pixforge/nn/layers.hpp"
#include "pixforge/nn/state_dict.hpp"
#include "pixforge/ops/activation.hpp"
#include "pixforge/ops/elementwise.hpp"

namespace pixforge {

namespace deblurgan {

// InstanceNorm2d(affine=False) built with track_running_stats=True in the repo: its running_mean/var (ignored by
// InstanceNorm2d) and, from PyTorch 0.4.1 on, num_batches_tracked are in the checkpoints and are ignored.
class RepoInstanceNorm2d : public InstanceNorm2d {
 public:
  explicit RepoInstanceNorm2d(int64_t num_features) : InstanceNorm2d(num_features, 1e-5f, false) {
    register_ignored("num_batches_tracked");
  }
};

// The ResnetBlock's `conv_block` Sequential. Two-conv: 0 pad, 1 conv, 2 IN, 3 ReLU, [4 Dropout], 5|4 pad,
// 6|5 conv, 7|6 IN. One-conv: 0 pad, 1 conv, 2 IN, [3 ReLU, 4 Dropout].
class ResnetConvBlock : public Module {
 public:
  Conv2d conv1;              // conv_block.1
  RepoInstanceNorm2d norm1;  // conv_block.2
  Conv2d conv2;              // conv_block.6 (with dropout) / conv_block.5 (without); unused with one_conv
  RepoInstanceNorm2d norm2;  // conv_block.7 / conv_block.6
  bool one_conv, use_dropout;
  ResnetConvBlock(int64_t dim, bool use_dropout_, bool one_conv_)
      : conv1(Conv2dOptions(dim, dim, 3).padding(1).padding_mode(PaddingMode::reflect)),
        norm1(dim),
        conv2(Conv2dOptions(one_conv_ ? 1 : dim, one_conv_ ? 1 : dim, 3)  // 1 channel: unused placeholder
                  .padding(1)
                  .padding_mode(PaddingMode::reflect)),
        norm2(dim),
        one_conv(one_conv_),
        use_dropout(use_dropout_) {
    register_module("1", conv1);
    register_module("2", norm1);
    if (one_conv) return;
    const int second = use_dropout ? 6 : 5;
    register_module(std::to_string(second), conv2);
    register_module(std::to_string(second + 1), norm2);
  }
};

class ResnetBlock : public Module {
 public:
  ResnetConvBlock conv_block;
  ResnetBlock(int64_t dim, bool use_dropout, bool one_conv = false) : conv_block(dim, use_dropout, one_conv) {
    register_module("conv_block", conv_block);
  }
  Tensor<float> forward(const Tensor<float>& x) const {
    Tensor<float> y = conv_block.norm1(conv_block.conv1(x));  // [N, C, H, W] reflect pad 1 + conv + IN
    if (!conv_block.one_conv) {
      relu_(y);                                                // (Dropout: identity)
      y = conv_block.norm2(conv_block.conv2(y));               // [N, C, H, W]
    } else if (conv_block.use_dropout) {
      relu_(y);                                                // one-conv with dropout: ReLU, Dropout (identity)
    }
    add_(y, x);                                                // no ReLU after the add
    return y;
  }
};

// The generator's nn.Sequential `model`, members at their indices (n = n_blocks).
class ResnetSequential : public Module {
 public:
  Conv2d conv_in;           // model.1   (model.0 is ReflectionPad2d(3))
  RepoInstanceNorm2d norm_in;  // model.2
  Conv2d down1;             // model.4
  RepoInstanceNorm2d norm_down1;  // model.5
  Conv2d down2;             // model.7
  RepoInstanceNorm2d norm_down2;  // model.8
  std::vector<std::unique_ptr<ResnetBlock>> blocks;  // model.10 … model.<9+n>
  ConvTranspose2d up1;      // model.<10+n>
  RepoInstanceNorm2d norm_up1;  // model.<11+n>
  ConvTranspose2d up2;      // model.<13+n>
  RepoInstanceNorm2d norm_up2;  // model.<14+n>
  Conv2d conv_out;          // model.<17+n>  (model.<16+n> is ReflectionPad2d(3), model.<18+n> Tanh)

  ResnetSequential(int64_t in_nc, int64_t out_nc, int64_t ngf, int64_t n_blocks, bool use_dropout, bool one_conv)
      : conv_in(Conv2dOptions(in_nc, ngf, 7).padding(3).padding_mode(PaddingMode::reflect)),
        norm_in(ngf),
        down1(Conv2dOptions(ngf, 2 * ngf, 3).stride(2).padding(1)),
        norm_down1(2 * ngf),
        down2(Conv2dOptions(2 * ngf, 4 * ngf, 3).stride(2).padding(1)),
        norm_down2(4 * ngf),
        up1(ConvTranspose2dOptions(4 * ngf, 2 * ngf, 3).stride(2).padding(1).output_padding(1)),
        norm_up1(2 * ngf),
        up2(ConvTranspose2dOptions(2 * ngf, ngf, 3).stride(2).padding(1).output_padding(1)),
        norm_up2(ngf),
        conv_out(Conv2dOptions(ngf, out_nc, 7).padding(3).padding_mode(PaddingMode::reflect)) {
    register_module("1", conv_in);
    register_module("2", norm_in);
    register_module("4", down1);
    register_module("5", norm_down1);
    register_module("7", down2);
    register_module("8", norm_down2);
    for (int64_t i = 0; i < n_blocks; ++i) {
      blocks.push_back(std::make_unique<ResnetBlock>(4 * ngf, use_dropout, one_conv));
      register_module(std::to_string(10 + i), *blocks.back());
    }
    register_module(std::to_string(10 + n_blocks), up1);
    register_module(std::to_string(11 + n_blocks), norm_up1);
    register_module(std::to_string(13 + n_blocks), up2);
    register_module(std::to_string(14 + n_blocks), norm_up2);
    register_module(std::to_string(17 + n_blocks), conv_out);
    conv_out.params.act = Act::tanh();  // model.<18+n> Tanh, fused into the conv epilogue
  }
};

}  // namespace deblurgan

class DeblurGAN : public ImageModel {
 public:
  struct Config {
    int64_t input_nc = 3, output_nc = 3;
    int64_t ngf = 64;
    int64_t n_blocks = 9;        // 9 in the original, 5 in some re-trainings
    bool use_dropout = true;     // only changes the key index of each block's second conv (6 vs 5)
    bool learn_residual = true;  // out = clamp(x + G(x), -1, 1); required by the released weights
    std::string block = "two_conv";  // or "one_conv" (2019 HEAD variant)
    static Config from_json(const Json& j) {
      Config c;
      c.input_nc = j.get_int("input_nc", c.input_nc);
      c.output_nc = j.get_int("output_nc", c.output_nc);
      c.ngf = j.get_int("ngf", c.ngf);
      c.n_blocks = j.get_int("n_blocks", c.n_blocks);
      c.use_dropout = j.get_bool("use_dropout", c.use_dropout);
      c.learn_residual = j.get_bool("learn_residual", c.learn_residual);
      PIXFORGE_CHECK(c.ngf >= 1 && c.ngf <= 1024, ErrorCode::invalid_argument, "deblurgan: config ngf=", c.ngf,
                     " out of range [1, 1024]");
      PIXFORGE_CHECK(c.n_blocks >= 0 && c.n_blocks <= 64, ErrorCode::invalid_argument, "deblurgan: config n_blocks=",
                     c.n_blocks, " out of range [0, 64]");
      PIXFORGE_CHECK(c.input_nc >= 1 && c.input_nc <= 64 && c.output_nc >= 1 && c.output_nc <= 64,
                     ErrorCode::invalid_argument, "deblurgan: config input_nc=", c.input_nc, " output_nc=",
                     c.output_nc, " out of range [1, 64]");
      PIXFORGE_CHECK(!c.learn_residual || c.input_nc == c.output_nc, ErrorCode::invalid_argument,
                     "deblurgan: learn_residual needs input_nc == output_nc, got ", c.input_nc, " and ", c.output_nc);
      c.block = j.get_string("block", c.block);
      PIXFORGE_CHECK(c.block == "two_conv" || c.block == "one_conv", ErrorCode::invalid_argument,
                     "deblurgan: config block='", c.block, "' must be 'two_conv' or 'one_conv'");
      const std::string norm = j.get_string("norm", "instance");
      PIXFORGE_CHECK(norm == "instance", ErrorCode::unsupported, "deblurgan: config norm='", norm,
                     "' is not supported (only 'instance', the DeblurGAN default)");
      return c;
    }
  };

  deblurgan::ResnetSequential model;

  DeblurGAN() : DeblurGAN(Config()) {}
  explicit DeblurGAN(const Config& c)
      : model(c.input_nc, c.output_nc, c.ngf, c.n_blocks, c.use_dropout, c.block == "one_conv"), config_(c) {
    register_module("model", model);
    info_.arch = "deblurgan";
    info_.task = "deblur";
    info_.scale = 1;
    info_.in_channels = c.input_nc;
    info_.out_channels = c.output_nc;
    info_.range = Range::symmetric;
    info_.border_mode = PaddingMode::reflect;
    info_.size_multiple = 4;
    info_.global_context = true;  // instance norm statistics over the whole image
  }

  static std::unique_ptr<DeblurGAN> load(const std::string& path) {
    return load_model_as<DeblurGAN>(path, "deblurgan");
  }

  const Config& config() const { return config_; }
  const ImageModelInfo& info() const override { return info_; }

  // The block variant of a checkpoint from its keys (first block model.10): "two_conv" with use_dropout (second conv
  // at conv_block.6) or without (conv_block.5), "one_conv" (conv_block.1 only; use_dropout cannot be seen from the
  // keys: it decides whether the block has a ReLU — the repo default is with dropout). "" when there is no block.
  static std::string detect_block_variant(const std::vector<std::string>& keys, bool* use_dropout = nullptr) {
    auto has = [&](const std::string& k) { return std::find(keys.begin(), keys.end(), k) != keys.end(); };
    if (!has("model.10.conv_block.1.weight")) return "";
    if (has("model.10.conv_block.6.weight")) {
      if (use_dropout) *use_dropout = true;
      return "two_conv";
    }
    if (has("model.10.conv_block.5.weight")) {
      if (use_dropout) *use_dropout = false;
      return "two_conv";
    }
    return "one_conv";
  }

  // G(x) without the residual connection (= forward() when learn_residual is false).
  Tensor<float> generator(const Tensor<float>& x) const {
    check_input(x);
    const auto& m = model;
    Tensor<float> y = m.norm_in(m.conv_in(x));  // [N, ngf, H, W]
    relu_(y);
    y = m.norm_down1(m.down1(y));                // [N, 2ngf, H/2, W/2]
    relu_(y);
    y = m.norm_down2(m.down2(y));                // [N, 4ngf, H/4, W/4]
    relu_(y);
    for (const auto& b : m.blocks) y = b->forward(y);  // [N, 4ngf, H/4, W/4]
    y = m.norm_up1(m.up1(y));                    // [N, 2ngf, H/2, W/2]
    relu_(y);
    y = m.norm_up2(m.up2(y));                    // [N, ngf, H, W]
    relu_(y);
    return m.conv_out(y);                        // [N, out_nc, H, W], tanh fused
  }

  Tensor<float> forward(const Tensor<float>& x) const override {
    Tensor<float> g = generator(x);
    if (!config_.learn_residual) return g;
    add_(g, x);                 // x + G(x)
    clamp_(g, -1.0f, 1.0f);     // [N, 3, H, W] in [-1, 1]
    return g;
  }

 private:
  void check_input(const Tensor<float>& x) const {
    PIXFORGE_CHECK(x.dim() == 4 && x.size(1) == config_.input_nc, ErrorCode::shape_mismatch,
                   "deblurgan: expected a tensor [N,", config_.input_nc, ",H,W] in [-1,1], got ", x.shape().str());
    PIXFORGE_CHECK(x.size(2) % 4 == 0 && x.size(3) % 4 == 0 && x.size(2) >= 8 && x.size(3) >= 8,
                   ErrorCode::shape_mismatch, "deblurgan: H and W must be multiples of 4 and at least 8, got ",
                   x.shape().str(), " (pad the image, e.g. with the pipeline, which pads to info().size_multiple)");
  }

  Config config_;
  ImageModelInfo info_;
};

inline const bool kDeblurGANRegistered =
    register_model<DeblurGAN>("deblurgan", "DeblurGAN ResnetGenerator (blind motion deblurring)");

}  // namespace pixforge
