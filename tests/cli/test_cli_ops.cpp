// The image-operation subcommands of the `pixforge` executable (cli/cmd_{flip,rotate,adjust,augment,compare}.hpp)
// and folder mode (cli/cmd_batch.hpp), run as a child process on tiny images: results equal the library calls,
// --help, usage errors (exit 2), runtime errors (exit 1), inputs never overwritten, failed files skipped in folders.
#define PIXFORGE_IMPLEMENTATION
#include "pixforge/io/image.hpp"

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "cli_util.hpp"
#include "imgproc/imgproc_golden.hpp"
#include "pixforge/imgproc/adjust.hpp"
#include "pixforge/imgproc/augment.hpp"
#include "pixforge/imgproc/flip.hpp"
#include "pixforge/imgproc/metrics.hpp"
#include "pixforge/imgproc/rotate.hpp"
#include "test_util.hpp"

using namespace pixforge;
namespace fs = std::filesystem;

namespace {

using test::contains;
using test::Result;
using test::run_cli;
using test::slurp;
using test::TempDir;

// A smooth RGB test picture with some noise, saved as PNG.
Image make_picture(int w, int h, uint32_t seed) {
  Image img = test::random_image(w, h, 3, seed);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c) img.at(x, y, c) = uint8_t((x * 9 + y * 5 * (c + 1)) % 200 + img.at(x, y, c) % 50);
  return img;
}

}  // namespace

TEST_CASE("every image command has --help and is listed in pixforge --help") {
  const Result main_help = run_cli({"--help"});
  for (const char* cmd : {"flip", "rotate", "adjust", "augment", "compare"}) {
    CHECK(contains(main_help.out, std::string("pixforge ") + cmd));
    const Result r = run_cli({cmd, "--help"});
    CHECK(r.code == 0);
    CHECK(contains(r.out, std::string("Usage: pixforge ") + cmd));
  }
}

TEST_CASE("flip, rotate, adjust write what the library computes") {
  TempDir dir;
  const Image img = make_picture(23, 17, 1);
  const std::string in = dir.file("in.png");
  save_image(in, img);

  REQUIRE(run_cli({"flip", in, dir.file("h.png"), "--horizontal"}).code == 0);
  test::check_image_equal(load_image(dir.file("h.png")), flip(img, FlipAxis::horizontal), "flip --horizontal");
  REQUIRE(run_cli({"flip", in, dir.file("v.png"), "--vertical"}).code == 0);
  test::check_image_equal(load_image(dir.file("v.png")), flip(img, FlipAxis::vertical), "flip --vertical");

  RotateParams p;
  p.angle = -33.5;
  p.expand = true;
  p.fill = {255, 0, 16, 255};
  REQUIRE(run_cli({"rotate", in, dir.file("r.png"), "--angle", "-33.5", "--expand", "--fill", "255,0,16"}).code == 0);
  test::check_image_equal(load_image(dir.file("r.png")), rotate(img, p), "rotate -33.5 expand fill");
  REQUIRE(run_cli({"rotate", in, dir.file("r90.png"), "--angle", "90", "--expand", "--fill", "#ff0010"}).code == 0);
  const Image r90 = load_image(dir.file("r90.png"));
  CHECK(r90.width == 17);
  CHECK(r90.height == 23);

  REQUIRE(run_cli({"adjust", in, dir.file("a.png"), "--brightness", "1.3", "--contrast", "0.7"}).code == 0);
  test::check_image_equal(load_image(dir.file("a.png")), adjust(img, AdjustParams{1.3, 0.7}), "adjust");
  REQUIRE(run_cli({"adjust", in, dir.file("c.png"), "--contrast", "2"}).code == 0);
  test::check_image_equal(load_image(dir.file("c.png")), adjust(img, AdjustParams{1, 2}), "adjust contrast only");
}

