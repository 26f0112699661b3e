// The task shortcuts of the `pixforge` executable (cli/cmd_shortcuts.hpp), run as a child process: upscale with its
// defaults is `run weights/waifu2x-cunet-scale2x.safetensors` byte for byte; a missing weight file is exit 1 with
// the fetch command; bad --scale/--noise are exit 2; restore without a DeOldify file is exit 1.
#define PIXFORGE_IMPLEMENTATION
#include "pixforge/io/image.hpp"

#include <string>
#include <vector>

#include "cli_util.hpp"
#include "test_util.hpp"

using namespace pixforge;
namespace fs = std::filesystem;

namespace {

using test::contains;
using test::quote;
using test::slurp;
using test::Result;
using test::TempDir;

// Runs `pixforge ARGS...` in the source directory with one thread and no PIXFORGE_WEIGHTS (unless env sets it).
Result run_cli(const std::vector<std::string>& args, const std::string& env = "") {
  std::string cmd = "cd " + quote(PIXFORGE_SOURCE_DIR) + " && env -u PIXFORGE_WEIGHTS OMP_NUM_THREADS=1 " + env +
                    " " + quote(PIXFORGE_CLI_PATH);
  for (const auto& a : args) cmd += " " + quote(a);
  return test::run_shell(cmd);
}

// A small deterministic RGB image.
std::string tiny_image(const TempDir& dir, const std::string& name = "in.png") {
  Image img = Image::blank(12, 9, 3);
  for (int y = 0; y < img.height; ++y)
    for (int x = 0; x < img.width; ++x)
      for (int c = 0; c < 3; ++c) img.at(x, y, c) = uint8_t((x * 37 + y * 91 + c * 53 + x * y * 7) % 256);
  const std::string path = dir.file(name);
  save_image(path, img);
  return path;
}

}  // namespace

TEST_CASE("pixforge upscale with its defaults equals run on the bundled waifu2x CUNet 2x") {
  TempDir dir;
  const std::string in = tiny_image(dir);
  const Result a = run_cli({"run", "weights/waifu2x-cunet-scale2x.safetensors", in, dir.file("run.png"), "--quiet"});
  REQUIRE_MESSAGE(a.code == 0, a.err);
  const Result b = run_cli({"upscale", in, dir.file("up.png"), "--quiet"});
  REQUIRE_MESSAGE(b.code == 0, b.err);
  const std::string ra = slurp(dir.file("run.png")), rb = slurp(dir.file("up.png"));
  CHECK(!ra.empty());
  CHECK(ra == rb);
  const Image out = load_image(dir.file("up.png"));
  CHECK(out.width == 24);
  CHECK(out.height == 18);
  // The weights directory from the environment and from --weights-dir resolves the same file.
  const Result c = run_cli({"upscale", in, dir.file("env.png"), "-q"}, "PIXFORGE_WEIGHTS=weights");
  REQUIRE_MESSAGE(c.code == 0, c.err);
  CHECK(slurp(dir.file("env.png")) == ra);
}

TEST_CASE("pixforge upscale/denoise: a missing weight file is exit 1 naming the file and the fetch command") {
  TempDir dir;
  const std::string in = tiny_image(dir);
  const std::string empty = dir.file("no_weights");
  fs::create_directories(empty);
  Result r = run_cli({"upscale", in, dir.file("o.png"), "--weights-dir", empty});
  CHECK(r.code == 1);
  CHECK(contains(r.err, (fs::path(empty) / "waifu2x-cunet-scale2x.safetensors").string()));
  CHECK(contains(r.err, "./tools/fetch_weights waifu2x-cunet-scale2x"));
  CHECK(!fs::exists(dir.file("o.png")));

  r = run_cli({"upscale", in, dir.file("o.png"), "--scale", "4", "--noise", "3", "--weights-dir", empty});
  CHECK(r.code == 1);
  CHECK(contains(r.err, "./tools/fetch_weights realcugan-se-up4x-denoise3x"));

  r = run_cli({"upscale", in, dir.file("o.png"), "--noise", "1", "--weights-dir", empty});
  CHECK(r.code == 1);
  CHECK(contains(r.err, "./tools/fetch_weights waifu2x-cunet-noise1-scale2x"));

  r = run_cli({"upscale", in, dir.file("o.png"), "--scale", "3"}, "PIXFORGE_WEIGHTS=" + quote(empty));
  CHECK(r.code == 1);
  CHECK(contains(r.err, "./tools/fetch_weights realcugan-se-up3x-conservative"));

  r = run_cli({"denoise", in, dir.file("o.png"), "--noise", "2", "--weights-dir", empty});
  CHECK(r.code == 1);
  CHECK(contains(r.err, "waifu2x-cunet-noise2.safetensors"));
  CHECK(contains(r.err, "./tools/fetch_weights waifu2x-cunet-noise2"));
}

