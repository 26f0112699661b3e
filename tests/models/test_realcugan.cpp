// Real-CUGAN and the shared U-Net blocks (cunet_blocks.hpp) against PyTorch (tools/reference/cunet.py via
// tools/golden/gen_cunet.py): blocks, whole networks with hashed random weights, the real converted
// up2x-conservative weights, parameter counts, SE-statistics hook, threads, errors; and parity with the reference
// app realcugan-ncnn-vulkan (CPU) on two crops of examples/data/sample.png (tests/data/parity/realcugan.md).
#define PIXFORGE_IMPLEMENTATION  // load_image for the parity PNGs (one TU of this test executable)
#include "pixforge/models/realcugan.hpp"

#include <cmath>

#include "cunet_test_util.hpp"
#include "pixforge/io/image.hpp"
#include "pixforge/pipeline.hpp"
#include "test_util.hpp"

using namespace pixforge;

namespace {
const std::string kWeights = test::source_path("weights/realcugan-se-up2x-conservative.safetensors");

RealCUGAN::Config config_of(const Json& c) { return RealCUGAN::Config::from_json(c["config"]); }

// Records every SE block's local means, or replays recorded ones (a stand-in for a two-pass tiler).
struct RecordReplay : ChannelMeansHook {
  std::vector<Tensor<float>> recorded;
  bool replay = false;
  size_t next = 0;
  Tensor<float> means(const Tensor<float>& map) override {
    if (!replay) {
      recorded.push_back(global_avg_pool2d(map));
      return recorded.back();
    }
    return recorded.at(next++);
  }
};

struct ByteDiff {
  int max_abs = 0;
  double mean_abs = 0, psnr = INFINITY;
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
  d.mean_abs = sum / double(a.pixels.size());
  const double mse = sq / double(a.pixels.size());
  if (mse > 0) d.psnr = 10.0 * std::log10(255.0 * 255.0 / mse);
  return d;
}
}  // namespace

TEST_CASE("cunet blocks: SEBlock matches PyTorch; squeeze, gate and scale are separable") {
  test::Golden g("cunet_blocks");
  const auto& c = g.cases()[0];
  REQUIRE(c.params["block"].as_string() == "SEBlock");
  cunet::SEBlock se(16);
  for (const char* k : {"conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias"})
    for (auto& p : se.named_parameters())
      if (p.name == k) *p.tensor = g.tensor(c, k);
  const Tensor<float> x = g.tensor(c, "x");
  test::check_close(se.squeeze(x), g.tensor(c, "mean"), 1e-5, 1e-6, "SEBlock squeeze");
  test::check_close(se.forward(x), g.tensor(c, "y"), 1e-4, 1e-5, "SEBlock forward");
  // Injected statistics are what the block applies: means of another map give x · gate(those means).
  const Tensor<float> other = test::random_tensor({2, 16, 3, 4}, 7);
  struct Fixed : ChannelMeansHook {
    Tensor<float> m;
    Tensor<float> means(const Tensor<float>&) override { return m; }
  } fixed;
  fixed.m = se.squeeze(other);
  test::check_equal(se.forward(x, &fixed), se.scale(x, se.gate(fixed.m)), "SEBlock with injected means");
  CHECK(test::compare_close(se.forward(x, &fixed), se.forward(x), 1e-3, 1e-4).ok == false);
}

TEST_CASE("cunet blocks: UNet1 (three bottoms) and UNet2 match PyTorch") {
  test::Golden g("cunet_blocks");
  int checked = 0;
  for (const auto& c : g.cases()) {
    const std::string block = c.params["block"].as_string();
    const Tensor<float> x = g.tensor(c, "x");
    if (block == "UNet1") {
      const std::string b = c.params["bottom"].as_string();
      const auto bottom = b == "conv"     ? cunet::UNet1Bottom::conv
                          : b == "deconv" ? cunet::UNet1Bottom::deconv
                                          : cunet::UNet1Bottom::deconv_x3;
      cunet::UNet1 m(3, 3, bottom);
      test::cunet_hash_fill(m, c.params);
      const Tensor<float> y = m.forward(x);
      CHECK(y.size(2) == m.output_size(x.size(2)));
      test::check_close(y, g.tensor(c, "y"), 1e-4, 1e-5, "UNet1 " + b);
      ++checked;
    } else if (block == "UNet2") {
      cunet::UNet2 m(3, 3);
      test::cunet_hash_fill(m, c.params);
      const float alpha = float(c.params["alpha"].as_double());
      test::check_close(m.forward(x, alpha), g.tensor(c, "y"), 1e-4, 1e-5, "UNet2 alpha " + std::to_string(alpha));
      ++checked;
    }
  }
  CHECK(checked == 5);
}

