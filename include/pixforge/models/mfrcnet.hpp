// pixforge/models/mfrcnet.hpp — MFRC-Net ("multi-field feature representation colorization network"): the pix2pix
// `unet_256` generator with multi-field feature representation blocks (MFRB) on encoder outputs.
// Spec: architectures/part-a.md §1 (base U-Net) and §3; PyTorch definition used for the goldens:
// tools/reference/mfrcnet.py.
//
// RECONSTRUCTION — the whole MFRB and its placement (part-a §3, §12 #5). The paper (Li Hongan et al.) is not
// public; the spec reconstructs the block from its one-line description ("parallel branches with different
// receptive fields fused by a 1×1 conv, inserted in an improved U-Net"). Branch dilations and placement are config
// parameters (`dilations`, `mfrb_levels`) so a real checkpoint can be mapped once its state-dict shapes are known.
//
//   MFRB(C), q = C/4, x = a pre-activation encoder tensor [N, C, H, W]:
//     a   = leaky_relu(x, 0.2)                                  (shared pre-activation)
//     b1  = relu(BN(conv1×1(a)))                                b1.0 conv C→q (no bias), b1.1 BN      [N, q, H, W]
//     bk  = relu(BN(conv3×3(a, dilation d, padding d)))         k = 2, 3, 4 with d = dilations (1, 2, 4)
//     y   = BN(conv1×1(cat(b1, b2, b3, b4)))                    fuse.0 C→C (no bias), fuse.1 BN       [N, C, H, W]
//     out = x + y                                               (no activation: the U-Net's pre-activation form)
//
// Base network and keys: pix2pix UnetGenerator (ngf, BatchNorm, k4 s2 p1 convs bias=False except the outermost
// upconv; dropout = identity), nested keys `model.model.<i>.…`. An MFRB sits in its level's
// UnetSkipConnectionBlock Sequential right after the down path (after downnorm), before the submodule, so it feeds
// both the next level and the skip (RECONSTRUCTION of the key layout too):
//   middle with MFRB     (0 LeakyReLU), 1 downconv, 2 downnorm, 3 mfrb, 4 submodule, (5 ReLU), 6 upconv, 7 upnorm
//   middle without       (0 LeakyReLU), 1 downconv, 2 downnorm, 3 submodule, (4 ReLU), 5 upconv, 6 upnorm  (pix2pix)
//   outermost            0 downconv, 1 submodule, (2 ReLU), 3 upconv (bias), (4 Tanh)
//   innermost            (0 LeakyReLU), 1 downconv, (2 ReLU), 3 upconv, 4 upnorm
//
//   block(x), middle level k (x = e(k−1)):
//     e = [mfrb](downnorm(downconv(leaky_relu(x, 0.2))))          [N, Cinner, H/2, W/2]   (= e_k)
//     return cat(x, upnorm(upconv(relu(submodule(e)))))           [N, Cin + Cout, H, W]   (skip first)
//   outermost: tanh(upconv(relu(submodule(downconv(x)))));  innermost: e = downconv(leaky_relu(x)), no norm.
//   Levels e1…e8 have ngf, 2ngf, 4ngf, 8ngf ×5 channels; default MFRB levels 2, 3, 4, 5 (C = 128, 256, 512, 512,
//   sizes 64, 32, 16, 8 at 256 input; allowed levels 2…7, the middle blocks).
//   Parameters (ngf 64, 1→2): 59,265,154 = pix2pix 54,409,858 + MFRB 131,584 + 525,312 + 2 × 2,099,200.
//
// Pre/post-processing (pix2pix colorization, part-a §0.8): input L/50 − 1 (1 channel, [−1, 1]), output ab/110
// (tanh, 2 channels); io/color.hpp has the conversions. H and W must be multiples of 256 (checked).
//
//     auto net = pixforge::load_model("mfrcnet.safetensors");    // arch mfrcnet
//     Tensor<> ab = net->forward(L);                             // [1, 1, H, W] -> [1, 2, H, W]
#pragma once

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "pixforge/core/json.hpp"
#include "pixforge/io/safetensors.hpp"
#include "pixforge/models/model.hpp"
#include "pixforge/nn/layers.hpp"
#include "pixforge/nn/state_dict.hpp"
#include "pixforge/ops/activation.hpp"
#include "pixforge/ops/concat.hpp"
#include "pixforge/ops/elementwise.hpp"

