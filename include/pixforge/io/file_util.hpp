// pixforge/io/file_util.hpp — whole-file reads and atomic writes.
//
// write_file_atomic() never leaves a half-written file and never clobbers a good one: it writes to a temporary file
// in the target's directory (same filesystem, so rename is atomic), flushes it to disk, and renames it over the
// target only when everything succeeded. On any failure the temporary file is removed and an io_error names the
// path and the reason (ENOSPC: "No space left on device", EACCES, a missing directory, ...).
#pragma once

#include <algorithm>
#include <atomic>
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
  // A unique temporary name next to the target, created exclusively with the usual 0666 & ~umask permissions
  // (mkstemp would give 0600, and changing the process umask to compute it is not thread-safe).
  static std::atomic<unsigned> counter{0};
  int fd = -1;
  std::string tmp;
  for (int attempt = 0; attempt < 100 && fd < 0; ++attempt) {
    tmp = path + ".tmp." + std::to_string(static_cast<long long>(::getpid())) + "." + std::to_string(counter++);
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 && errno != EEXIST) break;
  }
  if (fd < 0) fail(ErrorCode::io_error, msg("cannot write '", path, "': ", std::strerror(errno)));
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
  // Make the rename itself durable (best effort: some filesystems do not support fsync on directories).
  const size_t slash = path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    (void)::fsync(dfd);
    ::close(dfd);
  }
#else
  // Portable fallback (no POSIX): not atomic on platforms whose rename cannot replace an existing file.
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
