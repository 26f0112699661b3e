// pixforge/io/file_util.hpp — whole-file reads and atomic writes.
//
// write_file_atomic() never leaves a half-written file and never clobbers a good one: it writes to a temporary file
// in the target's directory (same filesystem, so rename is atomic), flushes it to disk, and renames it over the
// target only when everything succeeded. On any failure the temporary file is removed and an io_error names the
// path and the reason (ENOSPC: "No space left on device", EACCES, a missing directory, ...).
#pragma once

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "pixforge/core/error.hpp"

#if defined(__unix__) || defined(__APPLE__)
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#define PIXFORGE_POSIX_FILES 1
#else
#define PIXFORGE_POSIX_FILES 0
#endif

namespace pixforge {

// Reads a whole file; fails with io_error if it cannot be read or is larger than max_bytes.
inline std::vector<uint8_t> read_file(const std::string& path, int64_t max_bytes = int64_t(1) << 34) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) fail(ErrorCode::io_error, msg("cannot open '", path, "': ", std::strerror(errno)));
  std::vector<uint8_t> out;
  uint8_t buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
    if (int64_t(out.size() + n) > max_bytes) {
      std::fclose(f);
      fail(ErrorCode::limit_exceeded, msg("'", path, "' is larger than ", max_bytes, " bytes"));
    }
    out.insert(out.end(), buf, buf + n);
  }
  const bool err = std::ferror(f) != 0;
  std::fclose(f);
  if (err) fail(ErrorCode::io_error, msg("error reading '", path, "'"));
  return out;
}

namespace detail {
// Test hook: when >= 0, atomic writes fail after writing this many bytes, as a full disk would (ENOSPC).
inline int64_t& simulated_disk_capacity() {
  static int64_t cap = -1;
  return cap;
}
}  // namespace detail

inline void write_file_atomic(const std::string& path, const void* data, size_t size) {
#if PIXFORGE_POSIX_FILES
  std::string tmpl = path + ".tmp.XXXXXX";
  std::vector<char> name(tmpl.begin(), tmpl.end());
  name.push_back('\0');
  const int fd = ::mkstemp(name.data());
  if (fd < 0) fail(ErrorCode::io_error, msg("cannot write '", path, "': ", std::strerror(errno)));
  const std::string tmp(name.data());
  auto abort_write = [&](int err) {
    ::close(fd);
    ::unlink(tmp.c_str());
    fail(ErrorCode::io_error, msg("cannot write '", path, "': ", std::strerror(err), " (target left unchanged)"));
  };
  const char* p = static_cast<const char*>(data);
  size_t left = size;
  int64_t written = 0;
  while (left > 0) {
    size_t chunk = left;
    const int64_t cap = detail::simulated_disk_capacity();
    if (cap >= 0) {
      if (written >= cap) abort_write(ENOSPC);
      chunk = std::min<size_t>(chunk, size_t(cap - written));
    }
    const ssize_t w = ::write(fd, p, chunk);
    if (w < 0) {
      if (errno == EINTR) continue;
      abort_write(errno);
    }
    p += w;
    left -= size_t(w);
    written += w;
  }
  if (::fsync(fd) != 0) abort_write(errno);
  // mkstemp creates 0600; give the file the usual permissions (0666 & ~umask).
  const mode_t mask = ::umask(0);
  ::umask(mask);
  ::fchmod(fd, 0666 & ~mask);
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    fail(ErrorCode::io_error, msg("cannot write '", path, "': ", std::strerror(err)));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    fail(ErrorCode::io_error, msg("cannot write '", path, "': rename failed: ", std::strerror(err)));
  }
#else
  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) fail(ErrorCode::io_error, msg("cannot write '", path, "'"));
  const bool ok = std::fwrite(data, 1, size, f) == size;
  if (std::fclose(f) != 0 || !ok) {
    std::remove(tmp.c_str());
    fail(ErrorCode::io_error, msg("cannot write '", path, "' (target left unchanged)"));
  }
  std::remove(path.c_str());
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    fail(ErrorCode::io_error, msg("cannot write '", path, "': rename failed"));
  }
#endif
}

}  // namespace pixforge