TEST_CASE("image commands: usage errors exit 2, bad input exits 1, nothing is written, IN is never overwritten") {
  TempDir dir;
  const Image img = make_picture(12, 9, 2);
  const std::string in = dir.file("in.png");
  save_image(in, img);
  const std::string in_bytes = slurp(in);
  struct Case {
    std::vector<std::string> args;
    int code;
    const char* message;
  };
  const std::string out = dir.file("out.png");
  const std::vector<Case> cases = {
      {{"flip", in, out}, 2, "exactly one of --horizontal and --vertical"},
      {{"flip", in, out, "--horizontal", "--vertical"}, 2, "exactly one"},
      {{"flip", in, in, "--horizontal"}, 2, "never overwrites its input"},
      {{"flip", in, dir.file("out.gif"), "--horizontal"}, 2, ".png, .jpg"},
      {{"flip", in, "--horizontal"}, 2, "expected IN OUT"},
      {{"flip", in, out, "--diagonal"}, 2, "unknown option '--diagonal'"},
      {{"rotate", in, out}, 2, "--angle A is required"},
      {{"rotate", in, out, "--angle", "abc"}, 2, "--angle expects a number"},
      {{"rotate", in, out, "--angle", "10", "--fill", "300,0,0"}, 2, "--fill expects"},
      {{"rotate", in, out, "--angle", "10", "--fill", "#12345"}, 2, "--fill expects"},
      {{"adjust", in, out}, 2, "nothing to do"},
      {{"adjust", in, out, "--brightness", "1", "--contrast", "1"}, 2, "nothing to do"},
      {{"adjust", in, out, "--brightness", "0.1"}, 2, "--brightness expects a number in [0.2, 100]"},
      {{"adjust", in, out, "--contrast", "101"}, 2, "--contrast expects a number in [0.2, 100]"},
      {{"flip", dir.file("missing.png"), out, "--vertical"}, 1, "missing.png"},
      {{"rotate", "tests/data/corrupt.png", out, "--angle", "3"}, 1, "corrupt.png"},
      {{"adjust", "tests/data/truncated.jpg", out, "--brightness", "2"}, 1, "truncated.jpg"},
      {{"compare", in}, 2, "expected two images"},
      {{"compare", in, "tests/data/corrupt.png"}, 1, "corrupt.png"},
      {{"augment", in, dir.file("aug")}, 2, "-n N"},
      {{"augment", in, dir.file("aug"), "-n", "0"}, 2, "-n expects an integer in [1, 10000]"},
      {{"augment", dir.path.string(), dir.file("aug"), "-n", "2"}, 2, "is a folder"},
  };
  for (const auto& c : cases) {
    std::string line;
    for (const auto& a : c.args) line += a + " ";
    INFO(line);
    const Result r = run_cli(c.args);
    CHECK(r.code == c.code);
    CHECK(contains(r.err, c.message));
    CHECK(!fs::exists(out));
    CHECK(!fs::exists(dir.file("aug")));
  }
  CHECK(slurp(in) == in_bytes);

  // A failed run keeps an existing OUT untouched (save_image is atomic and never reached).
  save_image(out, img);
  const std::string out_bytes = slurp(out);
  CHECK(run_cli({"rotate", "tests/data/corrupt.png", out, "--angle", "3"}).code == 1);
  CHECK(slurp(out) == out_bytes);
}

TEST_CASE("compare prints PSNR/SSIM/PSNR-Y/SSIM-Y as the library computes them; sizes must match") {
  TempDir dir;
  const Image a = make_picture(24, 20, 3);
  const Image b = adjust(a, AdjustParams{1.1, 0.9});
  save_image(dir.file("a.png"), a);
  save_image(dir.file("b.png"), b);
  const Result r = run_cli({"compare", dir.file("a.png"), dir.file("b.png")});
  REQUIRE(r.code == 0);
  const ImageQuality q = image_quality(a, b);
  char expect[256];
  std::snprintf(expect, sizeof expect, "PSNR:    %.4f dB\nSSIM:    %.6f\nPSNR-Y:  %.4f dB\nSSIM-Y:  %.6f\n", q.psnr,
                q.ssim, q.psnr_y, q.ssim_y);
  CHECK(contains(r.out, expect));

  const Result same = run_cli({"compare", dir.file("a.png"), dir.file("a.png")});
  CHECK(same.code == 0);
  CHECK(contains(same.out, "PSNR:    inf dB"));
  CHECK(contains(same.out, "SSIM:    1.000000"));

  save_image(dir.file("small.png"), make_picture(8, 30, 4));
  const Result small = run_cli({"compare", dir.file("small.png"), dir.file("small.png")});
  CHECK(small.code == 0);
  CHECK(contains(small.out, "SSIM:    n/a"));

  // --crop-border N: the metrics of the inner window (tools/eval_sr.py's crop_border).
  const Result cropped = run_cli({"compare", dir.file("a.png"), dir.file("b.png"), "--crop-border", "3"});
  REQUIRE(cropped.code == 0);
  const ImageQuality qc = image_quality(crop_image(a, 3, 3, 18, 14), crop_image(b, 3, 3, 18, 14));
  std::snprintf(expect, sizeof expect, "PSNR:    %.4f dB\nSSIM:    %.6f\nPSNR-Y:  %.4f dB\nSSIM-Y:  %.6f\n", qc.psnr,
                qc.ssim, qc.psnr_y, qc.ssim_y);
  CHECK(contains(cropped.out, expect));
  CHECK(contains(cropped.out, "18x14 after cropping 3 px per side"));
  CHECK(qc.psnr != q.psnr);
  const Result too_much = run_cli({"compare", dir.file("a.png"), dir.file("b.png"), "--crop-border", "10"});
  CHECK(too_much.code == 2);
  CHECK(contains(too_much.err, "leaves nothing"));

  save_image(dir.file("c.png"), make_picture(23, 20, 3));
  const Result mismatch = run_cli({"compare", dir.file("a.png"), dir.file("c.png")});
  CHECK(mismatch.code == 1);
  CHECK(contains(mismatch.err, "sizes differ"));
  CHECK(contains(mismatch.err, "24x20"));
  CHECK(contains(mismatch.err, "23x20"));
}

