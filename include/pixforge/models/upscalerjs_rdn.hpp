// pixforge/models/upscalerjs_rdn.hpp — RDN (residual dense network, idealo image-super-resolution design) as
// shipped by UpscalerJS: @upscalerjs/esrgan-slim@1.0.0 and @upscalerjs/esrgan-medium@1.0.0 (x2, x3, x4, x8) and the
// div2k / psnr-small models of @upscalerjs/models@0.9.0 (all MIT). Arch name `upscalerjs_rdn`.
//
// Weights come from the TF.js layers models through tools/convert_tfjs.py, which checks the model.json graph
// against tools/reference/upscalerjs.py (the PyTorch definition used for the goldens; member names = its
// state_dict keys) and records the config. Every conv is stride 1 with bias and TF 'SAME' padding, which for
// stride 1 and odd kernels is k/2 zeros on every side (Conv2dParams::with_same_padding).
//
//   x     [N, c_dim, H, W]                       RGB, range from the config ("byte" [0,255] or "unit" [0,1])
//   f_m1  = sfe1(x)                              3x3, c_dim -> G0                   (Keras F_m1)
//   h     = sfe2(f_m1)                           3x3, G0 -> G0                      (F_0)
//   D times (RDB d):  x_d = h
//                     f_k = relu(convs[k]([x_d, f_1, ..., f_{k-1}]))   3x3, G0 + (k-1)·G -> G, k = 1..C   (F_d_k)
//                     h   = x_d + lff([x_d, f_1, ..., f_C])            1x1, G0 + C·G -> G0               (LFF_d)
//   h     = gff2(gff1([h_1, ..., h_D])) + f_m1   1x1 D·G0 -> G0, then 3x3           (GFF_1, GFF_2, FDF)
//   h     = relu(upn1(h)); h = relu(upn2(h))     5x5 G0 -> upn[0], 3x3 -> upn[1]    (UPN1, UPN2)
//   h     = nearest_up(upn3(h), scale)           3x3 upn[1] -> c_dim·scale²        (UPN3, UpSampling2D)
//   y     = sr(h)                                3x3 c_dim·scale² -> c_dim, no activation (SR)
//
// Released configurations (G0, G, C, D; upn 64, 32): esrgan-slim 64, 4, 1, 2 (222,075 parameters at x2);
// esrgan-medium 64, 64, 1, 10 (693,235 at x2); models@0.9.0 div2k 2x/3x/4x and psnr-small 64, 64, 3, 10
// (2,619,635 at x2; their weights are uint8-quantized in the TF.js files, dequantized by the converter).
// Value range: UpscalerJS's model definitions declare [0, 255] in and out for the esrgan-* RDNs (config "range":
// "byte"); the models@0.9.0 RDNs come from idealo's code, which feeds [0, 1] ("unit") — see tools/convert_tfjs.py
// for the measurement behind that. Output is not clamped by the network.
//
// Checked against the original TF.js model (TensorFlow.js 4.11, CPU backend, tools/run_tfjs.js): esrgan-slim x2 on a
// 16x16 photo crop differs by at most 9.2e-5 on the 0..255 scale (tests/models/test_upscalerjs.cpp); the whole
// 128x128 bicubic-halved examples/data/sample.png through `pixforge run` (tiled or not) gives 8-bit output equal to
// TF.js's rounded output except 6 of 196,608 values off by 1. Quality there: 31.58 dB PSNR vs 31.82 for bicubic
// (about bicubic level, as expected of these models).
//
// halo (exact receptive radius, input pixels): on the input grid sfe1, sfe2, D·C dense convs, gff2, upn1 (5x5),
// upn2, upn3 reach D·C + 7 pixels; the 3x3 sr conv after the nearest up-sampling adds one more input pixel:
// D·C + 8 (10 for slim, 18 for medium, 38 for div2k).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "pixforge/core/json.hpp"
#include "pixforge/io/safetensors.hpp"
#include "pixforge/models/model.hpp"
#include "pixforge/nn/layers.hpp"
#include "pixforge/nn/state_dict.hpp"
#include "pixforge/ops/concat.hpp"
#include "pixforge/ops/elementwise.hpp"
#include "pixforge/ops/upsample.hpp"

