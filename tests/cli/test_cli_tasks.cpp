// The task modes of `pixforge run` (include/pixforge/tasks/run_task.hpp behind cli/pixforge.cpp), run as a child
// process on tiny networks with deterministic weights (tests/models/det_fill_bn.hpp) saved with pixforge.arch /
// pixforge.config metadata. Each output is compared with a direct computation from forward() in this process (same
// weights, same float code: exact), sizes and channels are checked, and every error path exits with its code and
// message and leaves no output file. DeOldify (a ResNet-34 encoder: a 90 MB file even when narrow) is tested
// through the library task API instead. The real IS-Net (AGPL, never committed) is checked only when
// weights/isnet.safetensors and tools/verify_isnet.py's ONNX Runtime output are present.
#define PIXFORGE_IMPLEMENTATION
#include "pixforge/io/image.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>

#include "cli_util.hpp"
#include "models/det_fill_bn.hpp"
#include "pixforge/io/color.hpp"
#include "pixforge/models/all.hpp"
#include "pixforge/tasks/run_task.hpp"
#include "test_util.hpp"

using namespace pixforge;
namespace fs = std::filesystem;

namespace {

using test::contains;
using test::quote;
using test::Result;
using test::TempDir;

// One thread, here and in the child processes: these nets are so small that on a loaded 2-core machine OpenMP's
// barriers cost more than the work (u2netp/8 at 320x320: 8.4 s wall with 2 threads, 0.38 s with 1, measured while
// writing this); results do not depend on the thread count (README, Threads).
[[maybe_unused]] const bool kOneThread = (set_num_threads(1), true);

// `pixforge run MODEL IN OUT ARGS... --threads 1` (stdout discarded), exit code and stderr.
Result run_cli(const std::string& model, const std::string& in, const std::string& out,
               const std::vector<std::string>& extra = {}) {
  std::string cmd = quote(PIXFORGE_CLI_PATH) + " run " + quote(model) + " " + quote(in) + " " + quote(out);
  for (const auto& a : extra) cmd += " " + quote(a);
  return test::run_shell(cmd + " --threads 1", /*keep_stdout=*/false);
}

// A network of `arch` built from `config` with deterministic weights, and its weight file in `dir`.
struct TinyModel {
  std::unique_ptr<ImageModel> net;
  std::string path;
};

TinyModel make_model(const TempDir& dir, const std::string& arch, const std::string& config) {
  TinyModel m;
  m.net = model_registry().at(arch).create(Json::parse(config, "test config"));
  test::det_fill_module_bn(*m.net);
  SafeTensorsWriter w;
  for (const auto& p : m.net->named_parameters()) w.add(p.name, *p.tensor);
  w.set_metadata("pixforge.arch", arch);
  w.set_metadata("pixforge.config", config);
  m.path = dir.file(arch + "_" + std::to_string(std::hash<std::string>{}(config)) + ".safetensors");
  w.save(m.path);
  return m;
}

// A smooth colour image with some texture (not constant, so mattes and colours vary), 1..4 channels.
Image make_image(int w, int h, int channels, uint32_t seed) {
  Image img = Image::blank(w, h, channels);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < channels; ++c) {
        const double v = 128 + 90 * std::sin(0.37 * x + 0.23 * y + 1.7 * c + seed) + 30 * std::cos(0.9 * x * y + c);
        img.at(x, y, c) = uint8_t(std::lround(std::min(255.0, std::max(0.0, v))));
      }
  return img;
}

std::string save_input(const TempDir& dir, const std::string& name, const Image& img) {
  const std::string p = dir.file(name);
  save_image(p, img);
  return p;
}

void check_same_image(const Image& got, const Image& expect, const std::string& what) {
  INFO(what);
  REQUIRE(got.width == expect.width);
  REQUIRE(got.height == expect.height);
  REQUIRE(got.channels == expect.channels);
  size_t diff = 0;
  for (size_t i = 0; i < got.pixels.size(); ++i) diff += got.pixels[i] != expect.pixels[i];
  CHECK(diff == 0);
}

