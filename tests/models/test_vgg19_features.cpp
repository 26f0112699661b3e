// VGG-19 features (torchvision vgg19().features) as a perceptual feature extractor, against the PyTorch reference
// tools/reference/vgg19_features.py:
//   - narrow networks (width 4 through relu5_1 with max pooling; width 2 through relu3_1 with average pooling, N = 2)
//     with seeded random fp16-rounded weights: every requested activation, pre- and post-ReLU
//     (tests/golden/vgg19_features.safetensors, tools/golden/gen_vgg19_features.py);
//   - full-size parameter count against architectures/part-a.md §5(d), the torchvision key indices, a truncated
//     features[:15] (DeblurGAN's loss) checkpoint; gram_matrix; bad names/sizes/configs give clear errors.
#include "pixforge/models/vgg19_features.hpp"

#include <set>
#include <sstream>

#include "test_util.hpp"

using namespace pixforge;

namespace {

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string t; std::getline(ss, t, ',');) out.push_back(t);
  return out;
}

}  // namespace

TEST_CASE("vgg19_features: named activations match PyTorch") {
  test::Golden g("vgg19_features");
  int n = 0;
  for (const auto& c : g.cases()) {
    VGG19Features::Config cfg;
    cfg.width = c.params["width"].as_int64();
    cfg.upto = c.params["upto"].as_string();
    cfg.pool = c.params["pool"].as_string();
    VGG19Features vgg(cfg);
    load_case_weights(vgg, g, c);
    const std::vector<std::string> names = split(c.params["names"].as_string());
    const Tensor<float> x = VGG19Features::normalize_imagenet(g.tensor(c, "x01"));
    const auto f = vgg.extract(x, names);
    REQUIRE(f.size() == names.size());
    for (const auto& name : names) {
      test::check_close(f.at(name), g.tensor(c, name), 1e-4, 1e-5, c.name + " " + cfg.pool + " " + name);
      ++n;
    }
    // forward() = the last built layer.
    test::check_close(vgg.forward(x), g.tensor(c, cfg.upto), 1e-4, 1e-5, c.name + " forward");
  }
  CHECK(n == 9);
}

TEST_CASE("vgg19_features: full size, torchvision keys, truncated checkpoints") {
  VGG19Features vgg;
  CHECK(vgg.parameter_count() == 20024384);  // part-a §5(d)
  std::vector<std::string> keys;
  for (const auto& p : vgg.named_parameters()) keys.push_back(p.name);
  REQUIRE(keys.size() == 32);
  const int conv_idx[] = {0, 2, 5, 7, 10, 12, 14, 16, 19, 21, 23, 25, 28, 30, 32, 34};
  for (int i = 0; i < 16; ++i) {
    CHECK(keys[2 * i] == "features." + std::to_string(conv_idx[i]) + ".weight");
    CHECK(keys[2 * i + 1] == "features." + std::to_string(conv_idx[i]) + ".bias");
  }
  CHECK(vgg19::layer_names().size() == 37);
  CHECK(vgg19::layer_index("relu4_2") == 22);  // Gatys' content layer
  CHECK(vgg19::layer_index("relu5_1") == 29);
  CHECK(vgg19::layer_index("conv3_3") == 14);  // DeblurGAN's features[:15]
  CHECK(vgg.info().range == Range::imagenet);
  CHECK(vgg.info().out_channels == 512);

  // features[:15] (DeblurGAN's perceptual loss): upto = conv3_3 has exactly those keys.
  VGG19Features::Config cfg;
  cfg.width = 2;
  cfg.upto = "conv3_3";
  VGG19Features small(cfg);
  CHECK(small.named_parameters().size() == 14);
  CHECK(small.named_parameters().back().name == "features.14.bias");
  uint32_t seed = 3;
  for (const auto& p : small.named_parameters()) {
    const Tensor<float> r = test::random_tensor(p.tensor->shape(), seed++, -0.3f, 0.3f);
    std::copy(r.data(), r.data() + r.numel(), p.tensor->data());
  }
  SafeTensorsWriter w;
  for (const auto& p : small.named_parameters()) w.add(p.name, *p.tensor);
  w.set_metadata("pixforge.arch", "vgg19_features");
  w.set_metadata("pixforge.config", "{\"width\": 2, \"upto\": \"conv3_3\"}");
  const std::string path = test::temp_path("vgg19_small.safetensors");
  w.save(path);
  std::unique_ptr<ImageModel> m = load_model(path);
  CHECK(m->info().arch == "vgg19_features");
  const Tensor<float> x = test::random_tensor({1, 3, 12, 8}, 4, -2.0f, 2.0f);
  const Tensor<float> y = m->forward(x);
  CHECK(y.shape() == Shape({1, 8, 3, 2}));
  test::check_equal(y, small.extract(x, {"conv3_3"}).at("conv3_3"), "load_model vs source");
  // The fused conv+ReLU path equals the separate one.
  const auto both = small.extract(x, {"conv2_1", "relu2_1", "relu2_2"});
  test::check_equal(both.at("relu2_1"), relu(both.at("conv2_1")), "relu2_1 = relu(conv2_1)");
  test::check_equal(small.extract(x, {"relu2_2"}).at("relu2_2"), both.at("relu2_2"), "fused vs unfused");
  std::remove(path.c_str());
}

