// enhance — photo enhancement (exposure, contrast, colour) with a 1× image-to-image generator: tf_enhancer (a
// Keras conv/deconv GAN generator converted from TensorFlow) or any other 1× model. Prints the mean of each
// colour channel before and after, the quickest way to see what an enhancer did to a photo.
//
//   enhance MODEL.safetensors IN OUT
#define PIXFORGE_IMPLEMENTATION
#include <cstdio>

#include "pixforge/models/all.hpp"
#include "pixforge/pipeline.hpp"

using namespace pixforge;

// Mean of each channel of an 8-bit image, "R G B" (or "gray").
static std::string channel_means(const Image& img) {
  std::string s;
  for (int c = 0; c < img.channels; ++c) {
    double sum = 0;
    for (size_t k = size_t(c); k < img.pixels.size(); k += size_t(img.channels)) sum += img.pixels[k];
    s += (c ? " " : "") + std::to_string(int(sum / double(img.pixels.size() / size_t(img.channels)) + 0.5));
  }
  return s;
}

int main(int argc, char** argv) {
  if (argc != 4) return std::fprintf(stderr, "usage: %s MODEL.safetensors IN OUT\n", argv[0]), 2;
  try {
    const Pipeline pipe = Pipeline::load(argv[1]);
    const Image in = load_image(argv[2], 3);  // RGB: enhancers work on colour
    const Image out = pipe.run(in);
    save_image(argv[3], out);
    std::printf("%s (%s): %dx%d, channel means %s -> %s, %s\n", pipe.info().arch.c_str(), pipe.info().task.c_str(),
                out.width, out.height, channel_means(in).c_str(), channel_means(out).c_str(), argv[3]);
    return 0;
  } catch (const Error& e) {
    return std::fprintf(stderr, "enhance: %s\n", e.what()), 1;
  }
}
