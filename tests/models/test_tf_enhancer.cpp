// The Keras enhancement generator (TF 'same' padding) against the PyTorch reference tools/reference/tf_enhancer.py,
// which writes TensorFlow's 'same' rules out explicitly: narrow networks (nf 4) with kernel 4 (the spec) and kernel 3
// (asymmetric conv padding and the transposed-conv end crop), even and odd sizes, N = 1 and 2, seeded random
// fp16-rounded weights (tests/golden/tf_enhancer.safetensors, tools/golden/gen_tf_enhancer.py); the full-size
// parameter count (part-a §10(b)); errors.
#include "pixforge/models/tf_enhancer.hpp"

#include <set>

#include "test_util.hpp"

using namespace pixforge;

TEST_CASE("tf_enhancer: narrow networks match the TF-'same' reference") {
  test::Golden g("tf_enhancer");
  int n = 0;
  for (const auto& c : g.cases()) {
    TfEnhancer::Config cfg;
    cfg.nf = c.params["nf"].as_int64();
    cfg.kernel = c.params["kernel"].as_int64();
    TfEnhancer net(cfg);
    load_case_weights(net, g, c);
    const Tensor<float> x = g.tensor(c, "x");
    const Tensor<float> expected = g.tensor(c, "y");
    const bool same_size = x.size(2) % 4 == 0 && x.size(3) % 4 == 0;
    const Tensor<float> y = same_size ? net.forward(x) : net.generator(x);
    test::check_close(y, expected, 1e-4, 1e-5,
                      c.name + " kernel " + std::to_string(cfg.kernel) + " " + x.shape().str());
    if (same_size) CHECK(y.shape() == x.shape());
    ++n;
  }
  CHECK(n == 4);
}

TEST_CASE("tf_enhancer: full-size parameter count and keys") {
  TfEnhancer net;
  CHECK(net.parameter_count() == 532547);  // part-a §10(b)
  std::vector<std::string> keys;
  for (const auto& p : net.named_parameters()) keys.push_back(p.name);
  CHECK(keys == std::vector<std::string>{"conv2d.weight", "conv2d.bias", "conv2d_1.weight", "conv2d_1.bias",
                                         "conv2d_transpose.weight", "conv2d_transpose.bias",
                                         "conv2d_transpose_1.weight", "conv2d_transpose_1.bias", "conv2d_2.weight",
                                         "conv2d_2.bias"});
  CHECK(net.conv2d_transpose.weight.shape() == Shape({128, 128, 4, 4}));  // [in, out, k, k]
  CHECK(net.conv2d_transpose_1.weight.shape() == Shape({128, 64, 4, 4}));
  CHECK(net.info().range == Range::symmetric);
  CHECK(net.info().size_multiple == 4);
}

TEST_CASE("tf_enhancer: load_model and errors") {
  TfEnhancer::Config cfg;
  cfg.nf = 2;
  cfg.kernel = 3;
  TfEnhancer src(cfg);
  uint32_t seed = 21;
  for (const auto& p : src.named_parameters()) {
    const Tensor<float> r = test::random_tensor(p.tensor->shape(), seed++, -0.5f, 0.5f);
    std::copy(r.data(), r.data() + r.numel(), p.tensor->data());
  }
  SafeTensorsWriter w;
  for (const auto& p : src.named_parameters()) w.add(p.name, *p.tensor);
  w.set_metadata("pixforge.arch", "tf_enhancer");
  w.set_metadata("pixforge.config", "{\"nf\": 2, \"kernel\": 3}");
  const std::string path = test::temp_path("tf_enhancer_small.safetensors");
  w.save(path);
  std::unique_ptr<ImageModel> m = load_model(path);
  CHECK(m->info().arch == "tf_enhancer");
  const Tensor<float> x = test::random_tensor({1, 3, 8, 12}, 2, -1.0f, 1.0f);
  test::check_equal(m->forward(x), src.forward(x), "load_model vs source");
  std::remove(path.c_str());

  CHECK_THROWS_WITH_AS(src.forward(Tensor<float>::zeros({1, 3, 10, 12})),
                       doctest::Contains("tf_enhancer: H and W must be multiples of 4 for a same-size output, got "
                                         "[1,3,10,12]"),
                       Error);
  CHECK(src.generator(Tensor<float>::zeros({1, 3, 10, 12})).shape() == Shape({1, 3, 12, 12}));
  CHECK_THROWS_WITH_AS(src.forward(Tensor<float>::zeros({1, 4, 8, 8})),
                       doctest::Contains("tf_enhancer: expected an RGB tensor [N,3,H,W] in [-1,1], got [1,4,8,8]"),
                       Error);
  CHECK_THROWS_WITH_AS(TfEnhancer::Config::from_json(Json::parse("{\"kernel\": 1}", "test")),
                       doctest::Contains("tf_enhancer: config kernel=1 out of range"), Error);
}
