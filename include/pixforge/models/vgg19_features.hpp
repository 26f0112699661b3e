// pixforge/models/vgg19_features.hpp — VGG-19 `features` (Simonyan & Zisserman 2015) as a perceptual feature
// extractor: torchvision's vgg19().features, returning the named activations (Gatys et al. style/content layers,
// DeblurGAN's conv3_3, Johnson-style perceptual metrics).
//
// Spec: architectures/part-a.md §5(d); PyTorch definition for the goldens: tools/reference/vgg19_features.py. The
// Python module is one nn.Sequential `features`, so the keys are features.<N>.weight/bias at the conv indices
// 0, 2, 5, 7, 10, 12, 14, 16, 19, 21, 23, 25, 28, 30, 32, 34 (converted torchvision weights load unchanged). Every
// conv is 3×3, stride 1, zero padding 1, with bias, followed by ReLU; MaxPool2d(2, 2) (floor) ends each block:
//
//   idx  0,1 conv1_1,relu1_1   2,3 conv1_2,relu1_2    4 pool1     64 ch   (·width/64)  [N,  64, H,    W   ]
//   idx  5,6 conv2_1,relu2_1   7,8 conv2_2,relu2_2    9 pool2    128 ch                [N, 128, H/2,  W/2 ]
//   idx 10…17 conv3_1 … relu3_4 (convs at 10,12,14,16)  18 pool3   256 ch                [N, 256, H/4,  W/4 ]
//   idx 19…26 conv4_1 … relu4_4 (convs at 19,21,23,25)  27 pool4   512 ch                [N, 512, H/8,  W/8 ]
//   idx 28…35 conv5_1 … relu5_4 (convs at 28,30,32,34)  36 pool5   512 ch                [N, 512, H/16, W/16]
//
// Names are Caffe-style: "conv4_2" is the pre-ReLU output of that conv, "relu4_2" the post-ReLU one (what Gatys'
// Caffe "conv4_2" actually was, because Caffe's ReLU is in place). Gatys: content relu4_2, style relu1_1, relu2_1,
// relu3_1, relu4_1, relu5_1. DeblurGAN's loss: features[:15] = conv3_3 pre-ReLU, fed its [-1, 1] images raw.
//
// Config: `width` (64 = torchvision; smaller for tests), `upto` (the last layer built, default "pool5"; a
// checkpoint of features[:15] loads with upto = "conv3_3"), `pool` ("max", or "avg" for Gatys-style synthesis).
//
// Pre-processing: torchvision weights expect RGB in [0, 1] normalised with the ImageNet mean/std
// (info().range = imagenet: io/image.hpp image_to_tensor(img, Range::imagenet) does it; normalize_imagenet() below
// does it for a [0, 1] tensor). No size multiple; every pool on the way to a requested layer needs at least 2 rows
// and columns (so H, W >= 16 for pool4's outputs such as relu5_1); extract() refuses smaller inputs.
//
// Full size: 20,024,384 parameters (part-a §5(d); tests/models/test_vgg19_features.cpp).
//
//     auto vgg = VGG19Features::load("weights/vgg19_features.safetensors");
//     auto f = vgg->extract(VGG19Features::normalize_imagenet(x01), {"relu1_1", "relu4_2"});
//     const Tensor<float>& content = f.at("relu4_2");          // [1, 512, H/8, W/8]
//     Tensor<float> g = gram_matrix(f.at("relu1_1"));            // [1, 64, 64], divided by C·H·W
#pragma once

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "pixforge/core/json.hpp"
#include "pixforge/io/image.hpp"
#include "pixforge/io/safetensors.hpp"
#include "pixforge/models/model.hpp"
#include "pixforge/nn/layers.hpp"
#include "pixforge/nn/state_dict.hpp"
#include "pixforge/ops/activation.hpp"
#include "pixforge/ops/pool.hpp"

namespace pixforge {

namespace vgg19 {

constexpr int kConvsPerBlock[5] = {2, 2, 4, 4, 4};

// Index -> name of torchvision's vgg19().features: conv1_1, relu1_1, conv1_2, relu1_2, pool1, conv2_1, ... pool5.
inline const std::vector<std::string>& layer_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (int b = 0; b < 5; ++b) {
      for (int i = 0; i < kConvsPerBlock[b]; ++i) {
        v.push_back("conv" + std::to_string(b + 1) + "_" + std::to_string(i + 1));
        v.push_back("relu" + std::to_string(b + 1) + "_" + std::to_string(i + 1));
      }
      v.push_back("pool" + std::to_string(b + 1));
    }
    return v;
  }();
  return names;
}

// Sequential index of a layer name, or -1.
inline int64_t layer_index(const std::string& name) {
  const auto& n = layer_names();
  const auto it = std::find(n.begin(), n.end(), name);
  return it == n.end() ? -1 : static_cast<int64_t>(it - n.begin());
}

