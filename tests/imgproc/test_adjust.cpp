// imgproc/adjust.hpp: against PIL ImageEnhance.Brightness / Contrast (tools/golden/gen_imgproc.py), the lookup
// table path against adjust_ref, factor 1 = identity, alpha untouched, bad factors. Expected: bit-exact.
#include "pixforge/imgproc/adjust.hpp"

#include "imgproc_golden.hpp"

using namespace pixforge;

TEST_CASE("adjust and adjust_ref match PIL ImageEnhance exactly") {
  test::Golden g("imgproc");
  int n = 0;
  for (const auto& c : g.cases()) {
    if (c.params["op"].as_string() != "adjust") continue;
    AdjustParams p;
    p.brightness = c.params["brightness"].as_double();
    p.contrast = c.params["contrast"].as_double();
    const Image x = test::golden_image(g, c, "x"), y = test::golden_image(g, c, "y");
    const std::string label = c.name + " brightness " + std::to_string(p.brightness) + " contrast " +
                              std::to_string(p.contrast) + " channels " + std::to_string(x.channels);
    test::check_image_equal(adjust(x, p), y, "adjust " + label);
    test::check_image_equal(adjust_ref(x, p), y, "adjust_ref " + label);
    ++n;
  }
  CHECK(n == 52);
}

TEST_CASE("adjust (lookup tables) equals adjust_ref for every 8-bit value") {
  Image all = Image::blank(256, 2, 4);
  for (int v = 0; v < 256; ++v)
    for (int c = 0; c < 4; ++c) all.at(v, 0, c) = uint8_t(v), all.at(v, 1, c) = uint8_t(255 - v);
  const double factors[] = {0, 0.2, 0.333, 0.5, 0.999, 1, 1.001, 1.5, 2, 7.77, 100};
  for (double b : factors)
    for (double c : factors)
      for (int ch = 1; ch <= 4; ++ch) {
        const Image x = convert_channels(all, ch);
        const AdjustParams p{b, c};
        test::check_image_equal(adjust(x, p), adjust_ref(x, p),
                                "b " + std::to_string(b) + " c " + std::to_string(c) + " ch " + std::to_string(ch));
      }
}

TEST_CASE("adjust: factor 1 is the identity and alpha is never changed") {
  const Image x = test::random_image(9, 7, 4, 5);
  test::check_image_equal(adjust(x, AdjustParams{}), x, "identity");
  const Image y = adjust(x, AdjustParams{3.0, 0.4});
  for (int yy = 0; yy < x.height; ++yy)
    for (int xx = 0; xx < x.width; ++xx) CHECK(y.at(xx, yy, 3) == x.at(xx, yy, 3));
  CHECK(y.pixels != x.pixels);
}

TEST_CASE("adjust rejects negative or non-finite factors") {
  const Image x = test::random_image(3, 3, 3, 1);
  CHECK_THROWS_AS(adjust(x, AdjustParams{-0.5, 1}), Error);
  CHECK_THROWS_AS(adjust(x, AdjustParams{1, std::nan("")}), Error);
  CHECK_THROWS_AS(adjust_ref(x, AdjustParams{1, INFINITY}), Error);
}
