// pixforge/models/isnet.hpp — IS-Net (ISNetDIS, "Highly Accurate Dichotomous Image Segmentation"): the matte
// network behind @imgly/background-removal ("medium" model) and rembg's isnet-general-use.
//
// Mirrors xuebinqin/DIS `IS-Net/models/isnet.py` (ISNetDIS); member names are its state_dict keys (`conv_in`,
// `stage1.rebnconvin.conv_s1.weight`, …, `side1`…`side6`). Spec: architectures/part-a.md §9; PyTorch definition
// used for the goldens: tools/reference/u2net.py (ISNetDIS). Blocks (REBNCONV, RSU-L, RSU-4F) and the stage
// widths are U²-Net's (models/u2net.hpp); the differences:
//
//   x    [N, 3, H, W]                    normalised input (see below)
//   hxin = conv_in(x)                    3×3, stride 2, padding 1, bias; no BN, no ReLU     [N, 64, H/2, W/2] (ceil)
//          (the official class declares pool_in but never calls it)
//   hx1 = stage1(hxin)                   RSU7(64, 32, 64)                                    1/2
//   hx2…hx6, hx5d…hx1d                   exactly as U²-Net full (pool = 2×2 ceil-mode max, up = bilinear to size)
//   s_k = sigmoid(up(side_k(f_k), x))    f = hx1d, hx2d, hx3d, hx4d, hx5d, hx6; every side output is resized to
//                                        the *input* size; there is no fusion conv
//   prediction = s_1                                                                         [N, 1, H, W]
//   Parameters: 44,046,790 (tests/models/test_isnet.cpp checks it).
//
// Pre/post-processing. IS-Net's Inference.py: resize the image to 1024×1024 (bilinear), back to uint8, x/255 − 0.5
// (config normalize "isnet"); matte resized to the original size and min-max normalised. @imgly/background-removal
// (whose ONNX model tools/convert_onnx_isnet.py converts; config normalize "imgly", bn_folded true): its own
// bilinear resize to 1024² (src = dst·in/out, rounded to uint8), (p − 128)/256, no min-max normalisation, matte·255
// truncated to uint8 and resized back. forward(x) takes x in [0, 1] (info().range = unit), applies the config's
// normalisation and returns s_1; forward_all() is the PyTorch module's forward on an already normalised input.
// The network runs at any size (ceil-mode pools + resize-to-size), but was trained at 1024²: resize first
// (ops/matte.hpp predict_matte does resize → forward → resize back).
//
// BatchNorm: as U²-Net (applied at run time; `bn_folded: true` for weight files with BN folded into conv_s1).
//
// Parity with the released model (tools/verify_isnet.py + tests/models/test_isnet.cpp, examples/data/sample.png
// with the package's preprocessing at 1024²): matte vs ONNX Runtime running the original fp16 graph mean abs 5.4e-5
// (0.014 LSB), max 4.5e-4; vs the PyTorch reference in fp32 with the converted weights mean 2.7e-7, max 1.7e-6
// (mean 1.3e-7, max 1.2e-6 when first measured, before the Winograd convs of issue #5: another summation order).
// Cost: 319 GFLOP of convs at 1024² (bench/models/bench_generators.cpp: 4.6 s CPU on one AVX-512 core, README there).
//
//     auto net = pixforge::load_model("weights/isnet.safetensors");             // arch isnet
//     Tensor<> matte = pixforge::predict_matte(*net, img, 1024);                // ops/matte.hpp
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "pixforge/models/model.hpp"
#include "pixforge/models/u2net.hpp"

namespace pixforge {

class ISNetDIS : public ImageModel {
 public:
  struct Config {
    int64_t in_ch = 3, out_ch = 1;
    bool bn_folded = false;         // BatchNorm already folded into conv_s1 (ONNX exports): no bn_s1 keys
    int64_t width_divisor = 1;      // narrow test networks
    std::string normalize = "isnet";  // forward()'s input mapping: isnet (x − 0.5), imgly, imagenet, none

    static Config from_json(const Json& j) {
      Config c;
      c.in_ch = j.get_int("in_ch", c.in_ch);
      c.out_ch = j.get_int("out_ch", c.out_ch);
      c.bn_folded = j.get_bool("bn_folded", c.bn_folded);
      c.width_divisor = j.get_int("width_divisor", c.width_divisor);
      c.normalize = j.get_string("normalize", c.normalize);
      c.validate();
      return c;
    }
    void validate() const {
      PIXFORGE_CHECK(in_ch >= 1 && in_ch <= 64 && out_ch >= 1 && out_ch <= 64, ErrorCode::invalid_argument,
                     "isnet: config in_ch=", in_ch, " out_ch=", out_ch, " out of range [1, 64]");
      PIXFORGE_CHECK(width_divisor == 1 || width_divisor == 2 || width_divisor == 4 || width_divisor == 8 ||
                         width_divisor == 16,
                     ErrorCode::invalid_argument, "isnet: config width_divisor=", width_divisor,
                     " is not 1, 2, 4, 8 or 16");
      u2net_detail::parse_input_norm(normalize, "isnet");
    }
  };

  Conv2d conv_in;
  u2net_detail::Stages s;

