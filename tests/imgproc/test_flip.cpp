// imgproc/flip.hpp: against PIL's transpose (tools/golden/gen_imgproc.py), involution, bad input.
#include "pixforge/imgproc/flip.hpp"

#include "imgproc_golden.hpp"

using namespace pixforge;

TEST_CASE("flip matches PIL FLIP_LEFT_RIGHT / FLIP_TOP_BOTTOM exactly") {
  test::Golden g("imgproc");
  int n = 0;
  for (const auto& c : g.cases()) {
    if (c.params["op"].as_string() != "flip") continue;
    const FlipAxis axis = c.params["axis"].as_string() == "horizontal" ? FlipAxis::horizontal : FlipAxis::vertical;
    const Image x = test::golden_image(g, c, "x");
    test::check_image_equal(flip(x, axis), test::golden_image(g, c, "y"),
                            c.name + " " + flip_axis_name(axis) + " " + std::to_string(x.width) + "x" +
                                std::to_string(x.height) + "x" + std::to_string(x.channels));
    ++n;
  }
  CHECK(n == 8);
}

TEST_CASE("flip twice is the identity; horizontal moves the first column to the last") {
  for (int ch = 1; ch <= 4; ++ch) {
    const Image x = test::random_image(7, 5, ch, 10u + uint32_t(ch));
    test::check_image_equal(flip(flip(x, FlipAxis::horizontal), FlipAxis::horizontal), x, "h twice");
    test::check_image_equal(flip(flip(x, FlipAxis::vertical), FlipAxis::vertical), x, "v twice");
    const Image h = flip(x, FlipAxis::horizontal), v = flip(x, FlipAxis::vertical);
    for (int c = 0; c < ch; ++c) {
      CHECK(h.at(6, 2, c) == x.at(0, 2, c));
      CHECK(v.at(3, 4, c) == x.at(3, 0, c));
    }
  }
}

TEST_CASE("flip rejects an empty image") {
  CHECK_THROWS_AS(flip(Image{}, FlipAxis::vertical), Error);
}
