// deblur — blind motion deblurring with DeblurGAN (ResnetGenerator, learn_residual: output = clamp(x + G(x))).
// Its instance norms use whole-image statistics (info().global_context), so the pipeline runs it in one pass
// and says so through RunOptions::notice; an explicit tile size would be refused with an error, not approximated.
//
//   deblur MODEL.safetensors IN OUT
#define PIXFORGE_IMPLEMENTATION
#include <cstdio>
#include <string>

#include "pixforge/models/deblurgan.hpp"  // only the model this program needs
#include "pixforge/pipeline.hpp"

using namespace pixforge;

int main(int argc, char** argv) {
  if (argc != 4) return std::fprintf(stderr, "usage: %s MODEL.safetensors IN OUT\n", argv[0]), 2;
  try {
    const Pipeline pipe = Pipeline::load(argv[1]);
    const Image in = load_image(argv[2]);
    RunOptions opt;  // tile -1: automatic
    opt.notice = [](const std::string& s) { std::fprintf(stderr, "deblur: %s\n", s.c_str()); };
    const Image out = pipe.run(in, opt);
    save_image(argv[3], out);
    std::printf("%s: deblurred %dx%d, %s\n", pipe.info().arch.c_str(), out.width, out.height, argv[3]);
    return 0;
  } catch (const Error& e) {
    return std::fprintf(stderr, "deblur: %s\n", e.what()), 1;
  }
}
