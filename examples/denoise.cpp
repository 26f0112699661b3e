// denoise — JPEG-artefact / noise removal with a 1× model (waifu2x vgg_7 / CUNet noise<k>, Real-CUGAN denoise
// variants do 2× and denoise at once). Same Pipeline as upscale.cpp; this one also prints how much the model
// changed the picture (mean absolute difference on the 0..255 scale), a quick sanity check for a denoiser.
//
//   denoise MODEL.safetensors IN OUT          e.g. denoise weights/waifu2x-vgg7-noise1.safetensors in.jpg out.png
#define PIXFORGE_IMPLEMENTATION
#include <cstdio>
#include <cstdlib>

#include "pixforge/models/all.hpp"
#include "pixforge/pipeline.hpp"

using namespace pixforge;

int main(int argc, char** argv) {
  if (argc != 4) return std::fprintf(stderr, "usage: %s MODEL.safetensors IN OUT\n", argv[0]), 2;
  try {
    const Pipeline pipe = Pipeline::load(argv[1]);
    PIXFORGE_CHECK(pipe.info().scale == 1, ErrorCode::invalid_argument, "denoise: '", argv[1], "' is a ",
                   pipe.info().scale, "x ", pipe.info().task, " model; use upscale for it");
    const Image in = load_image(argv[2]);
    const Image out = pipe.run(in);
    save_image(argv[3], out);

    // Same size and channels at scale 1, so the two pixel buffers line up byte for byte.
    double sum = 0;
    for (size_t k = 0; k < in.pixels.size(); ++k) sum += std::abs(int(in.pixels[k]) - int(out.pixels[k]));
    std::printf("%s (%s): %dx%d, mean |change| %.2f / 255, %s\n", pipe.info().arch.c_str(), pipe.info().task.c_str(),
                out.width, out.height, sum / double(in.pixels.size()), argv[3]);
    return 0;
  } catch (const Error& e) {
    return std::fprintf(stderr, "denoise: %s\n", e.what()), 1;
  }
}
