// U²-Net / U²-Net† (models/u2net.hpp) against the PyTorch reference tools/reference/u2net.py:
//   - RSU7, RSU4F and a BN-folded RSU4 block (rtol 1e-4 / atol 1e-5);
//   - narrow whole networks U2NET / 4 on 75×115 and U2NETP / 2 on 57×83 (odd sizes: ceil-mode pools, resize to the
//     skip's size) with randomised BN statistics (rtol 1e-3 / atol 1e-4);
//   tests/golden/u2net.safetensors (tools/golden/gen_u2net.py); weights and inputs are deterministic functions of
//   the state_dict keys (u2net_fill.hpp), so the file stores expected outputs only.
//   - parameter counts and official key names of the full-size networks, the registry, config and shape errors.
#include "pixforge/models/u2net.hpp"

#include <set>

#include "test_util.hpp"
#include "u2net_fill.hpp"

using namespace pixforge;

namespace {

std::set<std::string> keys_of(const Module& m) {
  std::set<std::string> k;
  for (const auto& p : m.named_parameters()) k.insert(p.name);
  return k;
}

}  // namespace

TEST_CASE("u2net: RSU blocks match PyTorch") {
  test::Golden g("u2net");
  int n = 0;
  for (const auto& c : g.cases()) {
    const std::string kind = c.params["kind"].as_string();
    if (kind == "net") continue;
    const int64_t h = c.params["height"].as_int64(), in = c.params["in_ch"].as_int64();
    const int64_t mid = c.params["mid_ch"].as_int64(), out = c.params["out_ch"].as_int64();
    const bool bn = !c.params.get_bool("bn_folded", false);
    std::unique_ptr<RSUBlock> block;
    if (h == 0) block = std::make_unique<RSU4F>(in, mid, out, bn);
    else block = std::make_unique<RSU>(h, in, mid, out, bn);
    test::det_fill_module(*block);
    const Json& s = c.params["shape"];
    const Tensor<float> x = test::det_input({s[0].as_int64(), s[1].as_int64(), s[2].as_int64(), s[3].as_int64()});
    test::check_close(block->forward(x), g.tensor(c, "y"), 1e-4, 1e-5, kind + " " + x.shape().str());
    ++n;
  }
  CHECK(n == 3);
}

TEST_CASE("u2net: narrow U2NET and U2NETP match PyTorch (odd sizes)") {
  test::Golden g("u2net");
  int n = 0;
  for (const auto& c : g.cases()) {
    if (c.params["kind"].as_string() != "net" || c.params["arch"].as_string() == "isnet") continue;
    const Json cfg_json = Json::parse(c.params["config"].as_string(), "config");
    const U2Net::Config cfg = U2Net::Config::from_json(cfg_json);
    U2Net net(cfg);
    test::det_fill_module(net);
    const Json& s = c.params["shape"];
    const Tensor<float> x = test::det_input({s[0].as_int64(), s[1].as_int64(), s[2].as_int64(), s[3].as_int64()});
    const std::vector<Tensor<float>> d = net.forward_all(x);
    REQUIRE(d.size() == 7);
    const std::string label = c.params["config"].as_string() + " " + x.shape().str();
    test::check_close(d[0], g.tensor(c, "pred"), 1e-3, 1e-4, label + " d0 (fused)");
    if (g.has(c, "last")) test::check_close(d[6], g.tensor(c, "last"), 1e-3, 1e-4, label + " d6");
    for (const auto& t : d) CHECK(t.shape() == Shape({1, 1, x.size(2), x.size(3)}));
    ++n;
  }
  CHECK(n == 2);
}

