// pixforge/models/fca_unet.hpp — FCA U-Net: the pix2pix `unet_256` generator (8 stride-2 convs, 8 transposed convs,
// skips) with FcaNet frequency channel attention (multi-spectral DCT pooling) on the encoder outputs e1…e7, as in
// the "frequency channel attention GAN" for image colour rendering (SIViP 2023/24, DOI 10.1007/s11760-023-02980-7).
// Spec: architectures/part-a.md §1 (base U-Net) and §4; PyTorch definition used for the goldens:
// tools/reference/fca_unet.py.
//
// RECONSTRUCTION (part-a §4(b), §12 #6): the paper does not publish where the attention sits nor its DCT sizes.
// This header puts FCA(C, dct = feature size at the 256 training size, reduction 16, 'top16') right after each
// level's BatchNorm (after the conv for e1), before the tensor feeds the next level and the skip; none on the 1×1
// bottleneck e8 or the decoder. The FCA layer itself is exact FcaNet `MultiSpectralAttentionLayer`
// (ops/channel_attention.hpp multi_spectral_attention). Remap when a real checkpoint appears.
//
// Keys: pix2pix's nested UnetSkipConnectionBlock layout (`model.model.<i>.…`) with the FCA module inserted into
// each block's Sequential right after the down path (RECONSTRUCTION too — it shifts the later indices):
//   outermost  0 downconv, 1 fca, 2 submodule, (3 ReLU), 4 upconv (bias), (5 Tanh)
//   middle     (0 LeakyReLU), 1 downconv, 2 downnorm, 3 fca, 4 submodule, (5 ReLU), 6 upconv, 7 upnorm (, 8 Dropout)
//   innermost  (0 LeakyReLU), 1 downconv, (2 ReLU), 3 upconv, 4 upnorm                     (no FCA)
// e.g. `model.model.0.weight`, `model.model.1.fc.0.weight`, `model.model.2.model.2.running_var`,
// `model.model.2.model.3.dct_layer.weight`. FCA keys: fc.0.weight [C/16, C], fc.2.weight [C, C/16] (Linear, no
// bias) and the constant buffer dct_layer.weight [C, dct, dct], recomputed here (its key is accepted and ignored).
// Convs k4 s2 p1, bias=False (BatchNorm) except the outermost upconv; BN eps 1e-5 with running statistics.
//
//   block(x), middle level k (x = e(k−1), [N, Cin, H, W]):
//     e  = fca(downnorm(downconv(leaky_relu(x, 0.2))))        [N, Cinner, H/2, W/2]      (= e_k)
//     s  = submodule(e)                                         [N, 2·Cinner, H/2, W/2]    (= cat(e_k, d(k+1)))
//     return cat(x, upnorm(upconv(relu(s))))                    [N, Cin + Cout, H, W]      (skip FIRST)
//   innermost: e = downconv(leaky_relu(x)) (no norm, no FCA); return cat(x, upnorm(upconv(relu(e))))
//   outermost: e1 = fca(downconv(x)); return tanh(upconv(relu(submodule(e1))))
//
//   widths (ngf = 64), sizes at 256 input — FCA dct size = this size (train_size >> k):
//     e1 ngf 128 | e2 2ngf 64 | e3 4ngf 32 | e4 8ngf 16 | e5 8ngf 8 | e6 8ngf 4 | e7 8ngf 2 | e8 8ngf 1 (no FCA)
//   At e6/e7 every frequency collapses to DC (index scale dct // 7 = 0); at other input sizes each FCA first
//   adaptive-average-pools its map to its dct size (so the attention sees the whole image: info().global_context).
//   Parameters (ngf 64): 54,551,682 for 1→2 (part-a §4(b): pix2pix 54,409,858 + 141,824 FC weights).
//   Dropout in the three blocks above the innermost = identity at inference.
//
// Pre/post-processing (pix2pix colorization, part-a §0.8): input the L channel as L/50 − 1 ([−1, 1], 1 channel),
// output ab/110 (tanh, 2 channels): io/color.hpp has the Lab conversions and the pix2pix scaling. H and W must be
// multiples of 256 (checked; info().size_multiple = 256).
//
//     auto net = pixforge::load_model("fca_unet.safetensors");   // arch fca_unet
//     Tensor<> ab = net->forward(L);                              // [1, 1, H, W] in [−1, 1] -> [1, 2, H, W]
#pragma once

#include <memory>
#include <string>

#include "pixforge/core/json.hpp"
#include "pixforge/io/safetensors.hpp"
#include "pixforge/models/model.hpp"
#include "pixforge/nn/layers.hpp"
#include "pixforge/nn/state_dict.hpp"
#include "pixforge/ops/activation.hpp"
#include "pixforge/ops/channel_attention.hpp"
#include "pixforge/ops/concat.hpp"

