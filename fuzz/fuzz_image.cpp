// fuzz/fuzz_image.cpp — libFuzzer target: image decoding through pixforge's loader (io/image.hpp).
//
// Input: byte 0 picks desired_channels (0..4), the rest is an encoded image. It is decoded from memory
// (load_image_from_memory) and, for the same bytes, from a file (load_image on a memfd, so no disk is touched):
// both must agree — same error or same pixels. A decoded image is converted to a tensor and back.
#define PIXFORGE_IMPLEMENTATION
#include "pixforge/io/image.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <functional>
#include <string>

#include "fuzz_common.hpp"

namespace {
// The outcome of one load: the pixels, or the error message.
std::string outcome(const std::function<pixforge::Image()>& load) {
  try {
    const pixforge::Image img = load();
    return std::to_string(img.width) + "x" + std::to_string(img.height) + "x" + std::to_string(img.channels) + ":" +
           std::string(img.pixels.begin(), img.pixels.end());
  } catch (const pixforge::Error& e) {
    return std::string("error: ") + pixforge::error_code_name(e.code());
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool init = (pixforge_fuzz::lower_limits(), true);
  static const int memfd = ::memfd_create("fuzz_image", 0);
  (void)init;
  if (size < 1 || memfd < 0) return 0;
  const int channels = data[0] % 5;
  ++data;
  --size;
  const std::string from_memory = outcome([&] { return pixforge::load_image_from_memory(data, size, "fuzz", channels); });
  if (::ftruncate(memfd, 0) == 0 && ::pwrite(memfd, data, size, 0) == ssize_t(size)) {
    const std::string path = "/proc/self/fd/" + std::to_string(memfd);
    const std::string from_file = outcome([&] { return pixforge::load_image(path, channels); });
    if (from_file != from_memory) {
      std::fprintf(stderr, "fuzz: load_image and load_image_from_memory disagree\n");
      std::abort();
    }
  }
  pixforge_fuzz::expect_ok_or_error([&] {
    const pixforge::Image img = pixforge::load_image_from_memory(data, size, "fuzz", channels);
    const pixforge::Tensor<float> t = pixforge::image_to_tensor(img, pixforge::Range::unit);
    const pixforge::Image back = pixforge::tensor_to_image(t, pixforge::Range::unit);
    if (back.pixels != img.pixels) {
      std::fprintf(stderr, "fuzz: image -> tensor -> image is not exact\n");
      std::abort();
    }
  });
  return 0;
}
