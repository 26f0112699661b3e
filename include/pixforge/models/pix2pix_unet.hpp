// pixforge/models/pix2pix_unet.hpp — the pix2pix U-Net generator (`unet_256`, any depth), arch "pix2pix_unet".
//
// Isola et al., "Image-to-Image Translation with Conditional Adversarial Networks" (CVPR 2017); the PyTorch class is
// UnetGenerator / UnetSkipConnectionBlock of junyanz/pytorch-CycleGAN-and-pix2pix models/networks.py (spec:
// part-a.md §1; our own re-statement: tools/reference/pix2pix.py). The net is built from the inside out as nested
// UnetSkipConnectionBlocks, each an nn.Sequential called `model`, so the state_dict keys are nested too:
//
//   model.model.0            outermost downconv      Conv2d(input_nc -> ngf, 4, s2, p1)
//   model.model.1            the next block  (its keys: model.model.1.model.1 = downconv, .2 = downnorm,
//                            .3 = next block, .5 = upconv, .6 = upnorm; the innermost: .1 downconv, .3 upconv,
//                            .4 upnorm)
//   model.model.3            outermost upconv        ConvTranspose2d(2·ngf -> output_nc, 4, s2, p1, bias)
//
// Forward, per level (a "middle" block; x = the tensor arriving from the level above, C_outer channels):
//   h = downnorm(downconv(leaky_relu(x, 0.2)))     [N, C_inner, H/2, W/2]
//   h = submodule(h)                              [N, 2·C_inner, H/2, W/2]   (cat of the deeper level)
//   h = upnorm(upconv(relu(h)))                   [N, C_outer, H, W]         (Dropout(0.5) = identity here)
//   return cat(x, h)                              [N, 2·C_outer, H, W]       (x first)
// innermost: no downnorm, no submodule, upconv C_inner -> C_outer; outermost: no leaky_relu / norms, no cat,
// tanh at the end. Channel plan (num_downs = 8, ngf = 64): 64, 128, 256, 512, 512, 512, 512, 512 (1×1 at 256²).
//
// Conventions that are easy to get wrong (spec §1(d)):
//   * use_bias = (norm == instance): with BatchNorm every conv but the outermost upconv has no bias, including the
//     outermost downconv that has no norm after it. InstanceNorm2d is affine=False (no keys; stale running_mean /
//     running_var keys of track_running_stats=True checkpoints are ignored, per-instance statistics always).
//   * Dropout(0.5) sits in the num_downs − 5 blocks next to the innermost one; at inference it is the identity
//     (the official test.py runs in train mode with live dropout; we do not reproduce random dropout).
//   * BatchNorm: eval statistics by default; Config::batch_stats = true gives the official test.py's train-mode
//     behaviour (per-sample statistics over H×W with the BN's γ/β; spec §0.3).
//   * The reference's in-place LeakyReLU overwrites the skip tensor; numerically irrelevant (ReLU∘LeakyReLU = ReLU
//     right after the cat), so we concatenate the pre-activation x.
//
// Pre/post-processing: H and W must be multiples of 2^num_downs (256 for unet_256) — the net does no resizing;
// pad (reflect) and crop outside. Values in [−1, 1] (Range::symmetric). Lab colorization (input_nc 1, output_nc 2):
// input L/50 − 1, output ab/110 (io/color.hpp has the pix2pix Lab scaling). RGB/"aligned" mode (3 -> 3, or
// 1 -> 3 for a grey or Gabor map input): x/127.5 − 1 in, (y + 1)/2·255 out (the official tensor2im truncates).
//
//   auto net = pixforge::UnetGenerator::load("pix2pix_colorization.safetensors");
//   Tensor<float> ab = net->forward(L);   // [1,1,256,256] in [-1,1] -> [1,2,256,256] in [-1,1]
#pragma once

#include <memory>
#include <string>

#include "pixforge/core/json.hpp"
#include "pixforge/models/model.hpp"
#include "pixforge/nn/layers.hpp"
#include "pixforge/nn/state_dict.hpp"
#include "pixforge/ops/activation.hpp"
#include "pixforge/ops/batch_norm.hpp"
#include "pixforge/ops/concat.hpp"
#include "pixforge/ops/gabor.hpp"
#include "pixforge/ops/instance_norm.hpp"

