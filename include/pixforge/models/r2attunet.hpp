// pixforge/models/r2attunet.hpp — R2AttU-Net: a U-Net with recurrent residual conv blocks (R2U-Net, Alom et al.
// arXiv 1802.06955) and additive attention gates on the skips (Attention U-Net, Oktay et al. arXiv 1804.03999).
//
// Mirrors LeeJunHyun/Image_Segmentation `network.py` (Recurrent_block, RRCNN_block, up_conv, Attention_block,
// R2AttU_Net); members are named after its state_dict keys, a nn.Sequential index written with an underscore:
// member `RCNN_0.conv_0` is key `RCNN.0.conv.0` (`RRCNN1.RCNN.0.conv.0.weight`, `Up5.up.1.weight`,
// `Att5.psi.1.running_var`, `Conv_1x1.bias`). Spec: architectures/part-a.md §6; PyTorch definition used for the
// goldens: tools/reference/r2attunet.py. All convs have a bias; BatchNorm eps 1e-5, running statistics (eval).
//
//   Recurrent_block(C, t):  f = relu(BN(conv3×3(·)))  (conv.0, conv.1 — ONE conv+BN, shared by every application)
//     r = f(x); then t times r = f(x + r)                      t + 1 applications, [N, C, H, W]
//   RRCNN_block(Cin, Cout, t):
//     x0 = Conv_1x1(x)                                          [N, Cout, H, W]  (no norm, no activation)
//     return x0 + RCNN.1(RCNN.0(x0))                            two different Recurrent_blocks in series
//   up_conv(Cin, Cout):  relu(BN(conv3×3(upsample_nearest×2(x))))   (up.1 conv, up.2 BN)   [N, Cout, 2H, 2W]
//   Attention_block(F_g, F_l, F_int), gate g (decoder) and skip x, same H×W:
//     ψ = sigmoid(BN(conv1×1(relu(BN(W_g conv1×1 g) + BN(W_x conv1×1 x)))))   [N, 1, H, W]
//     return x · ψ                                              [N, F_l, H, W]
//
//   R2AttU_Net(img_ch, output_ch, t), widths nf·(1, 2, 4, 8, 16), nf = 64 in the official class:
//     x1 = RRCNN1(x)                 [N, nf, H, W]
//     x2 = RRCNN2(maxpool2(x1))      [N, 2nf, H/2, W/2]       maxpool2 = MaxPool2d(2, 2), floor mode
//     x3 = RRCNN3(maxpool2(x2))      [N, 4nf, H/4, W/4]
//     x4 = RRCNN4(maxpool2(x3))      [N, 8nf, H/8, W/8]
//     x5 = RRCNN5(maxpool2(x4))      [N, 16nf, H/16, W/16]
//     d5 = Up5(x5);  d5 = Up_RRCNN5(cat(Att5(g=d5, x=x4), d5))   [N, 8nf, H/8, …]   (attended skip FIRST)
//     d4 = Up4(d5);  d4 = Up_RRCNN4(cat(Att4(d4, x3), d4))       [N, 4nf, H/4, …]
//     d3 = Up3(d4);  d3 = Up_RRCNN3(cat(Att3(d3, x2), d3))       [N, 2nf, H/2, …]
//     d2 = Up2(d3);  d2 = Up_RRCNN2(cat(Att2(d2, x1), d2))       [N, nf, H, W]
//     return Conv_1x1(d2)            [N, output_ch, H, W]  logits (no activation)
//   Attention F_int = half the skip width (Att5: 8nf, 8nf, 4nf … Att2: nf, nf, nf/2).
//   Parameters (nf 64): 39,442,925 for 3→1 (part-a §6(c); tests/models/test_r2attunet.cpp checks it).
//
// t (config `t`, default 2 = the class default) is NOT visible in the weights: the repo's main.py trains with its
// CLI default t = 3. Store it in the weight file's pixforge.config; a wrong t silently gives different outputs.
//
// Input size: H and W must be multiples of 16 (4 pools, ×2 upsampling, exact-size concatenation) — checked;
// info().size_multiple = 16 lets the pipeline pad. Pre/post-processing (the repo's data_loader / solver): RGB scaled
// to [−1, 1] ((x − 0.5)/0.5, info().range = symmetric), output = logits; the segmentation solver applies sigmoid
// outside the network. forward() returns the logits unchanged; for other tasks the caller picks the activation.
//
//     auto net = pixforge::load_model("r2attunet.safetensors");        // arch r2attunet, config {"t": 3, ...}
//     Tensor<> logits = net->forward(x);                                 // x [1, 3, H, W] in [−1, 1]
#pragma once

