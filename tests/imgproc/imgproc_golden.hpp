// tests/imgproc/imgproc_golden.hpp — 8-bit images in tests/golden/imgproc.safetensors (tools/golden/gen_imgproc.py)
// stored as float32 [H, W, C] tensors, and exact image comparison with a readable failure.
#pragma once

#include <random>
#include <string>

#include "pixforge/io/image.hpp"
#include "test_util.hpp"

namespace pixforge {
namespace test {

inline Image image_from_hwc(const Tensor<float>& t) {
  REQUIRE(t.dim() == 3);
  Image img = Image::blank(int(t.size(1)), int(t.size(0)), int(t.size(2)));
  const Tensor<float> c = t.contiguous();
  for (size_t i = 0; i < img.pixels.size(); ++i) img.pixels[i] = uint8_t(c.data()[i]);
  return img;
}

inline Image golden_image(const Golden& g, const Golden::Case& c, const std::string& name) {
  return image_from_hwc(g.tensor(c, name));
}

// Seeded random 8-bit image.
inline Image random_image(int w, int h, int c, uint32_t seed) {
  Image img = Image::blank(w, h, c);
  std::mt19937 rng(seed);
  for (auto& p : img.pixels) p = uint8_t(rng() & 0xff);
  return img;
}

// Exact equality; a failure names the first differing pixel and the number of differing values.
inline void check_image_equal(const Image& actual, const Image& expected, const std::string& label) {
  INFO(label);
  REQUIRE(actual.width == expected.width);
  REQUIRE(actual.height == expected.height);
  REQUIRE(actual.channels == expected.channels);
  size_t diffs = 0, first = 0;
  for (size_t i = 0; i < actual.pixels.size(); ++i)
    if (actual.pixels[i] != expected.pixels[i] && diffs++ == 0) first = i;
  if (diffs) {
    const size_t px = first / size_t(actual.channels);
    FAIL_CHECK(diffs, " values differ; first at x=", px % size_t(actual.width), " y=", px / size_t(actual.width),
               " c=", first % size_t(actual.channels), ": ", int(actual.pixels[first]), " vs ",
               int(expected.pixels[first]));
  }
}

}  // namespace test
}  // namespace pixforge
