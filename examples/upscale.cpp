// upscale — super-resolution: any upscaler weight file (waifu2x, Real-CUGAN, Real-ESRGAN, UpscalerJS, TinySR) on
// one image. The weight file's metadata says which network it is, the Pipeline does the rest (pre-padding, tiling
// with an exact halo, alpha channel, 8-bit conversion).
//
//   upscale MODEL.safetensors IN OUT          e.g. upscale weights/waifu2x-upconv7-scale2x.safetensors in.png out.png
#define PIXFORGE_IMPLEMENTATION  // in exactly one .cpp of your program: compiles stb_image / stb_image_write
#include <cstdio>

#include "pixforge/models/all.hpp"  // registers every architecture (include only the ones you ship, if you like)
#include "pixforge/pipeline.hpp"

using namespace pixforge;

int main(int argc, char** argv) {
  if (argc != 4) return std::fprintf(stderr, "usage: %s MODEL.safetensors IN OUT\n", argv[0]), 2;
  try {
    const Pipeline pipe = Pipeline::load(argv[1]);  // builds the network from the metadata and loads the weights
    if (pipe.info().scale < 2)
      std::fprintf(stderr, "upscale: note: '%s' is a %s model (scale 1)\n", argv[1], pipe.info().task.c_str());
    const Image in = load_image(argv[2]);  // gray, gray+alpha, RGB or RGBA: the pipeline keeps the layout
    const Image out = pipe.run(in);        // default RunOptions: automatic tiles within a 1 GiB budget
    save_image(argv[3], out);              // atomic: a failed write never leaves a partial file
    std::printf("%s x%lld: %dx%d -> %dx%d, %s\n", pipe.info().arch.c_str(), (long long)pipe.info().scale, in.width,
                in.height, out.width, out.height, argv[3]);
    return 0;
  } catch (const Error& e) {  // every pixforge failure: a code and a message naming the file, key or shape
    return std::fprintf(stderr, "upscale: %s\n", e.what()), 1;
  }
}
