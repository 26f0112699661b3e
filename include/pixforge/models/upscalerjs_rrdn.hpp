// pixforge/models/upscalerjs_rrdn.hpp — RRDN (residual-in-residual dense network, idealo image-super-resolution's
// GAN generator) as shipped by UpscalerJS: `models/idealo/gans` of @upscalerjs/models@0.9.0 (MIT), 4x, RGB in
// [0, 1]. Arch name `upscalerjs_rrdn`.
//
// Weights come from the TF.js layers model (uint8-quantized) through tools/convert_tfjs.py, which checks the graph
// against tools/reference/upscalerjs.py (PyTorch definition for the goldens; member names = its state_dict keys).
// Every conv is 3x3 (kernel_size), stride 1, with bias, TF 'SAME' padding (1 zero on every side).
//
//   x    [N, c_dim, H, W]                        RGB in [0, 1] (config "range")
//   pre  = pre_conv(x)                           c_dim -> G0                      (Keras Pre_blocks_conv)
//   T times (RRDB t):  r = h
//     D times (RDB d): f_k = relu(convs[k]([h, f_1, ..., f_{k-1}]))  G0 + (k-1)·G -> G, k = 1..C  (F_t_d_k)
//                      h   = h + 0.2 · lff([h, f_1, ..., f_C])       3x3 (!), G0 + C·G -> G0     (LFF_t_d, MultiplyBeta)
//     h = r + 0.2 · h                                                                          (RRDB_t_out)
//   h    = post_conv(h) + pre                    G0 -> G0                          (post_blocks_conv, GRL)
//   y    = sr(depth_to_space(pre_shuffle(h), scale))   G0 -> c_dim·scale², then c_dim -> c_dim (PreShuffle, SR)
//
// The custom PixelShuffle layer of the TF.js model is tf.depthToSpace(x, scale, 'NHWC'): TensorFlow's DCR channel
// order (ops/pixel_shuffle.hpp depth_to_space), not torch pixel_shuffle. The released model: G0 32, G 32, C 4,
// D 3, T 10, scale 4 (4,176,100 parameters). No output activation, output clamped when saved.
//
// halo (exact receptive radius, input pixels): pre_conv, T·D·(C + 1) dense and fusion convs, post_conv and
// pre_shuffle reach r·(T·D·(C + 1) + 3) input pixels (r = kernel_size / 2); the sr conv after depth_to_space adds
// ceil(r / scale): 154 for the released model.
#pragma once

#include <cmath>
#include <memory>
#include <string>

#include "pixforge/models/upscalerjs_rdn.hpp"
#include "pixforge/ops/pixel_shuffle.hpp"

namespace pixforge {

class UpscalerJSRRDB : public Module {
 public:
  static constexpr float kBeta = 0.2f;  // the MultiplyBeta layers
  ModuleList<UpscalerJSDenseBlock> rdbs;

  UpscalerJSRRDB(int64_t G0, int64_t G, int64_t C, int64_t D, int64_t k) {
    for (int64_t d = 0; d < D; ++d) rdbs.emplace_back(G0, G, C, k, k);
    register_module("rdbs", rdbs);
  }

  Tensor<float> forward(const Tensor<float>& x) const {
    Tensor<float> h = x;
    for (const auto& rdb : rdbs) h = add(h, rdb->forward(h), kBeta);  // LRL = h + 0.2·LFF
    return add(x, h, kBeta);                                          // RRDB_out = x + 0.2·h
  }
};

class UpscalerJSRRDN : public ImageModel {
 public:
  struct Config {
    int64_t G0 = 32, G = 32, C = 4, D = 3, T = 10, scale = 4, c_dim = 3, kernel_size = 3;
    Range range = Range::unit;

