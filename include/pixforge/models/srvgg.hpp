// pixforge/models/srvgg.hpp — SRVGGNetCompact, Real-ESRGAN's compact VGG-style SR network (realesr-animevideov3,
// realesr-general-x4v3).
//
// Mirrors `realesrgan/archs/srvgg_arch.py` (identical to BasicSR's): one flat `body` ModuleList interleaving convs
// and activations, so the state_dict keys are body.0 (conv), body.1 (PReLU slopes), body.2 (conv), ... The PyTorch
// definition used for the goldens is tools/reference/srvgg.py; spec: architectures/part-b.md §7.2. Convs are 3×3,
// stride 1, zero padding 1, with bias.
//
//   x    [N, C, H, W]                                          RGB in [0, 1]
//   h    = act(body.0(x))                                      [N, F, H, W]     body.1 = act
//   h    = act(body.2k(h))            k = 1 .. num_conv        [N, F, H, W]     body.2k+1 = act
//   h    = body.2(num_conv+1)(h)                               [N, C_out·s², H, W]   (no activation)
//   out  = pixel_shuffle(h, s) + nearest×s(x)                  [N, C_out, s·H, s·W]  (the input image itself)
//
// act_type: "prelu" (nn.PReLU(num_feat), one slope per channel: the released models), "relu", or "leakyrelu"
// (slope 0.1); relu / leakyrelu are fused into the conv epilogue and have no weights in the file.
// Released models: realesr-animevideov3 (F 64, num_conv 16, s 4: 621,424 parameters), realesr-general-x4v3
// (num_conv 32: 1,213,296). The ncnn realesr-animevideov3-x2 / -x3 files are the same x4 network followed by a
// bicubic down-scale (Interp 0.5 / 0.75): run this x4 model and resize.
//
// Pre/post-processing: as RRDBNet (Real-ESRGAN's RealESRGANer): RGB in [0, 1], optional reflect pre_pad (class
// default 10 px: info().pre_pad), output clamped to [0, 1]. The residual needs num_out_ch == num_in_ch (checked).
// halo: num_conv + 2 convs at the input resolution, each radius 1 → num_conv + 2 input pixels (18 for animevideov3);
// the pixel shuffle and the nearest up-sampling add no context.
//
// Weights: tools/convert_ncnn.py srvgg_compact (realesr-animevideov3-x4.param/.bin) or tools/convert_pth.py --arch
// srvgg_compact (act_type relu / leakyrelu must then be given with --config: those leave no weights). Usage:
//
//     std::unique_ptr<ImageModel> net = load_model("weights/realesr-animevideov3-x4.safetensors");
//     Tensor<float> y = net->forward(x);     // x [1, 3, H, W] RGB in [0, 1] -> y [1, 3, 4H, 4W]; clamp when saving
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "pixforge/core/json.hpp"
#include "pixforge/io/safetensors.hpp"
#include "pixforge/models/model.hpp"
#include "pixforge/nn/layers.hpp"
#include "pixforge/nn/state_dict.hpp"
#include "pixforge/ops/elementwise.hpp"
#include "pixforge/ops/pixel_shuffle.hpp"
#include "pixforge/ops/upsample.hpp"

namespace pixforge {

class SRVGGNetCompact : public ImageModel {
 public:
  // SRVGGNetCompact(num_in_ch, num_out_ch, num_feat, num_conv, upscale, act_type); defaults = realesr-animevideov3.
  struct Config {
    int64_t num_in_ch = 3, num_out_ch = 3;
    int64_t num_feat = 64, num_conv = 16;
    int64_t upscale = 4;
    std::string act_type = "prelu";  // prelu | relu | leakyrelu

    static Config from_json(const Json& j) {
      Config c;
      c.num_in_ch = j.get_int("num_in_ch", c.num_in_ch);
      c.num_out_ch = j.get_int("num_out_ch", c.num_out_ch);
      c.num_feat = j.get_int("num_feat", c.num_feat);
      c.num_conv = j.get_int("num_conv", c.num_conv);
      c.upscale = j.get_int("upscale", c.upscale);
      c.act_type = j.get_string("act_type", c.act_type);
      c.validate();
      return c;
    }
    void validate() const {
      PIXFORGE_CHECK(act_type == "prelu" || act_type == "relu" || act_type == "leakyrelu", ErrorCode::unsupported,
                     "srvgg_compact: config act_type='", act_type, "' is not one of prelu, relu, leakyrelu");
      PIXFORGE_CHECK(num_in_ch >= 1 && num_in_ch <= 64 && num_out_ch == num_in_ch, ErrorCode::invalid_argument,
                     "srvgg_compact: config num_in_ch=", num_in_ch, " num_out_ch=", num_out_ch,
                     ": the input-image residual needs equal channel counts in [1, 64]");
      PIXFORGE_CHECK(num_feat >= 1 && num_feat <= 4096 && num_conv >= 0 && num_conv <= 1000,
                     ErrorCode::invalid_argument, "srvgg_compact: config num_feat=", num_feat, " num_conv=", num_conv,
                     " out of range");
      PIXFORGE_CHECK(upscale >= 1 && upscale <= 16, ErrorCode::invalid_argument, "srvgg_compact: config upscale=",
                     upscale, " out of range [1, 16]");
    }
    Act fused_act() const {
      if (act_type == "relu") return Act::relu();
      if (act_type == "leakyrelu") return Act::leaky_relu(0.1f);
      return Act::none();  // prelu runs as its own layer
    }
  };

