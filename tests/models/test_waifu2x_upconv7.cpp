// waifu2x upconv_7: narrow random-weight goldens and the released weights against PyTorch
// (tools/golden/gen_waifu2x.py, tools/reference/waifu2x.py), and parity with waifu2x-ncnn-vulkan's CPU path on
// two crops of examples/data/sample.png (tests/data/parity/, see waifu2x.md there).
#define PIXFORGE_IMPLEMENTATION  // load_image for the parity PNGs (one TU of this test executable)
#include "pixforge/models/waifu2x_upconv7.hpp"

#include <cmath>

#include "pixforge/io/image.hpp"
#include "pixforge/pipeline.hpp"
#include "test_util.hpp"

using namespace pixforge;

namespace {
const std::string kWeights = test::source_path("weights/waifu2x-upconv7-scale2x.safetensors");

// Builds the case's narrow network and copies its weights from the golden file.
std::unique_ptr<Waifu2xUpConv7> golden_net(const test::Golden& g, const test::Golden::Case& c) {
  Waifu2xUpConv7::Config cfg;
  cfg.channels = c.params["channels"].as_int64();
  cfg.base = c.params["base"].as_int64();
  auto net = std::make_unique<Waifu2xUpConv7>(cfg);
  for (const NamedTensor& p : net->named_parameters()) p.tensor->copy_from(g.tensor(c, p.name));
  return net;
}

struct ByteDiff {
  int max_abs = 0;
  double mean_abs = 0, psnr = 0;
  int64_t differing = 0;
};

ByteDiff compare_images(const Image& a, const Image& b) {
  REQUIRE(a.width == b.width);
  REQUIRE(a.height == b.height);
  REQUIRE(a.channels == b.channels);
  ByteDiff d;
  double sum = 0, sq = 0;
  for (size_t i = 0; i < a.pixels.size(); ++i) {
    const int e = std::abs(int(a.pixels[i]) - int(b.pixels[i]));
    d.max_abs = std::max(d.max_abs, e);
    d.differing += e != 0;
    sum += e;
    sq += double(e) * e;
  }
  const double n = double(a.pixels.size());
  d.mean_abs = sum / n;
  d.psnr = sq == 0 ? INFINITY : 10.0 * std::log10(255.0 * 255.0 / (sq / n));
  return d;
}
}  // namespace

TEST_CASE("waifu2x_upconv7: narrow random-weight networks match PyTorch") {
  test::Golden g("waifu2x_upconv7");
  int n = 0;
  for (const auto& c : g.cases()) {
    if (c.params.get_bool("real", false)) continue;
    auto net = golden_net(g, c);
    const Tensor<float> x = g.tensor(c, "x");
    const Tensor<float> y = c.params["mode"].as_string() == "upscale" ? net->upscale(x) : net->forward(x);
    test::check_close(y, g.tensor(c, "y"), 1e-4, 1e-5, c.params["what"].as_string());
    ++n;
  }
  CHECK(n == 4);
}

TEST_CASE("waifu2x_upconv7: released scale2x weights match PyTorch on a photo crop") {
  auto net = Waifu2xUpConv7::load(kWeights);
  CHECK(net->parameter_count() == 552483);  // part-b §7.4: 552,480 + the ncnn export's final bias
  test::Golden g("waifu2x_upconv7");
  int n = 0;
  for (const auto& c : g.cases()) {
    if (!c.params.get_bool("real", false)) continue;
    test::check_close(net->upscale(g.tensor(c, "x")), g.tensor(c, "y"), 1e-4, 1e-5, c.params["what"].as_string());
    ++n;
  }
  CHECK(n == 1);
}

TEST_CASE("waifu2x_upconv7: parity with waifu2x-ncnn-vulkan (CPU, -n -1 -s 2)") {
  auto net = Waifu2xUpConv7::load(kWeights);
  for (const char* size : {"64x48", "37x29"}) {
    const Image in = load_image(test::source_path(std::string("tests/data/parity/waifu2x_in_") + size + ".png"), 3);
    const Image app =
        load_image(test::source_path(std::string("tests/data/parity/waifu2x_upconv7_scale2_out_") + size + ".png"), 3);
    const Image ours = tensor_to_image(net->upscale(image_to_tensor(in, Range::unit)), Range::unit, Rounding::round);
    const ByteDiff d = compare_images(ours, app);
    MESSAGE("upconv_7 vs waifu2x-ncnn-vulkan ", std::string(size), ": max abs ", d.max_abs, " LSB, mean abs ", d.mean_abs,
            ", differing bytes ", d.differing, ", PSNR ", d.psnr, " dB");
    CHECK(d.max_abs <= 1);
    CHECK(d.mean_abs <= 0.5);
    CHECK(d.psnr >= 50.0);
  }
}