// The image-to-image expectation: forward on the image in the model's range, back to 8 bits.
Image direct(const ImageModel& net, const Image& img, Rounding rounding) {
  const Range r = net.info().range;
  return tensor_to_image(net.forward(image_to_tensor(img, r)), r, rounding);
}

// Pillow-free 8-bit binary mask: 255 where m > t.
Image binary(const Tensor<float>& m, float t) {
  Image out = Image::blank(int(m.size(3)), int(m.size(2)), 1);
  for (int64_t i = 0; i < m.numel(); ++i) out.pixels[size_t(i)] = m.data()[i] > t ? 255 : 0;
  return out;
}

}  // namespace

TEST_CASE("run: stylize, enhance, deblur equal forward() in each model's range") {
  TempDir dir;
  const Image img = make_image(16, 12, 3, 1);  // multiples of 4: no padding, so forward() sees the same tensor
  const std::string in = save_input(dir, "in.png", img);
  struct Case {
    const char* arch;
    const char* config;
    Rounding rounding;
  };
  for (const Case& c : {Case{"transformer_net", R"({"width": 4, "num_res": 1})", Rounding::truncate},
                        Case{"tf_enhancer", R"({"nf": 4})", Rounding::round},
                        Case{"deblurgan", R"({"ngf": 4, "n_blocks": 1})", Rounding::truncate}}) {
    const TinyModel m = make_model(dir, c.arch, c.config);
    const std::string out = dir.file(std::string(c.arch) + ".png");
    const Result r = run_cli(m.path, in, out);
    INFO(c.arch, ": ", r.err);
    REQUIRE(r.code == 0);
    check_same_image(load_image(out), direct(*m.net, img, c.rounding), c.arch);
  }
  // Sizes that are not multiples of 4: padded (reflect) and cropped back to the input size; gray becomes colour
  // for a style, and stays gray for deblurring.
  const TinyModel style = make_model(dir, "transformer_net", R"({"width": 4, "num_res": 1})");
  const std::string gray = save_input(dir, "gray.png", make_image(13, 10, 1, 2));
  REQUIRE(run_cli(style.path, gray, dir.file("s.png")).code == 0);
  const Image s = load_image(dir.file("s.png"));
  CHECK((s.width == 13 && s.height == 10 && s.channels == 3));
  const TinyModel deblur = make_model(dir, "deblurgan", R"({"ngf": 4, "n_blocks": 1})");
  REQUIRE(run_cli(deblur.path, gray, dir.file("d.png")).code == 0);
  const Image d = load_image(dir.file("d.png"));
  CHECK((d.width == 13 && d.height == 10 && d.channels == 1));
}

TEST_CASE("run: colorize with a pix2pix Lab U-Net (L in, ab out, Lab -> RGB)") {
  TempDir dir;
  const TinyModel m = make_model(dir, "pix2pix_unet", R"({"input_nc": 1, "output_nc": 2, "num_downs": 5, "ngf": 4})");
  const Image gray = make_image(32, 32, 1, 3);  // a multiple of 2^5: no padding
  const std::string in = save_input(dir, "gray.png", gray);
  const Result r = run_cli(m.path, in, dir.file("out.png"));
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(!contains(r.err, "converted to gray"));
  const Tensor<float> lab = rgb_to_lab(image_to_tensor(convert_channels(gray, 3), Range::unit));
  const Tensor<float> L = lab_to_pix2pix(lab).narrow(1, 0, 1).contiguous();
  const Tensor<float> ab = m.net->forward(L);
  const Image expect = tensor_to_image(lab_to_rgb(pix2pix_to_lab(L, ab)), Range::unit, Rounding::truncate);
  const Image out = load_image(dir.file("out.png"));
  check_same_image(out, expect, "pix2pix Lab");
  size_t colored = 0;  // a colorizer's output is not gray
  for (size_t i = 0; i < out.pixels.size(); i += 3) colored += out.pixels[i] != out.pixels[i + 1];
  CHECK(colored > 0);

  // A colour input is converted to gray (luma), with a notice: the same result as its gray version.
  const Image rgb = make_image(32, 32, 3, 4);
  const Result rc = run_cli(m.path, save_input(dir, "rgb.png", rgb), dir.file("from_rgb.png"));
  REQUIRE(rc.code == 0);
  CHECK(contains(rc.err, "converted to gray (luma)"));
  REQUIRE(run_cli(m.path, save_input(dir, "luma.png", convert_channels(rgb, 1)), dir.file("from_luma.png")).code == 0);
  check_same_image(load_image(dir.file("from_rgb.png")), load_image(dir.file("from_luma.png")), "colour -> luma");
  // --quiet silences the notice; an odd size is padded to 32 and cropped back; alpha is carried through.
  Image ga = make_image(21, 13, 2, 5);
  const Result rq = run_cli(m.path, save_input(dir, "ga.png", ga), dir.file("odd.png"), {"--quiet"});
  REQUIRE(rq.code == 0);
  const Image odd = load_image(dir.file("odd.png"));
  CHECK((odd.width == 21 && odd.height == 13 && odd.channels == 4));
  for (int k = 0; k < 21 * 13; ++k) CHECK(odd.pixels[size_t(k) * 4 + 3] == ga.pixels[size_t(k) * 2 + 1]);
}