TEST_CASE("u2net: parameter counts and official state_dict keys") {
  U2Net full;
  CHECK(full.parameter_count() == 44009869);  // part-a §9(b)
  U2NetP small;
  CHECK(small.parameter_count() == 1131181);
  CHECK(small.info().arch == "u2netp");
  const auto k = keys_of(full);
  for (const char* key : {"stage1.rebnconvin.conv_s1.weight", "stage1.rebnconvin.bn_s1.running_var",
                          "stage1.rebnconv7.conv_s1.weight", "stage1.rebnconv6d.bn_s1.weight",
                          "stage5.rebnconv4.conv_s1.bias", "stage5d.rebnconv3d.conv_s1.weight",
                          "stage1d.rebnconv1d.bn_s1.running_mean", "side6.weight", "outconv.weight"})
    CHECK_MESSAGE(k.count(key) == 1, key);
  CHECK(k.count("stage1.rebnconv8.conv_s1.weight") == 0);
  // Dilations: RSU7's bottom conv has dilation 2, RSU4F's rebnconv4 dilation 8.
  const auto& st1 = static_cast<const RSU&>(*full.s.stage[0]);
  CHECK(st1.enc[6]->conv_s1.params.dilation_h == 2);
  const auto& st5 = static_cast<const RSU4F&>(*full.s.stage[4]);
  CHECK(st5.rebnconv4.conv_s1.params.dilation_h == 8);
  CHECK(st5.rebnconv4.conv_s1.params.pad_top == 8);

  U2Net::Config folded;
  folded.bn_folded = true;
  U2Net nf(folded);
  for (const auto& key : keys_of(nf)) CHECK_MESSAGE(key.find("bn_s1") == std::string::npos, key);
}

TEST_CASE("u2net: any input size, registry, errors") {
  U2Net::Config c;
  c.variant = "u2netp";
  c.width_divisor = 8;
  c.normalize = "imagenet";
  U2Net net(c);
  test::det_fill_module(net);
  for (const Shape& s : {Shape{1, 3, 1, 1}, Shape{1, 3, 2, 3}, Shape{2, 3, 33, 17}}) {
    const Tensor<float> x = test::random_tensor(s, 7, 0.0f, 1.0f);
    const Tensor<float> y = net.forward(x);
    CHECK(y.shape() == Shape({s[0], 1, s[2], s[3]}));
    for (int64_t i = 0; i < y.numel(); ++i) REQUIRE((y.data()[i] >= 0.0f && y.data()[i] <= 1.0f));
  }
  // forward() = forward_all(imagenet-normalised x)[0]
  const Tensor<float> x = test::random_tensor({1, 3, 9, 10}, 3, 0.0f, 1.0f);
  Tensor<float> xn = Tensor<float>::empty(x.shape());
  const float mean[3] = {0.485f, 0.456f, 0.406f}, sd[3] = {0.229f, 0.224f, 0.225f};
  for (int64_t i = 0; i < x.numel(); ++i) xn.data()[i] = (x.data()[i] - mean[i / 90]) / sd[i / 90];
  test::check_close(net.forward(x), net.forward_all(xn)[0], 1e-6, 1e-7, "forward = imagenet + forward_all");

  CHECK_THROWS_WITH_AS(net.forward(Tensor<float>::zeros({1, 4, 8, 8})), doctest::Contains("[1,4,8,8]"), Error);
  Json bad = Json::object();
  bad.set("variant", Json::string("u3net"));
  CHECK_THROWS_WITH_AS(U2Net::Config::from_json(bad), doctest::Contains("u3net"), Error);
  Json badn = Json::object();
  badn.set("normalize", Json::string("zscore"));
  CHECK_THROWS_WITH_AS(U2Net::Config::from_json(badn), doctest::Contains("zscore"), Error);

  // load_model builds u2netp from the metadata and loads the weights.
  const std::string path = test::temp_path("u2netp_narrow.safetensors");
  SafeTensorsWriter w;
  for (const auto& p : net.named_parameters()) w.add(p.name, *p.tensor);
  w.set_metadata("pixforge.arch", "u2netp");
  w.set_metadata("pixforge.config", "{\"width_divisor\": 8}");
  w.save(path);
  auto loaded = load_model(path);
  CHECK(loaded->info().arch == "u2netp");
  CHECK(loaded->info().task == "segment");
  CHECK(loaded->info().out_channels == 1);
  test::check_close(loaded->forward(x), net.forward(x), 0, 0, "load_model round trip");
  std::remove(path.c_str());
}
