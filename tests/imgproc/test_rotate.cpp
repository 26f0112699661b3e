// imgproc/rotate.hpp: against PIL's Image.rotate (BILINEAR, expand, fillcolor) from tools/golden/gen_imgproc.py,
// the fast dispatcher against rotate_ref (right angles through the exact moves vs the general bilinear path), and
// bad input. Expected: bit-exact everywhere.
#include "pixforge/imgproc/rotate.hpp"

#include <sstream>

#include "imgproc_golden.hpp"

using namespace pixforge;

namespace {

RotateParams params_of(const Json& p) {
  RotateParams r;
  r.angle = p["angle"].as_double();
  r.expand = p["expand"].as_bool();
  if (!p["fill"].is_null())
    for (size_t i = 0; i < 4; ++i) r.fill[i] = uint8_t(p["fill"][i].as_int64());
  return r;
}

std::string describe(const Image& x, const RotateParams& p) {
  std::ostringstream s;
  s << x.width << "x" << x.height << "x" << x.channels << " angle " << p.angle << (p.expand ? " expand" : "")
    << " fill " << int(p.fill[0]) << "," << int(p.fill[1]) << "," << int(p.fill[2]) << "," << int(p.fill[3]);
  return s.str();
}

}  // namespace

TEST_CASE("rotate and rotate_ref match PIL Image.rotate(BILINEAR) exactly") {
  test::Golden g("imgproc");
  int n = 0;
  for (const auto& c : g.cases()) {
    if (c.params["op"].as_string() != "rotate") continue;
    const RotateParams p = params_of(c.params);
    const Image x = test::golden_image(g, c, "x"), y = test::golden_image(g, c, "y");
    test::check_image_equal(rotate(x, p), y, c.name + " rotate " + describe(x, p));
    test::check_image_equal(rotate_ref(x, p), y, c.name + " rotate_ref " + describe(x, p));
    ++n;
  }
  CHECK(n == 85);
}

TEST_CASE("rotate (exact moves, row-parallel path) equals rotate_ref on awkward shapes, 1-4 channels") {
  const double angles[] = {0, 90, 180, 270, -90, 450, 1, 33.3, -45, 135, 269.99};
  const int sizes[][2] = {{1, 1}, {1, 5}, {6, 1}, {7, 7}, {13, 4}, {16, 9}};
  uint32_t seed = 1;
  for (const auto& s : sizes)
    for (int ch = 1; ch <= 4; ++ch) {
      const Image x = test::random_image(s[0], s[1], ch, seed++);
      for (double a : angles)
        for (bool expand : {false, true}) {
          RotateParams p;
          p.angle = a;
          p.expand = expand;
          p.fill = {1, 2, 3, 4};
          test::check_image_equal(rotate(x, p), rotate_ref(x, p), describe(x, p));
        }
    }
}

TEST_CASE("rotate 90 is counter-clockwise and four of them give the image back") {
  const Image x = test::random_image(5, 3, 3, 77);
  RotateParams p;
  p.angle = 90;
  p.expand = true;
  const Image r = rotate(x, p);
  CHECK(r.width == 3);
  CHECK(r.height == 5);
  for (int c = 0; c < 3; ++c) CHECK(r.at(0, 0, c) == x.at(4, 0, c));  // top-right corner -> top-left
  test::check_image_equal(rotate(rotate(rotate(r, p), p), p), x, "four quarter turns");
}

TEST_CASE("rotate rejects bad input") {
  RotateParams p;
  p.angle = std::nan("");
  CHECK_THROWS_AS(rotate(test::random_image(3, 3, 1, 1), p), Error);
  p.angle = 10;
  CHECK_THROWS_AS(rotate(Image{}, p), Error);
}