TEST_CASE("augment: N files named by their steps, deterministic for a seed") {
  TempDir dir;
  const Image img = make_picture(20, 14, 5);
  save_image(dir.file("pic.png"), img);
  auto listing = [](const std::string& d) {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(d)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  };
  REQUIRE(run_cli({"augment", dir.file("pic.png"), dir.file("a1"), "-n", "12", "--seed", "5", "-q"}).code == 0);
  REQUIRE(run_cli({"augment", dir.file("pic.png"), dir.file("a2"), "-n", "12", "--seed", "5", "-q"}).code == 0);
  REQUIRE(run_cli({"augment", dir.file("pic.png"), dir.file("a3"), "-n", "12", "--seed", "6", "-q"}).code == 0);
  const auto n1 = listing(dir.file("a1")), n2 = listing(dir.file("a2")), n3 = listing(dir.file("a3"));
  REQUIRE(n1.size() == 12);
  CHECK(n1 == n2);
  CHECK(n1 != n3);
  for (const auto& name : n1) {
    INFO(name);
    CHECK(name.rfind("pic_", 0) == 0);
    CHECK(slurp(dir.file("a1/" + name)) == slurp(dir.file("a2/" + name)));
  }
  // The files are what the library makes for the same seed.
  std::mt19937_64 rng{5};
  for (int k = 0; k < 12; ++k) {
    const Augmentation a = random_augmentation(rng, img.width, img.height);
    const std::string name = "pic_" + std::string(k < 10 ? "0" : "") + std::to_string(k) + "_" + a.name() + ".png";
    INFO(name);
    REQUIRE(fs::exists(dir.file("a1/" + name)));
    test::check_image_equal(load_image(dir.file("a1/" + name)), apply_augmentation(img, a), name);
  }
}

TEST_CASE("folder mode: every image processed, failures reported and skipped, exit 1, summary") {
  TempDir dir;
  fs::create_directories(dir.path / "in");
  const Image a = make_picture(10, 8, 6), b = make_picture(7, 9, 7);
  save_image(dir.file("in/a.png"), a);
  save_image(dir.file("in/b.bmp"), b);
  fs::copy_file(test::source_path("tests/data/corrupt.png"), dir.path / "in" / "c.png");
  std::ofstream(dir.file("in/notes.txt")) << "not an image";

  const Result r = run_cli({"flip", dir.file("in"), dir.file("out"), "--vertical"});
  CHECK(r.code == 1);
  CHECK(contains(r.err, "FAILED c.png"));
  CHECK(contains(r.err, "2 of 3 images written"));
  CHECK(contains(r.err, "1 other entries ignored"));
  CHECK(contains(r.err, "3/3 images"));  // the progress bar
  test::check_image_equal(load_image(dir.file("out/a.png")), flip(a, FlipAxis::vertical), "a.png");
  test::check_image_equal(load_image(dir.file("out/b.bmp")), flip(b, FlipAxis::vertical), "b.bmp");
  CHECK(!fs::exists(dir.file("out/c.png")));

  fs::remove(dir.path / "in" / "c.png");
  const Result ok = run_cli({"adjust", dir.file("in"), dir.file("out2"), "--brightness", "0.5", "--quiet"});
  CHECK(ok.code == 0);
  CHECK(contains(ok.err, "2 of 2 images written"));
  CHECK(!contains(ok.err, "images 100%"));  // --quiet: no bar
  test::check_image_equal(load_image(dir.file("out2/a.png")), adjust(a, AdjustParams{0.5, 1}), "adjust a.png");

  CHECK(run_cli({"rotate", dir.file("in"), dir.file("in"), "--angle", "90"}).code == 2);
  fs::create_directories(dir.path / "empty");
  const Result empty = run_cli({"flip", dir.file("empty"), dir.file("out3"), "--vertical"});
  CHECK(empty.code == 1);
  CHECK(contains(empty.err, "no images"));
  std::ofstream(dir.file("afile.png")) << "x";
  CHECK(run_cli({"flip", dir.file("in"), dir.file("afile.png"), "--vertical"}).code == 2);
}

