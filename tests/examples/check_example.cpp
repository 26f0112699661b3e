// check_example — checks an example program's output image for the example_* tests (CMakeLists.txt).
//
//   check_example forward MODEL IN OUT [--sigmoid]
//                                        OUT equals a direct model->forward() of IN: padded as the Pipeline pads
//                                        (pre_pad with the border mode, size multiple), untiled, cropped, quantised
//                                        (--sigmoid: sigmoid applied to the output, quantised from [0, 1])
//   check_example size OUT W H C [--colour]
//                                        OUT is W×H with C channels (and has colour: R, G, B not all equal)
//   check_example luma IN OUT MAXDIFF    same size; the luma DeOldify keeps (filters.py: OpenCV BGR2YUV on RGB
//                                        arrays, i.e. 0.299·B + 0.587·G + 0.114·R — PIL's formula with R and B
//                                        swapped) of every pixel within MAXDIFF of IN's, and OUT
//                                        has colour (some pixel with R, G, B not all equal). Pixels with an output
//                                        channel at 0 or 255 are left out: there the colour was clipped, which
//                                        changes the luma (at least half of the pixels must be unclipped)
//   check_example same A B               A and B have identical pixels
// Prints what it found; exit 0 = pass, 1 = fail.
#define PIXFORGE_IMPLEMENTATION
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>

#include "pixforge/models/all.hpp"
#include "pixforge/ops/activation.hpp"
#include "pixforge/ops/pad.hpp"

using namespace pixforge;

namespace {

// The image the Pipeline would produce for IN without tiling, computed by hand around one forward() call.
Image direct_forward(const std::string& model_path, const std::string& in_path, bool with_sigmoid) {
  std::unique_ptr<ImageModel> net = load_model(model_path);
  const ImageModelInfo& i = net->info();
  const Tensor<float> x = image_to_tensor(load_image(in_path, int(i.in_channels)), i.range);  // [1, Cin, H, W]
  const int64_t H = x.size(2), W = x.size(3), m = i.size_multiple, s = i.scale;
  auto padded = [&](int64_t n) { return (n + 2 * i.pre_pad + m - 1) / m * m; };
  PadParams p;
  p.left = p.top = i.pre_pad;
  p.right = padded(W) - W - i.pre_pad;
  p.bottom = padded(H) - H - i.pre_pad;
  p.mode = i.border_mode == PaddingMode::zeros ? PadMode::constant
                                                : (i.border_mode == PaddingMode::reflect ? PadMode::reflect
                                                                                         : PadMode::replicate);
  const Tensor<float> y = net->forward(pad(x, p));
  // Valid convolutions may shrink the output symmetrically: the image starts pre_pad·s − shrink/2 in.
  const int64_t top = i.pre_pad * s - (padded(H) * s - y.size(2)) / 2;
  const int64_t left = i.pre_pad * s - (padded(W) * s - y.size(3)) / 2;
  const Tensor<float> core = crop(y, top, left, H * s, W * s);
  return with_sigmoid ? tensor_to_image(sigmoid(core)) : tensor_to_image(core, i.range);
}

bool same_pixels(const Image& a, const Image& b, const char* what) {
  if (a.width != b.width || a.height != b.height || a.channels != b.channels) {
    std::printf("FAIL %s: %dx%dx%d vs %dx%dx%d\n", what, a.width, a.height, a.channels, b.width, b.height,
                b.channels);
    return false;
  }
  size_t differ = 0;
  int worst = 0;
  for (size_t k = 0; k < a.pixels.size(); ++k) {
    const int d = std::abs(int(a.pixels[k]) - int(b.pixels[k]));
    differ += d != 0;
    worst = std::max(worst, d);
  }
  std::printf("%s %s: %dx%dx%d, %zu of %zu values differ (max %d)\n", differ ? "FAIL" : "ok", what, a.width,
              a.height, a.channels, differ, a.pixels.size(), worst);
  return differ == 0;
}

bool has_colour(const Image& img) {
  if (img.channels < 3) return false;
  for (size_t k = 0; k < img.pixels.size(); k += size_t(img.channels))
    if (img.pixels[k] != img.pixels[k + 1] || img.pixels[k + 1] != img.pixels[k + 2]) return true;
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  try {
    if (mode == "forward" && (argc == 5 || (argc == 6 && std::string(argv[5]) == "--sigmoid"))) {
      const Image expected = direct_forward(argv[2], argv[3], argc == 6);
      // An all-saturated output would make the comparison prove little (random weights can do that).
      std::set<uint8_t> values(expected.pixels.begin(), expected.pixels.end());
      if (values.size() < 16)
        return std::printf("FAIL expected output has only %zu distinct values: degenerate\n", values.size()), 1;
      return same_pixels(load_image(argv[4]), expected, "output vs direct forward()") ? 0 : 1;
    }
    if (mode == "same" && argc == 4) return same_pixels(load_image(argv[2]), load_image(argv[3]), "A vs B") ? 0 : 1;
    if (mode == "size" && (argc == 6 || (argc == 7 && std::string(argv[6]) == "--colour"))) {
      const Image img = load_image(argv[2]);
      bool ok = img.width == std::atoi(argv[3]) && img.height == std::atoi(argv[4]) &&
                img.channels == std::atoi(argv[5]);
      std::printf("%s size: %dx%dx%d (expected %sx%sx%s)\n", ok ? "ok" : "FAIL", img.width, img.height,
                  img.channels, argv[3], argv[4], argv[5]);
      if (argc == 7) {
        const bool colour = has_colour(img);
        std::printf("%s colour: the output %s\n", colour ? "ok" : "FAIL", colour ? "has colour" : "is gray");
        ok = ok && colour;
      }
      return ok ? 0 : 1;
    }
    if (mode == "luma" && argc == 5) {
      const Image in = load_image(argv[2], 3), out = load_image(argv[3], 3);
      if (in.width != out.width || in.height != out.height) return std::printf("FAIL luma: sizes differ\n"), 1;
      int worst = 0;
      size_t used = 0, n = in.pixels.size() / 3;
      for (size_t k = 0; k < in.pixels.size(); k += 3) {
        const uint8_t* a = &in.pixels[k];
        const uint8_t* b = &out.pixels[k];
        if (std::min({b[0], b[1], b[2]}) == 0 || std::max({b[0], b[1], b[2]}) == 255) continue;  // clipped
        ++used;
        worst = std::max(worst, std::abs(int(pil_luma(a[2], a[1], a[0])) - int(pil_luma(b[2], b[1], b[0]))));  // swapped
      }
      const bool colour = has_colour(out);
      const bool ok = worst <= std::atoi(argv[4]) && colour && 2 * used >= n;
      std::printf("%s luma: max |luma difference| %d (allowed %s) over %zu of %zu unclipped pixels, output %s\n",
                  ok ? "ok" : "FAIL", worst, argv[4], used, n, colour ? "has colour" : "is gray");
      return ok ? 0 : 1;
    }
    std::fprintf(stderr, "usage: check_example forward MODEL IN OUT [--sigmoid] | size OUT W H C [--colour] | "
                         "luma IN OUT MAXDIFF | same A B\n");
    return 2;
  } catch (const Error& e) {
    return std::fprintf(stderr, "check_example: %s\n", e.what()), 1;
  }
}