TEST_CASE("run: colorize with a pix2pix RGB U-Net (gray in [-1, 1] -> RGB, truncated)") {
  TempDir dir;
  const TinyModel m = make_model(dir, "pix2pix_unet", R"({"input_nc": 1, "output_nc": 3, "num_downs": 5, "ngf": 4})");
  const Image gray = make_image(32, 64, 1, 6);
  REQUIRE(run_cli(m.path, save_input(dir, "g.png", gray), dir.file("o.png")).code == 0);
  check_same_image(load_image(dir.file("o.png")), direct(*m.net, gray, Rounding::truncate), "pix2pix RGB");
}

TEST_CASE("run: segment, remove-bg and replace-bg with U2-Net-p (u2net_test.py preprocessing at 320x320)") {
  TempDir dir;
  const TinyModel m = make_model(dir, "u2netp", R"({"width_divisor": 8})");
  const Image img = make_image(40, 28, 3, 7);
  const std::string in = save_input(dir, "in.png", img);
  const Tensor<float> matte = predict_matte(*m.net, img, {320, true, true});

  Result r = run_cli(m.path, in, dir.file("mask.png"));  // u2netp's own task is segment
  INFO(r.err);
  REQUIRE(r.code == 0);
  check_same_image(load_image(dir.file("mask.png")), matte_to_image(matte), "soft mask");
  REQUIRE(run_cli(m.path, in, dir.file("cut.png"), {"--task", "remove-bg"}).code == 0);
  const Image cut = load_image(dir.file("cut.png"));
  check_same_image(cut, cutout(img, matte), "cut-out");
  for (size_t i = 0; i < size_t(40 * 28); ++i) CHECK(cut.pixels[i * 4] == img.pixels[i * 3]);  // colour untouched
  const Image bg = make_image(40, 28, 3, 8);
  const std::string bg_path = save_input(dir, "bg.png", bg);
  REQUIRE(run_cli(m.path, in, dir.file("beach.png"), {"--task", "replace-bg", "--background", bg_path}).code == 0);
  check_same_image(load_image(dir.file("beach.png")), composite(img, matte, bg), "background image");
}

TEST_CASE("run: IS-Net remove-bg resizes to 1024x1024 and back (imgly normalisation, no min-max)") {
  TempDir dir;
  const TinyModel m = make_model(dir, "isnet", R"({"width_divisor": 16, "normalize": "imgly"})");
  const Image img = make_image(30, 20, 4, 9);  // RGBA: the cut-out's alpha is matte x the image's own alpha
  const Result r = run_cli(m.path, save_input(dir, "in.png", img), dir.file("cut.png"));
  INFO(r.err);
  REQUIRE(r.code == 0);
  // The package's own 8-bit resize to 1024x1024 (tasks/imgly_resize.hpp), forward, no min-max, bilinear back.
  const Image big = imgly_resize_bilinear(convert_channels(split_alpha(img).color, 3), 1024, 1024);
  const Tensor<float> matte = resize_matte(m.net->forward(image_to_tensor(big, Range::unit)), img.height, img.width);
  check_same_image(load_image(dir.file("cut.png")), cutout(img, matte), "IS-Net cut-out");
}