TEST_CASE("run in folder mode equals single-image runs") {
  TempDir dir;
  fs::create_directories(dir.path / "in");
  save_image(dir.file("in/a.png"), make_picture(12, 10, 8));
  save_image(dir.file("in/b.png"), make_picture(9, 11, 9));
  save_image(dir.file("in/c.png"), make_picture(8, 8, 10));
  const std::string model = "weights/tiny-sr-2x.safetensors";
  const Result r = run_cli({"run", model, dir.file("in"), dir.file("out"), "--tile", "0", "--verbose"});
  CHECK(r.code == 0);
  CHECK(contains(r.err, "3 of 3 images written"));
  // The weight file is read once for the whole folder: --verbose prints "loaded weights" where cmd_run.hpp's
  // load_run reads it, and a per-image line for each image.
  auto count = [&](const std::string& part) {
    size_t n = 0;
    for (size_t at = r.err.find(part); at != std::string::npos; at = r.err.find(part, at + 1)) ++n;
    return n;
  };
  INFO(r.err);
  CHECK(count("loaded weights '" + model + "'") == 1);
  CHECK(count(": image load ") == 3);
  for (const char* name : {"a.png", "b.png", "c.png"}) {
    REQUIRE(run_cli({"run", model, dir.file(std::string("in/") + name), dir.file(std::string("single_") + name),
                     "--tile", "0"})
                .code == 0);
    CHECK(slurp(dir.file(std::string("out/") + name)) == slurp(dir.file(std::string("single_") + name)));
  }
}

TEST_CASE("run folder report: a corrupt image and unreadable files are listed with their reasons, exit 1") {
  TempDir dir;
  fs::create_directories(dir.path / "in");
  save_image(dir.file("in/good.png"), make_picture(12, 10, 11));
  fs::copy_file(test::source_path("tests/data/corrupt.png"), dir.path / "in" / "corrupt.png");
  // Unreadable: a link to nothing (root reads any file, so a mode-000 file is only unreadable for other users).
  fs::create_symlink(dir.path / "gone.png", dir.path / "in" / "dangling.png");
  const bool root = ::geteuid() == 0;
  if (!root) {
    save_image(dir.file("in/locked.png"), make_picture(6, 6, 12));
    fs::permissions(dir.path / "in" / "locked.png", fs::perms::none);
  }
  const size_t n = root ? 3 : 4;
  const Result r = run_cli({"run", "weights/tiny-sr-2x.safetensors", dir.file("in"), dir.file("out"), "--tile", "0"});
  INFO(r.err);
  CHECK(r.code == 1);
  CHECK(contains(r.err, "1 of " + std::to_string(n) + " images written"));
  CHECK(contains(r.err, std::to_string(n - 1) + " FAILED:"));
  // Each failure: a line when it happens and one in the summary, both with the file name and the loader's reason.
  CHECK(contains(r.err, "FAILED corrupt.png: "));
  CHECK(contains(r.err, "\n  corrupt.png: "));
  CHECK(contains(r.err, "FAILED dangling.png: "));
  CHECK(contains(r.err, "\n  dangling.png: "));
  CHECK(contains(r.err, "dangling.png': No such file or directory"));
  if (!root) CHECK(contains(r.err, "\n  locked.png: "));
  // The progress bar (stderr is not a terminal here: one line per step of 10 %) with an ETA, then the total time.
  CHECK(contains(r.err, "images"));
  CHECK(contains(r.err, "ETA "));
  CHECK(contains(r.err, "took "));
  CHECK(fs::exists(dir.file("out/good.png")));
  CHECK(!fs::exists(dir.file("out/corrupt.png")));
  CHECK(!fs::exists(dir.file("out/dangling.png")));
  CHECK(!fs::exists(dir.file("out/locked.png")));
  if (!root) fs::permissions(dir.path / "in" / "locked.png", fs::perms::owner_all);  // so TempDir can remove it
}
