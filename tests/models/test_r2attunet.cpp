// R2AttU-Net (models/r2attunet.hpp) against the PyTorch reference tools/reference/r2attunet.py:
//   - Recurrent_block (t = 2 and 3), RRCNN_block and Attention_block (rtol 1e-4 / atol 1e-5);
//   - narrow whole networks (nf 4, t 2, 3→1 on 32×48; nf 2, t 3, 1→2 on 16×32), randomised BN statistics
//     (rtol 1e-4 / atol 1e-5; measured max abs error 1.2e-6);
//   tests/golden/r2attunet.safetensors (tools/golden/gen_r2attunet.py); weights and inputs are deterministic
//   functions of the state_dict keys (det_fill_bn.hpp), so the file stores expected outputs only.
//   - parameter count and official key names of the full-size network, t changes the output, registry, errors.
#include "pixforge/models/r2attunet.hpp"

#include <set>

#include "det_fill_bn.hpp"
#include "test_util.hpp"

using namespace pixforge;

TEST_CASE("r2attunet: recurrent, RRCNN and attention blocks match PyTorch") {
  test::Golden g("r2attunet");
  int n = 0;
  for (const auto& c : g.cases()) {
    const std::string kind = c.params["kind"].as_string();
    if (kind == "net" || kind == "keys") continue;
    const Shape s = test::shape_of(c.params["shape"]);
    const Tensor<float> x = test::det_input(s);
    if (kind == "recurrent") {
      Recurrent_block b(c.params["ch"].as_int64(), c.params["t"].as_int64());
      test::det_fill_module_bn(b);
      test::check_close(b(x), g.tensor(c, "y"), 1e-4, 1e-5, "recurrent t=" + std::to_string(b.t()));
      ++n;
    } else if (kind == "rrcnn") {
      RRCNN_block b(c.params["ch_in"].as_int64(), c.params["ch_out"].as_int64(), c.params["t"].as_int64());
      test::det_fill_module_bn(b);
      test::check_close(b(x), g.tensor(c, "y"), 1e-4, 1e-5, "rrcnn " + x.shape().str());
      ++n;
    } else if (kind == "attention") {
      Attention_block b(c.params["F_g"].as_int64(), c.params["F_l"].as_int64(), c.params["F_int"].as_int64());
      test::det_fill_module_bn(b);
      const Tensor<float> gate = test::det_tensor("gate", test::shape_of(c.params["g_shape"]));
      test::check_close(b(gate, x), g.tensor(c, "y"), 1e-4, 1e-5, "attention gate");
      ++n;
    }
  }
  CHECK(n == 4);
}

TEST_CASE("r2attunet: narrow whole networks match PyTorch") {
  test::Golden g("r2attunet");
  int n = 0;
  for (const auto& c : g.cases()) {
    if (c.params["kind"].as_string() != "net") continue;
    const std::string cfg_s = c.params["config"].as_string();
    R2AttUNet net(R2AttUNet::Config::from_json(Json::parse(cfg_s, "config")));
    test::det_fill_module_bn(net, 0.5f);
    const Tensor<float> x = test::det_input(test::shape_of(c.params["shape"]));
    test::check_close(net.forward(x), g.tensor(c, "y"), 1e-4, 1e-5, cfg_s + " " + x.shape().str());
    ++n;
  }
  CHECK(n == 2);
}

TEST_CASE("r2attunet: parameter names and order = the reference's state_dict keys") {
  test::Golden g("r2attunet");
  int n = 0;
  for (const auto& c : g.cases()) {
    if (c.params["kind"].as_string() != "keys") continue;
    R2AttUNet net(R2AttUNet::Config::from_json(Json::parse(c.params["config"].as_string(), "config")));
    std::vector<std::string> expected;
    const Json& keys = c.params["keys"];
    for (size_t i = 0; i < keys.size(); ++i) expected.push_back(keys[i].as_string());
    std::vector<std::string> got;
    for (const auto& p : net.named_parameters()) got.push_back(p.name);
    CHECK(got == expected);
    ++n;
  }
  CHECK(n == 1);
}

