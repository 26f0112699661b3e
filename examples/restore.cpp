// restore — old-photo restoration the DeOldify way: colourise at a fixed render size, then keep the ORIGINAL's
// luminance (full resolution, every scratch-free detail the photo has) and take only the chroma from the network.
// Model: deoldify_unet (the "artistic" generator, converted by tools/convert_deoldify.py).
//
//   restore MODEL.safetensors IN OUT [--render S]
// S: the square size the network runs at (DeOldify's render_factor × 16; default 35 × 16 = 560). Larger = more
// colour detail, quadratically slower.
//
// Steps (deoldify/filters.py; models/deoldify_unet.hpp documents each function):
//   1. resize the photo to S×S (bilinear) and make the network input: 8-bit luma ×3, ImageNet-normalised
//   2. forward: colour image in normalised RGB, S×S
//   3. resize the result back to the photo's size (bilinear; the reference resizes the 8-bit result with PIL, so
//      colours differ slightly from it), then deoldify_postprocess: Y from the photo, U and V from the network.
#define PIXFORGE_IMPLEMENTATION
#include <cstdio>
#include <cstdlib>
#include <string>

#include "pixforge/models/deoldify_unet.hpp"  // only the model this program needs
#include "pixforge/ops/upsample.hpp"

using namespace pixforge;

int main(int argc, char** argv) {
  if (argc != 4 && !(argc == 6 && std::string(argv[4]) == "--render"))
    return std::fprintf(stderr, "usage: %s MODEL.safetensors IN OUT [--render S]\n", argv[0]), 2;
  const int64_t S = argc == 6 ? std::atoll(argv[5]) : 35 * 16;
  if (S < 16 || S % 2 != 0) return std::fprintf(stderr, "restore: --render must be an even size >= 16\n"), 2;
  try {
    const std::unique_ptr<DeoldifyUnet> net = DeoldifyUnet::load(argv[1]);  // refuses a file of another arch

    const Image photo = load_image(argv[2], 3);                       // gray photos are replicated to RGB
    const Tensor<float> original = image_to_tensor(photo, Range::byte);  // [1, 3, H, W], 0..255
    const int64_t H = original.size(2), W = original.size(3);

    const Tensor<float> small = interpolate(original, InterpolateParams::to_size(S, S, InterpolateMode::bilinear));
    const Tensor<float> colour = net->forward(deoldify_preprocess(small));  // [1, 3, S, S], normalised RGB
    const Tensor<float> full = interpolate(colour, InterpolateParams::to_size(H, W, InterpolateMode::bilinear));
    const Tensor<float> result = deoldify_postprocess(full, original);  // [1, 3, H, W], 0..255, photo's luma

    save_image(argv[3], tensor_to_image(result, Range::byte));
    std::printf("deoldify_unet: restored %lldx%lld (rendered at %lld²), %s\n", (long long)W, (long long)H,
                (long long)S, argv[3]);
    return 0;
  } catch (const Error& e) {
    return std::fprintf(stderr, "restore: %s\n", e.what()), 1;
  }
}
