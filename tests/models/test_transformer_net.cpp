// TransformerNet (fast neural style, pytorch/examples) against the PyTorch reference
// tools/reference/transformer_net.py:
//   - ResidualBlock and UpsampleConvLayer, and narrow whole networks (width 4; 2 and 5 residual blocks, N = 1 and 2)
//     with seeded random fp16-rounded weights (tests/golden/transformer_net.safetensors,
//     tools/golden/gen_transformer_net.py);
//   - the full-size parameter count against architectures/part-a.md §5(b) and the state_dict key names;
//   - stale InstanceNorm running_mean/var keys of old checkpoints are ignored, also end to end: a .pth converted by
//     tools/convert_pth.py (tests/golden/transformer_net_from_pth.safetensors) loads with load_model and matches
//     PyTorch; bad inputs give clear errors.
#include "pixforge/models/transformer_net.hpp"

#include <algorithm>
#include <set>

#include "test_util.hpp"

using namespace pixforge;

TEST_CASE("transformer_net: ResidualBlock and UpsampleConvLayer match PyTorch") {
  test::Golden g("transformer_net");
  int n = 0;
  for (const auto& c : g.cases()) {
    const std::string kind = c.params["kind"].as_string();
    const Tensor<float> x = g.tensor(c, "x");
    if (kind == "res") {
      transformer_net::ResidualBlock block(c.params["channels"].as_int64());
      load_case_weights(block, g, c);
      test::check_close(block.forward(x), g.tensor(c, "y"), 1e-4, 1e-5, "ResidualBlock " + x.shape().str());
      ++n;
    } else if (kind == "up") {
      transformer_net::UpsampleConvLayer up(c.params["in"].as_int64(), c.params["out"].as_int64(), 3, 1, 2);
      load_case_weights(up, g, c);
      const Tensor<float> y = up.forward(x);
      CHECK(y.shape() == Shape({1, 8, 14, 20}));
      test::check_close(y, g.tensor(c, "y"), 1e-4, 1e-5, "UpsampleConvLayer " + x.shape().str());
      ++n;
    }
  }
  CHECK(n == 2);
}

TEST_CASE("transformer_net: narrow whole networks match PyTorch") {
  test::Golden g("transformer_net");
  int n = 0;
  for (const auto& c : g.cases()) {
    if (c.params["kind"].as_string() != "net") continue;
    TransformerNet::Config cfg;
    cfg.width = c.params["width"].as_int64();
    cfg.num_res = c.params["num_res"].as_int64();
    TransformerNet net(cfg);
    load_case_weights(net, g, c);
    const Tensor<float> x = g.tensor(c, "x");
    const Tensor<float> y = net.forward(x);
    CHECK(y.shape() == x.shape());
    test::check_close(y, g.tensor(c, "y"), 1e-4, 1e-5,
                      "net " + std::to_string(cfg.num_res) + " blocks " + x.shape().str());
    ++n;
  }
  CHECK(n == 2);
}

TEST_CASE("transformer_net: a .pth with stale running stats, converted by tools/convert_pth.py, via load_model") {
  test::Golden g("transformer_net");
  int n = 0;
  for (const auto& c : g.cases()) {
    if (c.params["kind"].as_string() != "pth") continue;
    const SafeTensors file = SafeTensors::open(test::source_path(c.params["file"].as_string()));
    CHECK(file.has_metadata("pixforge.converter"));
    const std::vector<std::string> keys = file.keys();
    const auto stale = std::count_if(keys.begin(), keys.end(), [](const std::string& k) {
      return k.find("running_mean") != std::string::npos;
    });
    CHECK(stale == 5 + 2);  // in1 … in5 and res1.in1, res1.in2 carry them in the file
    std::unique_ptr<ImageModel> m = load_model(file);
    CHECK(m->info().arch == "transformer_net");
    test::check_close(m->forward(g.tensor(c, "x")), g.tensor(c, "y"), 1e-4, 1e-5, "converted .pth");
    ++n;
  }
  CHECK(n == 1);
}

