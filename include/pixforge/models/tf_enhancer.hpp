// pixforge/models/tf_enhancer.hpp — the small TensorFlow/Keras "GAN image enhancement" generator (architectures/
// part-a.md §10): a conv/deconv encoder-decoder without normalisation or skips, with TensorFlow 'same' padding
// reproduced exactly. PyTorch definition for the goldens (TF semantics written out): tools/reference/tf_enhancer.py.
//
// Members carry the Keras default layer names; the weights are stored in PyTorch layout (a converter permutes the
// TF kernels by (3, 2, 0, 1): Conv2D [kh, kw, in, out] -> [out, in, kh, kw], Conv2DTranspose [kh, kw, out, in] ->
// [in, out, kh, kw]; no spatial flips), all layers with bias:
//
//   x    [N, 3, H, W]                                    RGB in [-1, 1] (x/127.5 − 1)
//   y    = lrelu0.2(conv2d(x))              3 -> nf,    k×k s2 'same'   [N, nf,  ceil(H/2), ceil(W/2)]
//   y    = lrelu0.2(conv2d_1(y))            nf -> 2nf,  k×k s2 'same'   [N, 2nf, H4, W4]   H4 = ceil(ceil(H/2)/2)
//   y    = lrelu0.2(conv2d_transpose(y))    2nf -> 2nf, k×k s2 'same'   [N, 2nf, 2·H4, 2·W4]
//   y    = lrelu0.2(conv2d_transpose_1(y))  2nf -> nf,  k×k s2 'same'   [N, nf,  4·H4, 4·W4]
//   out  = tanh(conv2d_2(y))                nf -> 3,    5×5 s1 'same'   [N, 3,   4·H4, 4·W4]
//
// TF 'same' (part-a §10(c), part-b §0.3): a conv pads pad_total = max((ceil(n/s) − 1)·s + k − n, 0), floor half
// before, the odd pixel after (k4 s2 on an odd size pads (1, 2) — PyTorch's padding=1 would give one row less);
// a transposed conv computes the full (n − 1)·s + k result and crops c = k − s: floor(c/2) at the start, the rest at
// the end (k4 s2: (1, 1) = PyTorch padding 1; k3 s2: (0, 1), which PyTorch's padding=1, output_padding=1 gets
// wrong by one pixel). Spec: nf 64, k 4, 532,547 parameters; `kernel` is configurable so the crop rule is tested.
// LeakyReLU slope 0.2 (passed explicitly in the model; Keras' default would be 0.3).
//
// Pre/post-processing: RGB in [-1, 1] (info().range = symmetric), output tanh in [-1, 1]. forward() requires H and W
// to be multiples of 4 (only then is the output the input size; the pipeline pads to info().size_multiple);
// generator() runs any size and returns 4·H4 × 4·W4 as Keras would.
//
//     auto net = TfEnhancer::load("weights/enhancer.safetensors");
//     Tensor<float> y = net->forward(x);    // x [1, 3, H, W] in [-1, 1], H, W multiples of 4
#pragma once

#include <memory>
#include <string>

#include "pixforge/core/json.hpp"
#include "pixforge/io/safetensors.hpp"
#include "pixforge/models/model.hpp"
#include "pixforge/nn/layers.hpp"
#include "pixforge/nn/state_dict.hpp"

namespace pixforge {

class TfEnhancer : public ImageModel {
 public:
  struct Config {
    int64_t nf = 64;     // filters of the first conv (second and transposed: 2nf, 2nf, nf)
    int64_t kernel = 4;  // kernel of the four stride-2 layers
    static Config from_json(const Json& j) {
      Config c;
      c.nf = j.get_int("nf", c.nf);
      c.kernel = j.get_int("kernel", c.kernel);
      PIXFORGE_CHECK(c.nf >= 1 && c.nf <= 4096, ErrorCode::invalid_argument, "tf_enhancer: config nf=", c.nf,
                     " out of range [1, 4096]");
      PIXFORGE_CHECK(c.kernel >= 2 && c.kernel <= 15, ErrorCode::invalid_argument, "tf_enhancer: config kernel=",
                     c.kernel, " out of range [2, 15] (a 'same' transposed conv needs kernel >= stride 2)");
      return c;
    }
  };

  Conv2d conv2d, conv2d_1;
  ConvTranspose2d conv2d_transpose, conv2d_transpose_1;
  Conv2d conv2d_2;

