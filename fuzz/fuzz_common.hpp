// fuzz/fuzz_common.hpp — shared set-up of the libFuzzer targets (built by tools/fuzz.sh with ASan + UBSan).
//
// Every target feeds hostile bytes to one parser and accepts exactly two outcomes: a result, or a pixforge::Error.
// Anything else (a crash, a sanitizer report, another exception type, a leak, a timeout, memory above libFuzzer's
// -rss_limit_mb) is a bug. The limits are lowered so that a legal but huge request ("shape [65536, 65536]", a
// 30000×30000 PNG header) ends as limit_exceeded instead of running the fuzzer out of memory: that path is the one
// under test, not the allocator.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>

#include "pixforge/core/error.hpp"
#include "pixforge/core/tensor.hpp"

namespace pixforge_fuzz {

inline void lower_limits() {
  pixforge::limits().max_tensor_bytes = int64_t(64) << 20;  // 64 MiB per allocation
  pixforge::limits().max_image_pixels = int64_t(4) << 20;   // 4 Mpx
}

// Runs f; a pixforge::Error is the expected way to reject input. Any other exception aborts so libFuzzer keeps
// the input as a crash.
template <class F>
void expect_ok_or_error(F&& f) {
  try {
    f();
  } catch (const pixforge::Error&) {
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuzz: unexpected exception (not pixforge::Error): %s\n", e.what());
    std::abort();
  }
}

}  // namespace pixforge_fuzz
