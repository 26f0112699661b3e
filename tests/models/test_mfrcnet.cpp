// MFRC-Net (models/mfrcnet.hpp; the MFRB and its placement are a RECONSTRUCTION) against the PyTorch reference
// tools/reference/mfrcnet.py:
//   - the MFRB with dilations (1, 2, 4) and (1, 3, 5) (rtol 1e-4 / atol 1e-5);
//   - narrow whole networks (ngf 8; MFRB on e2…e5, and on e3 + e7 with dilations (1, 2, 3)) on 256×256, randomised
//     BN statistics (rtol 1e-4 / atol 1e-5; measured max abs error 5.2e-6; the golden keeps every 3rd pixel);
//   tests/golden/mfrcnet.safetensors (tools/golden/gen_mfrcnet.py); weights and inputs are deterministic functions
//   of the state_dict keys (det_fill_bn.hpp).
//   - parameter counts (spec: MFRB 131,584 / 525,312 / 2,099,200, network 59,265,154), keys, errors, registry.
#include "pixforge/models/mfrcnet.hpp"

#include <set>

#include "det_fill_bn.hpp"
#include "test_util.hpp"

using namespace pixforge;

TEST_CASE("mfrcnet: MFRB matches PyTorch") {
  test::Golden g("mfrcnet");
  int n = 0;
  for (const auto& c : g.cases()) {
    if (c.params["kind"].as_string() != "mfrb") continue;
    const Json& d = c.params["dilations"];
    MFRB b(c.params["C"].as_int64(), {d[0].as_int64(), d[1].as_int64(), d[2].as_int64()});
    test::det_fill_module_bn(b);
    const Tensor<float> x = test::det_input(test::shape_of(c.params["shape"]));
    test::check_close(b(x), g.tensor(c, "y"), 1e-4, 1e-5, "MFRB " + x.shape().str());
    ++n;
  }
  CHECK(n == 2);
}

TEST_CASE("mfrcnet: narrow whole networks match PyTorch") {
  test::Golden g("mfrcnet");
  int n = 0;
  for (const auto& c : g.cases()) {
    if (c.params["kind"].as_string() != "net") continue;
    const std::string cfg_s = c.params["config"].as_string();
    MfrcNet net(MfrcNet::Config::from_json(Json::parse(cfg_s, "config")));
    test::det_fill_module_bn(net);
    const Tensor<float> x = test::det_input(test::shape_of(c.params["shape"]));
    const Tensor<float> y = net.forward(x);
    test::check_close(test::subsample(y, c.params["stride"].as_int64()), g.tensor(c, "y"), 1e-4, 1e-5,
                      cfg_s + " " + x.shape().str());
    ++n;
  }
  CHECK(n == 2);
}

TEST_CASE("mfrcnet: parameter names and order = the reference's state_dict keys") {
  test::Golden g("mfrcnet");
  int n = 0;
  for (const auto& c : g.cases()) {
    if (c.params["kind"].as_string() != "keys") continue;
    MfrcNet net(MfrcNet::Config::from_json(Json::parse(c.params["config"].as_string(), "config")));
    std::vector<std::string> expected;
    const Json& keys = c.params["keys"];
    for (size_t i = 0; i < keys.size(); ++i) expected.push_back(keys[i].as_string());
    std::vector<std::string> got;
    for (const auto& p : net.named_parameters()) got.push_back(p.name);
    CHECK(got == expected);
    ++n;
  }
  CHECK(n == 2);
}

