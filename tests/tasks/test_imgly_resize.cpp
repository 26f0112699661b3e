// imgly_resize_bilinear: @imgly/background-removal's tensorResizeBilinear (no half-pixel offset, Math.round).
// Expected values worked out by hand from the formula in the header; the end-to-end proof against the package's
// model in ONNX Runtime is tests/cli/test_cli_tasks.cpp (local only: AGPL weights).
#include "pixforge/tasks/imgly_resize.hpp"

#include "test_util.hpp"

using namespace pixforge;

namespace {
Image gray_row(std::vector<uint8_t> v) { return Image{int(v.size()), 1, 1, std::move(v)}; }
}  // namespace

TEST_CASE("imgly_resize_bilinear: upsampling samples at x * in/out, the last column clamped") {
  // fx = 0, 0.5, 1, 1.5 -> taps (0,0), (0,1), (1,1), (1,1): 0, 50, 100, 100 (PyTorch would give 0, 25, 75, 100).
  const Image out = imgly_resize_bilinear(gray_row({0, 100}), 4, 1);
  CHECK(out.pixels == std::vector<uint8_t>{0, 50, 100, 100});
}

TEST_CASE("imgly_resize_bilinear: rounding is Math.round (half up), per channel") {
  // 2 -> 4: fx = 0.5 gives (1 + 2) / 2 = 1.5 -> 2 and (10 + 21) / 2 = 15.5 -> 16.
  const Image rgb{2, 1, 2, {1, 10, 2, 21}};
  const Image out = imgly_resize_bilinear(rgb, 4, 1);
  REQUIRE(out.channels == 2);
  CHECK(out.pixels == std::vector<uint8_t>{1, 10, 2, 16, 2, 21, 2, 21});
}

TEST_CASE("imgly_resize_bilinear: downsampling point-samples without antialiasing (both axes)") {
  // 3x3 -> 2x2: f = 0, 1.5 on each axis.
  Image img = Image::blank(3, 3, 1);
  for (int y = 0; y < 3; ++y)
    for (int x = 0; x < 3; ++x) img.at(x, y, 0) = uint8_t(10 * x + 100 * y);
  const Image out = imgly_resize_bilinear(img, 2, 2);
  // (0,0) = 0; (1.5, 0) = 15; (0, 1.5) = 150; (1.5, 1.5) = 165.
  CHECK(out.pixels == std::vector<uint8_t>{0, 15, 150, 165});
}

TEST_CASE("imgly_resize_bilinear: bad sizes are errors") {
  CHECK_THROWS_AS(imgly_resize_bilinear(gray_row({1, 2}), 0, 1), Error);
  CHECK_THROWS_AS(imgly_resize_bilinear(Image{}, 2, 2), Error);
}
