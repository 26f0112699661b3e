// The `pixforge` executable (cli/pixforge.cpp), run as a child process: run/info/archs, --help, exit codes
// (0 ok, 1 runtime error, 2 usage), atomic output (a failed run leaves no file and keeps an existing good one).
#define PIXFORGE_IMPLEMENTATION
#include "pixforge/io/image.hpp"

#include <filesystem>

#include "cli_util.hpp"
#include "pixforge/models/tiny_sr.hpp"
#include "pixforge/pipeline.hpp"
#include "test_util.hpp"

using namespace pixforge;
namespace fs = std::filesystem;

namespace {

using test::contains;
using test::kModel;
using test::kSample;
using test::Result;
using test::run_cli;
using test::slurp;
using test::TempDir;

}  // namespace

TEST_CASE("pixforge archs / --help / --version") {
  Result r = run_cli({"archs"});
  CHECK(r.code == 0);
  CHECK(contains(r.out, "tiny_sr"));
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--help"}, {"help"}, {"run", "--help"}, {"info", "--help"}, {"archs", "--help"}}) {
    r = run_cli(args);
    INFO(args[0], " ", args.size() > 1 ? args[1] : "");
    CHECK(r.code == 0);
    CHECK(contains(r.out, "Usage"));
  }
  CHECK(contains(run_cli({"run", "--help"}).out, "--tile N"));
  r = run_cli({"--version"});
  CHECK(r.code == 0);
  CHECK(contains(r.out, "pixforge 0."));
}

TEST_CASE("pixforge info on the bundled weights") {
  const Result r = run_cli({"info", kModel});
  INFO(r.out, r.err);
  CHECK(r.code == 0);
  CHECK(contains(r.out, "architecture: tiny_sr"));
  CHECK(contains(r.out, "{\"nf\": 32, \"scale\": 2}"));
  CHECK(contains(r.out, "parameters:   15148"));
  CHECK(contains(r.out, "licence:      MIT"));
  CHECK(contains(r.out, "source:       tools/train/train_tiny_sr.py"));
  CHECK(contains(r.out, "scale 2"));
}

TEST_CASE("pixforge run: output equals the in-process pipeline, tiled or not, with a progress bar") {
  TempDir dir;
  const std::string a = dir.file("auto.png"), t = dir.file("tiled.png"), u = dir.file("untiled.png");
  Result r = run_cli({"run", kModel, kSample, a});
  INFO(r.err);
  REQUIRE(r.code == 0);
  r = run_cli({"run", kModel, kSample, t, "--tile", "50", "--threads", "1", "--verbose"});
  REQUIRE(r.code == 0);
  CHECK(contains(r.err, "36/36 tiles 100%"));
  CHECK(contains(r.err, "peak RSS"));
  // An explicit smaller halo runs, and says the tiles are approximate.
  r = run_cli({"run", kModel, kSample, dir.file("approx.png"), "--tile", "50", "--halo", "2"});
  REQUIRE(r.code == 0);
  CHECK(contains(r.err, "approximate tiles: halo 2 < the exact context 24/24 (on the Winograd grid) of 'tiny_sr'"));
  r = run_cli({"run", "--tile", "0", "--quiet", kModel, kSample, u});
  REQUIRE(r.code == 0);
  CHECK(r.err.empty());

  const Image in = load_image(test::source_path(kSample));
  const Image expect = Pipeline::load(test::source_path(kModel)).run(in, RunOptions{});
  CHECK(expect.width == 2 * in.width);
  for (const std::string& f : {a, t, u}) {
    const Image got = load_image(f);
    CHECK(got.width == expect.width);
    CHECK(got.height == expect.height);
    CHECK(got.pixels == expect.pixels);
  }
  // Gray in, gray out.
  r = run_cli({"run", kModel, "tests/data/gray.png", dir.file("gray_x2.png")});
  REQUIRE(r.code == 0);
  CHECK(load_image(dir.file("gray_x2.png")).channels == 1);
}

TEST_CASE("pixforge run: failures exit 1, leave no output and keep an existing good one") {
  TempDir dir;
  const std::string out = dir.file("out.png");
  struct Case {
    std::vector<std::string> args;
    const char* message;
  };
  const std::vector<Case> cases = {
      {{"run", kModel, "tests/data/corrupt.png", out}, "corrupt.png"},
      {{"run", kModel, "tests/data/no_such_image.png", out}, "no_such_image.png"},
      {{"run", kModel, "tests/data/huge_header.png", out}, "limit_exceeded"},
      {{"run", "weights/no_such_model.safetensors", kSample, out}, "no_such_model.safetensors"},
      {{"run", "tests/data/garbage.bin", kSample, out}, "garbage.bin"},
      {{"run", kModel, kSample, dir.file("no_such_dir/out.png")}, "no_such_dir"},
  };
  for (const Case& c : cases) {
    const Result r = run_cli(c.args);
    INFO(c.args[1], " ", c.args[2], " -> ", r.err);
    CHECK(r.code == 1);
    CHECK(contains(r.err, c.message));
    CHECK(contains(r.err, "pixforge: error: [pixforge."));
    CHECK(!fs::exists(out));
    CHECK(dir.count() == 0);  // no temporary left behind
  }
  // An existing good output survives a failing run byte for byte.
  REQUIRE(run_cli({"run", kModel, kSample, out}).code == 0);
  const std::string good = slurp(out);
  for (const Case& c : cases) {
    if (contains(c.args[3], "no_such_dir")) continue;
    const Result r = run_cli(c.args);
    CHECK(r.code == 1);
    CHECK(slurp(out) == good);
    CHECK(dir.count() == 1);
  }
}