namespace pixforge {

// norm_layer(c) of the pix2pix code: BatchNorm2d(c) (affine, running statistics) or
// InstanceNorm2d(c, affine=False, track_running_stats=False). Registers the keys of the one it stands for.
class Pix2PixNorm2d : public Module {
 public:
  enum class Kind { batch, instance };
  Tensor<float> weight, bias, running_mean, running_var;  // batch only
  BatchNormParams bn_params;
  InstanceNormParams in_params;
  Kind kind;

  Pix2PixNorm2d(int64_t num_features, Kind k, bool batch_stats) : kind(k) {
    if (kind == Kind::batch) {
      weight = Tensor<float>::full({num_features}, 1.0f);
      bias = Tensor<float>::zeros({num_features});
      running_mean = Tensor<float>::zeros({num_features});
      running_var = Tensor<float>::full({num_features}, 1.0f);
      register_parameter("weight", weight);
      register_parameter("bias", bias);
      register_buffer("running_mean", running_mean);
      register_buffer("running_var", running_var);
      bn_params.use_batch_stats = batch_stats;
    } else {
      register_ignored("running_mean");
      register_ignored("running_var");
    }
  }
  Tensor<float> operator()(const Tensor<float>& x) const {
    if (kind == Kind::batch) return batch_norm(x, running_mean, running_var, weight, bias, bn_params);
    return instance_norm(x, Tensor<float>(), Tensor<float>(), in_params);
  }
};

// An nn.Sequential whose children are registered by the owner under their Sequential indices.
class Pix2PixSequential : public Module {
 public:
  using Module::register_module;
};

// One U-Net level (UnetSkipConnectionBlock). The layers are typed members; `model` only carries their
// Sequential indices so that named_parameters() yields the official keys.
class UnetSkipConnectionBlock : public Module {
 public:
  enum class Kind { outermost, middle, innermost };
  struct Options {
    int64_t outer_nc = 0, inner_nc = 0, input_nc = -1;  // input_nc -1 = outer_nc
    Kind kind = Kind::middle;
    Pix2PixNorm2d::Kind norm = Pix2PixNorm2d::Kind::batch;
    bool batch_stats = false;
  };

  Kind kind;
  Pix2PixSequential model;
  Conv2d downconv;
  std::unique_ptr<Pix2PixNorm2d> downnorm;            // middle only
  std::unique_ptr<UnetSkipConnectionBlock> submodule;  // not for the innermost
  ConvTranspose2d upconv;
  std::unique_ptr<Pix2PixNorm2d> upnorm;  // not for the outermost

  UnetSkipConnectionBlock(const Options& o, std::unique_ptr<UnetSkipConnectionBlock> sub)
      : kind(o.kind),
        downconv(Conv2dOptions(o.input_nc < 0 ? o.outer_nc : o.input_nc, o.inner_nc, 4)
                     .stride(2)
                     .padding(1)
                     .bias(o.norm == Pix2PixNorm2d::Kind::instance)),
        submodule(std::move(sub)),
        upconv(ConvTranspose2dOptions(o.kind == Kind::innermost ? o.inner_nc : 2 * o.inner_nc, o.outer_nc, 4)
                   .stride(2)
                   .padding(1)
                   .bias(o.kind == Kind::outermost || o.norm == Pix2PixNorm2d::Kind::instance)) {
    PIXFORGE_CHECK((kind == Kind::innermost) == (submodule == nullptr), ErrorCode::invalid_argument,
                   "UnetSkipConnectionBlock: only the innermost block has no submodule");
    register_module("model", model);
    if (kind == Kind::outermost) {  // [downconv, submodule, uprelu, upconv, tanh]
      model.register_module("0", downconv);
      model.register_module("1", *submodule);
      model.register_module("3", upconv);
    } else if (kind == Kind::innermost) {  // [downrelu, downconv, uprelu, upconv, upnorm]
      upnorm = std::make_unique<Pix2PixNorm2d>(o.outer_nc, o.norm, o.batch_stats);
      model.register_module("1", downconv);
      model.register_module("3", upconv);
      model.register_module("4", *upnorm);
    } else {  // [downrelu, downconv, downnorm, submodule, uprelu, upconv, upnorm, (dropout)]
      downnorm = std::make_unique<Pix2PixNorm2d>(o.inner_nc, o.norm, o.batch_stats);
      upnorm = std::make_unique<Pix2PixNorm2d>(o.outer_nc, o.norm, o.batch_stats);
      model.register_module("1", downconv);
      model.register_module("2", *downnorm);
      model.register_module("3", *submodule);
      model.register_module("5", upconv);
      model.register_module("6", *upnorm);
    }
  }