TEST_CASE("transformer_net: full-size parameter count and state_dict keys") {
  TransformerNet net;
  CHECK(net.parameter_count() == 1679235);  // part-a §5(b)
  std::set<std::string> keys;
  for (const auto& p : net.named_parameters()) keys.insert(p.name);
  for (const char* k : {"conv1.conv2d.weight", "conv1.conv2d.bias", "in1.weight", "in1.bias", "in3.bias",
                        "res1.conv1.conv2d.weight", "res5.in2.bias", "deconv1.conv2d.weight", "in5.weight",
                        "deconv3.conv2d.bias"})
    CHECK_MESSAGE(keys.count(k) == 1, k);
  CHECK(keys.size() == 2 * 3 + 2 * 3 + 5 * 8 + 2 * 2 + 2 * 2 + 2);
  CHECK(net.info().range == Range::byte);
  CHECK(net.info().size_multiple == 4);
  CHECK(net.info().global_context);
}

TEST_CASE("transformer_net: stale running stats ignored, config and arch via load_model") {
  TransformerNet::Config cfg;
  cfg.width = 2;
  cfg.num_res = 1;
  TransformerNet src(cfg);
  uint32_t seed = 5;
  for (const auto& p : src.named_parameters()) {
    const Tensor<float> r = test::random_tensor(p.tensor->shape(), seed++, -0.5f, 0.5f);
    std::copy(r.data(), r.data() + r.numel(), p.tensor->data());
  }
  SafeTensorsWriter w;
  for (const auto& p : src.named_parameters()) w.add(p.name, *p.tensor);
  // Old pytorch/examples checkpoints carry these (track_running_stats in PyTorch < 0.4): accepted, ignored.
  w.add("in1.running_mean", Tensor<float>::full({2}, 100.0f));
  w.add("in1.running_var", Tensor<float>::full({2}, 1e-3f));
  w.add("res1.in2.running_mean", Tensor<float>::full({8}, 100.0f));
  w.add("res1.in2.running_var", Tensor<float>::full({8}, 1e-3f));
  w.set_metadata("pixforge.arch", "transformer_net");
  w.set_metadata("pixforge.config", "{\"width\": 2, \"num_res\": 1}");
  const std::string path = test::temp_path("transformer_net_small.safetensors");
  w.save(path);
  auto net = TransformerNet::load(path);
  CHECK(net->config().width == 2);
  CHECK(net->config().num_res == 1);
  const Tensor<float> x = test::random_tensor({1, 3, 12, 16}, 9, 0.0f, 255.0f);
  test::check_equal(net->forward(x), src.forward(x), "loaded vs source");
  std::unique_ptr<ImageModel> m = load_model(path);
  CHECK(m->info().arch == "transformer_net");
  test::check_equal(m->forward(x), src.forward(x), "load_model vs source");
  std::remove(path.c_str());
}

TEST_CASE("transformer_net: bad inputs and configs give clear errors") {
  TransformerNet::Config cfg;
  cfg.width = 2;
  cfg.num_res = 1;
  TransformerNet net(cfg);
  CHECK_THROWS_WITH_AS(net.forward(Tensor<float>::zeros({1, 1, 16, 16})),
                       doctest::Contains(
                           "transformer_net: expected an RGB tensor [N,3,H,W] in [0,255], got [1,1,16,16]"),
                       Error);
  CHECK_THROWS_WITH_AS(net.forward(Tensor<float>::zeros({1, 3, 18, 16})),
                       doctest::Contains("H and W must be multiples of 4 and at least 8, got [1,3,18,16]"), Error);
  CHECK_THROWS_WITH_AS(net.forward(Tensor<float>::zeros({1, 3, 4, 16})),
                       doctest::Contains("multiples of 4 and at least 8"), Error);
  CHECK_THROWS_WITH_AS(TransformerNet::Config::from_json(Json::parse("{\"width\": 0}", "test")),
                       doctest::Contains("transformer_net: config width=0 out of range"), Error);
  CHECK_THROWS_WITH_AS(TransformerNet::Config::from_json(Json::parse("{\"num_res\": -1}", "test")),
                       doctest::Contains("transformer_net: config num_res=-1 out of range"), Error);
}
