// Builds the error path as an engine without exceptions would: PIXFORGE_NO_EXCEPTIONS routes every error to the
// handler installed with set_error_handler (here it records the error and longjmps back, as an engine might
// unwind to its frame loop). This TU never throws a pixforge::Error.
#define PIXFORGE_NO_EXCEPTIONS
#include <csetjmp>
#include <string>

#include <doctest/doctest.h>

// longjmp-ing out of the handler skips the destructors of the frames it leaves (the error message strings, the
// Error itself): leaked by design of this error model, so LeakSanitizer (tools/sanitize.sh) is told to ignore what
// is allocated between setjmp and the jump — and only that.
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#define PIXFORGE_TEST_LSAN_DISABLE() __lsan_disable()
#define PIXFORGE_TEST_LSAN_ENABLE() __lsan_enable()
#else
#define PIXFORGE_TEST_LSAN_DISABLE() (void)0
#define PIXFORGE_TEST_LSAN_ENABLE() (void)0
#endif

#include "pixforge/core/tensor.hpp"
#include "pixforge/io/safetensors.hpp"

namespace {
std::jmp_buf g_jump;
std::string g_message;
pixforge::ErrorCode g_code;
void handler(const pixforge::Error& e) {
  g_message = e.what();
  g_code = e.code();
  std::longjmp(g_jump, 1);
}
}  // namespace

TEST_CASE("PIXFORGE_NO_EXCEPTIONS: errors reach the user handler") {
  pixforge::set_error_handler(handler);
  volatile bool reached = false;
  PIXFORGE_TEST_LSAN_DISABLE();
  if (setjmp(g_jump) == 0) {
    auto t = pixforge::Tensor<float>::zeros({2, 3});
    (void)t.reshape({7});  // invalid: must call the handler, never return normally
    reached = true;
  }
  CHECK(!reached);
  CHECK(g_code == pixforge::ErrorCode::shape_mismatch);
  CHECK(g_message.find("reshape: [2,3] has 6 elements") != std::string::npos);

  if (setjmp(g_jump) == 0) {
    (void)pixforge::SafeTensors::from_bytes({1, 2, 3}, "tiny.safetensors");
    reached = true;
  }
  CHECK(!reached);
  CHECK(g_code == pixforge::ErrorCode::format_error);
  CHECK(g_message.find("tiny.safetensors") != std::string::npos);
  PIXFORGE_TEST_LSAN_ENABLE();
  pixforge::set_error_handler(nullptr);
}