namespace pixforge {

// RECONSTRUCTION: multi-field feature representation block (see the top).
class MFRB : public Module {
 public:
  Conv2d b1_0, b2_0, b3_0, b4_0, fuse_0;              // b1.0 … b4.0, fuse.0 (no bias)
  BatchNorm2d b1_1, b2_1, b3_1, b4_1, fuse_1;         // b1.1 … b4.1, fuse.1

  MFRB(int64_t C, const std::array<int64_t, 3>& dilations = {1, 2, 4})
      : b1_0(Conv2dOptions(checked_c(C), C / 4, 1).bias(false)),
        b2_0(Conv2dOptions(C, C / 4, 3).padding(dilations[0]).dilation(dilations[0]).bias(false)),
        b3_0(Conv2dOptions(C, C / 4, 3).padding(dilations[1]).dilation(dilations[1]).bias(false)),
        b4_0(Conv2dOptions(C, C / 4, 3).padding(dilations[2]).dilation(dilations[2]).bias(false)),
        fuse_0(Conv2dOptions(C, C, 1).bias(false)),
        b1_1(C / 4), b2_1(C / 4), b3_1(C / 4), b4_1(C / 4), fuse_1(C) {
    const char* names[4] = {"b1", "b2", "b3", "b4"};
    Conv2d* convs[4] = {&b1_0, &b2_0, &b3_0, &b4_0};
    BatchNorm2d* bns[4] = {&b1_1, &b2_1, &b3_1, &b4_1};
    for (int i = 0; i < 4; ++i) {
      register_module(std::string(names[i]) + ".0", *convs[i]);
      register_module(std::string(names[i]) + ".1", *bns[i]);
      register_ignored(std::string(names[i]) + ".1.num_batches_tracked");
    }
    register_module("fuse.0", fuse_0);
    register_module("fuse.1", fuse_1);
    register_ignored("fuse.1.num_batches_tracked");
  }

  Tensor<float> operator()(const Tensor<float>& x) const {   // [N, C, H, W]
    const Tensor<float> a = leaky_relu(x, 0.2f);              // shared pre-activation
    auto branch = [&](const Conv2d& conv, const BatchNorm2d& bn) {
      Tensor<float> b = bn(conv(a));                          // [N, C/4, H, W]
      return relu_(b);
    };
    const Tensor<float> cat = concat({branch(b1_0, b1_1), branch(b2_0, b2_1), branch(b3_0, b3_1),
                                      branch(b4_0, b4_1)});   // [N, C, H, W], order b1, b2, b3, b4
    Tensor<float> y = fuse_1(fuse_0(cat));                    // [N, C, H, W]
    add_(y, x);                                               // residual, no activation
    return y;
  }

 private:
  static int64_t checked_c(int64_t C) {
    PIXFORGE_CHECK(C >= 4 && C % 4 == 0, ErrorCode::invalid_argument, "MFRB: C=", C,
                   " must be a positive multiple of 4 (four branches of C/4)");
    return C;
  }
};

// pix2pix UnetSkipConnectionBlock (BatchNorm) with an optional MFRB after a middle block's down path.
class MfrcUnetBlock : public Module {
 public:
  enum class Kind { outermost, middle, innermost };

  Conv2d downconv;
  std::unique_ptr<BatchNorm2d> downnorm;     // middle only
  std::unique_ptr<MFRB> mfrb;                // middle blocks at an MFRB level
  std::unique_ptr<MfrcUnetBlock> submodule;  // all but innermost
  ConvTranspose2d upconv;
  std::unique_ptr<BatchNorm2d> upnorm;       // all but outermost