#include <memory>
#include <string>

#include "pixforge/core/json.hpp"
#include "pixforge/io/safetensors.hpp"
#include "pixforge/models/model.hpp"
#include "pixforge/nn/layers.hpp"
#include "pixforge/nn/state_dict.hpp"
#include "pixforge/ops/activation.hpp"
#include "pixforge/ops/concat.hpp"
#include "pixforge/ops/elementwise.hpp"
#include "pixforge/ops/pool.hpp"
#include "pixforge/ops/upsample.hpp"

namespace pixforge {

namespace r2attunet_detail {
// relu(bn(y)): BatchNorm with running statistics, then ReLU in place.
inline Tensor<float> bn_relu(const Tensor<float>& y, const BatchNorm2d& bn) {
  Tensor<float> z = bn(y);
  relu_(z);
  return z;
}
}  // namespace r2attunet_detail

// Recurrent_block(ch_out, t): one conv3×3 + BN + ReLU applied t + 1 times with shared weights.
class Recurrent_block : public Module {
 public:
  Conv2d conv_0;       // conv.0
  BatchNorm2d conv_1;  // conv.1

  Recurrent_block(int64_t ch, int64_t t) : conv_0(Conv2dOptions(ch, ch, 3).padding(1)), conv_1(ch), t_(t) {
    PIXFORGE_CHECK(t >= 1, ErrorCode::invalid_argument, "Recurrent_block: t=", t,
                   " must be >= 1 (the reference loop defines its output only for t >= 1)");
    register_module("conv.0", conv_0);
    register_module("conv.1", conv_1);
    register_ignored("conv.1.num_batches_tracked");
  }

  Tensor<float> f(const Tensor<float>& x) const { return r2attunet_detail::bn_relu(conv_0(x), conv_1); }

  Tensor<float> operator()(const Tensor<float>& x) const {  // [N, C, H, W] -> [N, C, H, W]
    Tensor<float> r = f(x);
    for (int64_t i = 0; i < t_; ++i) r = f(add(x, r));      // the SAME conv and BN statistics every time
    return r;
  }
  int64_t t() const { return t_; }

 private:
  int64_t t_;
};

// RRCNN_block(ch_in, ch_out, t): x0 = Conv_1x1(x); x0 + RCNN.1(RCNN.0(x0)).
class RRCNN_block : public Module {
 public:
  Recurrent_block RCNN_0, RCNN_1;  // RCNN.0, RCNN.1
  Conv2d Conv_1x1;

  RRCNN_block(int64_t ch_in, int64_t ch_out, int64_t t)
      : RCNN_0(ch_out, t), RCNN_1(ch_out, t), Conv_1x1(Conv2dOptions(ch_in, ch_out, 1)) {
    register_module("RCNN.0", RCNN_0);
    register_module("RCNN.1", RCNN_1);
    register_module("Conv_1x1", Conv_1x1);
  }

  Tensor<float> operator()(const Tensor<float>& x) const {  // [N, Cin, H, W]
    const Tensor<float> x0 = Conv_1x1(x);                   // [N, Cout, H, W]
    Tensor<float> y = RCNN_1(RCNN_0(x0));                   // [N, Cout, H, W]
    add_(y, x0);
    return y;
  }
};

// up_conv(ch_in, ch_out): nearest ×2 -> conv3×3 (up.1) -> BN (up.2) -> ReLU.
class up_conv : public Module {
 public:
  Conv2d up_1;       // up.1
  BatchNorm2d up_2;  // up.2

  up_conv(int64_t ch_in, int64_t ch_out) : up_1(Conv2dOptions(ch_in, ch_out, 3).padding(1)), up_2(ch_out) {
    register_module("up.1", up_1);
    register_module("up.2", up_2);
    register_ignored("up.2.num_batches_tracked");
  }

  Tensor<float> operator()(const Tensor<float>& x) const {  // [N, Cin, H, W] -> [N, Cout, 2H, 2W]
    const Tensor<float> u = interpolate(x, InterpolateParams::by_scale(2.0, InterpolateMode::nearest));
    return r2attunet_detail::bn_relu(up_1(u), up_2);
  }
};

// Attention_block(F_g, F_l, F_int): gate g [N, F_g, H, W], skip x [N, F_l, H, W] -> x · ψ.
class Attention_block : public Module {
 public:
  Conv2d W_g_0, W_x_0, psi_0;        // W_g.0, W_x.0, psi.0 (1×1, bias)
  BatchNorm2d W_g_1, W_x_1, psi_1;   // W_g.1, W_x.1, psi.1 (psi.1 has ONE channel)