namespace pixforge {

// FcaNet MultiSpectralAttentionLayer(channel, dct_h, dct_w, reduction, freq_sel_method): fc.0, fc.2 and the DCT
// basis (recomputed; the checkpoint's dct_layer.weight buffer is ignored).
class MultiSpectralAttentionLayer : public Module {
 public:
  Linear fc_0, fc_2;  // fc.0: C -> C/r, fc.2: C/r -> C, no bias
  MultiSpectralAttentionParams params;
  Tensor<float> dct_weight;  // dct_layer.weight [C, dct_h, dct_w]

  MultiSpectralAttentionLayer(int64_t channel, int64_t dct_h, int64_t dct_w, int64_t reduction = 16,
                              const std::string& freq_sel_method = "top16")
      : fc_0(channel, checked_hidden(channel, reduction), false), fc_2(channel / reduction, channel, false) {
    params.dct_h = dct_h;
    params.dct_w = dct_w;
    params.freq_sel_method = freq_sel_method;
    dct_weight = multi_spectral_dct_filter(channel, params);
    register_module("fc.0", fc_0);
    register_module("fc.2", fc_2);
    register_ignored("dct_layer.weight");
  }

  Tensor<float> operator()(const Tensor<float>& x) const {  // [N, C, H, W] -> x · a[c], same shape
    MultiSpectralAttentionWeights w;
    w.fc_0.weight = fc_0.weight;
    w.fc_2.weight = fc_2.weight;
    w.dct_weight = dct_weight;
    return multi_spectral_attention(x, w, params);
  }

 private:
  static int64_t checked_hidden(int64_t channel, int64_t reduction) {
    PIXFORGE_CHECK(reduction >= 1 && channel % reduction == 0, ErrorCode::invalid_argument,
                   "MultiSpectralAttentionLayer: channel ", channel, " is not divisible by reduction ", reduction);
    return channel / reduction;
  }
};

// pix2pix UnetSkipConnectionBlock with an FCA after the down path (BatchNorm, see the top for the key layout).
class FcaUnetBlock : public Module {
 public:
  enum class Kind { outermost, middle, innermost };

  Conv2d downconv;
  std::unique_ptr<BatchNorm2d> downnorm;              // middle only
  std::unique_ptr<MultiSpectralAttentionLayer> fca;   // outermost and middle
  std::unique_ptr<FcaUnetBlock> submodule;            // all but innermost
  ConvTranspose2d upconv;
  std::unique_ptr<BatchNorm2d> upnorm;                // all but outermost

  // outer_nc: channels of the skip x (and of this block's up output); inner_nc: of e; input_nc: of x (outermost).
  FcaUnetBlock(Kind kind, int64_t outer_nc, int64_t inner_nc, int64_t input_nc, std::unique_ptr<FcaUnetBlock> sub,
               int64_t dct, int64_t reduction, const std::string& freq)
      : downconv(Conv2dOptions(input_nc, inner_nc, 4).stride(2).padding(1).bias(false)),
        submodule(std::move(sub)),
        upconv(ConvTranspose2dOptions(kind == Kind::innermost ? inner_nc : 2 * inner_nc, outer_nc, 4)
                   .stride(2)
                   .padding(1)
                   .bias(kind == Kind::outermost)),
        kind_(kind) {
    PIXFORGE_CHECK((kind == Kind::innermost) == !submodule, ErrorCode::invalid_argument,
                   "FcaUnetBlock: only the innermost block has no submodule");
    if (kind != Kind::innermost)
      fca = std::make_unique<MultiSpectralAttentionLayer>(inner_nc, dct, dct, reduction, freq);
    if (kind == Kind::middle) downnorm = std::make_unique<BatchNorm2d>(inner_nc);
    if (kind != Kind::outermost) upnorm = std::make_unique<BatchNorm2d>(outer_nc);
    switch (kind) {
      case Kind::outermost:
        register_module("model.0", downconv);
        register_module("model.1", *fca);
        register_module("model.2", *submodule);
        register_module("model.4", upconv);
        break;
      case Kind::middle:
        register_module("model.1", downconv);
        register_module("model.2", *downnorm);
        register_ignored("model.2.num_batches_tracked");
        register_module("model.3", *fca);
        register_module("model.4", *submodule);
        register_module("model.6", upconv);
        register_module("model.7", *upnorm);
        register_ignored("model.7.num_batches_tracked");
        break;
      case Kind::innermost:
        register_module("model.1", downconv);
        register_module("model.3", upconv);
        register_module("model.4", *upnorm);
        register_ignored("model.4.num_batches_tracked");
        break;
    }
  }

  // The encoder path: e = fca(downnorm(downconv(leaky_relu(x, 0.2)))) (outermost: fca(downconv(x)); innermost:
  // downconv(leaky_relu(x))).                                       [N, Cin, H, W] -> [N, inner, H/2, W/2]
  Tensor<float> down(const Tensor<float>& x) const {
    if (kind_ == Kind::outermost) return (*fca)(downconv(x));
    Tensor<float> e = downconv(leaky_relu(x, 0.2f));
    if (kind_ == Kind::innermost) return e;
    return (*fca)((*downnorm)(e));
  }