  Tensor<float> operator()(const Tensor<float>& x) const {
    if (kind == Kind::outermost) {
      Tensor<float> h = downconv(x);                     // [N, ngf, H/2, W/2]
      h = (*submodule)(h);                               // [N, 2·ngf, H/2, W/2]
      return tanh(upconv(relu(h)));                      // [N, output_nc, H, W]
    }
    Tensor<float> h = downconv(leaky_relu(x, 0.2f));    // [N, inner, H/2, W/2]
    if (kind == Kind::middle) h = (*submodule)((*downnorm)(h));  // [N, 2·inner, H/2, W/2]
    h = (*upnorm)(upconv(relu(h)));                      // [N, outer, H, W]; dropout = identity
    return concat({x, h}, 1);                            // [N, 2·outer, H, W]
  }
};

class UnetGenerator : public ImageModel {
 public:
  struct Config {
    int64_t input_nc = 1, output_nc = 2;  // Lab colorization; 3/3 for RGB, 1/3 for a grey or Gabor map
    int64_t num_downs = 8;                // unet_256 = 8, unet_512 ("unet_deep") = 9
    int64_t ngf = 64;
    std::string norm = "batch";  // batch | instance
    bool use_dropout = true;     // no weights; identity at inference either way
    bool batch_stats = false;    // BatchNorm with per-sample statistics (official test.py without --eval)
    // The Gabor-input variant (part-a.md §1(e)): config key "gabor" (ops/gabor.hpp Pix2PixGaborConfig, e.g.
    // {"maps":"single","ksize":7,"theta":0}); the caller makes the input with gabor_filter_bank_maps() and
    // gabor_to_pix2pix_input(). input_nc must equal its number of maps (1, 4 or 24).
    bool has_gabor = false;
    Pix2PixGaborConfig gabor;

    static Config from_json(const Json& j, const char* arch = "pix2pix_unet", int64_t default_downs = 8) {
      Config c;
      c.num_downs = default_downs;
      c.input_nc = j.get_int("input_nc", c.input_nc);
      c.output_nc = j.get_int("output_nc", c.output_nc);
      c.num_downs = j.get_int("num_downs", c.num_downs);
      c.ngf = j.get_int("ngf", c.ngf);
      c.norm = j.get_string("norm", c.norm);
      c.use_dropout = j.get_bool("use_dropout", c.use_dropout);
      c.batch_stats = j.get_bool("batch_stats", c.batch_stats);
      if (j.contains("gabor")) {
        c.has_gabor = true;
        c.gabor = Pix2PixGaborConfig::from_json(j["gabor"]);
      }
      c.validate(arch);
      return c;
    }
    void validate(const char* arch) const {
      PIXFORGE_CHECK(input_nc >= 1 && input_nc <= 4096 && output_nc >= 1 && output_nc <= 4096,
                     ErrorCode::invalid_argument, arch, ": config input_nc=", input_nc, " output_nc=", output_nc,
                     " out of range");
      PIXFORGE_CHECK(num_downs >= 5 && num_downs <= 12, ErrorCode::invalid_argument, arch, ": config num_downs=",
                     num_downs, " out of range (the UnetGenerator needs at least 5 levels; 12 means 4096-px tiles)");
      PIXFORGE_CHECK(ngf >= 1 && ngf <= 1024, ErrorCode::invalid_argument, arch, ": config ngf=", ngf,
                     " out of range");
      PIXFORGE_CHECK(norm == "batch" || norm == "instance", ErrorCode::unsupported, arch, ": config norm='", norm,
                     "' (supported: batch, instance)");
      PIXFORGE_CHECK(!(batch_stats && norm != "batch"), ErrorCode::invalid_argument, arch,
                     ": batch_stats applies to norm=batch only");
      PIXFORGE_CHECK(!has_gabor || gabor.num_maps() == input_nc, ErrorCode::invalid_argument, arch,
                     ": config gabor gives ", gabor.num_maps(), " input maps but input_nc=", input_nc);
    }
  };

