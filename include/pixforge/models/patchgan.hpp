// pixforge/models/patchgan.hpp — the pix2pix 70×70 PatchGAN discriminator (NLayerDiscriminator), arch "patchgan",
// run as a realism score map (ImageModel task "score").
//
// Spec: part-a.md §2(c); PyTorch class NLayerDiscriminator of junyanz/pytorch-CycleGAN-and-pix2pix
// models/networks.py (our re-statement: tools/reference/pix2pix.py). One nn.Sequential `model`, keys model.<i>.*:
//
//   model.0          Conv2d(input_nc -> ndf, 4, s2, p1, bias)            then LeakyReLU(0.2)      (model.1)
//   model.2, .3      Conv2d(ndf -> 2ndf, 4, s2, p1, no bias*) + norm      then LeakyReLU(0.2)      (n = 1)
//   ...              n = 1 .. n_layers−1: channels ndf·min(2^n, 8), stride 2, 3 entries each
//   model.3n+2, +3   Conv2d(-> ndf·min(2^n_layers, 8), 4, s1, p1, no bias*) + norm + LeakyReLU(0.2)
//   model.3n+5       Conv2d(-> 1, 4, s1, p1, bias): one logit per patch, no activation
//   (* bias only with norm = instance: use_bias = norm is instance, as in the generator)
//
//   x  [N, input_nc, H, W]  ->  logits [N, 1, H', W'],  H' = floor(H / 2^n_layers) − 2  (30×30 for 256², n_layers 3)
//
// Receptive field (n_layers 3): 70×70 input pixels per logit. Parameters (ndf 64, n_layers 3, BatchNorm):
// 2,765,633 for 3 input channels (L + ab), 2,766,657 for 4, 2,768,705 for 6 (RGB condition + RGB output).
//
// Pre-processing: the input is the channel concatenation of the condition A and the (real or generated) image B,
// A first, both in [−1, 1] (score(a, b) does it). The output is a map of logits, not an image: sigmoid(logit) is
// the "real" probability for the vanilla GAN loss; for an LSGAN-trained net the raw value (target 1 = real) is the
// score. It is not an image-to-image model: call forward() / score() directly, not the tiling Pipeline (which
// refuses outputs that are not input × scale). Inputs must be at least 3·2^n_layers pixels on each side (24 for n_layers 3); any size above works.
// BatchNorm: eval statistics, or per-sample statistics with Config::batch_stats (as in training).
//
//   auto d = pixforge::NLayerDiscriminator::load("patchgan.safetensors");
//   Tensor<float> logits = d->score(L, ab);   // [1,1,30,30] for 256² inputs
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "pixforge/core/json.hpp"
#include "pixforge/models/model.hpp"
#include "pixforge/models/pix2pix_unet.hpp"  // Pix2PixNorm2d, Pix2PixSequential
#include "pixforge/nn/layers.hpp"
#include "pixforge/nn/state_dict.hpp"
#include "pixforge/ops/activation.hpp"
#include "pixforge/ops/concat.hpp"

namespace pixforge {

class NLayerDiscriminator : public ImageModel {
 public:
  struct Config {
    int64_t input_nc = 3;  // condition + image channels (Lab: 1 + 2)
    int64_t ndf = 64;
    int64_t n_layers = 3;  // 3 = the 70×70 PatchGAN
    std::string norm = "batch";
    bool batch_stats = false;

    static Config from_json(const Json& j) {
      Config c;
      c.input_nc = j.get_int("input_nc", c.input_nc);
      c.ndf = j.get_int("ndf", c.ndf);
      c.n_layers = j.get_int("n_layers", c.n_layers);
      c.norm = j.get_string("norm", c.norm);
      c.batch_stats = j.get_bool("batch_stats", c.batch_stats);
      c.validate();
      return c;
    }
    void validate() const {
      PIXFORGE_CHECK(input_nc >= 1 && input_nc <= 4096, ErrorCode::invalid_argument, "patchgan: config input_nc=",
                     input_nc, " out of range");
      PIXFORGE_CHECK(ndf >= 1 && ndf <= 1024, ErrorCode::invalid_argument, "patchgan: config ndf=", ndf,
                     " out of range");
      PIXFORGE_CHECK(n_layers >= 1 && n_layers <= 8, ErrorCode::invalid_argument, "patchgan: config n_layers=",
                     n_layers, " out of range (1..8)");
      PIXFORGE_CHECK(norm == "batch" || norm == "instance", ErrorCode::unsupported, "patchgan: config norm='", norm,
                     "' (supported: batch, instance)");
      PIXFORGE_CHECK(!(batch_stats && norm != "batch"), ErrorCode::invalid_argument,
                     "patchgan: batch_stats applies to norm=batch only");
    }
  };