TEST_CASE("run: R2AttU-Net segment (sigmoid of the logits, padded to 16), --threshold, colour background") {
  TempDir dir;
  const TinyModel m = make_model(dir, "r2attunet", R"({"nf": 4, "t": 1})");
  const Image img = make_image(32, 16, 3, 10);
  const std::string in = save_input(dir, "in.png", img);
  const Tensor<float> matte = sigmoid(m.net->forward(image_to_tensor(img, Range::symmetric)));
  REQUIRE(run_cli(m.path, in, dir.file("m.png")).code == 0);
  check_same_image(load_image(dir.file("m.png")), matte_to_image(matte), "r2attunet mask");

  float lo = 1, hi = 0;  // a threshold between the extremes gives both values
  for (int64_t i = 0; i < matte.numel(); ++i) lo = std::min(lo, matte.data()[i]), hi = std::max(hi, matte.data()[i]);
  REQUIRE(hi > lo);
  const float t = 0.5f * (lo + hi);
  REQUIRE(run_cli(m.path, in, dir.file("bin.png"), {"--threshold", std::to_string(t)}).code == 0);
  const Image bin = load_image(dir.file("bin.png"));
  check_same_image(bin, binary(matte, std::stof(std::to_string(t))), "binary mask");
  size_t on = 0;
  for (uint8_t v : bin.pixels) on += v == 255;
  CHECK((on > 0 && on < bin.pixels.size()));

  REQUIRE(run_cli(m.path, in, dir.file("green.png"), {"--background", "#00ff00"}).code == 0);
  check_same_image(load_image(dir.file("green.png")), composite_color(img, matte, {0, 255, 0}), "green");

  REQUIRE(run_cli(m.path, save_input(dir, "odd.png", make_image(21, 9, 3, 11)), dir.file("odd_m.png")).code == 0);
  const Image odd = load_image(dir.file("odd_m.png"));
  CHECK((odd.width == 21 && odd.height == 9 && odd.channels == 1));
}

TEST_CASE("run: task option errors are usage errors (exit 2), bad inputs runtime errors (exit 1); no output") {
  TempDir dir;
  const TinyModel style = make_model(dir, "transformer_net", R"({"width": 4, "num_res": 1})");
  const TinyModel seg = make_model(dir, "u2netp", R"({"width_divisor": 4})");
  const std::string in = save_input(dir, "in.png", make_image(24, 16, 3, 12));
  const std::string small_bg = save_input(dir, "small.png", make_image(12, 8, 3, 13));
  const std::string out = dir.file("out.png");
  struct Case {
    std::string model;
    std::vector<std::string> args;
    int code;
    std::string message;
    std::string out = "";
  };
  const std::vector<Case> cases = {
      {style.path, {"--task", "colorize"}, 2, "task 'colorize' does not fit 'transformer_net' (its task is stylize)"},
      {style.path, {"--task", "remove-bg"}, 2, "does not fit"},
      {seg.path, {"--task", "stylize"}, 2, "matte networks run segment, remove-bg or replace-bg"},
      {style.path, {"--threshold", "0.5"}, 2, "does not use one (only segment)"},
      {seg.path, {"--task", "remove-bg", "--threshold", "0.5"}, 2, "only segment"},
      {seg.path, {"--threshold", "1.5"}, 2, "--threshold expects a number in [0, 1], got '1.5'"},
      {seg.path, {"--threshold", "x"}, 2, "--threshold expects a number"},
      {style.path, {"--render-factor", "20"}, 2, "is not DeOldify"},
      {style.path, {"--render-factor", "0"}, 2, "--render-factor expects an integer in [1, 256]"},
      {style.path, {"--background", "#00ff00"}, 2, "does not use one (only remove-bg / replace-bg)"},
      {seg.path, {"--task", "segment", "--background", "#00ff00"}, 2, "does not use one"},
      {seg.path, {"--task", "replace-bg"}, 2, "task replace-bg needs a background"},
      {seg.path, {"--task", "remove-bg"}, 2, "cannot store alpha: use .png, .tga or .bmp", dir.file("o.jpg")},
      {seg.path, {"--background", dir.file("missing.png")}, 1, "background image '" + dir.file("missing.png") +
                                                               "' does not exist"},
      {seg.path, {"--background", "tests/data/garbage.bin"}, 1, "garbage.bin"},
      {seg.path, {"--background", "#00ff0"}, 1, "'#00ff0' is not of the form #rrggbb"},
      {seg.path, {"--background", "#00ffzz"}, 1, "is not of the form #rrggbb"},
      {seg.path, {"--background", small_bg}, 1, "the background image is 12x8 but the input is 24x16; pixforge does "
                                                "not resize backgrounds"},
  };
  for (const Case& c : cases) {
    const std::string o = c.out.empty() ? out : c.out;
    std::vector<std::string> args = c.args;
    const Result r = run_cli(c.model, in, o, args);
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    INFO(joined, "-> ", r.err);
    CHECK(r.code == c.code);
    CHECK(contains(r.err, c.message));
    CHECK(!fs::exists(o));
  }
}