TEST_CASE("pixforge upscale/denoise: bad --scale, --noise or arguments are usage errors (exit 2)") {
  TempDir dir;
  const std::string in = tiny_image(dir);
  const std::string o = dir.file("o.png");
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"upscale", in, o, "--scale", "5"},
           {"upscale", in, o, "--scale", "1"},
           {"upscale", in, o, "--scale", "x"},
           {"upscale", in, o, "--noise", "4"},
           {"upscale", in, o, "--noise", "-2"},
           {"upscale", in, o, "--noise"},
           {"upscale", in, o, "--scale", "4", "--noise", "1"},     // Real-CUGAN 4x: -1, 0, 3 only
           {"upscale", in, o, "--scale", "3", "--model", "cunet"},  // waifu2x: 2x only
           {"upscale", in, o, "--bogus"},
           {"upscale", in},
           {"denoise", in, o, "--noise", "-1"},
           {"denoise", in, o, "--noise", "4"},
           {"denoise", in, o, "--scale", "2"},
           {"restore", in, o, "--noise", "1"},
       }) {
    const Result r = run_cli(args);
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    CHECK_MESSAGE(r.code == 2, joined, r.err);
    CHECK_MESSAGE(contains(r.err, "pixforge: "), joined);
  }
  CHECK(!fs::exists(o));
}

TEST_CASE("pixforge restore without a DeOldify weight file is exit 1 with how to make it") {
  TempDir dir;
  const std::string in = tiny_image(dir);
  const std::string empty = dir.file("no_weights");
  fs::create_directories(empty);
  const Result r = run_cli({"restore", in, dir.file("o.png"), "--weights-dir", empty});
  CHECK(r.code == 1);
  CHECK(contains(r.err, "deoldify.safetensors"));
  CHECK(contains(r.err, "tools/convert_deoldify.py"));
  CHECK(!fs::exists(dir.file("o.png")));
  // A weight file of another architecture is refused, not run as something else.
  const Result w = run_cli({"restore", in, dir.file("o.png"), "--model", "waifu2x-cunet-scale2x"});
  CHECK(w.code == 1);
  CHECK(contains(w.err, "not DeOldify"));
}

TEST_CASE("pixforge upscale/denoise/restore --help") {
  for (const char* cmd : {"upscale", "denoise", "restore"}) {
    const Result r = run_cli({cmd, "--help"});
    CHECK(r.code == 0);
    CHECK(contains(r.out, std::string("Usage: pixforge ") + cmd + " IN OUT"));
    CHECK(contains(r.out, "--weights-dir"));
  }
  const Result m = run_cli({"--help"});
  CHECK(contains(m.out, "pixforge upscale IN OUT"));
}

TEST_CASE("pixforge upscale: folder mode goes through run's") {
  TempDir dir;
  const std::string indir = dir.file("in");
  fs::create_directories(indir);
  tiny_image(dir, "in/a.png");
  const Result r = run_cli({"upscale", indir, dir.file("out"), "--quiet"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  const Image out = load_image(dir.file("out/a.png"));
  CHECK(out.width == 24);
  CHECK(out.height == 18);
}
