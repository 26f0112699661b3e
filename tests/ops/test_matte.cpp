// ops/matte.hpp: composite onto a colour / an image, RGBA cut-out, matte resize and min-max normalisation,
// predict_matte with a stand-in model, and the errors (background of the wrong size, matte of the wrong shape).
#include "pixforge/ops/matte.hpp"

#include <cmath>

#include "test_util.hpp"

using namespace pixforge;

namespace {

Tensor<float> matte_of(int64_t h, int64_t w, std::vector<float> v) {
  return Tensor<float>::from_vector({1, 1, h, w}, v);
}

Image rgb_image(int w, int h, uint32_t seed) {
  Image img = Image::blank(w, h, 3);
  uint32_t x = seed;
  for (auto& p : img.pixels) {
    x = x * 1103515245u + 12345u;
    p = uint8_t(x >> 24);
  }
  return img;
}

// Returns the mean of the three input channels (a 3 → 1 "matte network" in [0, 1]).
class MeanModel : public ImageModel {
 public:
  MeanModel() {
    info_.arch = "mean";
    info_.task = "segment";
    info_.out_channels = 1;
  }
  const ImageModelInfo& info() const override { return info_; }
  Tensor<float> forward(const Tensor<float>& x) const override {
    const int64_t H = x.size(2), W = x.size(3);
    Tensor<float> y = Tensor<float>::empty({1, 1, H, W});
    for (int64_t i = 0; i < H * W; ++i)
      y.data()[i] = (x.data()[i] + x.data()[H * W + i] + x.data()[2 * H * W + i]) / 3.0f;
    last_input = x.shape();
    return y;
  }
  mutable Shape last_input;

 private:
  ImageModelInfo info_;
};

}  // namespace

TEST_CASE("matte: composite onto a colour, per-pixel formula") {
  Image img = Image::blank(4, 1, 3);
  const uint8_t px[12] = {200, 100, 50, 10, 20, 30, 255, 255, 255, 0, 0, 0};
  std::copy(px, px + 12, img.pixels.begin());
  const Tensor<float> m = matte_of(1, 4, {1.0f, 0.0f, 0.5f, 0.25f});
  const Image out = composite_color(img, m, {0, 255, 100});
  REQUIRE(out.channels == 3);
  const uint8_t expect[12] = {200, 100, 50,   // α = 1: the image
                              0, 255, 100,    // α = 0: the colour
                              128, 255, 178,  // 127.5 → 128 (half to even), 177.5 → 178
                              0, 191, 75};    // 0.75·255 = 191.25, 0.75·100 = 75
  for (int i = 0; i < 12; ++i) CHECK_MESSAGE(int(out.pixels[size_t(i)]) == int(expect[i]), "byte ", i);
  // Values outside [0, 1] are clamped.
  const Image clamped = composite_color(img, matte_of(1, 4, {2.0f, -1.0f, 0.5f, 0.25f}), {0, 255, 100});
  CHECK(clamped.pixels == out.pixels);
}

TEST_CASE("matte: composite onto a background image; wrong size is a clear error") {
  const Image img = rgb_image(5, 3, 1), bg = rgb_image(5, 3, 2);
  Tensor<float> m = test::random_tensor({1, 1, 3, 5}, 4, 0.0f, 1.0f);
  const Image out = composite(img, m, bg);
  for (int64_t i = 0; i < 15; ++i)
    for (int c = 0; c < 3; ++c) {
      const float a = m.data()[i];
      const float v = a * img.pixels[size_t(i) * 3 + size_t(c)] + (1 - a) * bg.pixels[size_t(i) * 3 + size_t(c)];
      CHECK(std::abs(float(out.pixels[size_t(i) * 3 + size_t(c)]) - v) <= 0.5f + 1e-3f);
    }
  // Gray background = replicated; its alpha is ignored.
  const Image gray = convert_channels(bg, 1);
  CHECK(composite(img, m, gray).pixels == composite(img, m, convert_channels(gray, 4)).pixels);
  CHECK_THROWS_WITH_AS(composite(img, m, rgb_image(6, 3, 2)),
                       doctest::Contains("background is 6x3, image is 5x3"), Error);
  CHECK_THROWS_WITH_AS(composite(img, Tensor<float>::zeros({1, 2, 3, 5}), bg), doctest::Contains("[1,2,3,5]"), Error);
  CHECK_THROWS_WITH_AS(composite_color(img, Tensor<float>::zeros({3, 5}), {0, 0, 0}),
                       doctest::Contains("must be [1,1,H,W]"), Error);
}

