// segment — binary segmentation (R2AttU-Net, U²-Net, ...): a probability mask and, optionally, an overlay that
// tints the segmented pixels red. The mask is computed in float with Pipeline::run_tensor (tiling and padding as
// for images) so the probability can be thresholded before any 8-bit rounding.
//
//   segment MODEL.safetensors IN MASK.png [OVERLAY.png]
#define PIXFORGE_IMPLEMENTATION
#include <cstdio>

#include "pixforge/models/all.hpp"
#include "pixforge/ops/activation.hpp"
#include "pixforge/pipeline.hpp"

using namespace pixforge;

int main(int argc, char** argv) {
  if (argc != 4 && argc != 5) return std::fprintf(stderr, "usage: %s MODEL IN MASK.png [OVERLAY.png]\n", argv[0]), 2;
  try {
    const Pipeline pipe = Pipeline::load(argv[1]);
    const ImageModelInfo& info = pipe.info();
    PIXFORGE_CHECK(info.out_channels == 1 && info.scale == 1, ErrorCode::invalid_argument, "segment: '", argv[1],
                   "' gives ", info.out_channels, " channels at scale ", info.scale, "; expected a 1-channel mask");
    const Image photo = load_image(argv[2], 3);
    const Tensor<float> x = image_to_tensor(convert_channels(photo, int(info.in_channels)), info.range);
    Tensor<float> y = pipe.run_tensor(x);  // [1, 1, H, W]
    // R2AttU-Net returns logits (the training loss applied the sigmoid); U²-Net and IS-Net return probabilities.
    if (info.arch == "r2attunet") y = sigmoid(y);
    save_image(argv[3], tensor_to_image(y));  // probability 0..1 -> gray 0..255

    int64_t on = 0;
    const float* p = y.data();
    Image overlay = photo;
    for (size_t k = 0; k < size_t(y.numel()); ++k) {
      if (p[k] <= 0.5f) continue;
      ++on;
      uint8_t* px = &overlay.pixels[3 * k];  // half-way to pure red
      px[0] = uint8_t((px[0] + 255) / 2), px[1] = uint8_t(px[1] / 2), px[2] = uint8_t(px[2] / 2);
    }
    if (argc == 5) save_image(argv[4], overlay);
    std::printf("%s: %dx%d, %.1f%% of the pixels segmented (p > 0.5), %s\n", info.arch.c_str(), photo.width,
                photo.height, 100.0 * double(on) / double(y.numel()), argv[3]);
    return 0;
  } catch (const Error& e) {
    return std::fprintf(stderr, "segment: %s\n", e.what()), 1;
  }
}
