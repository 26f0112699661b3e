// The pix2pix PatchGAN (patchgan.hpp, part-a.md §2(c)) against tools/reference/pix2pix.py: narrow nets with
// n_layers 2/3/4, batch and instance norm, odd and non-square inputs; the full-size parameter counts; the
// official keys; the minimum input size and other errors. Goldens: tools/golden/gen_pix2pix.py.
#include "pix2pix_test_util.hpp"
#include "pixforge/models/patchgan.hpp"

using namespace pixforge;
using namespace pix2pix_test;

TEST_CASE("patchgan: narrow discriminators match PyTorch") {
  test::Golden g("patchgan");
  int n = 0;
  for (const auto& c : g.cases()) {
    NLayerDiscriminator::Config cfg;
    cfg.input_nc = c.params["input_nc"].as_int64();
    cfg.ndf = c.params["ndf"].as_int64();
    cfg.n_layers = c.params["n_layers"].as_int64();
    cfg.norm = c.params["norm"].as_string();
    NLayerDiscriminator net(cfg);
    load_case_weights(net, g, c);
    const Tensor<float> y = net.forward(g.tensor(c, "x"));
    test::check_close(y, g.tensor(c, "y"), 1e-4, 1e-5, c.params["what"].as_string());
    ++n;
  }
  CHECK(n == 4);
}

TEST_CASE("patchgan: score(a, b) concatenates the condition first") {
  test::Golden g("patchgan");
  const auto& c = g.cases()[0];  // 3 input channels: split as L (1) + ab (2)
  NLayerDiscriminator::Config cfg;
  cfg.input_nc = 3;
  cfg.ndf = c.params["ndf"].as_int64();
  NLayerDiscriminator net(cfg);
  load_case_weights(net, g, c);
  const Tensor<float> x = g.tensor(c, "x");
  const Tensor<float> a = narrow_copy(x, 1, 0, 1), b = narrow_copy(x, 1, 1, 2);
  test::check_close(net.score(a, b), g.tensor(c, "y"), 1e-4, 1e-5, "score(L, ab)");
}

TEST_CASE("patchgan: keys and full-size parameter counts (part-a §2(c))") {
  NLayerDiscriminator d;
  std::vector<std::string> names;
  for (const auto& p : d.named_parameters()) names.push_back(p.name);
  const std::vector<std::string> expected = {
      "model.0.weight", "model.0.bias", "model.2.weight", "model.3.weight", "model.3.bias", "model.3.running_mean",
      "model.3.running_var", "model.5.weight", "model.6.weight", "model.6.bias", "model.6.running_mean",
      "model.6.running_var", "model.8.weight", "model.9.weight", "model.9.bias", "model.9.running_mean",
      "model.9.running_var", "model.11.weight", "model.11.bias"};
  CHECK(names == expected);
  struct Row {
    int64_t in, count;
  };
  for (const Row& r : {Row{3, 2765633}, Row{4, 2766657}, Row{6, 2768705}}) {
    NLayerDiscriminator::Config cfg;
    cfg.input_nc = r.in;
    CHECK(NLayerDiscriminator(cfg).parameter_count() == r.count);
  }
}

TEST_CASE("patchgan: output size, info and clear errors") {
  NLayerDiscriminator::Config cfg;
  cfg.ndf = 2;
  NLayerDiscriminator d(cfg);
  CHECK(d.info().task == "score");
  CHECK(d.info().out_channels == 1);
  CHECK(d.forward(Tensor<float>::zeros({1, 3, 256, 256})).shape().str() == "[1,1,30,30]");
  CHECK(d.forward(Tensor<float>::zeros({1, 3, 24, 31})).shape().str() == "[1,1,1,1]");
  CHECK_THROWS_WITH_AS(d.forward(Tensor<float>::zeros({1, 3, 23, 64})),
                       doctest::Contains("patchgan: input [1,3,23,64] is too small: n_layers=3 needs H, W >= 24"),
                       Error);
  CHECK_THROWS_WITH_AS(d.forward(Tensor<float>::zeros({1, 6, 64, 64})),
                       doctest::Contains("patchgan: expected [N,3,H,W] (condition and image concatenated), got [1,6,64,64]"),
                       Error);
  CHECK_THROWS_WITH_AS(NLayerDiscriminator::Config::from_json(Json::parse(R"({"n_layers":0})", "cfg")),
                       doctest::Contains("patchgan: config n_layers=0 out of range"), Error);
  const auto archs = registered_archs();
  CHECK(std::find(archs.begin(), archs.end(), "patchgan") != archs.end());
}
