// remove_bg — background removal / replacement with a matte network (IS-Net, U²-Net, U²-Net†): the image is
// resized to the network resolution, the matte predicted and resized back (ops/matte.hpp predict_matte), then
// either cut out (RGBA PNG, alpha = matte) or composited onto a colour or a same-size background image.
//
//   remove_bg WEIGHTS IN OUT.png [--color R,G,B | --background BG] [--matte MATTE.png] [--resolution N]
//                                [--normalize]
// WEIGHTS: a converted matte model, e.g. weights/isnet.safetensors (tools/convert_onnx_isnet.py; AGPL — local
// use only). Resolution defaults to 1024 for isnet and 320 for u2net/u2netp (what the reference apps use).
#define PIXFORGE_IMPLEMENTATION
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>

#include "pixforge/io/image.hpp"
#include "pixforge/models/all.hpp"
#include "pixforge/ops/matte.hpp"

using namespace pixforge;

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr,
                 "usage: %s WEIGHTS IN OUT.png [--color R,G,B | --background BG] [--matte MATTE.png] "
                 "[--resolution N] [--normalize]\n",
                 argv[0]);
    return 2;
  }
  std::string color, background, matte_path;
  PredictMatteOptions opt;
  opt.resolution = -1;  // the model's default below
  for (int i = 4; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--color" && has_value) color = argv[++i];
    else if (a == "--background" && has_value) background = argv[++i];
    else if (a == "--matte" && has_value) matte_path = argv[++i];
    else if (a == "--resolution" && has_value) opt.resolution = std::atoll(argv[++i]);
    else if (a == "--normalize") opt.normalize = true;
    else {
      std::fprintf(stderr, "remove_bg: unknown or incomplete option '%s'\n", a.c_str());
      return 2;
    }
  }
  try {
    std::unique_ptr<ImageModel> net = load_model(argv[1]);
    if (opt.resolution < 0) opt.resolution = net->info().arch == "isnet" ? 1024 : 320;
    const Image img = load_image(argv[2]);

    const auto t0 = std::chrono::steady_clock::now();
    const std::clock_t c0 = std::clock();
    const Tensor<float> matte = predict_matte(*net, img, opt);  // [1, 1, H, W]
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double cpu = double(std::clock() - c0) / CLOCKS_PER_SEC;
    std::printf("%s matte at %lld² for %dx%d in %.2f s (%d threads, %.2f s CPU)\n", net->info().arch.c_str(),
                (long long)opt.resolution, img.width, img.height, s, get_num_threads(), cpu);
    if (!matte_path.empty()) save_image(matte_path, matte_to_image(matte));

    Image out;
    if (!background.empty()) {
      out = composite(img, matte, load_image(background));
    } else if (!color.empty()) {
      int r = 0, g = 0, b = 0;
      if (std::sscanf(color.c_str(), "%d,%d,%d", &r, &g, &b) != 3 || r < 0 || r > 255 || g < 0 || g > 255 || b < 0 ||
          b > 255) {
        std::fprintf(stderr, "remove_bg: --color expects R,G,B in 0..255, got '%s'\n", color.c_str());
        return 2;
      }
      out = composite_color(img, matte, {uint8_t(r), uint8_t(g), uint8_t(b)});
    } else {
      out = cutout(img, matte);
    }
    save_image(argv[3], out);
    std::printf("wrote %s\n", argv[3]);
    return 0;
  } catch (const Error& e) {
    std::fprintf(stderr, "remove_bg: %s\n", e.what());
    return 1;
  }
}