  MfrcUnetBlock(Kind kind, int64_t outer_nc, int64_t inner_nc, int64_t input_nc,
                std::unique_ptr<MfrcUnetBlock> sub, bool with_mfrb, const std::array<int64_t, 3>& dilations)
      : downconv(Conv2dOptions(input_nc, inner_nc, 4).stride(2).padding(1).bias(false)),
        submodule(std::move(sub)),
        upconv(ConvTranspose2dOptions(kind == Kind::innermost ? inner_nc : 2 * inner_nc, outer_nc, 4)
                   .stride(2)
                   .padding(1)
                   .bias(kind == Kind::outermost)),
        kind_(kind) {
    PIXFORGE_CHECK((kind == Kind::innermost) == !submodule, ErrorCode::invalid_argument,
                   "MfrcUnetBlock: only the innermost block has no submodule");
    PIXFORGE_CHECK(!with_mfrb || kind == Kind::middle, ErrorCode::invalid_argument,
                   "MfrcUnetBlock: an MFRB can only follow a middle block's BatchNorm (levels 2…7)");
    int idx = 0;
    auto next = [&](int skip = 0) { idx += skip; return "model." + std::to_string(idx++); };
    switch (kind) {
      case Kind::outermost:
        register_module(next(), downconv);                 // 0
        register_module(next(), *submodule);               // 1
        register_module(next(1), upconv);                  // 3
        break;
      case Kind::middle: {
        downnorm = std::make_unique<BatchNorm2d>(inner_nc);
        upnorm = std::make_unique<BatchNorm2d>(outer_nc);
        register_module(next(1), downconv);                // 1
        const std::string dn = next();                     // 2
        register_module(dn, *downnorm);
        register_ignored(dn + ".num_batches_tracked");
        if (with_mfrb) {
          mfrb = std::make_unique<MFRB>(inner_nc, dilations);
          register_module(next(), *mfrb);                  // 3
        }
        register_module(next(), *submodule);               // 4 (3 without MFRB)
        register_module(next(1), upconv);                  // 6 (5)
        const std::string un = next();                     // 7 (6)
        register_module(un, *upnorm);
        register_ignored(un + ".num_batches_tracked");
        break;
      }
      case Kind::innermost:
        upnorm = std::make_unique<BatchNorm2d>(outer_nc);
        register_module("model.1", downconv);
        register_module("model.3", upconv);
        register_module("model.4", *upnorm);
        register_ignored("model.4.num_batches_tracked");
        break;
    }
  }

  // The encoder path: e = [mfrb](downnorm(downconv(leaky_relu(x, 0.2)))); outermost: downconv(x); innermost:
  // downconv(leaky_relu(x)).                                        [N, Cin, H, W] -> [N, inner, H/2, W/2]
  Tensor<float> down(const Tensor<float>& x) const {
    if (kind_ == Kind::outermost) return downconv(x);
    Tensor<float> e = downconv(leaky_relu(x, 0.2f));
    if (kind_ == Kind::innermost) return e;
    e = (*downnorm)(e);
    return mfrb ? (*mfrb)(e) : e;
  }

  Tensor<float> forward(const Tensor<float>& x) const {
    const Tensor<float> e = down(x);                                 // [N, inner, H/2, W/2]
    const Tensor<float> s = submodule ? submodule->forward(e) : e;   // [N, 2·inner, H/2, W/2] (innermost: e)
    Tensor<float> y = upconv(relu(s));                               // [N, outer, H, W]
    if (kind_ == Kind::outermost) return tanh_(y);
    return concat({x, (*upnorm)(y)});                                // [N, Cin + outer, H, W]
  }
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

class MfrcNet : public ImageModel {
 public:
  struct Config {
    int64_t input_nc = 1, output_nc = 2, ngf = 64;
    std::vector<int64_t> mfrb_levels = default_levels();  // encoder levels e_k followed by an MFRB (2…7)
    std::array<int64_t, 3> dilations = {1, 2, 4};     // of the 3×3 branches b2, b3, b4
    static std::vector<int64_t> default_levels() {  // 2, 3, 4, 5 (a loop: GCC 12 warns on the initializer list)
      std::vector<int64_t> v;
      for (int64_t l = 2; l <= 5; ++l) v.push_back(l);
      return v;
    }
    static Config from_json(const Json& j) {
      Config c;
      c.input_nc = j.get_int("input_nc", c.input_nc);
      c.output_nc = j.get_int("output_nc", c.output_nc);
      c.ngf = j.get_int("ngf", c.ngf);
      if (const Json* l = j.find("mfrb_levels")) {
        PIXFORGE_CHECK(l->is_array(), ErrorCode::invalid_argument, "mfrcnet: config mfrb_levels must be an array");
        c.mfrb_levels.clear();
        for (size_t i = 0; i < l->size(); ++i) c.mfrb_levels.push_back((*l)[i].as_int64());
      }
      if (const Json* d = j.find("dilations")) {
        PIXFORGE_CHECK(d->is_array() && d->size() == 3, ErrorCode::invalid_argument,
                       "mfrcnet: config dilations must be an array of 3 integers");
        for (size_t i = 0; i < 3; ++i) c.dilations[i] = (*d)[i].as_int64();
      }
      c.validate();
      return c;
    }
    void validate() const {
      PIXFORGE_CHECK(input_nc >= 1 && input_nc <= 64 && output_nc >= 1 && output_nc <= 64,
                     ErrorCode::invalid_argument, "mfrcnet: config input_nc=", input_nc, " output_nc=", output_nc,
                     " out of range [1, 64]");
      PIXFORGE_CHECK(ngf >= 2 && ngf <= 1024 && ngf % 2 == 0, ErrorCode::invalid_argument, "mfrcnet: config ngf=",
                     ngf, " must be even (the MFRB on e2 splits 2·ngf into 4 branches)");
      for (int64_t l : mfrb_levels)
        PIXFORGE_CHECK(l >= 2 && l <= 7, ErrorCode::invalid_argument, "mfrcnet: config mfrb_levels has ", l,
                       "; MFRBs follow the middle levels 2…7");
      for (int64_t d : dilations)
        PIXFORGE_CHECK(d >= 1 && d <= 64, ErrorCode::invalid_argument, "mfrcnet: config dilation ", d,
                       " out of range [1, 64]");
    }
    bool has_mfrb(int64_t level) const {
      for (int64_t l : mfrb_levels)
        if (l == level) return true;
      return false;
    }
  };

