// imgproc/metrics.hpp: PSNR / SSIM / PSNR-Y / SSIM-Y against scikit-image and tools/eval_sr.py
// (tools/golden/gen_imgproc.py), separable SSIM against the direct-window structural_similarity_ref, bad input.
//
// Tolerance vs the goldens: rtol 1e-6 — both sides compute in float64, but the golden values are stored as float32
// (relative rounding <= 6e-8). Fast vs ref: rtol 1e-12 (the same double sums in a different order).
#include "pixforge/imgproc/metrics.hpp"

#include "imgproc_golden.hpp"

using namespace pixforge;

namespace {

void check_rel(double actual, double expected, double rtol, const std::string& label) {
  INFO(label, ": actual ", actual, ", expected ", expected);
  if (std::isinf(expected)) {
    CHECK(actual == expected);
    return;
  }
  CHECK(std::fabs(actual - expected) <= rtol * std::fabs(expected));
}

}  // namespace

TEST_CASE("image_quality matches skimage / eval_sr.py") {
  test::Golden g("imgproc");
  int n = 0;
  for (const auto& c : g.cases()) {
    if (c.params["op"].as_string() != "metrics") continue;
    const Image a = test::golden_image(g, c, "x"), b = test::golden_image(g, c, "x2");
    const Tensor<float> q = g.tensor(c, "q");
    const ImageQuality r = image_quality(a, b);
    REQUIRE(r.ssim_defined);
    const std::string where = c.name + " " + std::to_string(a.width) + "x" + std::to_string(a.height) + "x" +
                              std::to_string(a.channels);
    check_rel(r.psnr, q.data()[0], 1e-6, where + " PSNR");
    check_rel(r.ssim, q.data()[1], 1e-6, where + " SSIM");
    check_rel(r.psnr_y, q.data()[2], 1e-6, where + " PSNR-Y");
    check_rel(r.ssim_y, q.data()[3], 1e-6, where + " SSIM-Y");
    ++n;
  }
  CHECK(n == 6);
}

TEST_CASE("structural_similarity (separable) equals structural_similarity_ref") {
  const int sizes[][2] = {{11, 11}, {12, 19}, {31, 14}, {40, 40}};
  uint32_t seed = 3;
  for (const auto& s : sizes) {
    const Image a = test::random_image(s[0], s[1], 1, seed++);
    Image b = a;
    for (size_t i = 0; i < b.pixels.size(); i += 3) b.pixels[i] = uint8_t(255 - b.pixels[i]);
    const Plane pa = rgb_planes(a)[0], pb = rgb_planes(b)[0];
    const std::string where = std::to_string(s[0]) + "x" + std::to_string(s[1]);
    check_rel(structural_similarity(pa, pb), structural_similarity_ref(pa, pb), 1e-12, where);
    check_rel(structural_similarity(pa, pa), 1.0, 1e-12, where + " self");
  }
}

TEST_CASE("image_quality: identical images, too small for SSIM, size mismatch") {
  const Image a = test::random_image(16, 12, 3, 9);
  const ImageQuality same = image_quality(a, a);
  CHECK(std::isinf(same.psnr));
  CHECK(std::isinf(same.psnr_y));
  check_rel(same.ssim, 1.0, 1e-12, "ssim self");

  const Image small = test::random_image(10, 30, 3, 4);
  const ImageQuality q = image_quality(small, small);
  CHECK_FALSE(q.ssim_defined);
  CHECK(std::isnan(q.ssim));
  CHECK(std::isinf(q.psnr));
  CHECK_THROWS_AS(structural_similarity(rgb_planes(small), rgb_planes(small)), Error);

  try {
    image_quality(a, test::random_image(15, 12, 3, 9));
    FAIL("expected a size mismatch error");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find("16x12 vs 15x12") != std::string::npos);
  }
}