enum class LayerKind { conv, relu, pool };
inline LayerKind layer_kind(int64_t index) {
  const std::string& n = layer_names()[static_cast<size_t>(index)];
  return n[0] == 'c' ? LayerKind::conv : n[0] == 'r' ? LayerKind::relu : LayerKind::pool;
}

inline std::string known_layers() {
  std::string s;
  for (const auto& n : layer_names()) s += (s.empty() ? "" : ", ") + n;
  return s;
}

// The nn.Sequential `features`: Conv2d children at their indices (ReLU and pooling have no parameters).
class Features : public Module {
 public:
  std::vector<std::unique_ptr<Conv2d>> convs;  // in order; conv_at[i] points into it for conv indices
  std::vector<Conv2d*> conv_at;

  Features(int64_t width, int64_t upto) : conv_at(static_cast<size_t>(upto), nullptr) {
    int64_t cin = 3, index = 0;
    for (int b = 0; b < 5; ++b) {
      const int64_t cout = width * std::min<int64_t>(int64_t(1) << b, 8);
      for (int i = 0; i < kConvsPerBlock[b]; ++i, index += 2) {
        if (index >= upto) return;
        convs.push_back(std::make_unique<Conv2d>(Conv2dOptions(cin, cout, 3).padding(1)));
        conv_at[static_cast<size_t>(index)] = convs.back().get();
        register_module(std::to_string(index), *convs.back());
        cin = cout;
      }
      ++index;  // the pool
    }
  }
};

}  // namespace vgg19

// Gram matrix of features F [N, C, H, W]: G[n] = F[n]·F[n]ᵀ / (C·H·W), F[n] as C × (H·W) — the normalisation of
// pytorch/examples fast_neural_style utils.gram_matrix (Gatys' paper instead scales the loss by 1/(4N²M²)).
inline Tensor<float> gram_matrix(const Tensor<float>& f_in) {
  PIXFORGE_CHECK(f_in.dim() == 4, ErrorCode::shape_mismatch, "gram_matrix: expected [N,C,H,W], got ",
                 f_in.shape().str());
  const Tensor<float> f = f_in.contiguous();
  const int64_t N = f.size(0), C = f.size(1), M = f.size(2) * f.size(3);
  Tensor<float> g = Tensor<float>::zeros({N, C, C});
  const double scale = 1.0 / static_cast<double>(C * M);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t i = 0; i < C; ++i)
      for (int64_t j = i; j < C; ++j) {
        const float* a = f.data() + (n * C + i) * M;
        const float* b = f.data() + (n * C + j) * M;
        double s = 0.0;
        for (int64_t k = 0; k < M; ++k) s += static_cast<double>(a[k]) * b[k];
        const float v = static_cast<float>(s * scale);
        g.data()[(n * C + i) * C + j] = v;
        g.data()[(n * C + j) * C + i] = v;
      }
  return g;
}

class VGG19Features : public ImageModel {
 public:
  struct Config {
    int64_t width = 64;          // channels of block 1 (torchvision: 64; blocks: w, 2w, 4w, 8w, 8w)
    std::string upto = "pool5";  // last layer built (inclusive)
    std::string pool = "max";    // "max" (torchvision) or "avg" (Gatys synthesis)
    static Config from_json(const Json& j) {
      Config c;
      c.width = j.get_int("width", c.width);
      c.upto = j.get_string("upto", c.upto);
      c.pool = j.get_string("pool", c.pool);
      c.validate();
      return c;
    }
    void validate() const {
      PIXFORGE_CHECK(width >= 1 && width <= 1024, ErrorCode::invalid_argument, "vgg19_features: config width=",
                     width, " out of range [1, 1024]");
      PIXFORGE_CHECK(vgg19::layer_index(upto) >= 0, ErrorCode::invalid_argument, "vgg19_features: config upto='",
                     upto, "' is not a layer (", vgg19::known_layers(), ")");
      PIXFORGE_CHECK(pool == "max" || pool == "avg", ErrorCode::invalid_argument, "vgg19_features: config pool='",
                     pool, "' must be 'max' or 'avg'");
    }
  };

  vgg19::Features features;  // features.<N>.weight/bias

  VGG19Features() : VGG19Features(Config()) {}
  explicit VGG19Features(const Config& c)
      : features((c.validate(), c.width), vgg19::layer_index(c.upto) + 1), config_(c),
        upto_(vgg19::layer_index(c.upto)) {
    register_module("features", features);
    info_.arch = "vgg19_features";
    info_.task = "features";
    info_.range = Range::imagenet;
    info_.out_channels = last_channels();
    info_.global_context = false;
  }

  static std::unique_ptr<VGG19Features> load(const std::string& path) {
    return load_model_as<VGG19Features>(path, "vgg19_features");
  }

  const Config& config() const { return config_; }
  const ImageModelInfo& info() const override { return info_; }