TEST_CASE("run: unsupported colorizers and segmenters are clear errors") {
  TempDir dir;
  const std::string in = save_input(dir, "in.png", make_image(32, 32, 1, 14));
  const TinyModel gabor = make_model(
      dir, "pix2pix_unet",
      R"({"input_nc": 1, "output_nc": 2, "num_downs": 5, "ngf": 4, "gabor": {"maps": "single", "ksize": 7, "theta": 0}})");
  Result r = run_cli(gabor.path, in, dir.file("g.png"));
  CHECK(r.code == 1);
  CHECK(contains(r.err, "Gabor-input pix2pix variant"));
  const TinyModel two = make_model(dir, "r2attunet", R"({"nf": 4, "t": 1, "output_ch": 2})");
  r = run_cli(two.path, in, dir.file("t.png"));
  CHECK(r.code == 1);
  CHECK(contains(r.err, "gives 2 channels (output_ch); a mask needs 1"));
  CHECK(!fs::exists(dir.file("g.png")));
  CHECK(!fs::exists(dir.file("t.png")));
}

TEST_CASE("task API: DeOldify renders at render_factor*16, resizes back and keeps the luminance") {
  // Narrow decoder (nf_factor 0.125); the encoder is always ResNet-34. No file: the model lives in this process.
  DeoldifyUnet::Config cfg;
  cfg.nf_factor = 0.125;
  auto net = std::make_unique<DeoldifyUnet>(cfg);
  test::det_fill_module_bn(*net);
  const DeoldifyUnet& ref = *net;
  const Pipeline pipe(std::move(net));
  const Image img = make_image(45, 29, 3, 15);

  TaskOptions opt;
  opt.render_factor = 2;  // a 32x32 square
  std::vector<std::string> notices;
  opt.notice = [&](const std::string& s) { notices.push_back(s); };
  REQUIRE(resolve_task(pipe.model(), opt) == "colorize");
  const Image out = run_task(pipe, img, opt);
  CHECK((out.width == 45 && out.height == 29 && out.channels == 3));
  REQUIRE(notices.size() == 1);
  CHECK(contains(notices[0], "converted to gray"));

  // Direct: Pillow-bilinear square, gray, forward, truncate, back, Y of the original + U, V of the result, in
  // filters.py's COLOR_BGR2YUV / COLOR_YUV2BGR on RGB arrays (channels 0 and 2 swapped for OpenCV).
  const Image sq = pil_resize_bilinear(img, 32, 32);
  const Tensor<float> y = ref.forward(deoldify_preprocess(image_to_tensor(sq, Range::byte)));
  const Image color = pil_resize_bilinear(tensor_to_image(y, Range::imagenet, Rounding::truncate), 45, 29);
  Image expect = Image::blank(45, 29, 3);
  int max_dy = 0;
  for (size_t i = 0; i < size_t(45 * 29); ++i) {
    int yc, uc, vc, yo, uo, vo, r, g, b, y2, u2, v2;
    deoldify::rgb_to_yuv8(color.pixels[3 * i + 2], color.pixels[3 * i + 1], color.pixels[3 * i], yc, uc, vc);
    deoldify::rgb_to_yuv8(img.pixels[3 * i + 2], img.pixels[3 * i + 1], img.pixels[3 * i], yo, uo, vo);
    deoldify::yuv8_to_rgb(yo, uc, vc, r, g, b);
    expect.pixels[3 * i] = uint8_t(b), expect.pixels[3 * i + 1] = uint8_t(g), expect.pixels[3 * i + 2] = uint8_t(r);
    deoldify::rgb_to_yuv8(out.pixels[3 * i + 2], out.pixels[3 * i + 1], out.pixels[3 * i], y2, u2, v2);
    max_dy = std::max(max_dy, std::abs(y2 - yo));
  }
  check_same_image(out, expect, "DeOldify");
  MESSAGE("DeOldify result vs original luminance (OpenCV's Y of the swapped channels): max |dY| = " << max_dy);
  CHECK(max_dy <= 3);  // the Y kept, up to 8-bit YUV round trips and RGB saturation

  // The same through the dispatcher with a gray input: gray replicated, no notice; another render factor differs.
  notices.clear();
  const Image g = run_task(pipe, convert_channels(img, 1), opt);
  CHECK(notices.empty());
  CHECK(g.channels == 3);
  opt.render_factor = 3;
  const Image out3 = run_task(pipe, img, opt);
  CHECK(out3.pixels != out.pixels);
  opt.render_factor = 0;
  CHECK_THROWS_WITH_AS(run_task(pipe, img, opt), doctest::Contains("render factor 0 out of range"), Error);
}

