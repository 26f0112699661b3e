// tasks/pil_resize.hpp against Pillow 9.4's Image.resize(BILINEAR) (tests/golden/pil_resize.safetensors, written by
// tools/golden/gen_pil_resize.py): exact on every case, plus the argument checks.
#include "pixforge/tasks/pil_resize.hpp"

#include "test_util.hpp"

using namespace pixforge;

namespace {
Image image_from_hwc(const Tensor<float>& t) {
  Image img = Image::blank(int(t.size(1)), int(t.size(0)), int(t.size(2)));
  for (int64_t i = 0; i < t.numel(); ++i) img.pixels[size_t(i)] = uint8_t(t.data()[i]);
  return img;
}
}  // namespace

TEST_CASE("pil_resize_bilinear equals Pillow's resize(BILINEAR)") {
  test::Golden g("pil_resize");
  for (const auto& c : g.cases()) {
    const Image x = image_from_hwc(g.tensor(c, "x"));
    const Image expect = image_from_hwc(g.tensor(c, "y"));
    const Image y = pil_resize_bilinear(x, int(c.params["width"].as_int64()), int(c.params["height"].as_int64()));
    INFO(c.name, ": ", x.width, "x", x.height, " -> ", expect.width, "x", expect.height, " ", c.params["mode"].as_string());
    REQUIRE(y.width == expect.width);
    REQUIRE(y.height == expect.height);
    REQUIRE(y.channels == expect.channels);
    size_t diff = 0;
    for (size_t i = 0; i < y.pixels.size(); ++i) diff += y.pixels[i] != expect.pixels[i];
    CHECK(diff == 0);
  }
}

TEST_CASE("pil_resize_bilinear: refuses alpha and bad sizes") {
  const Image rgba = Image::blank(4, 4, 4);
  CHECK_THROWS_WITH_AS(pil_resize_bilinear(rgba, 2, 2), doctest::Contains("4 channels"), Error);
  const Image rgb = Image::blank(4, 4, 3);
  CHECK_THROWS_WITH_AS(pil_resize_bilinear(rgb, 0, 2), doctest::Contains("0x2"), Error);
}