TEST_CASE("waifu2x_upconv7: the generic Pipeline (info() only) reproduces the app, whole and tiled") {
  const Image in = load_image(test::source_path("tests/data/parity/waifu2x_in_37x29.png"), 3);
  const Image app = load_image(test::source_path("tests/data/parity/waifu2x_upconv7_scale2_out_37x29.png"), 3);
  const Pipeline pipe = Pipeline::load(kWeights);
  RunOptions whole;
  whole.tile = 0;
  const Image untiled = pipe.run(in, whole);
  const ByteDiff d = compare_images(untiled, app);
  CHECK(d.max_abs <= 1);
  CHECK(d.psnr >= 50.0);
  RunOptions tiled;
  tiled.tile = 9;  // odd tiles, 7 px halo: equal to the untiled run up to float summation order
  CHECK(compare_images(pipe.run(in, tiled), untiled).max_abs <= 1);
}

TEST_CASE("waifu2x_upconv7: info, registry and thread determinism") {
  std::unique_ptr<ImageModel> m = load_model(kWeights);
  const ImageModelInfo& i = m->info();
  CHECK(i.arch == "waifu2x_upconv7");
  CHECK(i.scale == 2);
  CHECK(i.in_channels == 3);
  CHECK(i.border_mode == PaddingMode::replicate);
  CHECK(i.pre_pad == 7);
  CHECK(i.halo == 7);
  CHECK(i.range == Range::unit);
  // pre_pad 7 then forward gives exactly 2x the unpadded size.
  const Tensor<float> x = test::random_tensor({1, 3, 11, 16}, 5, 0.0f, 1.0f);
  const Tensor<float> padded = pad(x, PadParams::all(i.pre_pad, PadMode::replicate));
  const Tensor<float> y = m->forward(padded);
  CHECK(y.shape() == Shape({1, 3, 22, 32}));
  test::check_equal(y, Waifu2xUpConv7::load(kWeights)->upscale(x), "registry forward(pad) vs upscale");
  set_num_threads(1);
  const Tensor<float> a = m->forward(padded);
  set_num_threads(2);
  const Tensor<float> b = m->forward(padded);
  set_num_threads(0);
  test::check_equal(a, b, "threads 1 vs 2");
}

TEST_CASE("waifu2x_upconv7: bad inputs and configs give clear errors") {
  Waifu2xUpConv7 net;
  CHECK_THROWS_WITH_AS(net.forward(Tensor<float>::zeros({1, 4, 20, 20})),
                       doctest::Contains("waifu2x_upconv7: expected [N,3,H,W], got [1,4,20,20]"), Error);
  CHECK_THROWS_WITH_AS(net.forward(Tensor<float>::zeros({1, 3, 14, 20})), doctest::Contains("smaller than 15x15"),
                       Error);
  CHECK(net.upscale(Tensor<float>::zeros({1, 3, 1, 1})).shape() == Shape({1, 3, 2, 2}));
  CHECK_THROWS_WITH_AS(Waifu2xUpConv7::Config::from_json(Json::parse("{\"channels\": 4}", "cfg")),
                       doctest::Contains("config channels=4"), Error);
  // A narrower file than the config says: every wrong shape is listed.
  SafeTensorsWriter w;
  Waifu2xUpConv7::Config narrow;
  narrow.base = 2;
  Waifu2xUpConv7 small(narrow);
  for (const auto& p : small.named_parameters()) w.add(p.name, *p.tensor);
  w.set_metadata("pixforge.arch", "waifu2x_upconv7");
  const std::string path = test::temp_path("upconv7_narrow.safetensors");
  w.save(path);
  CHECK_THROWS_WITH_AS(Waifu2xUpConv7::load(path), doctest::Contains("wrong shape"), Error);
  w.set_metadata("pixforge.arch", "waifu2x_vgg7");
  w.save(path);
  CHECK_THROWS_WITH_AS(Waifu2xUpConv7::load(path), doctest::Contains("holds a 'waifu2x_vgg7' network"), Error);
  std::remove(path.c_str());
}
