// reuse_buffers — many frames of one size (video, a camera, a game's render target) through one model with the
// per-frame buffers allocated once: the input tensor is refilled in place from each frame and the output Image is
// overwritten in place, so the steady state allocates only what the network's ops allocate inside forward()
// (their activations; freed blocks of the same sizes are what the allocator hands back next frame).
// Uses model->forward() directly: fine for models without pre-padding or size constraints (TinySR, SRVGG, ...);
// otherwise pad as the Pipeline does (pipeline.hpp) or call Pipeline::run_tensor.
//
//   reuse_buffers MODEL.safetensors OUT_PREFIX FRAME...     (all frames the same size; writes OUT_PREFIX<k>.png)
#define PIXFORGE_IMPLEMENTATION
#include <cstdio>
#include <string>

#include "pixforge/models/all.hpp"

using namespace pixforge;

int main(int argc, char** argv) {
  if (argc < 4) return std::fprintf(stderr, "usage: %s MODEL.safetensors OUT_PREFIX FRAME...\n", argv[0]), 2;
  try {
    const std::unique_ptr<ImageModel> net = load_model(argv[1]);
    const ImageModelInfo& info = net->info();
    PIXFORGE_CHECK(info.pre_pad == 0 && info.size_multiple == 1 && info.in_channels == 3 &&
                       info.out_channels == 3 && info.range == Range::unit,
                   ErrorCode::unsupported, "reuse_buffers: '", info.arch, "' needs padding, is not RGB -> RGB or ",
                   "not in the [0, 1] range; use Pipeline::run_tensor for it");
    const int C = 3;
    Tensor<float> x;  // [1, 3, H, W], allocated at the first frame, refilled afterwards
    Image out;        // H·s × W·s × 3, likewise
    for (int f = 3; f < argc; ++f) {
      const Image frame = load_image(argv[f], C);
      if (f == 3) {
        x = Tensor<float>::empty({1, C, frame.height, frame.width});
        out = Image::blank(frame.width * int(info.scale), frame.height * int(info.scale), C);
      }
      PIXFORGE_CHECK(frame.width == x.size(3) && frame.height == x.size(2), ErrorCode::shape_mismatch,
                     "reuse_buffers: frame '", argv[f], "' is ", frame.width, "x", frame.height, ", the first was ",
                     x.size(3), "x", x.size(2));
      // HWC bytes -> CHW floats in [0, 1], into the existing tensor.
      const int64_t P = x.size(2) * x.size(3);
      for (int64_t i = 0; i < P; ++i)
        for (int c = 0; c < C; ++c) x.data()[c * P + i] = float(frame.pixels[size_t(i * C + c)]) / 255.0f;

      const Tensor<float> y = net->forward(x).contiguous();  // [1, 3, H·s, W·s]

      const int64_t Q = y.size(2) * y.size(3);  // CHW floats -> HWC bytes (clamped, rounded), into the image
      for (int64_t i = 0; i < Q; ++i)
        for (int c = 0; c < C; ++c)
          out.pixels[size_t(i * C + c)] = quantize(y.data()[c * Q + i] * 255.0f, Rounding::round);
      const std::string path = argv[2] + std::to_string(f - 3) + ".png";
      save_image(path, out);
      std::printf("frame %d: %s -> %s\n", f - 3, argv[f], path.c_str());
    }
    return 0;
  } catch (const Error& e) {
    return std::fprintf(stderr, "reuse_buffers: %s\n", e.what()), 1;
  }
}
