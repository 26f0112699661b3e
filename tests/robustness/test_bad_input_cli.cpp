// The `pixforge` command on bad input, run as a child process (fork + exec, so resource limits can be set in the
// child): hostile weight files, corrupt and oversized images, the --max-pixels / --max-memory limits, an
// unwritable output path and a full disk (RLIMIT_FSIZE with SIGXFSZ ignored). Every failure exits 1 with a message
// naming the file, leaves no output and no temporary file, and leaves an existing good output byte for byte
// unchanged. (tests/cli/test_cli.cpp covers the everyday cases: missing files, a missing directory, usage errors.)
#define PIXFORGE_IMPLEMENTATION
#include "pixforge/io/image.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>

#include "cli_util.hpp"
#include "pixforge/models/rrdbnet.hpp"
#include "pixforge/models/tiny_sr.hpp"
#include "pixforge/models/waifu2x_upconv7.hpp"
#include "pixforge/pipeline.hpp"
#include "robustness_util.hpp"
#include "test_util.hpp"

using namespace pixforge;
namespace fs = std::filesystem;

namespace {

using test::contains;
using test::kModel;
using test::kSample;
using test::Result;
using test::slurp;
using test::TempDir;

// Runs `pixforge ARGS...` in the source directory; stderr is captured. fsize_limit >= 0 sets RLIMIT_FSIZE in the
// child (SIGXFSZ ignored, so an oversized write fails with EFBIG as on a full disk instead of killing the process).
Result run_cli(const std::vector<std::string>& args, const std::string& err_path, long fsize_limit = -1) {
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    const int fd = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || ::dup2(fd, 2) < 0 || ::chdir(PIXFORGE_SOURCE_DIR) != 0) ::_exit(126);
    const int null = ::open("/dev/null", O_WRONLY);
    if (null >= 0) ::dup2(null, 1);
    if (fsize_limit >= 0) {
      std::signal(SIGXFSZ, SIG_IGN);  // inherited across exec
      const rlimit rl{rlim_t(fsize_limit), rlim_t(fsize_limit)};
      if (::setrlimit(RLIMIT_FSIZE, &rl) != 0) ::_exit(126);
    }
    std::vector<char*> argv;
    std::string exe = PIXFORGE_CLI_PATH;
    argv.push_back(exe.data());
    std::vector<std::string> copy = args;
    for (std::string& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(exe.c_str(), argv.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  Result r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.err = slurp(err_path);
  return r;
}

void write_bytes(const std::string& path, const std::vector<uint8_t>& b) {
  write_file_atomic(path, b.data(), b.size());
}

// A copy of `file` with some of its metadata replaced.
std::vector<uint8_t> rewrite(const std::vector<uint8_t>& file, const std::map<std::string, std::string>& meta) {
  const SafeTensors st = SafeTensors::from_bytes(file);
  SafeTensorsWriter w;
  for (const std::string& k : st.keys()) w.add(k, st.get(k));
  for (const auto& kv : st.metadata()) w.set_metadata(kv.first, kv.second);
  for (const auto& kv : meta) w.set_metadata(kv.first, kv.second);
  return w.to_bytes();
}

// Runs every case twice: with no output file (none may appear, no temporary may be left) and over an existing
// good output (it must keep its bytes). `inputs` is the number of files the case set put in `dir`.
struct Case {
  std::vector<std::string> args;  // {"run", MODEL, IN} or with options; OUT is appended
  std::string message;            // must appear in stderr
  std::string names;              // the file the message must name
};
void check_failures(const TempDir& dir, const std::vector<Case>& cases, long fsize_limit = -1) {
  const std::string out = dir.file("out.png"), err = test::temp_path("robust_cli_stderr");
  const size_t inputs = dir.count();
  for (const Case& c : cases) {
    std::vector<std::string> args = c.args;
    args.push_back(out);
    const Result r = run_cli(args, err, fsize_limit);
    INFO(c.args[1], " ", c.args[2], " -> ", r.err);
    CHECK(r.code == 1);
    CHECK(contains(r.err, "pixforge: error: [pixforge."));
    CHECK(contains(r.err, c.message));
    CHECK(contains(r.err, c.names));
    CHECK(!fs::exists(out));
    CHECK(dir.count() == inputs);
  }
  REQUIRE(run_cli({"run", "--quiet", kModel, kSample, out}, err).code == 0);
  const std::string good = slurp(out);
  for (const Case& c : cases) {
    std::vector<std::string> args = c.args;
    args.push_back(out);
    const Result r = run_cli(args, err, fsize_limit);
    INFO(c.args[1], " ", c.args[2], " over a good output -> ", r.err);
    CHECK(r.code == 1);
    CHECK(slurp(out) == good);
    CHECK(dir.count() == inputs + 1);
  }
  fs::remove(out);
  fs::remove(err);
}

}  // namespace

TEST_CASE("pixforge run: hostile and mismatched weight files") {
  TempDir dir;
  const std::vector<uint8_t> real = [] {
    const std::string s = slurp(test::source_path(kModel));
    return std::vector<uint8_t>(s.begin(), s.end());
  }();
  auto put = [&](const std::string& name, const std::vector<uint8_t>& b) {
    write_bytes(dir.file(name), b);
    return dir.file(name);
  };
  std::vector<uint8_t> huge_header = real;
  for (int i = 0; i < 8; ++i) huge_header[size_t(i)] = 0xff;
  std::vector<uint8_t> bad_offsets = real;  // first data_offsets end bumped past EOF: "[0, 4" -> "[0, 9"
  const std::string h(bad_offsets.begin() + 8, bad_offsets.begin() + 8 + 2000);
  const size_t at = h.find("\"data_offsets\":[");
  REQUIRE(at != std::string::npos);
  bad_offsets[8 + at + 16] = '9';
  auto poison = [](const std::string& n, Tensor<float>& t) {
    if (n == "conv3.weight") t.data()[5] = std::numeric_limits<float>::quiet_NaN();
  };
  const std::vector<uint8_t> nan = test::model_file("tiny_sr", R"({"nf":32})", poison);
  const std::vector<Case> cases = {
      {{"run", put("cut.safetensors", {real.begin(), real.begin() + std::ptrdiff_t(real.size() / 2)}), kSample},
       "format_error", "cut.safetensors"},
      {{"run", put("huge_header.safetensors", huge_header), kSample}, "exceeds the 100 MB limit",
       "huge_header.safetensors"},
      {{"run", put("offsets.safetensors", bad_offsets), kSample}, "format_error", "offsets.safetensors"},
      {{"run", put("nan.safetensors", nan), kSample}, "non-finite: conv3.weight", "nan.safetensors"},
      {{"run", put("other_arch.safetensors", rewrite(real, {{"pixforge.arch", "waifu2x_upconv7"}})), kSample},
       "missing:    conv4.weight [128,64,3,3]", "other_arch.safetensors"},
      {{"run", put("mismatch.safetensors", rewrite(real, {{"pixforge.config", R"({"nf":16})"}})), kSample},
       "model expects [16,3,5,5]", "mismatch.safetensors"},
      // 1 KB of weights whose config asks for gigabytes of parameters: refused before allocating them.
      {{"run",
        put("greedy.safetensors",
            rewrite(real, {{"pixforge.arch", "rrdbnet"},
                           {"pixforge.config", R"({"num_feat":4096,"num_block":1000})"}})),
        kSample},
       "the network is larger than the weights in the file", "greedy.safetensors"},
  };
  check_failures(dir, cases);
}

TEST_CASE("pixforge run: corrupt, empty and oversized images, and the --max-pixels limit") {
  TempDir dir;
  const std::vector<Case> cases = {
      // (test_cli.cpp runs corrupt.png and huge_header.png; test_image.cpp every image in tests/data in-process.)
      {{"run", kModel, "tests/data/truncated.jpg"}, "format_error", "truncated.jpg"},
      {{"run", kModel, "tests/data/empty.png"}, "file is empty", "empty.png"},
      {{"run", kModel, "tests/data/fuzz_truncated.tga"}, "truncated TGA", "fuzz_truncated.tga"},
      {{"run", kModel, "tests/data/big_gray_header.png"}, "limit_exceeded", "big_gray_header.png"},
      // sample.png is 256x256 = 65536 px: over a 60000 px limit on input, over 100000 on the 2x output.
      {{"run", "--max-pixels", "60000", kModel, kSample}, "exceeds limits().max_image_pixels = 60000", "sample.png"},
      {{"run", "--max-pixels", "100000", kModel, kSample}, "exceeds limits().max_image_pixels = 100000",
       "tiny_sr"},
  };
  check_failures(dir, cases);
}

TEST_CASE("pixforge run --max-memory: tiles instead of failing; an explicit untiled run fails clearly") {
  TempDir dir;
  const std::string err = test::temp_path("robust_cli_stderr");
  // Untiled, TinySR's first activation of sample.png is [1, 32, 256, 256] floats = 8 MiB.
  const Result r = run_cli({"run", "--max-memory", "4", "--verbose", kModel, kSample, dir.file("limited.png")}, err);
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(contains(r.err, "tiles"));
  // Same tiles as the in-process pipeline under the same limit, so the same bytes.
  const int64_t saved = limits().max_tensor_bytes;
  limits().max_tensor_bytes = int64_t(4) << 20;
  const Pipeline pipe = Pipeline::load(test::source_path(kModel));
  const Image in = load_image(test::source_path(kSample));
  const TilePlan plan = pipe.plan(in.height, in.width);
  const Image expect = pipe.run(in);
  limits().max_tensor_bytes = saved;
  CHECK(plan.count() > 1);
  CHECK(load_image(dir.file("limited.png")).pixels == expect.pixels);
  fs::remove(dir.file("limited.png"));
  fs::remove(err);

  const std::vector<Case> cases = {
      {{"run", "--max-memory", "4", "--tile", "0", kModel, kSample}, "exceeds limits().max_tensor_bytes",
       "limit_exceeded"},
  };
  check_failures(dir, cases);
}

TEST_CASE("pixforge run: unwritable output paths fail and name the path") {
  TempDir dir;
  const std::string err = test::temp_path("robust_cli_stderr");
  write_bytes(dir.file("plain_file"), {1, 2, 3});
  fs::create_directories(dir.file("a_dir.png"));
  struct Out {
    std::string path, message;
  };
  for (const Out& o : {Out{dir.file("plain_file/out.png"), "Not a directory"},
                       Out{dir.file("a_dir.png"), "a_dir.png"},
                       Out{"/proc/pixforge_cannot_write_here.png", "cannot write"}}) {
    const Result r = run_cli({"run", "--quiet", kModel, kSample, o.path}, err);
    INFO(o.path, " -> ", r.err);
    CHECK(r.code == 1);
    CHECK(contains(r.err, o.path));
    CHECK(contains(r.err, o.message));
  }
  CHECK(slurp(dir.file("plain_file")) == std::string("\x01\x02\x03"));
  CHECK(fs::is_directory(dir.file("a_dir.png")));
  CHECK(fs::is_empty(dir.file("a_dir.png")));
  CHECK(dir.count() == 2);
  fs::remove(err);
}

TEST_CASE("pixforge run: a full disk (RLIMIT_FSIZE) fails cleanly and keeps the old output") {
  TempDir dir;
  // 4 KiB: stderr fits, the ~200 KB PNG does not. The child's write() fails with EFBIG like ENOSPC would.
  const std::vector<Case> cases = {{{"run", "--quiet", kModel, kSample}, "File too large", "out.png"}};
  const std::string out = dir.file("out.png"), err = test::temp_path("robust_cli_stderr");
  Result r = run_cli({"run", "--quiet", kModel, kSample, out}, err, 4096);
  INFO(r.err);
  CHECK(r.code == 1);
  CHECK(contains(r.err, "cannot write '" + out + "'"));
  CHECK(contains(r.err, "target left unchanged"));
  CHECK(dir.count() == 0);
  fs::remove(err);
  check_failures(dir, cases, 4096);
}
