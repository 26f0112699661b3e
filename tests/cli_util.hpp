// tests/cli_util.hpp — shared helpers for the tests that run the built `pixforge` binary as a child process
// (tests/cli/test_cli*.cpp, tests/robustness/test_bad_input_cli.cpp). PIXFORGE_CLI_PATH is set for those targets
// by CMakeLists.txt.
//
//   Result r = run_cli({"run", kModel, kSample, out});   `pixforge ARGS...` in the source directory: r.code, r.out, r.err
//   run_shell(cmd, keep_stdout)                          any shell command, stdout (or /dev/null) and stderr captured
//   slurp(path), quote(s), contains(s, part)
//   TempDir dir; dir.file("x.png"); dir.count()          a scratch directory for this process, removed at the end
#pragma once

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include "test_util.hpp"

#ifndef PIXFORGE_CLI_PATH
#error "PIXFORGE_CLI_PATH (the built pixforge binary) is set by CMakeLists.txt"
#endif

namespace pixforge {
namespace test {

struct Result {
  int code = -1;
  std::string out, err;
};

inline std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

// `s` single-quoted for /bin/sh.
inline std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

inline bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// Runs the shell command `cmd` with stdout (or /dev/null when !keep_stdout) and stderr redirected to scratch files:
// the exit code (-1 if it did not exit) and what was written.
inline Result run_shell(const std::string& cmd, bool keep_stdout = true) {
  static int counter = 0;
  const std::string out = temp_path("cli_stdout_" + std::to_string(counter));
  const std::string err = temp_path("cli_stderr_" + std::to_string(counter++));
  const std::string line = cmd + " >" + (keep_stdout ? quote(out) : std::string("/dev/null")) + " 2>" + quote(err);
  const int status = std::system(line.c_str());
  Result r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (keep_stdout) {
    r.out = slurp(out);
    std::filesystem::remove(out);
  }
  r.err = slurp(err);
  std::filesystem::remove(err);
  return r;
}

// Runs `pixforge ARGS...` in the source directory, capturing stdout, stderr and the exit code.
inline Result run_cli(const std::vector<std::string>& args) {
  std::string cmd = "cd " + quote(PIXFORGE_SOURCE_DIR) + " && " + quote(PIXFORGE_CLI_PATH);
  for (const auto& a : args) cmd += " " + quote(a);
  return run_shell(cmd);
}

// A scratch directory for this process, removed at the end.
struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const std::string& name = "cli_dir") : path(temp_path(name)) {
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return (path / name).string(); }
  size_t count() const {
    return size_t(std::distance(std::filesystem::directory_iterator(path), std::filesystem::directory_iterator()));
  }
};

// The bundled model and sample image, relative to the source directory (where run_cli runs).
inline const std::string kModel = "weights/tiny-sr-2x.safetensors";
inline const std::string kSample = "examples/data/sample.png";

}  // namespace test
}  // namespace pixforge
