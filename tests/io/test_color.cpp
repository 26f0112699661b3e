// Tests of io/color.hpp against scikit-image (Lab, YCbCr), the pix2pix colorization pipeline, and numpy
// transcriptions of the OpenCV YUV and gray formulas (tools/golden/gen_color.py -> tests/golden/color.safetensors).
//
// Tolerance: rtol 1e-4 / atol 1e-5 everywhere (fp32 op vs reference). Lab values reach 100 (L) and ±128 (a, b);
// rtol covers those, and atol 1e-5 is enough near 0 because we compute in double from the same float32 inputs
// skimage gets (the remaining error is the final rounding to float32, ≤ 4e-6 for |v| < 128).
#include "pixforge/io/color.hpp"

#include "pixforge/io/image.hpp"
#include "test_util.hpp"

using namespace pixforge;

namespace {

constexpr double kRtol = 1e-4, kAtol = 1e-5;

Tensor<float> apply(const std::string& fn, const test::Golden& g, const test::Golden::Case& c) {
  if (fn == "pix2pix_to_lab") return pix2pix_to_lab(g.tensor(c, "L"), g.tensor(c, "ab"));
  const Tensor<float> x = g.tensor(c, "x");
  if (fn == "rgb_to_lab") return rgb_to_lab(x);
  if (fn == "lab_to_rgb") return lab_to_rgb(x);
  if (fn == "lab_to_pix2pix") return lab_to_pix2pix(x);
  if (fn == "pix2pix_in") {
    // The dataset's path: uint8 -> [0,1] -> Lab -> scaled. x holds the 8-bit values.
    Tensor<float> unit = Tensor<float>::empty(x.shape());
    for (int64_t i = 0; i < x.numel(); ++i) unit.data()[i] = x.data()[i] / 255.0f;
    return lab_to_pix2pix(rgb_to_lab(unit));
  }
  if (fn == "rgb_to_yuv") return rgb_to_yuv(x);
  if (fn == "yuv_to_rgb") return yuv_to_rgb(x);
  if (fn == "rgb_to_ycbcr") return rgb_to_ycbcr(x);
  if (fn == "ycbcr_to_rgb") return ycbcr_to_rgb(x);
  if (fn == "rgb_to_y") return rgb_to_y(x);
  if (fn == "rgb_to_gray") return rgb_to_gray(x);
  FAIL("unknown fn ", fn);
  return {};
}

}  // namespace

TEST_CASE("color: every conversion matches its reference (golden)") {
  test::Golden g("color");
  int n = 0;
  for (const auto& c : g.cases()) {
    const std::string fn = c.params["fn"].as_string();
    if (fn.rfind("to_image_", 0) == 0) continue;  // quantisation goldens: tests/io/test_image.cpp
    ++n;
    test::check_close(apply(fn, g, c), g.tensor(c, "y"), kRtol, kAtol, c.name + " " + fn);
  }
  CHECK(n == 15);
}

TEST_CASE("color: Lab anchors (white, black, sRGB primaries) and round trip") {
  // White -> L 100, a = b = 0 (up to skimage's rounded matrix rows: 0.95047 vs their sum 0.950456).
  const Tensor<float> rgb = Tensor<float>::from_vector({1, 3, 1, 3}, {1, 0, 1, 1, 0, 0, 1, 0, 0});  // white, black, red
  const Tensor<float> lab = rgb_to_lab(rgb);
  CHECK(lab(0, 0, 0, 0) == doctest::Approx(100.0).epsilon(1e-5));
  CHECK(std::fabs(lab(0, 1, 0, 0)) < 0.01);
  CHECK(std::fabs(lab(0, 2, 0, 0)) < 0.01);
  CHECK(std::fabs(lab(0, 0, 0, 1)) < 1e-6);
  CHECK(lab(0, 0, 0, 2) == doctest::Approx(53.2408).epsilon(1e-4));  // sRGB red, the textbook value
  CHECK(lab(0, 1, 0, 2) == doctest::Approx(80.0925).epsilon(1e-4));
  CHECK(lab(0, 2, 0, 2) == doctest::Approx(67.2032).epsilon(1e-4));
  // In-gamut round trip on a random batch with strided input.
  const Tensor<float> big = test::random_tensor({2, 3, 6, 9}, 3, 0.0f, 1.0f);
  const Tensor<float> x = big.narrow(3, 1, 7);
  test::check_close(lab_to_rgb(rgb_to_lab(x)), x.contiguous(), 0, 2e-6, "lab round trip");
  // Out of gamut clips to [0,1].
  const Tensor<float> wild = Tensor<float>::from_vector({1, 3, 1, 2}, {50, 90, 120, -100, 10, 127});
  const Tensor<float> out = lab_to_rgb(wild);
  for (int64_t i = 0; i < out.numel(); ++i) CHECK((out.data()[i] >= 0.0f && out.data()[i] <= 1.0f));
}

TEST_CASE("color: YCbCr, YUV and gray round trips and anchors") {
  const Tensor<float> x = test::random_tensor({2, 3, 4, 5}, 9, 0.0f, 1.0f);
  test::check_close(ycbcr_to_rgb(rgb_to_ycbcr(x)), x, 0, 1e-6, "ycbcr round trip");
  const Tensor<float> y = rgb_to_y(Tensor<float>::from_vector({1, 3, 1, 2}, {0, 1, 0, 1, 0, 1}));
  CHECK(y(0, 0, 0, 0) == doctest::Approx(16.0 / 255).epsilon(1e-6));
  CHECK(y(0, 0, 0, 1) == doctest::Approx(235.0 / 255).epsilon(1e-6));
  // YUV is exact enough to round trip 8-bit colours that do not saturate.
  const Tensor<float> mid = test::random_tensor({1, 3, 4, 4}, 10, 64.0f, 192.0f);
  const Image a = tensor_to_image(mid, Range::byte);
  const Image b = tensor_to_image(yuv_to_rgb(rgb_to_yuv(image_to_tensor(a, Range::byte))), Range::byte);
  int worst = 0;
  for (size_t i = 0; i < a.pixels.size(); ++i) worst = std::max(worst, std::abs(int(a.pixels[i]) - int(b.pixels[i])));
  CHECK(worst <= 1);  // the rounded constants (0.492, 0.877, 1.140, ...) are not exact inverses
  // Gray -> RGB replicates; RGB -> gray of a gray image is the identity (weights sum to 1).
  const Tensor<float> gray = test::random_tensor({2, 1, 3, 3}, 11, 0.0f, 1.0f);
  test::check_close(rgb_to_gray(gray_to_rgb(gray)), gray, 0, 1e-6, "gray round trip");
}

TEST_CASE("color: shape errors") {
  auto code_of = [](auto&& fn) {
    try {
      fn();
    } catch (const Error& e) {
      return e.code();
    }
    return ErrorCode::internal;
  };
  CHECK(code_of([] { rgb_to_lab(Tensor<float>::zeros({1, 4, 2, 2})); }) == ErrorCode::shape_mismatch);
  CHECK(code_of([] { rgb_to_gray(Tensor<float>::zeros({3, 2, 2})); }) == ErrorCode::shape_mismatch);
  CHECK(code_of([] { gray_to_rgb(Tensor<float>::zeros({1, 3, 2, 2})); }) == ErrorCode::shape_mismatch);
  CHECK(code_of([] {
          pix2pix_to_lab(Tensor<float>::zeros({1, 1, 2, 2}), Tensor<float>::zeros({1, 2, 2, 3}));
        }) == ErrorCode::shape_mismatch);
}