TEST_CASE("run: the real IS-Net cut-out vs ONNX Runtime (AGPL weights, local only)") {
  // tools/verify_isnet.py leaves ONNX Runtime's 1024x1024 matte of examples/data/sample.png (with the package's own
  // preprocessing) in tools/cache/isnet_verify/ort.f32; resized back bilinearly it should be the cut-out's alpha.
  const std::string weights = test::source_path("weights/isnet.safetensors");
  const std::string ort_path = test::source_path("tools/cache/isnet_verify/ort.f32");
  if (!fs::exists(weights) || !fs::exists(ort_path)) {
    MESSAGE("skipped: needs weights/isnet.safetensors (./tools/fetch_weights isnet; AGPL, never committed) and "
            "tools/cache/isnet_verify/ort.f32 (/usr/bin/python3 tools/verify_isnet.py)");
    return;
  }
  Tensor<float> ort = Tensor<float>::empty({1, 1, 1024, 1024});
  {
    std::ifstream f(ort_path, std::ios::binary);
    f.read(reinterpret_cast<char*>(ort.data()), std::streamsize(ort.numel() * 4));
    REQUIRE((bool(f) && f.peek() == EOF));
  }
  TempDir dir;
  const std::string sample = test::source_path("examples/data/sample.png");
  const Result r = run_cli(weights, sample, dir.file("cut.png"));
  INFO(r.err);
  REQUIRE(r.code == 0);
  const Image cut = load_image(dir.file("cut.png"));
  const Image img = load_image(sample);
  REQUIRE((cut.width == img.width && cut.height == img.height && cut.channels == 4));
  const Tensor<float> ref = resize_matte(ort, img.height, img.width);
  double sum = 0;
  for (int64_t i = 0; i < ref.numel(); ++i)
    sum += std::abs(double(cut.pixels[size_t(i) * 4 + 3]) / 255.0 - double(std::min(1.0f, std::max(0.0f, ref.data()[i]))));
  const double mean = sum / double(ref.numel());
  MESSAGE("IS-Net cut-out alpha vs ONNX Runtime's matte (resized back): mean abs " << mean << " (" << mean * 255
                                                                                     << " LSB)");
  CHECK(mean <= 1.0 / 255.0);
}

