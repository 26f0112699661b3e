// imgproc/augment.hpp: determinism for a seed, names that describe the steps, every drawn augmentation valid and
// its output size as described, on awkward image sizes.
#include "pixforge/imgproc/augment.hpp"

#include <set>

#include "imgproc_golden.hpp"

using namespace pixforge;

TEST_CASE("random_augmentation is deterministic for a seed and varies between seeds") {
  std::mt19937_64 a(42), b(42), c(43);
  std::string sa, sb, sc;
  for (int k = 0; k < 50; ++k) {
    sa += random_augmentation(a, 64, 48).name() + ";";
    sb += random_augmentation(b, 64, 48).name() + ";";
    sc += random_augmentation(c, 64, 48).name() + ";";
  }
  CHECK(sa == sb);
  CHECK(sa != sc);
}

TEST_CASE("apply_augmentation: output size follows the name, every step kind occurs, tiny images work") {
  const int sizes[][2] = {{1, 1}, {2, 3}, {17, 5}, {40, 31}};
  std::set<std::string> kinds;
  uint32_t seed = 1;
  for (const auto& s : sizes) {
    const Image x = test::random_image(s[0], s[1], 3, seed++);
    std::mt19937_64 rng(seed);
    for (int k = 0; k < 60; ++k) {
      const Augmentation a = random_augmentation(rng, x.width, x.height);
      const std::string name = a.name();
      INFO(s[0], "x", s[1], " ", name);
      REQUIRE(!name.empty());
      for (const char* kind : {"fliph", "flipv", "rot90", "rot180", "rot270", "crop", "scale"})
        if (name.find(kind) != std::string::npos) kinds.insert(kind);
      if (a.angle != 0) kinds.insert("angle");
      const Image y = apply_augmentation(x, a);
      int w = a.quarter_turns % 2 ? x.height : x.width, h = a.quarter_turns % 2 ? x.width : x.height;
      if (a.crop_w) w = a.crop_w, h = a.crop_h;
      if (a.scale_percent != 100)
        w = std::max(1, int(std::lround(w * a.scale_percent / 100.0))),
        h = std::max(1, int(std::lround(h * a.scale_percent / 100.0)));
      CHECK(y.width == w);
      CHECK(y.height == h);
      CHECK(y.channels == 3);
    }
  }
  CHECK(kinds.size() == 8);
}

TEST_CASE("fliph alone is an exact mirror; crop_image checks its window") {
  const Image x = test::random_image(9, 4, 2, 3);
  Augmentation a;
  a.flip_h = true;
  CHECK(a.name() == "fliph");
  test::check_image_equal(apply_augmentation(x, a), flip(x, FlipAxis::horizontal), "fliph");
  const Image c = crop_image(x, 2, 1, 3, 2);
  CHECK(c.at(0, 0, 1) == x.at(2, 1, 1));
  CHECK_THROWS_AS(crop_image(x, 7, 0, 3, 2), Error);
}