TEST_CASE("realcugan: parameter counts match the spec (part-b §7.3)") {
  const std::pair<int64_t, int64_t> expected[] = {{2, 1284598}, {3, 1286326}, {4, 1406812}};
  for (const auto& [scale, count] : expected) {
    RealCUGAN::Config c;
    c.scale = scale;
    RealCUGAN net(c);
    CHECK_MESSAGE(net.parameter_count() == count, "scale ", scale);
  }
  CHECK(cunet::UNet1(3, 3, cunet::UNet1Bottom::deconv).parameter_count() == 241035);
  CHECK(cunet::UNet2(3, 3).parameter_count() == 1043563);
}

TEST_CASE("realcugan: whole networks (2x, 2x pro + alpha, 3x, 4x; hashed weights) match PyTorch") {
  test::Golden g("realcugan");
  int checked = 0;
  for (const auto& c : g.cases()) {
    if (c.params.contains("real")) continue;
    RealCUGAN net(config_of(c.params));
    test::cunet_hash_fill(net, c.params);
    const Tensor<float> x = g.tensor(c, "x");
    const std::string what = c.params["what"].as_string();
    const bool whole = what.rfind("whole image", 0) == 0;
    const Tensor<float> y = whole ? cunet::upscale_whole_image(net, x) : net.forward(x);
    test::check_close(y, g.tensor(c, "y"), 1e-3, 1e-4,
                      what + " scale " + std::to_string(net.config().scale) + (net.config().pro ? " pro" : ""));
    ++checked;
  }
  CHECK(checked == 5);
}

TEST_CASE("realcugan: real up2x-conservative weights match PyTorch running the same weights") {
  std::unique_ptr<ImageModel> m = load_model(kWeights);
  const ImageModelInfo& info = m->info();
  CHECK(info.arch == "realcugan");
  CHECK(info.scale == 2);
  CHECK(info.border_mode == PaddingMode::reflect);
  CHECK(info.pre_pad == 18);
  CHECK(info.size_multiple == 2);
  CHECK(m->parameter_count() == 1284598);
  test::Golden g("realcugan");
  int checked = 0;
  for (const auto& c : g.cases()) {
    if (!c.params.contains("real")) continue;
    const auto net = RealCUGAN::load(kWeights);
    test::check_close(cunet::upscale_whole_image(*net, g.tensor(c, "x")), g.tensor(c, "y"), 1e-4, 1e-5,
                      c.params["what"].as_string());
    ++checked;
  }
  CHECK(checked == 1);
}

TEST_CASE("realcugan: 3x and 4x info (reflect pre-pad 14 / 19, size multiple 4 / 2)") {
  RealCUGAN::Config c;
  c.scale = 3;
  RealCUGAN n3(c);
  CHECK(n3.info().pre_pad == 14);
  CHECK(n3.info().size_multiple == 4);
  CHECK(n3.info().scale == 3);
  c.scale = 4;
  RealCUGAN n4(c);
  CHECK(n4.info().pre_pad == 19);
  CHECK(n4.info().size_multiple == 2);
  // whole-image output size = scale × the image, for a size that needs the round-up
  test::cunet_hash_fill_all(n4, 1, 0.05);
  const Tensor<float> y = cunet::upscale_whole_image(n4, test::random_tensor({1, 3, 21, 22}, 2, 0.0f, 1.0f));
  CHECK(y.shape() == Shape{1, 3, 84, 88});
}

