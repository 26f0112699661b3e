// Builds the error path as an engine without exceptions would: PIXFORGE_NO_EXCEPTIONS routes every error to the
// handler installed with set_error_handler (here it records the error and longjmps back, as an engine might
// unwind to its frame loop). This TU never throws a pixforge::Error.
#define PIXFORGE_NO_EXCEPTIONS
#include <csetjmp>
#include <string>

#include <doctest/doctest.h>

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
  pixforge::set_error_handler(nullptr);
}
