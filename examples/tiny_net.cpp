// tiny_net — the smallest complete pixforge program: a 2× super-resolution network written out from ops, its
// weights read from a safetensors file, an image in and an image out. (models/tiny_sr.hpp is the same network as a
// Module; examples/demo_tiny_net.cpp uses that.)   usage: tiny_net IN.png OUT.png
#define PIXFORGE_IMPLEMENTATION
#include <cstdio>
#include "pixforge/io/image.hpp"
#include "pixforge/io/safetensors.hpp"
#include "pixforge/ops/conv2d.hpp"
#include "pixforge/ops/elementwise.hpp"
#include "pixforge/ops/pixel_shuffle.hpp"
#include "pixforge/ops/upsample.hpp"

using namespace pixforge;

int main(int argc, char** argv) {
  if (argc != 3) return std::fprintf(stderr, "usage: tiny_net IN OUT\n"), 2;
  try {
    SafeTensors w = SafeTensors::open("weights/tiny-sr-2x.safetensors");
    auto conv = [&](const Tensor<float>& in, const std::string& name, int64_t pad, Act act) {
      return conv2d(in, w.get(name + ".weight"), w.get(name + ".bias"), Conv2dParams{}.with_padding(pad).with_act(act));
    };
    Tensor<float> x = image_to_tensor(load_image(argv[1], 3), Range::unit);          // [1, 3, H, W] in [0, 1]
    Tensor<float> h = conv(conv(x, "conv1", 2, Act::tanh()), "conv2", 1, Act::tanh());  // [1, 32, H, W]
    Tensor<float> y = pixel_shuffle(conv(h, "conv3", 1, Act::none()), 2);             // [1, 3, 2H, 2W]
    y = add(y, interpolate(x, InterpolateParams::by_scale(2, InterpolateMode::bicubic)));
    save_image(argv[2], tensor_to_image(y, Range::unit));                              // clamped, rounded
    return 0;
  } catch (const Error& e) {
    return std::fprintf(stderr, "tiny_net: %s\n", e.what()), 1;
  }
}