  // nn.ModuleList([conv, act, conv, act, ..., conv]): registered in that interleaved order under "0", "1", ...
  class Body : public Module {
   public:
    std::vector<std::unique_ptr<Conv2d>> convs;  // body.0, body.2, ..., body.2(num_conv+1)
    std::vector<std::unique_ptr<PReLU>> prelus;  // body.1, body.3, ..., body.2num_conv+1 (act_type prelu only)

    explicit Body(const Config& c) {
      const int64_t n = c.num_conv + 2;  // convs, the last without activation
      for (int64_t i = 0; i < n; ++i) {
        const int64_t cin = i == 0 ? c.num_in_ch : c.num_feat;
        const int64_t cout = i == n - 1 ? c.num_out_ch * c.upscale * c.upscale : c.num_feat;
        convs.push_back(std::make_unique<Conv2d>(Conv2dOptions(cin, cout, 3).padding(1)));
        register_module(std::to_string(2 * i), *convs.back());
        if (i == n - 1) break;
        convs.back()->params.act = c.fused_act();
        if (c.act_type == "prelu") {
          prelus.push_back(std::make_unique<PReLU>(c.num_feat));
          register_module(std::to_string(2 * i + 1), *prelus.back());
        }
      }
    }
  };

  Body body;

  SRVGGNetCompact() : SRVGGNetCompact(Config()) {}
  explicit SRVGGNetCompact(const Config& c) : body(validated(c)), cfg_(c) {
    register_module("body", body);
    info_.arch = "srvgg_compact";
    info_.task = "upscale";
    info_.scale = c.upscale;
    info_.in_channels = c.num_in_ch;
    info_.out_channels = c.num_out_ch;
    info_.range = Range::unit;
    info_.border_mode = PaddingMode::reflect;
    info_.pre_pad = 10;
    info_.halo = c.num_conv + 2;
    info_.size_multiple = 1;
    // Peak activations per input pixel: 3 live F-channel maps, plus the shuffled output, the up-sampled input and
    // the sum (C_out channels at s² pixels). 1,344 B for animevideov3; measured (peak-RSS slope over 64²..192²
    // inputs) 780 B.
    info_.activation_bytes_per_pixel = 4 * (3 * c.num_feat + 3 * c.num_out_ch * c.upscale * c.upscale);
  }

  // Builds the network a weight file describes (pixforge.arch must be srvgg_compact or absent) and loads it.
  static std::unique_ptr<SRVGGNetCompact> load(const std::string& path) {
    return load_model_as<SRVGGNetCompact>(path, "srvgg_compact");
  }

  const Config& config() const { return cfg_; }
  const ImageModelInfo& info() const override { return info_; }

  Tensor<float> forward(const Tensor<float>& x) const override {  // x [N, C, H, W]
    PIXFORGE_CHECK(x.dim() == 4 && x.size(1) == cfg_.num_in_ch, ErrorCode::shape_mismatch,
                   "srvgg_compact: expected [N,", cfg_.num_in_ch, ",H,W], got ", x.shape().str());
    const size_t n = body.convs.size();
    Tensor<float> h = x;
    for (size_t i = 0; i + 1 < n; ++i) {
      h = (*body.convs[i])(h);                                  // [N, F, H, W]  relu / leakyrelu fused
      if (!body.prelus.empty()) h = (*body.prelus[i])(h);       // per-channel PReLU
    }
    h = (*body.convs[n - 1])(h);                                // [N, C_out·s², H, W]
    Tensor<float> out = pixel_shuffle(h, cfg_.upscale);         // [N, C_out, s·H, s·W]
    add_(out, upsample(x, double(cfg_.upscale), InterpolateMode::nearest));  // + nearest×s(x)
    return out;
  }

 private:
  static const Config& validated(const Config& c) {  // before any member is built from it
    c.validate();
    return c;
  }
  Config cfg_;
  ImageModelInfo info_;
};

inline const bool kSRVGGNetCompactRegistered = register_model<SRVGGNetCompact>(
    "srvgg_compact", "Real-ESRGAN SRVGGNetCompact (realesr-animevideov3, realesr-general-x4v3)");

}  // namespace pixforge