  ISNetDIS() : ISNetDIS(Config()) {}
  explicit ISNetDIS(const Config& c)
      : conv_in(Conv2dOptions(validated(c).in_ch, 64 / c.width_divisor, 3).stride(2).padding(1)), cfg_(c) {
    using namespace u2net_detail;
    register_module("conv_in", conv_in);
    const StageSpec* table = stage_table("u2net");
    for (int i = 0; i < kStages; ++i) {
      StageSpec spec = scaled(table[i], c.width_divisor);
      if (i == 0) spec.in_ch = 64 / c.width_divisor;  // RSU7(64, 32, 64) on conv_in's output
      s.stage[i] = make_block(spec, !c.bn_folded);
      register_module(spec.name, *s.stage[i]);
    }
    const int side_src[6] = {10, 9, 8, 7, 6, 5};  // stage1d, 2d, 3d, 4d, 5d, stage6
    for (int k = 0; k < 6; ++k) {
      const int64_t cin = scaled(table[side_src[k]], c.width_divisor).out_ch;
      s.side[k] = std::make_unique<Conv2d>(Conv2dOptions(cin, c.out_ch, 3).padding(1));
      register_module("side" + std::to_string(k + 1), *s.side[k]);
    }
    norm_ = parse_input_norm(c.normalize, "isnet");
    // Winograd weights are prepared per call, not kept. Only the layers under winograd_streams_weights' threshold
    // kept them (larger ones never do): 24 MiB at the 1024² pass's peak, for transforms of ~10 ms of CPU per pass
    // (bench/NOTES.md "isnetmem"). Same weights, same bits.
    for (const auto& m : named_modules())
      if (const auto* conv = dynamic_cast<const Conv2d*>(m.second)) const_cast<Conv2d*>(conv)->cache_weights = false;

    info_.arch = "isnet";
    info_.task = "remove-bg";
    info_.scale = 1;
    info_.in_channels = c.in_ch;
    info_.out_channels = c.out_ch;
    info_.range = Range::unit;
    info_.global_context = true;
  }

  const Config& config() const { return cfg_; }
  const ImageModelInfo& info() const override { return info_; }

  // The PyTorch module's forward (x normalised): sigmoid(s1…s6), each [N, out, H, W] at the input size.
  std::vector<Tensor<float>> forward_all(const Tensor<float>& x) const { return run(Tensor<float>(x), 6); }

  // x [N, in, H, W] in [0, 1] -> the matte sigmoid(s1) [N, out, H, W].
  Tensor<float> forward(const Tensor<float>& x) const override {
    return run(u2net_detail::normalize_input(x, norm_, "isnet"), 1)[0];
  }

 private:
  // Runs the network and returns the first `sides` side outputs (the prediction is the first). Memory plan: x is
  // dropped once conv_in has read it, each stage input as soon as the stage's rebnconvin has (forward_consume), a
  // decoder stage's cat(up(d), hx_k) is never built (RSUBlock::forward_cat reads it by row bands; rebnconvin's output
  // goes over hx_k where it fits), hx_k and d are released once read, and a decoder output is not kept unless its
  // side output is wanted (forward() wants side 1 only: hx2d…hx6 do not outlive their use). At 1024² the tensor
  // peak is then 132 MiB, 120 of them hx1…hx4 (bench/NOTES.md "isnetmem").
  std::vector<Tensor<float>> run(Tensor<float> x, int sides) const {
    using namespace u2net_detail;
    PIXFORGE_CHECK(x.dim() == 4 && x.size(1) == cfg_.in_ch && x.size(2) >= 1 && x.size(3) >= 1,
                   ErrorCode::shape_mismatch, "isnet: expected [N,", cfg_.in_ch, ",H,W], got ", x.shape().str());
    const int64_t H = x.size(2), W = x.size(3);
    const auto& st = s.stage;
    Tensor<float> hxin = conv_in(x);                                 // [N, 64, H/2, W/2] (ceil)
    x = Tensor<float>();
    Tensor<float> enc[5];                                            // hx1 … hx5
    enc[0] = st[0]->forward_consume(std::move(hxin));                // hx1 [N, 64, H/2, …]
    for (int k = 1; k < 5; ++k) enc[k] = st[k]->forward_consume(pool(enc[k - 1]));  // hx2 … hx5: 1/4 … 1/32
    Tensor<float> dec[6];                                            // hx1d … hx5d, hx6 (side k reads dec[k − 1])
    dec[5] = st[5]->forward_consume(pool(enc[4]));                   // hx6 [N, 512, H/64, …]
    for (int k = 4; k >= 0; --k) {                                   // stage5d (k = 4) … stage1d (k = 0)
      // stage(torch.cat((up(d), hx), 1)), the concatenation read in place (RSUBlock::forward_cat); both inputs are
      // handed over and go once rebnconvin has read them (hx1 holds stage1d's rebnconvin output: same shape).
      Tensor<float> d = dec[k + 1];
      if (k + 1 >= sides) dec[k + 1] = Tensor<float>();
      dec[k] = st[10 - k]->forward_cat(std::move(d), std::move(enc[k]));
    }
    std::vector<Tensor<float>> out;
    for (int k = 0; k < sides; ++k) {
      Tensor<float> side = interpolate((*s.side[k])(dec[k]),         // _upsample_like(side, x): [N, 1, H, W]
                                       InterpolateParams::to_size(H, W, InterpolateMode::bilinear));
      out.push_back(sigmoid_(side));
    }
    return out;
  }
  static const Config& validated(const Config& c) {
    c.validate();
    return c;
  }
  Config cfg_;
  u2net_detail::InputNorm norm_ = u2net_detail::InputNorm::isnet;
  ImageModelInfo info_;
};

inline const bool kISNetRegistered =
    register_model<ISNetDIS>("isnet", "IS-Net (DIS) dichotomous segmentation / background-removal matte");

}  // namespace pixforge