TEST_CASE("matte: RGBA cut-out") {
  const Image img = rgb_image(3, 2, 7);
  const Tensor<float> m = matte_of(2, 3, {0.0f, 0.2f, 0.5f, 0.998f, 1.0f, 0.75f});
  const Image out = cutout(img, m);
  REQUIRE(out.channels == 4);
  const int alpha[6] = {0, 51, 128, 254, 255, 191};  // 0.5·255 = 127.5 → 128, 0.998·255 = 254.49 → 254
  for (int i = 0; i < 6; ++i) {
    CHECK(int(out.pixels[size_t(i) * 4 + 3]) == alpha[i]);
    for (int c = 0; c < 3; ++c) CHECK(out.pixels[size_t(i) * 4 + size_t(c)] == img.pixels[size_t(i) * 3 + size_t(c)]);
  }
  // An image with alpha: A = A_image · α.
  Image rgba = convert_channels(img, 4);
  for (int i = 0; i < 6; ++i) rgba.pixels[size_t(i) * 4 + 3] = 128;
  const Image out2 = cutout(rgba, matte_of(2, 3, {1, 1, 1, 0.5f, 0.5f, 0}));
  const int alpha2[6] = {128, 128, 128, 64, 64, 0};
  for (int i = 0; i < 6; ++i) CHECK(int(out2.pixels[size_t(i) * 4 + 3]) == alpha2[i]);
}

TEST_CASE("matte: resize back to the image size (bilinear, align_corners=False), min-max normalisation") {
  // 1×2 → 1×4: src x = (i + 0.5)/2 − 0.5 → -0.25 (clamped 0), 0.25, 0.75, 1.25 (taps clamped): 0, .25, .75, 1.
  const Tensor<float> r = resize_matte(matte_of(1, 2, {0.0f, 1.0f}), 1, 4);
  test::check_close(r, matte_of(1, 4, {0.0f, 0.25f, 0.75f, 1.0f}), 0, 1e-7, "resize 1x2 -> 1x4");
  // cutout/composite resize a matte of another size themselves.
  const Image img = rgb_image(4, 1, 9);
  const Image out = cutout(img, matte_of(1, 2, {0.0f, 1.0f}));
  const int alpha[4] = {0, 64, 191, 255};  // 63.75, 191.25
  for (int i = 0; i < 4; ++i) CHECK(int(out.pixels[size_t(i) * 4 + 3]) == alpha[i]);

  test::check_close(normalize_matte(matte_of(1, 3, {0.2f, 0.6f, 0.4f})), matte_of(1, 3, {0.0f, 1.0f, 0.5f}), 1e-6,
                    1e-6, "min-max");
  test::check_equal(normalize_matte(matte_of(1, 2, {0.3f, 0.3f})), matte_of(1, 2, {0, 0}), "constant -> 0");
  const Image m8 = matte_to_image(matte_of(1, 3, {0.0f, 0.5f, 1.2f}));
  CHECK(m8.channels == 1);
  CHECK(m8.pixels == std::vector<uint8_t>{0, 128, 255});
  CHECK_THROWS_WITH_AS(resize_matte(matte_of(1, 2, {0, 1}), 0, 4), doctest::Contains("0x4"), Error);
}

TEST_CASE("matte: predict_matte resizes to the network resolution and back") {
  MeanModel model;
  const Image img = rgb_image(7, 5, 3);
  const Tensor<float> m = predict_matte(model, img, {16, false});
  CHECK(model.last_input == Shape({1, 3, 16, 16}));
  CHECK(m.shape() == Shape({1, 1, 5, 7}));
  // resolution 0 = native: exactly the channel mean of the image.
  const Tensor<float> native = predict_matte(model, img, {0, false});
  CHECK(model.last_input == Shape({1, 3, 5, 7}));
  for (int64_t i = 0; i < 35; ++i) {
    const float e = (img.pixels[size_t(i) * 3] / 255.0f + img.pixels[size_t(i) * 3 + 1] / 255.0f +
                     img.pixels[size_t(i) * 3 + 2] / 255.0f) / 3.0f;
    CHECK(std::abs(native.data()[i] - e) < 1e-6f);
  }
  const Tensor<float> norm = predict_matte(model, img, {0, true});
  float lo = 1, hi = 0;
  for (int64_t i = 0; i < 35; ++i) lo = std::min(lo, norm.data()[i]), hi = std::max(hi, norm.data()[i]);
  CHECK(lo == 0.0f);
  CHECK(hi == 1.0f);
  // divide_by_max: a dark image is brightened to max 1 before the network (u2net_test.py).
  Image dark = img;
  for (auto& p : dark.pixels) p = uint8_t(p / 4);
  uint8_t dmax = 0;
  for (auto p : dark.pixels) dmax = std::max(dmax, p);
  const Tensor<float> bright = predict_matte(model, dark, {0, false, true});
  for (int64_t i = 0; i < 35; ++i) {
    const float e = (dark.pixels[size_t(i) * 3] / 255.0f + dark.pixels[size_t(i) * 3 + 1] / 255.0f +
                     dark.pixels[size_t(i) * 3 + 2] / 255.0f) / 3.0f / (dmax / 255.0f);
    CHECK(std::abs(bright.data()[i] - e) < 1e-5f);
  }
  // A gray image works (replicated to RGB); a non-matte model is refused.
  CHECK(predict_matte(model, convert_channels(img, 1), {8, false}).shape() == Shape({1, 1, 5, 7}));
  class Rgb : public MeanModel {
   public:
    Rgb() { info2_.arch = "rgb"; info2_.out_channels = 3; }
    const ImageModelInfo& info() const override { return info2_; }
    ImageModelInfo info2_;
  } rgb;
  CHECK_THROWS_WITH_AS(predict_matte(rgb, img), doctest::Contains("not a 3-channel"), Error);
}