TEST_CASE("vgg19_features: gram_matrix") {
  const Tensor<float> f = test::random_tensor({2, 3, 4, 5}, 8, -1.0f, 1.0f);
  const Tensor<float> g = gram_matrix(f);
  REQUIRE(g.shape() == Shape({2, 3, 3}));
  for (int64_t n = 0; n < 2; ++n)
    for (int64_t i = 0; i < 3; ++i)
      for (int64_t j = 0; j < 3; ++j) {
        double s = 0;
        for (int64_t k = 0; k < 20; ++k) s += double(f.data()[(n * 3 + i) * 20 + k]) * f.data()[(n * 3 + j) * 20 + k];
        CHECK(g.data()[(n * 3 + i) * 3 + j] == doctest::Approx(s / 60.0).epsilon(1e-6));
      }
}

TEST_CASE("vgg19_features: bad names, sizes and configs give clear errors") {
  VGG19Features::Config cfg;
  cfg.width = 1;
  cfg.upto = "relu4_1";
  VGG19Features vgg(cfg);
  const Tensor<float> x = Tensor<float>::zeros({1, 3, 16, 16});
  CHECK_THROWS_WITH_AS(vgg.extract(x, {"conv4_9"}), doctest::Contains("vgg19_features: unknown layer 'conv4_9'"),
                       Error);
  CHECK_THROWS_WITH_AS(vgg.extract(x, {"relu5_1"}),
                       doctest::Contains("layer 'relu5_1' is beyond the last layer this network was built with "
                                         "(upto = 'relu4_1')"),
                       Error);
  CHECK_THROWS_WITH_AS(vgg.extract(Tensor<float>::zeros({1, 3, 7, 16}), {"relu4_1"}),
                       doctest::Contains("input [1,3,7,16] is too small for layer 'relu4_1' (3 2x2 poolings need H, "
                                         "W >= 8)"),
                       Error);
  CHECK_NOTHROW(vgg.extract(Tensor<float>::zeros({1, 3, 8, 8}), {"relu4_1"}));
  CHECK_THROWS_WITH_AS(vgg.forward(Tensor<float>::zeros({1, 1, 16, 16})),
                       doctest::Contains("expected an RGB tensor [N,3,H,W] (ImageNet-normalised), got [1,1,16,16]"),
                       Error);
  CHECK_THROWS_WITH_AS(VGG19Features::Config::from_json(Json::parse("{\"upto\": \"fc7\"}", "test")),
                       doctest::Contains("vgg19_features: config upto='fc7' is not a layer"), Error);
  CHECK_THROWS_WITH_AS(VGG19Features::Config::from_json(Json::parse("{\"pool\": \"lp\"}", "test")),
                       doctest::Contains("config pool='lp' must be 'max' or 'avg'"), Error);
}