TEST_CASE("pixforge: an unknown architecture is a clear runtime error") {
  TempDir dir;
  SafeTensorsWriter w;
  w.add("conv.weight", Tensor<float>::zeros({1, 1, 1, 1}));
  w.set_metadata("pixforge.arch", "no_such_net");
  w.save(dir.file("unknown.safetensors"));
  Result r = run_cli({"run", dir.file("unknown.safetensors"), kSample, dir.file("o.png")});
  CHECK(r.code == 1);
  CHECK(contains(r.err, "architecture 'no_such_net' is not built into this program (known: "));
  CHECK(!fs::exists(dir.file("o.png")));
  r = run_cli({"info", dir.file("unknown.safetensors")});
  CHECK(r.code == 1);
  CHECK(contains(r.out, "architecture: no_such_net"));
  CHECK(contains(r.err, "not built into this program"));
  r = run_cli({"info", "tests/data/garbage.bin"});
  CHECK(r.code == 1);
}

TEST_CASE("pixforge: usage errors exit 2 and touch nothing") {
  TempDir dir;
  const std::string in_copy = dir.file("in.png");
  fs::copy_file(test::source_path(kSample), in_copy);
  const std::string before = slurp(in_copy);
  const std::vector<std::vector<std::string>> cases = {
      {},
      {"frobnicate"},
      {"run"},
      {"run", kModel, kSample},
      {"run", kModel, in_copy, in_copy},                        // OUT == IN
      {"run", kModel, in_copy, dir.path.string() + "/./in.png"},  // the same file, spelt differently
      {"run", kModel, kSample, dir.file("o.png"), "--tile", "abc"},
      {"run", kModel, kSample, dir.file("o.png"), "--tile", "-3"},
      {"run", kModel, kSample, dir.file("o.png"), "--threads"},
      {"run", kModel, kSample, dir.file("o.png"), "--halo", "-1"},
      {"run", kModel, kSample, dir.file("o.png"), "--bogus"},
      {"run", kModel, kSample, dir.file("o.webp")},
      {"run", kModel, kSample, dir.file("o.png"), "--mask", kSample},  // tiny_sr takes no mask
      {"info"},
      {"archs", "extra"},
  };
  for (const auto& args : cases) {
    const Result r = run_cli(args);
    std::string line;
    for (const auto& a : args) line += a + " ";
    INFO(line, "-> ", r.err);
    CHECK(r.code == 2);
    CHECK(contains(r.err, "pixforge: "));
  }
  CHECK(slurp(in_copy) == before);
  CHECK(dir.count() == 1);
  CHECK(contains(run_cli({"run", kModel, kSample, dir.file("o.png"), "--mask", kSample}).err, "takes no mask"));
  CHECK(contains(run_cli({"run", kModel, in_copy, in_copy}).err, "never overwrites its input"));
}

TEST_CASE("pixforge run --verbose: peak RSS is bounded by the tile, not by the image") {
  TempDir dir;
  const std::string in = dir.file("big.png");
  Image img = Image::blank(1024, 1024, 3);
  for (size_t k = 0; k < img.pixels.size(); ++k) img.pixels[k] = uint8_t((k * 2654435761u) >> 24);
  save_image(in, img);
  auto peak_mib = [&](const std::string& tile) {
    const Result r = run_cli({"run", kModel, in, dir.file("out_" + tile + ".png"), "--tile", tile, "--verbose"});
    INFO(r.err);
    REQUIRE(r.code == 0);
    const size_t at = r.err.find("peak RSS ");
    REQUIRE(at != std::string::npos);
    return std::stod(r.err.substr(at + 9));
  };
  const double tiled = peak_mib("128"), whole = peak_mib("0");
  INFO("peak RSS tiled ", tiled, " MiB, untiled ", whole, " MiB");
  // 1024² -> 2048² RGB: 3 MiB in + 12 MiB out + a 140² tile's activations (~7 MiB) + the program; untiled, the
  // activations of the whole image (~330 B/px = 330 MiB) dominate.
  CHECK(slurp(dir.file("out_128.png")) == slurp(dir.file("out_0.png")));
#if defined(__SANITIZE_ADDRESS__)
  // Under AddressSanitizer (tools/sanitize.sh) RSS also holds shadow memory and the freed-memory quarantine, so
  // peak RSS says nothing about the pipeline's working set: only the outputs are compared there.
  MESSAGE("ASan build: RSS bounds not checked");
#else
  CHECK(tiled < 100.0);
  CHECK(tiled * 2 < whole);
#endif
}
