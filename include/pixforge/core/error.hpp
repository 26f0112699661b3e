// pixforge/core/error.hpp — the one error type of the library.
//
// Every failure — a bad argument, a shape that does not fit, a truncated weight file, an unreadable image —
// becomes a pixforge::Error carrying a code and a message that names where and what, in the style of
// nlohmann/json:
//
//     [pixforge.shape_mismatch] conv2d: input has 64 channels, weight expects 32 (x=[1,64,32,32], w=[16,32,3,3])
//
// Builds without exceptions (game engines often use -fno-exceptions) define PIXFORGE_NO_EXCEPTIONS and install a
// handler with set_error_handler(). The handler receives the Error and must not return (log and abort, longjmp,
// ...); if it does return, or none is installed, the library calls std::abort(). The library never calls exit(),
// never returns a silent `false` and never prints instead of failing.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <initializer_list>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace pixforge {

enum class ErrorCode {
  invalid_argument,  // a parameter value that makes no sense (negative stride, unknown mode, ...)
  shape_mismatch,    // tensors whose shapes do not fit together
  io_error,          // a file that cannot be opened, read or written
  format_error,      // a file that is not what it claims to be (bad header, truncated, malicious offsets)
  missing_key,       // state_dict keys missing/unexpected/wrong shape when loading weights
  unsupported,       // a valid request this build or this op does not support (dtype, mode, ...)
  limit_exceeded,    // an image or tensor larger than the configured limits
  internal,          // a broken invariant inside pixforge: a bug, please report
};

inline const char* error_code_name(ErrorCode c) {
  switch (c) {
    case ErrorCode::invalid_argument: return "invalid_argument";
    case ErrorCode::shape_mismatch: return "shape_mismatch";
    case ErrorCode::io_error: return "io_error";
    case ErrorCode::format_error: return "format_error";
    case ErrorCode::missing_key: return "missing_key";
    case ErrorCode::unsupported: return "unsupported";
    case ErrorCode::limit_exceeded: return "limit_exceeded";
    case ErrorCode::internal: return "internal";
  }
  return "unknown";
}

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message)
      : std::runtime_error("[pixforge." + std::string(error_code_name(code)) + "] " + message),
        code_(code),
        message_(message) {}
  ErrorCode code() const noexcept { return code_; }
  // The message without the "[pixforge.code] " prefix.
  const std::string& message() const noexcept { return message_; }

 private:
  ErrorCode code_;
  std::string message_;
};

using ErrorHandler = void (*)(const Error&);

namespace detail {
inline ErrorHandler& error_handler_slot() {
  static ErrorHandler handler = nullptr;
  return handler;
}
}  // namespace detail

// Only consulted when PIXFORGE_NO_EXCEPTIONS is defined; returns the previous handler.
inline ErrorHandler set_error_handler(ErrorHandler h) {
  ErrorHandler old = detail::error_handler_slot();
  detail::error_handler_slot() = h;
  return old;
}

namespace detail {
inline const std::string*& error_context_slot() {
  thread_local const std::string* context = nullptr;
  return context;
}
}  // namespace detail

// While one lives, errors raised on this thread start with its text: load_model() wraps building a network in
// ErrorContext("load_model 'x.safetensors', pixforge.config {...}"), so a bad config value deep in a model's
// Config::from_json still names the file. Nested contexts: the innermost one is used (it should say everything).
class ErrorContext {
 public:
  explicit ErrorContext(std::string text) : text_(std::move(text)), outer_(detail::error_context_slot()) {
    detail::error_context_slot() = &text_;
  }
  ~ErrorContext() { detail::error_context_slot() = outer_; }
  ErrorContext(const ErrorContext&) = delete;
  ErrorContext& operator=(const ErrorContext&) = delete;

 private:
  std::string text_;
  const std::string* outer_;
};

// Raise an error: throws, or (without exceptions) calls the handler and aborts.
[[noreturn]] inline void fail(ErrorCode code, const std::string& message) {
  const std::string* context = detail::error_context_slot();
  const std::string text = context ? *context + ": " + message : message;
#ifdef PIXFORGE_NO_EXCEPTIONS
  Error e(code, text);
  if (ErrorHandler h = detail::error_handler_slot()) h(e);
  std::abort();
#else
  throw Error(code, text);
#endif
}

// Builds a message from streamable pieces: fail(ErrorCode::x, msg("conv2d: got ", n, " channels")).
template <class... Args>
std::string msg(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  return os.str();
}

// "[1,64,32,32]" — how shapes appear in every message.
inline std::string shape_str(const int64_t* dims, int rank) {
  std::string s = "[";
  for (int i = 0; i < rank; ++i) {
    if (i) s += ",";
    s += std::to_string(dims[i]);
  }
  return s + "]";
}
inline std::string shape_str(const std::vector<int64_t>& dims) {
  return shape_str(dims.data(), static_cast<int>(dims.size()));
}

}  // namespace pixforge

// Argument check at op entry: PIXFORGE_CHECK(cond, code, pieces...). Never use inside hot loops.
#define PIXFORGE_CHECK(cond, code, ...)                           \
  do {                                                            \
    if (!(cond)) ::pixforge::fail((code), ::pixforge::msg(__VA_ARGS__)); \
  } while (0)