TEST_CASE("task commands (remove-bg, replace-bg, segment, colorize, stylize, enhance, deblur) equal run --task") {
  TempDir dir;
  const std::string in = save_input(dir, "in.png", make_image(24, 16, 3, 21));
  const std::string bg = save_input(dir, "bg.png", make_image(24, 16, 3, 22));
  const TinyModel matte = make_model(dir, "u2netp", R"({"width_divisor": 8})");
  const TinyModel style = make_model(dir, "transformer_net", R"({"width": 4, "num_res": 1})");
  const TinyModel enhancer = make_model(dir, "tf_enhancer", R"({"nf": 4})");
  const TinyModel deblur = make_model(dir, "deblurgan", R"({"ngf": 4, "n_blocks": 1})");
  const TinyModel lab = make_model(dir, "pix2pix_unet", R"({"input_nc": 1, "output_nc": 2, "num_downs": 5, "ngf": 4})");
  struct Case {
    std::string cmd;
    const TinyModel& model;
    std::vector<std::string> extra;  // the same options for both commands
    std::string task;                // run's --task, "" = the model's own
  };
  const std::vector<Case> cases = {
      {"remove-bg", matte, {}, "remove-bg"},
      {"replace-bg", matte, {"--background", bg}, ""},
      {"segment", matte, {"--threshold", "0.4"}, ""},
      {"colorize", lab, {}, ""},
      {"stylize", style, {}, ""},
      {"enhance", enhancer, {}, ""},
      {"deblur", deblur, {}, ""},
  };
  for (const Case& c : cases) {
    const std::string via_cmd = dir.file(c.cmd + "_cmd.png"), via_run = dir.file(c.cmd + "_run.png");
    std::vector<std::string> args = {c.cmd, in, via_cmd, "--model", c.model.path, "--threads", "1"};
    args.insert(args.end(), c.extra.begin(), c.extra.end());
    const Result r = test::run_cli(args);
    INFO(c.cmd, ": ", r.err);
    REQUIRE(r.code == 0);
    std::vector<std::string> extra = c.extra;
    if (!c.task.empty()) extra.insert(extra.end(), {"--task", c.task});
    REQUIRE(run_cli(c.model.path, in, via_run, extra).code == 0);
    CHECK(test::slurp(via_cmd) == test::slurp(via_run));
  }
  CHECK(load_image(dir.file("remove-bg_cmd.png")).channels == 4);

  // Help, listed in pixforge --help; usage errors (exit 2) and a missing default weight file (exit 1); no output.
  const Result main_help = test::run_cli({"--help"});
  for (const char* cmd : {"remove-bg", "replace-bg", "segment", "colorize", "stylize", "enhance", "deblur"}) {
    CHECK(contains(main_help.out, cmd));
    const Result h = test::run_cli({cmd, "--help"});
    CHECK(h.code == 0);
    CHECK(contains(h.out, std::string("Usage: pixforge ") + cmd + " IN OUT"));
  }
  const std::string o = dir.file("o.png");
  const std::string empty = dir.file("no_weights");
  fs::create_directories(empty);
  struct Bad {
    std::vector<std::string> args;
    int code;
    std::string message;
  };
  for (const Bad& b : std::vector<Bad>{
           {{"deblur", in, o}, 2, "deblur: --model NAME is required: no deblurring weights are public"},
           {{"stylize", in, o, "--weights-dir", empty}, 2, "stylize: --model NAME is required"},
           {{"replace-bg", in, o, "--model", matte.path}, 2, "replace-bg: --background B is required"},
           {{"deblur", in, o, "--model", style.path}, 2, "task 'deblur' does not fit 'transformer_net'"},
           {{"segment", in, o, "--model", matte.path, "--threshold", "2"}, 2, "segment: --threshold expects"},
           {{"remove-bg", in, o, "--background", bg}, 2, "remove-bg: unknown option '--background'"},
           {{"remove-bg", in, o, "--weights-dir", empty}, 1, "isnet.safetensors' not found; get it with: "
                                                              "./tools/fetch_weights isnet"},
       }) {
    std::string joined;
    for (const auto& a : b.args) joined += a + " ";
    const Result r = test::run_cli(b.args);
    INFO(joined, "-> ", r.err);
    CHECK(r.code == b.code);
    CHECK(contains(r.err, b.message));
    CHECK(!fs::exists(o));
  }
}