namespace pixforge {

namespace upscalerjs_detail {
// A Keras Conv2D(padding='same') with stride 1: TF 'SAME' = PyTorch 'same' padding at stride 1. Layers are built
// from conv_opts() and get their padding from make_same() (modules are not copyable).
inline Conv2dOptions conv_opts(int64_t cin, int64_t cout, int64_t k) { return Conv2dOptions(cin, cout, k); }
inline Conv2d& make_same(Conv2d& c) {
  c.params.with_same_padding(c.weight.size(2), c.weight.size(3));
  return c;
}

inline Range parse_range(const std::string& arch, const std::string& r) {
  if (r == "byte") return Range::byte;
  if (r == "unit") return Range::unit;
  fail(ErrorCode::invalid_argument, msg(arch, ": config range='", r, "' is not 'byte' or 'unit'"));
}

inline void check_dim(const std::string& arch, const char* name, int64_t v, int64_t lo, int64_t hi) {
  PIXFORGE_CHECK(v >= lo && v <= hi, ErrorCode::invalid_argument, arch, ": config ", name, "=", v, " out of range [",
                 lo, ", ", hi, "]");
}
}  // namespace upscalerjs_detail

// C densely connected kxk convs with ReLU (growth G) and a local feature fusion conv (lff_k) back to G0. Returns
// the fusion output; the caller adds the residual (RDN: x + lff, RRDN: x + 0.2·lff).
class UpscalerJSDenseBlock : public Module {
 public:
  ModuleList<Conv2d> convs;
  Conv2d lff;

  UpscalerJSDenseBlock(int64_t G0, int64_t G, int64_t C, int64_t k, int64_t lff_k)
      : lff(upscalerjs_detail::conv_opts(G0 + C * G, G0, lff_k)) {
    for (int64_t i = 0; i < C; ++i) {
      Conv2d& c = upscalerjs_detail::make_same(convs.emplace_back(Conv2dOptions(G0 + i * G, G, k)));
      c.params.act = Act::relu();  // Keras Activation('relu') after each dense conv, fused
    }
    upscalerjs_detail::make_same(lff);
    register_module("convs", convs);
    register_module("lff", lff);
  }

  Tensor<float> forward(const Tensor<float>& x) const {  // x [N, G0, h, w] -> [N, G0, h, w]
    std::vector<Tensor<float>> feats{x};
    for (const auto& conv : convs) feats.push_back((*conv)(feats.size() == 1 ? x : concat(feats)));  // [N, G, h, w]
    return lff(concat(feats));
  }
};

class UpscalerJSRDN : public ImageModel {
 public:
  struct Config {
    int64_t G0 = 64, G = 64, C = 3, D = 10, scale = 2, c_dim = 3, kernel_size = 3;
    int64_t upn0 = 64, upn1 = 32;
    Range range = Range::unit;

    static Config from_json(const Json& j) {
      Config c;
      c.G0 = j.get_int("G0", c.G0);
      c.G = j.get_int("G", c.G);
      c.C = j.get_int("C", c.C);
      c.D = j.get_int("D", c.D);
      c.scale = j.get_int("scale", c.scale);
      c.c_dim = j.get_int("c_dim", c.c_dim);
      c.kernel_size = j.get_int("kernel_size", c.kernel_size);
      if (const Json* u = j.find("upn")) {
        PIXFORGE_CHECK(u->size() == 2, ErrorCode::invalid_argument, "upscalerjs_rdn: config upn must hold 2 widths");
        c.upn0 = (*u)[0].as_int64();
        c.upn1 = (*u)[1].as_int64();
      }
      PIXFORGE_CHECK(j.get_string("upscaling", "ups") == "ups", ErrorCode::unsupported, "upscalerjs_rdn: config "
                     "upscaling='", j.get_string("upscaling", ""), "' (only 'ups', nearest up-sampling, exists)");
      c.range = upscalerjs_detail::parse_range("upscalerjs_rdn", j.get_string("range", "unit"));
      c.validate();
      return c;
    }
    void validate() const {
      using upscalerjs_detail::check_dim;
      const std::string a = "upscalerjs_rdn";
      check_dim(a, "G0", G0, 1, 4096);
      check_dim(a, "G", G, 1, 4096);
      check_dim(a, "C", C, 1, 64);
      check_dim(a, "D", D, 1, 256);
      check_dim(a, "scale", scale, 1, 16);
      check_dim(a, "c_dim", c_dim, 1, 64);
      check_dim(a, "upn[0]", upn0, 1, 4096);
      check_dim(a, "upn[1]", upn1, 1, 4096);
      PIXFORGE_CHECK(kernel_size >= 1 && kernel_size % 2 == 1 && kernel_size <= 15, ErrorCode::invalid_argument,
                     "upscalerjs_rdn: config kernel_size=", kernel_size, " must be odd in [1, 15]");
    }
  };

