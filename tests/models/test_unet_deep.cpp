// The one-level-deeper pix2pix U-Net (unet_deep.hpp, part-a.md §2) against tools/reference/pix2pix.py at 512x512
// (narrow ngf, batch and instance norm), its full-size parameter counts, and the ×512 input constraint.
// Goldens: tools/golden/gen_pix2pix.py (tiled 512² input, every 16th output pixel stored).
#include "pix2pix_test_util.hpp"
#include "pixforge/models/unet_deep.hpp"

using namespace pixforge;
using namespace pix2pix_test;

TEST_CASE("unet_deep: narrow 9-level networks match PyTorch at 512x512") {
  test::Golden g("unet_deep");
  int n = 0;
  for (const auto& c : g.cases()) {
    UnetDeep::Config cfg;
    static_cast<UnetGenerator::Config&>(cfg) = unet_config(c);
    REQUIRE(cfg.num_downs == 9);
    UnetDeep net(cfg);
    load_case_weights(net, g, c);
    const Tensor<float> x = repeat_tile(g.tensor(c, "x_tile"), c.params["tiles"].as_int64());
    REQUIRE(x.size(2) == 512);
    const Tensor<float> y = net.forward(x);
    CHECK(y.size(1) == cfg.output_nc);
    CHECK(y.size(2) == 512);
    test::check_close(subsample(y, c.params["stride"].as_int64()), g.tensor(c, "y_sub"), 1e-4, 1e-5,
                      c.params["what"].as_string());
    ++n;
  }
  CHECK(n == 2);
}

TEST_CASE("unet_deep: full-size parameter counts (part-a §2(b)) and the innermost key") {
  struct Row {
    int64_t in, out, count;
  };
  for (const Row& r : {Row{1, 2, 66994818}, Row{1, 3, 66996867}, Row{3, 3, 66998915}}) {
    UnetDeep::Config full;
    CHECK(full.num_downs == 9);
    full.input_nc = r.in;
    full.output_nc = r.out;
    CHECK(UnetDeep(full).parameter_count() == r.count);
  }
  UnetDeep::Config cfg;
  cfg.ngf = 1;
  UnetDeep net(cfg);
  std::string inner = "model";
  for (int i = 0; i < 8; ++i) inner += ".model." + std::string(i == 0 ? "1" : "3");
  bool seen = false;
  for (const auto& p : net.named_parameters())
    if (p.name == inner + ".model.4.running_var") seen = true;
  CHECK_MESSAGE(seen, "expected the innermost upnorm at ", inner, ".model.4");
}

TEST_CASE("unet_deep: registry, the x512 constraint and clear errors") {
  const auto archs = registered_archs();
  CHECK(std::find(archs.begin(), archs.end(), "unet_deep") != archs.end());
  const UnetDeep::Config dflt = UnetDeep::Config::from_json(Json::object());
  CHECK(dflt.num_downs == 9);
  UnetDeep::Config cfg;
  cfg.ngf = 1;
  UnetDeep net(cfg);
  CHECK(net.info().arch == "unet_deep");
  CHECK(net.info().size_multiple == 512);
  CHECK_THROWS_WITH_AS(net.forward(Tensor<float>::zeros({1, 1, 256, 256})),
                       doctest::Contains("unet_deep: input [1,1,256,256]: H and W must be multiples of 512"), Error);
  CHECK_THROWS_WITH_AS(UnetDeep::Config::from_json(Json::parse(R"({"norm":"none"})", "cfg")),
                       doctest::Contains("unet_deep: config norm='none'"), Error);
  // A pix2pix_unet weight file is not a unet_deep one.
  SafeTensorsWriter w;
  w.add("model.model.0.weight", Tensor<float>::zeros({1, 1, 4, 4}));
  w.set_metadata("pixforge.arch", "pix2pix_unet");
  const std::string path = test::temp_path("unet_deep_other.safetensors");
  w.save(path);
  CHECK_THROWS_WITH_AS(UnetDeep::load(path), doctest::Contains("holds a 'pix2pix_unet' network"), Error);
  std::remove(path.c_str());
}