    static Config from_json(const Json& j) {
      Config c;
      c.G0 = j.get_int("G0", c.G0);
      c.G = j.get_int("G", c.G);
      c.C = j.get_int("C", c.C);
      c.D = j.get_int("D", c.D);
      c.T = j.get_int("T", c.T);
      c.scale = j.get_int("scale", c.scale);
      c.c_dim = j.get_int("c_dim", c.c_dim);
      c.kernel_size = j.get_int("kernel_size", c.kernel_size);
      const double beta = j.get_double("beta", UpscalerJSRRDB::kBeta);
      PIXFORGE_CHECK(std::abs(beta - 0.2) < 1e-6, ErrorCode::unsupported, "upscalerjs_rrdn: config beta=",
                     beta, " (only 0.2 exists)");
      c.range = upscalerjs_detail::parse_range("upscalerjs_rrdn", j.get_string("range", "unit"));
      c.validate();
      return c;
    }
    void validate() const {
      using upscalerjs_detail::check_dim;
      const std::string a = "upscalerjs_rrdn";
      check_dim(a, "G0", G0, 1, 4096);
      check_dim(a, "G", G, 1, 4096);
      check_dim(a, "C", C, 1, 64);
      check_dim(a, "D", D, 1, 64);
      check_dim(a, "T", T, 0, 256);
      check_dim(a, "scale", scale, 1, 16);
      check_dim(a, "c_dim", c_dim, 1, 64);
      PIXFORGE_CHECK(kernel_size >= 1 && kernel_size % 2 == 1 && kernel_size <= 15, ErrorCode::invalid_argument,
                     "upscalerjs_rrdn: config kernel_size=", kernel_size, " must be odd in [1, 15]");
    }
  };

  Conv2d pre_conv;
  ModuleList<UpscalerJSRRDB> rrdbs;
  Conv2d post_conv, pre_shuffle, sr;

  UpscalerJSRRDN() : UpscalerJSRRDN(Config()) {}
  explicit UpscalerJSRRDN(const Config& c)
      : pre_conv(upscalerjs_detail::conv_opts(validated(c).c_dim, c.G0, c.kernel_size)),
        post_conv(upscalerjs_detail::conv_opts(c.G0, c.G0, c.kernel_size)),
        pre_shuffle(upscalerjs_detail::conv_opts(c.G0, c.c_dim * c.scale * c.scale, c.kernel_size)),
        sr(upscalerjs_detail::conv_opts(c.c_dim, c.c_dim, c.kernel_size)),
        cfg_(c) {
    for (int64_t t = 0; t < c.T; ++t) rrdbs.emplace_back(c.G0, c.G, c.C, c.D, c.kernel_size);
    register_module("pre_conv", pre_conv);
    register_module("rrdbs", rrdbs);
    register_module("post_conv", post_conv);
    register_module("pre_shuffle", pre_shuffle);
    register_module("sr", sr);
    for (Conv2d* conv : {&pre_conv, &post_conv, &pre_shuffle, &sr}) upscalerjs_detail::make_same(*conv);

    const int64_t r = c.kernel_size / 2;
    info_.arch = "upscalerjs_rrdn";
    info_.task = "upscale";
    info_.scale = c.scale;
    info_.in_channels = info_.out_channels = c.c_dim;
    info_.range = c.range;
    info_.border_mode = PaddingMode::zeros;
    info_.halo = r * (c.T * c.D * (c.C + 1) + 3) + (r + c.scale - 1) / c.scale;
  }

  static std::unique_ptr<UpscalerJSRRDN> load(const std::string& path) {
    return load_model_as<UpscalerJSRRDN>(path, "upscalerjs_rrdn");
  }

  const Config& config() const { return cfg_; }
  const ImageModelInfo& info() const override { return info_; }

  Tensor<float> forward(const Tensor<float>& x) const override {
    PIXFORGE_CHECK(x.dim() == 4 && x.size(1) == cfg_.c_dim, ErrorCode::shape_mismatch,
                   "upscalerjs_rrdn: expected [N,", cfg_.c_dim, ",H,W], got ", x.shape().str());
    const Tensor<float> pre = pre_conv(x);                          // [N, G0, H, W]
    Tensor<float> h = pre;
    for (const auto& b : rrdbs) h = b->forward(h);                  // [N, G0, H, W]
    h = add(post_conv(h), pre);                                     // GRL
    return sr(depth_to_space(pre_shuffle(h), cfg_.scale));          // [N, c, sH, sW]
  }

 private:
  static const Config& validated(const Config& c) {
    c.validate();
    return c;
  }
  Config cfg_;
  ImageModelInfo info_;
};

inline const bool kUpscalerJSRRDNRegistered = register_model<UpscalerJSRRDN>(
    "upscalerjs_rrdn", "UpscalerJS / idealo RRDN (the 4x `gans` model), TF.js converted");

}  // namespace pixforge