TEST_CASE("mfrcnet: parameter counts and keys") {
  CHECK(MFRB(128).parameter_count() == 131584);  // part-a §3(b)
  CHECK(MFRB(256).parameter_count() == 525312);
  CHECK(MFRB(512).parameter_count() == 2099200);
  MfrcNet full;
  CHECK(full.parameter_count() == 59265154);     // 1→2
  MfrcNet::Config plain;
  plain.mfrb_levels.clear();
  CHECK(MfrcNet(plain).parameter_count() == 54409858);  // = pix2pix unet_256 (part-a §1(b))
  std::set<std::string> k;
  for (const auto& p : full.named_parameters()) k.insert(p.name);
  for (const char* key : {"model.model.0.weight", "model.model.3.weight", "model.model.3.bias",
                          "model.model.1.model.1.weight", "model.model.1.model.2.running_var",
                          "model.model.1.model.3.b1.0.weight", "model.model.1.model.3.b4.1.running_mean",
                          "model.model.1.model.3.fuse.0.weight", "model.model.1.model.3.fuse.1.bias",
                          "model.model.1.model.4.model.3.b2.0.weight", "model.model.1.model.6.weight",
                          "model.model.1.model.7.running_mean"})
    CHECK_MESSAGE(k.count(key) == 1, key);
  CHECK(full.model->submodule->mfrb->b4_0.params.dilation_h == 4);
  CHECK(full.model->submodule->mfrb->b4_0.params.pad_top == 4);
  // e6 (level 6) has no MFRB by default: pix2pix indices there.
  const MfrcUnetBlock* b = full.model.get();
  for (int level = 1; level < 6; ++level) b = b->submodule.get();
  CHECK(!b->mfrb);
}

TEST_CASE("mfrcnet: size constraint, config errors, registry round trip") {
  MfrcNet::Config c;
  c.ngf = 4;
  MfrcNet net(c);
  test::det_fill_module_bn(net);
  CHECK_THROWS_WITH_AS(net.forward(Tensor<float>::zeros({1, 1, 512, 200})),
                       doctest::Contains("mfrcnet: H and W must be positive multiples of 256 (8 stride-2 levels, "
                                         "exact-size skip concatenation), got [1,1,512,200]"),
                       Error);
  CHECK_THROWS_WITH_AS(net.forward(Tensor<float>::zeros({1, 3, 256, 256})), doctest::Contains("expected [N,1,H,W]"),
                       Error);
  CHECK_THROWS_WITH_AS(MfrcNet::Config::from_json(Json::parse("{\"mfrb_levels\": [1, 2]}", "cfg")),
                       doctest::Contains("mfrb_levels has 1"), Error);
  CHECK_THROWS_WITH_AS(MfrcNet::Config::from_json(Json::parse("{\"dilations\": [1, 2]}", "cfg")),
                       doctest::Contains("array of 3"), Error);
  CHECK_THROWS_WITH_AS(MfrcNet::Config::from_json(Json::parse("{\"ngf\": 3}", "cfg")), doctest::Contains("ngf=3"),
                       Error);
  CHECK_THROWS_WITH_AS(MFRB(6), doctest::Contains("C=6"), Error);

  const std::string path = test::temp_path("mfrcnet_narrow.safetensors");
  SafeTensorsWriter w;
  for (const auto& p : net.named_parameters()) w.add(p.name, *p.tensor);
  w.add("model.model.1.model.3.fuse.1.num_batches_tracked", Tensor<float>::zeros({1}));
  w.set_metadata("pixforge.arch", "mfrcnet");
  w.set_metadata("pixforge.config", "{\"ngf\": 4}");
  w.save(path);
  auto loaded = load_model(path);
  CHECK(loaded->info().arch == "mfrcnet");
  const Tensor<float> x = test::random_tensor({1, 1, 256, 256}, 5, -1.0f, 1.0f);
  test::check_close(loaded->forward(x), net.forward(x), 0, 0, "load_model round trip");
  // The same file read as a network without MFRBs: every MFRB key is unexpected.
  w.set_metadata("pixforge.config", "{\"ngf\": 4, \"mfrb_levels\": []}");
  w.save(path);
  CHECK_THROWS_WITH_AS(MfrcNet::load(path), doctest::Contains("model.model.1.model.3.b1.0.weight"), Error);
  std::remove(path.c_str());
}