  std::unique_ptr<UnetSkipConnectionBlock> model;

  UnetGenerator() : UnetGenerator(Config()) {}
  explicit UnetGenerator(const Config& c, const char* arch = "pix2pix_unet") : config_(c) {
    c.validate(arch);
    using Kind = UnetSkipConnectionBlock::Kind;
    UnetSkipConnectionBlock::Options o;
    o.norm = c.norm == "instance" ? Pix2PixNorm2d::Kind::instance : Pix2PixNorm2d::Kind::batch;
    o.batch_stats = c.batch_stats;
    auto level = [&](int64_t outer, int64_t inner, Kind kind, std::unique_ptr<UnetSkipConnectionBlock> sub,
                     int64_t input_nc = -1) {
      UnetSkipConnectionBlock::Options lo = o;
      lo.outer_nc = outer;
      lo.inner_nc = inner;
      lo.kind = kind;
      lo.input_nc = input_nc;
      return std::make_unique<UnetSkipConnectionBlock>(lo, std::move(sub));
    };
    const int64_t ngf = c.ngf;
    auto block = level(ngf * 8, ngf * 8, Kind::innermost, nullptr);
    for (int64_t i = 0; i < c.num_downs - 5; ++i) block = level(ngf * 8, ngf * 8, Kind::middle, std::move(block));
    block = level(ngf * 4, ngf * 8, Kind::middle, std::move(block));
    block = level(ngf * 2, ngf * 4, Kind::middle, std::move(block));
    block = level(ngf, ngf * 2, Kind::middle, std::move(block));
    model = level(c.output_nc, ngf, Kind::outermost, std::move(block), c.input_nc);
    register_module("model", *model);

    info_.arch = arch;
    info_.task = (c.input_nc == 1 && c.output_nc == 2) ? "colorize" : "translate";
    info_.in_channels = c.input_nc;
    info_.out_channels = c.output_nc;
    info_.range = Range::symmetric;
    info_.size_multiple = int64_t(1) << c.num_downs;
    info_.border_mode = PaddingMode::reflect;
    // The bottleneck sees the whole 2^num_downs tile (and norm statistics may be per image): no halo is exact.
    info_.global_context = true;
  }

  static std::unique_ptr<UnetGenerator> load(const std::string& path) {
    return load_model_as<UnetGenerator>(path, "pix2pix_unet");
  }

  const Config& config() const { return config_; }
  const ImageModelInfo& info() const override { return info_; }

  Tensor<float> forward(const Tensor<float>& x) const override {
    const int64_t m = info_.size_multiple;
    PIXFORGE_CHECK(x.dim() == 4 && x.size(1) == config_.input_nc, ErrorCode::shape_mismatch, info_.arch,
                   ": expected [N,", config_.input_nc, ",H,W], got ", x.shape().str());
    PIXFORGE_CHECK(x.size(2) % m == 0 && x.size(3) % m == 0 && x.size(2) > 0 && x.size(3) > 0,
                   ErrorCode::shape_mismatch, info_.arch, ": input ", x.shape().str(), ": H and W must be multiples of ",
                   m, " (num_downs=", config_.num_downs, " stride-2 levels; pad (reflect) to a multiple first)");
    return (*model)(x);  // [N, output_nc, H, W] in [-1, 1]
  }

 protected:
  Config config_;
  ImageModelInfo info_;
};

inline const bool kPix2PixUnetRegistered =
    register_model<UnetGenerator>("pix2pix_unet", "pix2pix U-Net generator (unet_256; Lab colorization or RGB)");

}  // namespace pixforge