  std::unique_ptr<MfrcUnetBlock> model;  // the outermost block; keys model.model.…

  MfrcNet() : MfrcNet(Config()) {}
  explicit MfrcNet(const Config& c) : cfg_(validated(c)) {
    using K = MfrcUnetBlock::Kind;
    const int64_t g = c.ngf;
    const auto& d = c.dilations;
    auto b = std::make_unique<MfrcUnetBlock>(K::innermost, 8 * g, 8 * g, 8 * g, nullptr, false, d);       // e8
    for (int k = 7; k >= 5; --k)                                                                         // e7…e5
      b = std::make_unique<MfrcUnetBlock>(K::middle, 8 * g, 8 * g, 8 * g, std::move(b), c.has_mfrb(k), d);
    b = std::make_unique<MfrcUnetBlock>(K::middle, 4 * g, 8 * g, 4 * g, std::move(b), c.has_mfrb(4), d);  // e4
    b = std::make_unique<MfrcUnetBlock>(K::middle, 2 * g, 4 * g, 2 * g, std::move(b), c.has_mfrb(3), d);  // e3
    b = std::make_unique<MfrcUnetBlock>(K::middle, g, 2 * g, g, std::move(b), c.has_mfrb(2), d);          // e2
    model = std::make_unique<MfrcUnetBlock>(K::outermost, c.output_nc, g, c.input_nc, std::move(b), false, d);
    register_module("model", *model);

    info_.arch = "mfrcnet";
    info_.task = "colorize";
    info_.scale = 1;
    info_.in_channels = c.input_nc;
    info_.out_channels = c.output_nc;
    info_.range = Range::symmetric;
    info_.size_multiple = 256;
    info_.border_mode = PaddingMode::reflect;  // how the pipeline pads up to the size multiple
    info_.global_context = true;  // 8 stride-2 levels: the 1×1 bottleneck sees the whole 256² image
  }

  static std::unique_ptr<MfrcNet> load(const std::string& path) { return load_model_as<MfrcNet>(path, "mfrcnet"); }

  const Config& config() const { return cfg_; }
  const ImageModelInfo& info() const override { return info_; }

  // x [N, input_nc, H, W] in [−1, 1], H and W multiples of 256 -> [N, output_nc, H, W] in (−1, 1).
  Tensor<float> forward(const Tensor<float>& x) const override {
    check_model_input(x, info_, "8 stride-2 levels, exact-size skip concatenation");
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

inline const bool kMfrcNetRegistered =
    register_model<MfrcNet>("mfrcnet", "MFRC-Net colorization U-Net with multi-field blocks (RECONSTRUCTION)");

}  // namespace pixforge