TEST_CASE("realcugan: SE statistics hook — recording then replaying the means reproduces the output") {
  const auto net = RealCUGAN::load(kWeights);
  const Tensor<float> x = test::random_tensor({1, 3, 40, 42}, 5, 0.0f, 1.0f);
  RecordReplay rr;
  const Tensor<float> a = net->forward(x, &rr);
  CHECK(rr.recorded.size() == 4);  // UNet1 conv2, UNet2 conv2/conv3/conv4
  rr.replay = true;
  test::check_equal(net->forward(x, &rr), a, "replayed SE statistics");
  test::check_equal(net->forward(x), a, "no hook");
}

TEST_CASE("realcugan: identical output for 1 and 2 threads") {
  auto m = load_model(kWeights);
  const Tensor<float> x = test::random_tensor({1, 3, 44, 46}, 3, 0.0f, 1.0f);
  set_num_threads(1);
  const Tensor<float> a = m->forward(x);
  set_num_threads(2);
  const Tensor<float> b = m->forward(x);
  set_num_threads(0);
  test::check_equal(a, b, "threads 1 vs 2");
}

TEST_CASE("realcugan: bad inputs give clear errors") {
  auto m = load_model(kWeights);
  const auto net = RealCUGAN::load(kWeights);
  CHECK_THROWS_WITH_AS(m->forward(Tensor<float>::zeros({1, 4, 40, 40})),
                       doctest::Contains("realcugan: expected an RGB tensor [N,3,H,W], got [1,4,40,40]"), Error);
  CHECK_THROWS_WITH_AS(m->forward(Tensor<float>::zeros({1, 3, 41, 40})),
                       doctest::Contains("must be multiples of 2 and larger than 2·18"), Error);
  CHECK_THROWS_WITH_AS(m->forward(Tensor<float>::zeros({1, 3, 36, 40})), doctest::Contains("larger than 2·18"),
                       Error);
  // reflect padding needs pad < size: an image of 18 rows cannot be padded by 18 (PyTorch refuses too)
  CHECK_THROWS_AS(cunet::upscale_whole_image(*net, Tensor<float>::zeros({1, 3, 18, 30})), Error);
  CHECK_THROWS_WITH_AS(RealCUGAN::Config::from_json(Json::parse(R"({"scale": 5})", "cfg")),
                       doctest::Contains("config scale=5"), Error);
  // a weight file of another network is refused by its metadata
  CHECK_THROWS_WITH_AS(RealCUGAN::load(test::source_path("weights/waifu2x-cunet-scale2x.safetensors")),
                       doctest::Contains("holds a 'waifu2x_cunet' network"), Error);
}

TEST_CASE("realcugan: parity with realcugan-ncnn-vulkan (CPU, -g -1 -s 2 -n -1)") {
  const auto net = RealCUGAN::load(kWeights);
  for (const char* size : {"64x48", "61x45"}) {
    const Image in = load_image(test::source_path(std::string("tests/data/parity/realcugan_in_") + size + ".png"), 3);
    const Image app = load_image(
        test::source_path(std::string("tests/data/parity/realcugan_up2x_conservative_out_") + size + ".png"), 3);
    // the app's pre-processing: p / 255, reflect pad 18 (+ round-up to even), network, round(clamp(y) · 255)
    const Image ours =
        tensor_to_image(cunet::upscale_whole_image(*net, image_to_tensor(in, Range::unit)), Range::unit, Rounding::round);
    const ByteDiff d = compare_images(ours, app);
    MESSAGE("Real-CUGAN up2x-conservative vs realcugan-ncnn-vulkan ", std::string(size), ": max abs ", d.max_abs,
            " LSB, mean abs ", d.mean_abs, ", differing bytes ", d.differing, ", PSNR ", d.psnr, " dB");
    CHECK(d.max_abs <= 1);
    CHECK(d.mean_abs <= 0.5);
    CHECK(d.psnr >= 50.0);
    // the generic Pipeline, which only reads info() (border mode, pre_pad, size multiple), gives the same image
    RunOptions whole;
    whole.tile = 0;
    const ByteDiff p = compare_images(Pipeline::load(kWeights).run(in, whole), app);
    MESSAGE("  via Pipeline: max abs ", p.max_abs, " LSB, PSNR ", p.psnr, " dB");
    CHECK(p.max_abs <= 1);
    CHECK(p.psnr >= 50.0);
  }
}
