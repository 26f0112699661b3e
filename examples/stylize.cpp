// stylize — fast neural style transfer (Johnson et al.; pytorch/examples fast_neural_style TransformerNet, e.g.
// candy/mosaic/udnie.pth converted with tools/convert_pth.py). One forward pass paints the whole photo; --blend
// mixes the painting with the photo (1 = full style, 0 = the photo), the usual "style strength" slider.
//
//   stylize MODEL.safetensors IN OUT [--blend A]
#define PIXFORGE_IMPLEMENTATION
#include <cstdio>
#include <cstdlib>
#include <string>

#include "pixforge/models/transformer_net.hpp"  // only the model this program needs
#include "pixforge/pipeline.hpp"

using namespace pixforge;

int main(int argc, char** argv) {
  if (argc != 4 && !(argc == 6 && std::string(argv[4]) == "--blend"))
    return std::fprintf(stderr, "usage: %s MODEL.safetensors IN OUT [--blend A]\n", argv[0]), 2;
  const double blend = argc == 6 ? std::atof(argv[5]) : 1.0;
  if (!(blend >= 0 && blend <= 1)) return std::fprintf(stderr, "stylize: --blend must be in [0, 1]\n"), 2;
  try {
    const Pipeline pipe = Pipeline::load(argv[1]);
    const Image photo = load_image(argv[2]);
    // Instance norm uses whole-image statistics, so tiles would not be exact: the model says so
    // (info().global_context) and the pipeline runs it in one pass.
    Image out = pipe.run(photo);
    if (blend < 1.0)  // same size and layout (scale 1): mix byte by byte
      for (size_t k = 0; k < out.pixels.size(); ++k)
        out.pixels[k] = uint8_t(std::lround(blend * out.pixels[k] + (1.0 - blend) * photo.pixels[k]));
    save_image(argv[3], out);
    std::printf("%s: stylized %dx%d (blend %.2f), %s\n", pipe.info().arch.c_str(), out.width, out.height, blend,
                argv[3]);
    return 0;
  } catch (const Error& e) {
    return std::fprintf(stderr, "stylize: %s\n", e.what()), 1;
  }
}