  Attention_block(int64_t F_g, int64_t F_l, int64_t F_int)
      : W_g_0(Conv2dOptions(F_g, F_int, 1)), W_x_0(Conv2dOptions(F_l, F_int, 1)), psi_0(Conv2dOptions(F_int, 1, 1)),
        W_g_1(F_int), W_x_1(F_int), psi_1(1) {
    register_module("W_g.0", W_g_0);
    register_module("W_g.1", W_g_1);
    register_module("W_x.0", W_x_0);
    register_module("W_x.1", W_x_1);
    register_module("psi.0", psi_0);
    register_module("psi.1", psi_1);
    for (const char* k : {"W_g.1.num_batches_tracked", "W_x.1.num_batches_tracked", "psi.1.num_batches_tracked"})
      register_ignored(k);
  }

  Tensor<float> operator()(const Tensor<float>& g, const Tensor<float>& x) const {
    PIXFORGE_CHECK(g.dim() == 4 && x.dim() == 4 && g.size(0) == x.size(0) && g.size(2) == x.size(2) &&
                       g.size(3) == x.size(3),
                   ErrorCode::shape_mismatch, "Attention_block: gate ", g.shape().str(), " and skip ",
                   x.shape().str(), " must have the same N, H, W");
    Tensor<float> s = W_g_1(W_g_0(g));   // [N, F_int, H, W]
    add_(s, W_x_1(W_x_0(x)));            // g1 + x1
    relu_(s);
    Tensor<float> psi = psi_1(psi_0(s));  // [N, 1, H, W]
    sigmoid_(psi);
    return mul(x, psi);                  // [N, F_l, H, W], ψ broadcast over channels
  }
};

class R2AttUNet : public ImageModel {
 public:
  struct Config {
    int64_t img_ch = 3, output_ch = 1;
    int64_t t = 2;   // recurrence count: class default 2, the repo's main.py default 3 — not in the weights
    int64_t nf = 64; // base width (the official class hard-codes 64); narrow test networks use less
    static Config from_json(const Json& j) {
      Config c;
      c.img_ch = j.get_int("img_ch", c.img_ch);
      c.output_ch = j.get_int("output_ch", c.output_ch);
      c.t = j.get_int("t", c.t);
      c.nf = j.get_int("nf", c.nf);
      c.validate();
      return c;
    }
    void validate() const {
      PIXFORGE_CHECK(img_ch >= 1 && img_ch <= 64 && output_ch >= 1 && output_ch <= 64, ErrorCode::invalid_argument,
                     "r2attunet: config img_ch=", img_ch, " output_ch=", output_ch, " out of range [1, 64]");
      PIXFORGE_CHECK(t >= 1 && t <= 16, ErrorCode::invalid_argument, "r2attunet: config t=", t,
                     " out of range [1, 16]");
      PIXFORGE_CHECK(nf >= 2 && nf % 2 == 0 && nf <= 1024, ErrorCode::invalid_argument, "r2attunet: config nf=", nf,
                     " must be even and in [2, 1024] (Att2's F_int is nf/2)");
    }
  };

  RRCNN_block RRCNN1, RRCNN2, RRCNN3, RRCNN4, RRCNN5;
  up_conv Up5;
  Attention_block Att5;
  RRCNN_block Up_RRCNN5;
  up_conv Up4;
  Attention_block Att4;
  RRCNN_block Up_RRCNN4;
  up_conv Up3;
  Attention_block Att3;
  RRCNN_block Up_RRCNN3;
  up_conv Up2;
  Attention_block Att2;
  RRCNN_block Up_RRCNN2;
  Conv2d Conv_1x1;

