// FCA U-Net (models/fca_unet.hpp; RECONSTRUCTED attention placement) against the PyTorch reference
// tools/reference/fca_unet.py:
//   - the attention-wrapped encoder path FCA(BN(conv(leaky(x)))) at the training size and with adaptive pooling
//     (rtol 1e-4 / atol 1e-5), and the DCT buffer against the reference's;
//   - the narrow whole network (ngf 16) on 256×256 and 256×512, randomised BN statistics (rtol 1e-4 / atol 1e-5;
//     measured max abs error 1e-6; the golden keeps every 3rd / 5th pixel);
//   tests/golden/fca_unet.safetensors (tools/golden/gen_fca_unet.py); weights and inputs are deterministic functions
//   of the state_dict keys (det_fill_bn.hpp).
//   - parameter count and keys of the full-size network, size constraint, config errors, registry round trip.
#include "pixforge/models/fca_unet.hpp"

#include <algorithm>
#include <set>

#include "det_fill_bn.hpp"
#include "test_util.hpp"

using namespace pixforge;

TEST_CASE("fca_unet: attention-wrapped encoder block matches PyTorch") {
  test::Golden g("fca_unet");
  int n = 0;
  for (const auto& c : g.cases()) {
    if (c.params["kind"].as_string() != "down") continue;
    const int64_t outer = c.params["outer_nc"].as_int64(), inner = c.params["inner_nc"].as_int64();
    const int64_t dct = c.params["dct"].as_int64();
    using K = FcaUnetBlock::Kind;
    auto inner_block = std::make_unique<FcaUnetBlock>(K::innermost, inner, inner, inner, nullptr, 0, 16, "top16");
    FcaUnetBlock b(K::middle, outer, inner, outer, std::move(inner_block), dct, 16, "top16");
    test::det_fill_module_bn(b);
    const Tensor<float> x = test::det_input(test::shape_of(c.params["shape"]));
    test::check_close(b.down(x), g.tensor(c, "y"), 1e-4, 1e-5, "down " + x.shape().str());
    if (g.has(c, "dct")) test::check_close(b.fca->dct_weight, g.tensor(c, "dct"), 1e-7, 0, "dct_layer.weight");
    ++n;
  }
  CHECK(n == 2);
}

TEST_CASE("fca_unet: narrow whole network matches PyTorch (training size and adaptive pooling)") {
  test::Golden g("fca_unet");
  int n = 0;
  for (const auto& c : g.cases()) {
    if (c.params["kind"].as_string() != "net") continue;
    const std::string cfg_s = c.params["config"].as_string();
    FcaUNet net(FcaUNet::Config::from_json(Json::parse(cfg_s, "config")));
    test::det_fill_module_bn(net);
    const Tensor<float> x = test::det_input(test::shape_of(c.params["shape"]));
    const Tensor<float> y = net.forward(x);
    CHECK(y.shape() == Shape({1, 2, x.size(2), x.size(3)}));
    test::check_close(test::subsample(y, c.params["stride"].as_int64()), g.tensor(c, "y"), 1e-4, 1e-5,
                      cfg_s + " " + x.shape().str());
    ++n;
  }
  CHECK(n == 2);
}

TEST_CASE("fca_unet: parameter names and order = the reference's state_dict keys") {
  test::Golden g("fca_unet");
  int n = 0;
  for (const auto& c : g.cases()) {
    if (c.params["kind"].as_string() != "keys") continue;
    FcaUNet net(FcaUNet::Config::from_json(Json::parse(c.params["config"].as_string(), "config")));
    std::vector<std::string> expected;
    const Json& keys = c.params["keys"];
    for (size_t i = 0; i < keys.size(); ++i) expected.push_back(keys[i].as_string());
    // The DCT buffers are recomputed: not parameters, but accepted (ignored) when a checkpoint has them.
    const auto ign = net.ignorable_keys();
    std::vector<std::string> kept;
    for (const auto& k : expected) {
      if (k.find("dct_layer.weight") == std::string::npos) kept.push_back(k);
      else CHECK_MESSAGE(std::find(ign.begin(), ign.end(), k) != ign.end(), k);
    }
    CHECK(kept.size() == expected.size() - 7);  // e1…e7
    expected = kept;
    std::vector<std::string> got;
    for (const auto& p : net.named_parameters()) got.push_back(p.name);
    CHECK(got == expected);
    ++n;
  }
  CHECK(n == 1);
}

