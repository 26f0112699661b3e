// pixforge/imgproc/flip.hpp — mirror an 8-bit image left-right or top-bottom.
//
//     Image m = pixforge::flip(img, pixforge::FlipAxis::horizontal);   // PIL img.transpose(FLIP_LEFT_RIGHT)
//
// Formula (W x H image, every channel including alpha):
//   horizontal: out(x, y) = in(W - 1 - x, y)      (PIL Transpose.FLIP_LEFT_RIGHT, np.fliplr, torch.flip(dims=[-1]))
//   vertical:   out(x, y) = in(x, H - 1 - y)      (PIL Transpose.FLIP_TOP_BOTTOM, np.flipud, torch.flip(dims=[-2]))
// Pure data movement: the result equals PIL's bit for bit (tests/imgproc/test_flip.cpp against
// tests/golden/imgproc.safetensors from tools/golden/gen_imgproc.py).
// Pitfall: "horizontal flip" means mirroring along the horizontal axis of the picture, i.e. left <-> right
// (torchvision's RandomHorizontalFlip, PIL's FLIP_LEFT_RIGHT), not swapping top and bottom.
// There is one implementation: it is both the reference and the fast path (whole-row copies for vertical flips).
#ifndef PIXFORGE_IMGPROC_FLIP_HPP
#define PIXFORGE_IMGPROC_FLIP_HPP

#include <cstring>

#include "pixforge/io/image.hpp"

namespace pixforge {

enum class FlipAxis : uint8_t { horizontal, vertical };

inline const char* flip_axis_name(FlipAxis a) { return a == FlipAxis::horizontal ? "horizontal" : "vertical"; }

inline Image flip(const Image& img, FlipAxis axis) {
  check_image(img, std::string("flip ") + flip_axis_name(axis));
  Image out = Image::blank(img.width, img.height, img.channels);
  const size_t C = size_t(img.channels), W = size_t(img.width), row = W * C;
  parallel_for_chunked(0, img.height, 64, [&](int64_t lo, int64_t hi) {
    for (int64_t y = lo; y < hi; ++y) {
      uint8_t* d = out.pixels.data() + size_t(y) * row;
      if (axis == FlipAxis::vertical) {
        std::memcpy(d, img.pixels.data() + size_t(img.height - 1 - y) * row, row);
        continue;
      }
      const uint8_t* s = img.pixels.data() + size_t(y) * row;
      for (size_t x = 0; x < W; ++x) std::memcpy(d + x * C, s + (W - 1 - x) * C, C);
    }
  });
  return out;
}

}  // namespace pixforge

#endif  // PIXFORGE_IMGPROC_FLIP_HPP