  TfEnhancer() : TfEnhancer(Config()) {}
  explicit TfEnhancer(const Config& c)
      : conv2d(Conv2dOptions(3, c.nf, c.kernel).stride(2)),
        conv2d_1(Conv2dOptions(c.nf, 2 * c.nf, c.kernel).stride(2)),
        conv2d_transpose(ConvTranspose2dOptions(2 * c.nf, 2 * c.nf, c.kernel).stride(2)),
        conv2d_transpose_1(ConvTranspose2dOptions(2 * c.nf, c.nf, c.kernel).stride(2)),
        conv2d_2(Conv2dOptions(c.nf, 3, 5)),
        config_(c) {
    register_module("conv2d", conv2d);
    register_module("conv2d_1", conv2d_1);
    register_module("conv2d_transpose", conv2d_transpose);
    register_module("conv2d_transpose_1", conv2d_transpose_1);
    register_module("conv2d_2", conv2d_2);
    // TF 'same' for the transposed convs does not depend on the input size: set once.
    conv2d_transpose.params.with_tf_same_padding(c.kernel, c.kernel).with_act(Act::leaky_relu(0.2f));
    conv2d_transpose_1.params.with_tf_same_padding(c.kernel, c.kernel).with_act(Act::leaky_relu(0.2f));
    info_.arch = "tf_enhancer";
    info_.task = "enhance";
    info_.scale = 1;
    info_.range = Range::symmetric;
    info_.size_multiple = 4;
    // Receptive radius bound (input pixels): each k×k stride-2 layer reaches k/2 + 1 pixels of its input grid —
    // conv2d at 1×, conv2d_1 and conv2d_transpose_1 at 2×, conv2d_transpose at 4× — plus 2 for the 5×5 conv2d_2.
    info_.halo = 2 + (c.kernel / 2 + 1) * (1 + 2 + 4 + 2);
  }

  static std::unique_ptr<TfEnhancer> load(const std::string& path) {
    return load_model_as<TfEnhancer>(path, "tf_enhancer");
  }

  const Config& config() const { return config_; }
  const ImageModelInfo& info() const override { return info_; }

  // Any H, W >= 1; output [N, 3, 4·ceil(ceil(H/2)/2), 4·ceil(ceil(W/2)/2)] as Keras computes it.
  Tensor<float> generator(const Tensor<float>& x) const {
    PIXFORGE_CHECK(x.dim() == 4 && x.size(1) == 3, ErrorCode::shape_mismatch,
                   "tf_enhancer: expected an RGB tensor [N,3,H,W] in [-1,1], got ", x.shape().str());
    Tensor<float> y = conv_same(conv2d, x, Act::leaky_relu(0.2f));  // [N, nf, ceil(H/2), ceil(W/2)]
    y = conv_same(conv2d_1, y, Act::leaky_relu(0.2f));              // [N, 2nf, H4, W4]
    y = conv2d_transpose(y);                                         // [N, 2nf, 2·H4, 2·W4]  (lrelu fused)
    y = conv2d_transpose_1(y);                                       // [N, nf, 4·H4, 4·W4]   (lrelu fused)
    return conv_same(conv2d_2, y, Act::tanh());                      // [N, 3, 4·H4, 4·W4]
  }

  Tensor<float> forward(const Tensor<float>& x) const override {
    PIXFORGE_CHECK(x.dim() == 4 && x.size(1) == 3, ErrorCode::shape_mismatch,
                   "tf_enhancer: expected an RGB tensor [N,3,H,W] in [-1,1], got ", x.shape().str());
    PIXFORGE_CHECK(x.size(2) % 4 == 0 && x.size(3) % 4 == 0, ErrorCode::shape_mismatch,
                   "tf_enhancer: H and W must be multiples of 4 for a same-size output, got ", x.shape().str(),
                   " (pad the image, e.g. with the pipeline, or call generator() for Keras' rounded-up size)");
    return generator(x);
  }

 private:
  // Conv2D(padding='same') for this input: asymmetric zero padding per TF, the activation fused.
  static Tensor<float> conv_same(const Conv2d& c, const Tensor<float>& x, Act act) {
    Conv2dParams p = c.params;
    p.with_tf_same_padding(x.size(2), x.size(3), c.weight.size(2), c.weight.size(3));
    p.act = act;
    return pixforge::conv2d(x, c.weight, c.bias, p);
  }

  Config config_;
  ImageModelInfo info_;
};

inline const bool kTfEnhancerRegistered =
    register_model<TfEnhancer>("tf_enhancer", "Keras conv/deconv GAN image enhancement generator (TF 'same' padding)");

}  // namespace pixforge
