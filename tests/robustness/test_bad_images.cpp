// Images found by fuzz/fuzz_image.cpp, kept as regression tests.
#define PIXFORGE_IMPLEMENTATION
#include "pixforge/io/image.hpp"

#include <cstdlib>
#include <cstring>

#include "test_util.hpp"

using namespace pixforge;

namespace {
// Decodes `path` after leaving a freed heap block of the decoded image's size filled with `fill`, where malloc is
// likely to hand it out again: uninitialised output would then show `fill`.
Image decode_after_dirty_heap(const std::string& path, uint8_t fill, size_t bytes) {
  void* p = std::malloc(bytes);
  REQUIRE(p != nullptr);
  std::memset(p, fill, bytes);
  std::free(p);
  return load_image(path);
}
}  // namespace

TEST_CASE("a truncated TGA decodes to the same pixels every time, never to heap memory") {
  // tests/data/fuzz_truncated.tga: a 7x1029 RGBA TGA whose pixel data stops early. stb's decoder leaves the rest of
  // its output buffer unwritten; pixforge allocates stb's buffers zeroed (io/image.hpp).
  const std::string path = test::source_path("tests/data/fuzz_truncated.tga");
  const Image first = load_image(path);
  REQUIRE(first.width == 7);
  REQUIRE(first.height == 1029);
  const size_t bytes = first.pixels.size();
  const Image a = decode_after_dirty_heap(path, 0xAB, bytes);
  const Image b = decode_after_dirty_heap(path, 0x5C, bytes);
  CHECK(a.pixels == first.pixels);
  CHECK(b.pixels == first.pixels);
  size_t zeros = 0;
  for (uint8_t v : first.pixels) zeros += v == 0;
  INFO(zeros, " of ", bytes, " bytes are zero");
  CHECK(zeros > bytes / 2);  // most of the image lies past the end of the data
}