  Pix2PixSequential model;
  std::vector<std::unique_ptr<Conv2d>> convs;         // model.0, model.2, model.5, ..., the last one
  std::vector<std::unique_ptr<Pix2PixNorm2d>> norms;  // after convs[1 .. n_layers]

  NLayerDiscriminator() : NLayerDiscriminator(Config()) {}
  explicit NLayerDiscriminator(const Config& c) : config_(c) {
    c.validate();
    const auto kind = c.norm == "instance" ? Pix2PixNorm2d::Kind::instance : Pix2PixNorm2d::Kind::batch;
    const bool use_bias = kind == Pix2PixNorm2d::Kind::instance;
    register_module("model", model);
    auto add_conv = [&](int64_t index, int64_t cin, int64_t cout, int64_t stride, bool bias) {
      convs.push_back(std::make_unique<Conv2d>(Conv2dOptions(cin, cout, 4).stride(stride).padding(1).bias(bias)));
      model.register_module(std::to_string(index), *convs.back());
    };
    auto add_norm = [&](int64_t index, int64_t ch) {
      norms.push_back(std::make_unique<Pix2PixNorm2d>(ch, kind, c.batch_stats));
      model.register_module(std::to_string(index), *norms.back());
    };
    add_conv(0, c.input_nc, c.ndf, 2, true);
    convs.back()->params.act = Act::leaky_relu(0.2f);  // model.1, fused into the conv epilogue
    int64_t mult = 1, index = 2;
    for (int64_t n = 1; n <= c.n_layers; ++n) {  // the last one (n = n_layers) has stride 1
      const int64_t prev = mult;
      mult = std::min<int64_t>(int64_t(1) << n, 8);
      add_conv(index, c.ndf * prev, c.ndf * mult, n < c.n_layers ? 2 : 1, use_bias);
      add_norm(index + 1, c.ndf * mult);
      index += 3;  // conv, norm, LeakyReLU
    }
    add_conv(index, c.ndf * mult, 1, 1, true);

    info_.arch = "patchgan";
    info_.task = "score";
    info_.in_channels = c.input_nc;
    info_.out_channels = 1;
    info_.range = Range::symmetric;
    info_.global_context = true;  // the output is a patch map, not an image: never tiled
  }

  static std::unique_ptr<NLayerDiscriminator> load(const std::string& path) {
    return load_model_as<NLayerDiscriminator>(path, "patchgan");
  }

  const Config& config() const { return config_; }
  const ImageModelInfo& info() const override { return info_; }

  // Smallest input side: every stride-2 conv halves (floor), the two stride-1 k4 p1 convs take 1 each.
  int64_t min_input_size() const { return int64_t(3) << config_.n_layers; }

  Tensor<float> forward(const Tensor<float>& x) const override {
    PIXFORGE_CHECK(x.dim() == 4 && x.size(1) == config_.input_nc, ErrorCode::shape_mismatch,
                   "patchgan: expected [N,", config_.input_nc, ",H,W] (condition and image concatenated), got ",
                   x.shape().str());
    PIXFORGE_CHECK(x.size(2) >= min_input_size() && x.size(3) >= min_input_size(), ErrorCode::shape_mismatch,
                   "patchgan: input ", x.shape().str(), " is too small: n_layers=", config_.n_layers,
                   " needs H, W >= ", min_input_size());
    Tensor<float> h = (*convs[0])(x);  // [N, ndf, H/2, W/2], LeakyReLU fused
    for (size_t i = 0; i < norms.size(); ++i)
      h = leaky_relu((*norms[i])((*convs[i + 1])(h)), 0.2f);  // /2 per level, then 2 stride-1 levels (−1 each)
    return (*convs.back())(h);                                 // [N, 1, H', W'] logits
  }

  // The pix2pix conditional input: cat(a, b) on channels, condition first.
  Tensor<float> score(const Tensor<float>& a, const Tensor<float>& b) const { return forward(concat({a, b}, 1)); }

 private:
  Config config_;
  ImageModelInfo info_;
};

inline const bool kPatchganRegistered =
    register_model<NLayerDiscriminator>("patchgan", "pix2pix 70x70 PatchGAN discriminator (realism score map)");

}  // namespace pixforge