  Conv2d sfe1, sfe2;
  ModuleList<UpscalerJSDenseBlock> rdbs;
  Conv2d gff1, gff2, upn1, upn2, upn3, sr;

  UpscalerJSRDN() : UpscalerJSRDN(Config()) {}
  explicit UpscalerJSRDN(const Config& c)
      : sfe1(upscalerjs_detail::conv_opts(validated(c).c_dim, c.G0, c.kernel_size)),
        sfe2(upscalerjs_detail::conv_opts(c.G0, c.G0, c.kernel_size)),
        gff1(upscalerjs_detail::conv_opts(c.D * c.G0, c.G0, 1)),
        gff2(upscalerjs_detail::conv_opts(c.G0, c.G0, c.kernel_size)),
        upn1(upscalerjs_detail::conv_opts(c.G0, c.upn0, 5)),
        upn2(upscalerjs_detail::conv_opts(c.upn0, c.upn1, 3)),
        upn3(upscalerjs_detail::conv_opts(c.upn1, c.c_dim * c.scale * c.scale, 3)),
        sr(upscalerjs_detail::conv_opts(c.c_dim * c.scale * c.scale, c.c_dim, c.kernel_size)),
        cfg_(c) {
    for (int64_t d = 0; d < c.D; ++d) rdbs.emplace_back(c.G0, c.G, c.C, c.kernel_size, 1);
    register_module("sfe1", sfe1);
    register_module("sfe2", sfe2);
    register_module("rdbs", rdbs);
    register_module("gff1", gff1);
    register_module("gff2", gff2);
    register_module("upn1", upn1);
    register_module("upn2", upn2);
    register_module("upn3", upn3);
    register_module("sr", sr);
    for (Conv2d* conv : {&sfe1, &sfe2, &gff1, &gff2, &upn1, &upn2, &upn3, &sr}) upscalerjs_detail::make_same(*conv);
    upn1.params.act = Act::relu();
    upn2.params.act = Act::relu();

    const int64_t r = c.kernel_size / 2;
    info_.arch = "upscalerjs_rdn";
    info_.task = "upscale";
    info_.scale = c.scale;
    info_.in_channels = info_.out_channels = c.c_dim;
    info_.range = c.range;
    info_.border_mode = PaddingMode::zeros;
    // sfe1, sfe2, D·C dense convs, gff2 (radius r each), upn1 2, upn2 1, upn3 1; sr's radius r after the nearest
    // up-sampling reaches ceil(r / scale) input pixels.
    info_.halo = r * (3 + c.D * c.C) + 4 + (r + c.scale - 1) / c.scale;
  }

  static std::unique_ptr<UpscalerJSRDN> load(const std::string& path) {
    return load_model_as<UpscalerJSRDN>(path, "upscalerjs_rdn");
  }

  const Config& config() const { return cfg_; }
  const ImageModelInfo& info() const override { return info_; }

  Tensor<float> forward(const Tensor<float>& x) const override {
    PIXFORGE_CHECK(x.dim() == 4 && x.size(1) == cfg_.c_dim, ErrorCode::shape_mismatch, "upscalerjs_rdn: expected [N,",
                   cfg_.c_dim, ",H,W], got ", x.shape().str());
    const Tensor<float> f_m1 = sfe1(x);                                // [N, G0, H, W]
    Tensor<float> h = sfe2(f_m1);                                      // [N, G0, H, W]
    std::vector<Tensor<float>> lrls;
    for (const auto& rdb : rdbs) {
      h = add(h, rdb->forward(h));                                     // LRL_d = LFF_d + x_d
      lrls.push_back(h);
    }
    h = add(gff2(gff1(lrls.size() == 1 ? lrls[0] : concat(lrls))), f_m1);  // FDF      [N, G0, H, W]
    h = upn3(upn2(upn1(h)));                                           // relu fused [N, c·s², H, W]
    if (cfg_.scale > 1) h = upsample(h, double(cfg_.scale), InterpolateMode::nearest);  // [N, c·s², sH, sW]
    return sr(h);                                                      // [N, c, sH, sW]
  }

 private:
  static const Config& validated(const Config& c) {
    c.validate();
    return c;
  }
  Config cfg_;
  ImageModelInfo info_;
};

inline const bool kUpscalerJSRDNRegistered = register_model<UpscalerJSRDN>(
    "upscalerjs_rdn", "UpscalerJS / idealo RDN (esrgan-slim, esrgan-medium, div2k, psnr-small), TF.js converted");

}  // namespace pixforge