  Tensor<float> forward(const Tensor<float>& x) const {
    const Tensor<float> e = down(x);                                        // [N, inner, H/2, W/2]
    const Tensor<float> s = submodule ? submodule->forward(e) : e;          // [N, 2·inner, H/2, W/2] (innermost: e)
    Tensor<float> y = upconv(relu(s));                                      // [N, outer, H, W]
    if (kind_ == Kind::outermost) return tanh_(y);
    return concat({x, (*upnorm)(y)});                                       // [N, Cin + outer, H, W]
  }
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

class FcaUNet : public ImageModel {
 public:
  struct Config {
    int64_t input_nc = 1, output_nc = 2, ngf = 64;
    int64_t train_size = 256;       // the size the DCT bases are built for: dct at level k = train_size >> k
    int64_t reduction = 16;
    std::string freq_sel_method = "top16";
    static Config from_json(const Json& j) {
      Config c;
      c.input_nc = j.get_int("input_nc", c.input_nc);
      c.output_nc = j.get_int("output_nc", c.output_nc);
      c.ngf = j.get_int("ngf", c.ngf);
      c.train_size = j.get_int("train_size", c.train_size);
      c.reduction = j.get_int("reduction", c.reduction);
      c.freq_sel_method = j.get_string("freq_sel_method", c.freq_sel_method);
      c.validate();
      return c;
    }
    void validate() const {
      PIXFORGE_CHECK(input_nc >= 1 && input_nc <= 64 && output_nc >= 1 && output_nc <= 64,
                     ErrorCode::invalid_argument, "fca_unet: config input_nc=", input_nc, " output_nc=", output_nc,
                     " out of range [1, 64]");
      PIXFORGE_CHECK(ngf >= 16 && ngf <= 1024 && ngf % 16 == 0 && ngf % reduction == 0, ErrorCode::invalid_argument,
                     "fca_unet: config ngf=", ngf, " must be a multiple of 16 (the 'top16' channel groups) and of ",
                     "reduction=", reduction);
      PIXFORGE_CHECK(train_size >= 256 && train_size % 256 == 0 && train_size <= 8192, ErrorCode::invalid_argument,
                     "fca_unet: config train_size=", train_size, " must be a multiple of 256");
      get_freq_indices(freq_sel_method);
    }
  };

  std::unique_ptr<FcaUnetBlock> model;  // the outermost block; keys model.model.…

  FcaUNet() : FcaUNet(Config()) {}
  explicit FcaUNet(const Config& c) : cfg_(validated(c)) {
    using K = FcaUnetBlock::Kind;
    const int64_t g = c.ngf, r = c.reduction;
    auto dct = [&](int k) { return c.train_size >> k; };  // e_k's size at the training size
    const std::string& f = c.freq_sel_method;
    auto b = std::make_unique<FcaUnetBlock>(K::innermost, 8 * g, 8 * g, 8 * g, nullptr, 0, r, f);   // e8
    for (int k = 7; k >= 5; --k)                                                                    // e7, e6, e5
      b = std::make_unique<FcaUnetBlock>(K::middle, 8 * g, 8 * g, 8 * g, std::move(b), dct(k), r, f);
    b = std::make_unique<FcaUnetBlock>(K::middle, 4 * g, 8 * g, 4 * g, std::move(b), dct(4), r, f);  // e4
    b = std::make_unique<FcaUnetBlock>(K::middle, 2 * g, 4 * g, 2 * g, std::move(b), dct(3), r, f);  // e3
    b = std::make_unique<FcaUnetBlock>(K::middle, g, 2 * g, g, std::move(b), dct(2), r, f);          // e2
    model = std::make_unique<FcaUnetBlock>(K::outermost, c.output_nc, g, c.input_nc, std::move(b), dct(1), r, f);
    register_module("model", *model);

    info_.arch = "fca_unet";
    info_.task = "colorize";
    info_.scale = 1;
    info_.in_channels = c.input_nc;
    info_.out_channels = c.output_nc;
    info_.range = Range::symmetric;
    info_.size_multiple = 256;
    info_.border_mode = PaddingMode::reflect;  // how the pipeline pads up to the size multiple
    info_.global_context = true;  // every FCA pools its whole map
  }

  static std::unique_ptr<FcaUNet> load(const std::string& path) { return load_model_as<FcaUNet>(path, "fca_unet"); }

  const Config& config() const { return cfg_; }
  const ImageModelInfo& info() const override { return info_; }

  // x [N, input_nc, H, W] in [−1, 1], H and W multiples of 256 -> [N, output_nc, H, W] in (−1, 1).
  Tensor<float> forward(const Tensor<float>& x) const override {
    check_model_input(x, info_, "8 stride-2 levels down to 1×1, exact-size skip concatenation");
    return model->forward(x);
  }

 private:
  static const Config& validated(const Config& c) {
    c.validate();
    return c;
  }
  Config cfg_;
  ImageModelInfo info_;
};

inline const bool kFcaUNetRegistered =
    register_model<FcaUNet>("fca_unet", "pix2pix U-Net 8+8 with FcaNet DCT channel attention (RECONSTRUCTION)");

}  // namespace pixforge