TEST_CASE("r2attunet: parameter count, official keys, t matters") {
  R2AttUNet full;
  CHECK(full.parameter_count() == 39442925);  // part-a §6(c), 3→1
  R2AttUNet::Config c12;
  c12.img_ch = 1;
  c12.output_ch = 2;
  CHECK(R2AttUNet(c12).parameter_count() == 39442862);
  std::set<std::string> k;
  for (const auto& p : full.named_parameters()) k.insert(p.name);
  for (const char* key : {"RRCNN1.RCNN.0.conv.0.weight", "RRCNN1.RCNN.1.conv.1.running_var", "RRCNN1.Conv_1x1.bias",
                          "RRCNN5.Conv_1x1.weight", "Up5.up.1.weight", "Up5.up.2.running_mean", "Att5.W_g.0.weight",
                          "Att5.W_x.1.bias", "Att2.psi.0.weight", "Att2.psi.1.running_var", "Up_RRCNN2.Conv_1x1.weight",
                          "Conv_1x1.bias"})
    CHECK_MESSAGE(k.count(key) == 1, key);
  CHECK(full.Att2.psi_1.running_var.numel() == 1);
  CHECK(full.Att2.W_g_0.weight.shape() == Shape({32, 64, 1, 1}));
  CHECK(full.Up_RRCNN5.Conv_1x1.weight.shape() == Shape({512, 1024, 1, 1}));
  CHECK(full.info().size_multiple == 16);
  CHECK(full.info().range == Range::symmetric);

  // t is not in the weights but changes the output.
  R2AttUNet::Config a, b;
  a.nf = b.nf = 2;
  b.t = 3;
  R2AttUNet na(a), nb(b);
  test::det_fill_module_bn(na, 0.5f);
  test::det_fill_module_bn(nb, 0.5f);
  const Tensor<float> x = test::det_input({1, 3, 16, 16});
  const Tensor<float> ya = na.forward(x), yb = nb.forward(x);
  double diff = 0;
  for (int64_t i = 0; i < ya.numel(); ++i) diff = std::max(diff, double(std::abs(ya.data()[i] - yb.data()[i])));
  CHECK(diff > 1e-3);
}

TEST_CASE("r2attunet: size constraint, config errors, registry round trip") {
  R2AttUNet::Config c;
  c.nf = 2;
  R2AttUNet net(c);
  test::det_fill_module_bn(net, 0.5f);
  CHECK_THROWS_WITH_AS(
      net.forward(Tensor<float>::zeros({1, 3, 24, 32})),
      doctest::Contains("multiples of 16 (4 max-pools, exact-size skip concatenation), got [1,3,24,32]"), Error);
  CHECK_THROWS_WITH_AS(net.forward(Tensor<float>::zeros({1, 1, 16, 16})), doctest::Contains("expected [N,3,H,W]"),
                       Error);
  Json bad = Json::object();
  bad.set("t", Json::number(0));
  CHECK_THROWS_WITH_AS(R2AttUNet::Config::from_json(bad), doctest::Contains("t=0"), Error);
  Json badnf = Json::object();
  badnf.set("nf", Json::number(5));
  CHECK_THROWS_WITH_AS(R2AttUNet::Config::from_json(badnf), doctest::Contains("nf=5"), Error);
  CHECK_THROWS_WITH_AS(Recurrent_block(4, 0), doctest::Contains("t=0"), Error);
  Attention_block att(4, 4, 2);
  CHECK_THROWS_WITH_AS(att(Tensor<float>::zeros({1, 4, 8, 8}), Tensor<float>::zeros({1, 4, 4, 8})),
                       doctest::Contains("same N, H, W"), Error);

  const std::string path = test::temp_path("r2attunet_narrow.safetensors");
  SafeTensorsWriter w;
  for (const auto& p : net.named_parameters()) w.add(p.name, *p.tensor);
  w.add("RRCNN1.RCNN.0.conv.1.num_batches_tracked", Tensor<float>::zeros({1}));
  w.set_metadata("pixforge.arch", "r2attunet");
  w.set_metadata("pixforge.config", "{\"nf\": 2}");
  w.save(path);
  auto loaded = load_model(path);
  CHECK(loaded->info().arch == "r2attunet");
  const Tensor<float> x = test::random_tensor({1, 3, 32, 16}, 5, -1.0f, 1.0f);
  test::check_close(loaded->forward(x), net.forward(x), 0, 0, "load_model round trip");
  // A missing tensor is reported by key.
  SafeTensorsWriter w2;
  for (const auto& p : net.named_parameters())
    if (p.name != "Att3.psi.1.running_mean") w2.add(p.name, *p.tensor);
  w2.set_metadata("pixforge.arch", "r2attunet");
  w2.set_metadata("pixforge.config", "{\"nf\": 2}");
  w2.save(path);
  CHECK_THROWS_WITH_AS(R2AttUNet::load(path), doctest::Contains("Att3.psi.1.running_mean"), Error);
  std::remove(path.c_str());
}