  R2AttUNet() : R2AttUNet(Config()) {}
  explicit R2AttUNet(const Config& c)
      : RRCNN1(validated(c).img_ch, c.nf, c.t), RRCNN2(c.nf, 2 * c.nf, c.t), RRCNN3(2 * c.nf, 4 * c.nf, c.t),
        RRCNN4(4 * c.nf, 8 * c.nf, c.t), RRCNN5(8 * c.nf, 16 * c.nf, c.t),
        Up5(16 * c.nf, 8 * c.nf), Att5(8 * c.nf, 8 * c.nf, 4 * c.nf), Up_RRCNN5(16 * c.nf, 8 * c.nf, c.t),
        Up4(8 * c.nf, 4 * c.nf), Att4(4 * c.nf, 4 * c.nf, 2 * c.nf), Up_RRCNN4(8 * c.nf, 4 * c.nf, c.t),
        Up3(4 * c.nf, 2 * c.nf), Att3(2 * c.nf, 2 * c.nf, c.nf), Up_RRCNN3(4 * c.nf, 2 * c.nf, c.t),
        Up2(2 * c.nf, c.nf), Att2(c.nf, c.nf, c.nf / 2), Up_RRCNN2(2 * c.nf, c.nf, c.t),
        Conv_1x1(Conv2dOptions(c.nf, c.output_ch, 1)), cfg_(c) {
    // Registration order = the official __init__ order (= state_dict order).
    register_module("RRCNN1", RRCNN1);
    register_module("RRCNN2", RRCNN2);
    register_module("RRCNN3", RRCNN3);
    register_module("RRCNN4", RRCNN4);
    register_module("RRCNN5", RRCNN5);
    register_module("Up5", Up5);
    register_module("Att5", Att5);
    register_module("Up_RRCNN5", Up_RRCNN5);
    register_module("Up4", Up4);
    register_module("Att4", Att4);
    register_module("Up_RRCNN4", Up_RRCNN4);
    register_module("Up3", Up3);
    register_module("Att3", Att3);
    register_module("Up_RRCNN3", Up_RRCNN3);
    register_module("Up2", Up2);
    register_module("Att2", Att2);
    register_module("Up_RRCNN2", Up_RRCNN2);
    register_module("Conv_1x1", Conv_1x1);

    info_.arch = "r2attunet";
    info_.task = "segment";
    info_.scale = 1;
    info_.in_channels = c.img_ch;
    info_.out_channels = c.output_ch;
    info_.range = Range::symmetric;
    info_.size_multiple = 16;
    info_.global_context = false;
  }

  static std::unique_ptr<R2AttUNet> load(const std::string& path) {
    return load_model_as<R2AttUNet>(path, "r2attunet");
  }

  const Config& config() const { return cfg_; }
  const ImageModelInfo& info() const override { return info_; }

  // x [N, img_ch, H, W] in [−1, 1], H and W multiples of 16 -> logits [N, output_ch, H, W].
  Tensor<float> forward(const Tensor<float>& x) const override {
    PIXFORGE_CHECK(x.dim() == 4 && x.size(1) == cfg_.img_ch, ErrorCode::shape_mismatch, "r2attunet: expected [N,",
                   cfg_.img_ch, ",H,W], got ", x.shape().str());
    PIXFORGE_CHECK(x.size(2) > 0 && x.size(3) > 0 && x.size(2) % 16 == 0 && x.size(3) % 16 == 0,
                   ErrorCode::shape_mismatch, "r2attunet: H and W must be positive multiples of 16 (4 max-pools, "
                   "exact-size skip concatenation), got ", x.shape().str(), "; pad the image (size_multiple 16)");
    const MaxPool2dParams pool;  // 2×2, stride 2, floor mode
    const Tensor<float> x1 = RRCNN1(x);                        // [N, nf, H, W]
    const Tensor<float> x2 = RRCNN2(max_pool2d(x1, pool));     // [N, 2nf, H/2, W/2]
    const Tensor<float> x3 = RRCNN3(max_pool2d(x2, pool));     // [N, 4nf, H/4, W/4]
    const Tensor<float> x4 = RRCNN4(max_pool2d(x3, pool));     // [N, 8nf, H/8, W/8]
    const Tensor<float> x5 = RRCNN5(max_pool2d(x4, pool));     // [N, 16nf, H/16, W/16]
    Tensor<float> d = Up5(x5);                                 // [N, 8nf, H/8, W/8]
    d = Up_RRCNN5(concat({Att5(d, x4), d}));                   // cat -> 16nf; [N, 8nf, H/8, W/8]
    d = Up4(d);                                                // [N, 4nf, H/4, W/4]
    d = Up_RRCNN4(concat({Att4(d, x3), d}));                   // [N, 4nf, H/4, W/4]
    d = Up3(d);                                                // [N, 2nf, H/2, W/2]
    d = Up_RRCNN3(concat({Att3(d, x2), d}));                   // [N, 2nf, H/2, W/2]
    d = Up2(d);                                                // [N, nf, H, W]
    d = Up_RRCNN2(concat({Att2(d, x1), d}));                   // [N, nf, H, W]
    return Conv_1x1(d);                                        // [N, output_ch, H, W] logits
  }

 private:
  static const Config& validated(const Config& c) {
    c.validate();
    return c;
  }
  Config cfg_;
  ImageModelInfo info_;
};

inline const bool kR2AttUNetRegistered =
    register_model<R2AttUNet>("r2attunet", "R2AttU-Net segmentation U-Net (recurrent residual blocks + attention)");

}  // namespace pixforge