  // (x01 − mean) / std per channel, ImageNet statistics (RGB); x01 [N, 3, H, W] in [0, 1].
  static Tensor<float> normalize_imagenet(const Tensor<float>& x01) {
    PIXFORGE_CHECK(x01.dim() == 4 && x01.size(1) == 3, ErrorCode::shape_mismatch,
                   "vgg19_features: normalize_imagenet expects [N,3,H,W], got ", x01.shape().str());
    Tensor<float> y = x01.contiguous().clone();
    const int64_t plane = y.size(2) * y.size(3);
    for (int64_t n = 0; n < y.size(0); ++n)
      for (int64_t c = 0; c < 3; ++c) {
        float* p = y.data() + (n * 3 + c) * plane;
        for (int64_t k = 0; k < plane; ++k) p[k] = (p[k] - detail::kImagenetMean[c]) / detail::kImagenetStd[c];
      }
    return y;
  }

  // The requested activations by name (pre-ReLU "convB_I", post-ReLU "reluB_I", "poolB"); runs only as far as the
  // deepest one. x: [N, 3, H, W], already normalised (info().range).
  std::map<std::string, Tensor<float>> extract(const Tensor<float>& x, const std::vector<std::string>& names) const {
    PIXFORGE_CHECK(!names.empty(), ErrorCode::invalid_argument, "vgg19_features: no layer names requested");
    std::vector<bool> wanted(static_cast<size_t>(upto_ + 1), false);
    int64_t last = -1;
    for (const auto& n : names) {
      const int64_t i = vgg19::layer_index(n);
      PIXFORGE_CHECK(i >= 0, ErrorCode::invalid_argument, "vgg19_features: unknown layer '", n, "' (known: ",
                     vgg19::known_layers(), ")");
      PIXFORGE_CHECK(i <= upto_, ErrorCode::invalid_argument, "vgg19_features: layer '", n,
                     "' is beyond the last layer this network was built with (upto = '", config_.upto, "')");
      wanted[static_cast<size_t>(i)] = true;
      last = std::max(last, i);
    }
    check_input(x, last);
    std::map<std::string, Tensor<float>> out;
    Tensor<float> y = x;
    for (int64_t i = 0; i <= last; ++i) {
      switch (vgg19::layer_kind(i)) {
        case vgg19::LayerKind::conv: {
          const Conv2d& conv = *features.conv_at[static_cast<size_t>(i)];
          if (!wanted[static_cast<size_t>(i)] && i + 1 <= last) {  // conv + ReLU fused: skip the pre-ReLU tensor
            Conv2dParams p = conv.params;
            p.act = Act::relu();
            y = conv2d(y, conv.weight, conv.bias, p);  // [N, C, h, w] post-ReLU
            ++i;
          } else {
            y = conv(y);  // [N, C, h, w] pre-ReLU
          }
          break;
        }
        case vgg19::LayerKind::relu:
          y = relu(y);
          break;
        case vgg19::LayerKind::pool:  // [N, C, h, w] -> [N, C, h/2, w/2]
          y = config_.pool == "max" ? max_pool2d(y, MaxPool2dParams{}) : avg_pool2d(y, AvgPool2dParams{});
          break;
      }
      if (wanted[static_cast<size_t>(i)]) out[vgg19::layer_names()[static_cast<size_t>(i)]] = y;
    }
    return out;
  }

  // The activation of the last built layer (config().upto).
  Tensor<float> forward(const Tensor<float>& x) const override {
    const std::string& name = vgg19::layer_names()[static_cast<size_t>(upto_)];
    return extract(x, {name}).at(name);
  }

 private:
  int64_t last_channels() const {
    int64_t c = 3;
    for (const auto& conv : features.convs) c = conv->weight.size(0);
    return c;
  }

  void check_input(const Tensor<float>& x, int64_t last) const {
    PIXFORGE_CHECK(x.dim() == 4 && x.size(1) == 3, ErrorCode::shape_mismatch,
                   "vgg19_features: expected an RGB tensor [N,3,H,W] (ImageNet-normalised), got ", x.shape().str());
    int64_t h = x.size(2), w = x.size(3), pools = 0;
    for (int64_t i = 0; i <= last; ++i) {
      if (vgg19::layer_kind(i) != vgg19::LayerKind::pool) continue;
      PIXFORGE_CHECK(h >= 2 && w >= 2, ErrorCode::shape_mismatch, "vgg19_features: input ", x.shape().str(),
                     " is too small for layer '", vgg19::layer_names()[static_cast<size_t>(last)], "' (",
                     pools + 1, " 2x2 poolings need H, W >= ", int64_t(1) << (pools + 1), ")");
      h /= 2;
      w /= 2;
      ++pools;
    }
  }

  Config config_;
  int64_t upto_;
  ImageModelInfo info_;
};

inline const bool kVgg19FeaturesRegistered =
    register_model<VGG19Features>("vgg19_features", "VGG-19 features (torchvision) as a perceptual feature extractor");

}  // namespace pixforge