TEST_CASE("fca_unet: parameter count and keys") {
  FcaUNet full;
  CHECK(full.parameter_count() == 54551682);  // part-a §4(b), 1→2
  FcaUNet::Config c13;
  c13.output_nc = 3;
  CHECK(FcaUNet(c13).parameter_count() == 54553731);
  std::set<std::string> k;
  for (const auto& p : full.named_parameters()) k.insert(p.name);
  for (const char* key : {"model.model.0.weight", "model.model.1.fc.0.weight", "model.model.1.fc.2.weight",
                          "model.model.4.weight", "model.model.4.bias", "model.model.2.model.1.weight",
                          "model.model.2.model.2.running_var", "model.model.2.model.3.fc.0.weight",
                          "model.model.2.model.6.weight", "model.model.2.model.7.bias"})
    CHECK_MESSAGE(k.count(key) == 1, key);
  CHECK(k.count("model.model.0.bias") == 0);
  CHECK(full.model->fca->fc_0.weight.shape() == Shape({4, 64}));
  CHECK(full.model->fca->dct_weight.shape() == Shape({64, 128, 128}));
  // e7 (2×2) and e6 (4×4): every frequency collapses to DC = 1/sqrt(HW).
  const FcaUnetBlock* b = full.model.get();
  for (int level = 1; level < 7; ++level) b = b->submodule.get();  // e7's block
  REQUIRE(b->fca);
  CHECK(b->fca->params.dct_h == 2);
  for (int64_t i = 0; i < b->fca->dct_weight.numel(); ++i)
    REQUIRE(b->fca->dct_weight.data()[i] == doctest::Approx(0.5));
  CHECK(b->submodule->kind() == FcaUnetBlock::Kind::innermost);
  CHECK(!b->submodule->fca);
}

TEST_CASE("fca_unet: size constraint, config errors, registry round trip") {
  FcaUNet::Config c;
  c.ngf = 16;
  FcaUNet net(c);
  test::det_fill_module_bn(net);
  CHECK_THROWS_WITH_AS(net.forward(Tensor<float>::zeros({1, 1, 256, 128})),
                       doctest::Contains("multiples of 256 (8 stride-2 levels down to 1×1, exact-size skip "
                                         "concatenation), got [1,1,256,128]"),
                       Error);
  CHECK_THROWS_WITH_AS(net.forward(Tensor<float>::zeros({1, 3, 256, 256})), doctest::Contains("expected [N,1,H,W]"),
                       Error);
  Json bad = Json::object();
  bad.set("ngf", Json::number(24));
  CHECK_THROWS_WITH_AS(FcaUNet::Config::from_json(bad), doctest::Contains("ngf=24"), Error);
  Json badf = Json::object();
  badf.set("freq_sel_method", Json::string("top17"));
  CHECK_THROWS_WITH_AS(FcaUNet::Config::from_json(badf), doctest::Contains("top17"), Error);
  Json bads = Json::object();
  bads.set("train_size", Json::number(320));
  CHECK_THROWS_WITH_AS(FcaUNet::Config::from_json(bads), doctest::Contains("train_size=320"), Error);

  // A checkpoint with the DCT buffers and num_batches_tracked (as PyTorch saves it) loads.
  const std::string path = test::temp_path("fca_unet_narrow.safetensors");
  SafeTensorsWriter w;
  for (const auto& p : net.named_parameters()) w.add(p.name, *p.tensor);
  w.add("model.model.1.dct_layer.weight", net.model->fca->dct_weight);
  w.add("model.model.2.model.2.num_batches_tracked", Tensor<float>::zeros({1}));
  w.set_metadata("pixforge.arch", "fca_unet");
  w.set_metadata("pixforge.config", "{\"ngf\": 16}");
  w.save(path);
  auto loaded = load_model(path);
  CHECK(loaded->info().arch == "fca_unet");
  CHECK(loaded->info().size_multiple == 256);
  const Tensor<float> x = test::random_tensor({1, 1, 256, 256}, 5, -1.0f, 1.0f);
  test::check_close(loaded->forward(x), net.forward(x), 0, 0, "load_model round trip");
  std::remove(path.c_str());
}
