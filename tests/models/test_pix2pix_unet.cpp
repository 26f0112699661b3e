// pix2pix U-Net generator (pix2pix_unet.hpp) against the PyTorch reference tools/reference/pix2pix.py:
// UnetSkipConnectionBlock on its own, narrow whole networks (batch / instance norm, batch statistics, Lab 1->2,
// RGB 3->3, grey 1->3), the full-depth unet_256 at 256x256, the official key layout, the full-size parameter counts
// of part-a.md §1(b), and the error paths. Goldens: tools/golden/gen_pix2pix.py.
#include "pix2pix_test_util.hpp"
#include "pixforge/models/pix2pix_unet.hpp"

using namespace pixforge;
using namespace pix2pix_test;

TEST_CASE("pix2pix_unet: UnetSkipConnectionBlock (middle wrapping innermost) matches PyTorch") {
  test::Golden g("pix2pix_unet");
  int n = 0;
  for (const auto& c : g.cases()) {
    if (!c.params.contains("block")) continue;
    using Kind = UnetSkipConnectionBlock::Kind;
    UnetSkipConnectionBlock::Options o;
    o.norm = c.params["norm"].as_string() == "instance" ? Pix2PixNorm2d::Kind::instance : Pix2PixNorm2d::Kind::batch;
    o.outer_nc = c.params["outer_nc"].as_int64();
    o.inner_nc = c.params["inner_nc"].as_int64();
    UnetSkipConnectionBlock::Options io = o;
    io.outer_nc = io.inner_nc;
    io.kind = Kind::innermost;
    UnetSkipConnectionBlock blk(o, std::make_unique<UnetSkipConnectionBlock>(io, nullptr));
    load_case_weights(blk, g, c);
    // relu(block(x)): what the parent level sees (PyTorch's in-place LeakyReLU changes the skip half before that).
    test::check_close(relu(blk(g.tensor(c, "x"))), g.tensor(c, "y"), 1e-4, 1e-5, c.params["what"].as_string());
    ++n;
  }
  CHECK(n == 2);
}

TEST_CASE("pix2pix_unet: narrow whole networks match PyTorch") {
  test::Golden g("pix2pix_unet");
  int n = 0;
  for (const auto& c : g.cases()) {
    if (c.params.contains("block")) continue;
    UnetGenerator net(unet_config(c));
    load_case_weights(net, g, c);
    const std::string what = c.params["what"].as_string();
    if (g.has(c, "x")) {
      test::check_close(net.forward(g.tensor(c, "x")), g.tensor(c, "y"), 1e-4, 1e-5, what);
    } else {
      const Tensor<float> x = repeat_tile(g.tensor(c, "x_tile"), c.params["tiles"].as_int64());
      CHECK(x.size(2) == 256);
      const Tensor<float> y = net.forward(x);
      CHECK(y.shape().str() == "[1," + std::to_string(c.params["output_nc"].as_int64()) + ",256,256]");
      test::check_close(subsample(y, c.params["stride"].as_int64()), g.tensor(c, "y_sub"), 1e-4, 1e-5, what);
    }
    ++n;
  }
  CHECK(n == 5);
}

TEST_CASE("pix2pix_unet: batch-statistics mode differs from eval statistics") {
  // The batch-statistics golden case run with eval statistics must not match (the option is really used).
  test::Golden g("pix2pix_unet");
  for (const auto& c : g.cases()) {
    if (c.params.contains("block") || !c.params["batch_stats"].as_bool()) continue;
    UnetGenerator::Config cfg = unet_config(c);
    cfg.batch_stats = false;
    UnetGenerator net(cfg);
    load_case_weights(net, g, c);
    const Tensor<float> y = net.forward(g.tensor(c, "x"));
    const Tensor<float> ref = g.tensor(c, "y");
    double max_diff = 0;
    for (int64_t i = 0; i < y.numel(); ++i) max_diff = std::max(max_diff, double(std::fabs(y.data()[i] - ref.data()[i])));
    CHECK(max_diff > 1e-2);
  }
}

TEST_CASE("pix2pix_unet: official state_dict keys and full-size parameter counts (part-a §1(b))") {
  UnetGenerator::Config cfg;
  cfg.ngf = 2;
  cfg.num_downs = 6;
  UnetGenerator small(cfg);
  const auto params = small.named_parameters();
  REQUIRE(params.size() >= 6);
  CHECK(params[0].name == "model.model.0.weight");
  // PyTorch's state_dict order (depth first through the nested Sequentials).
  CHECK(params[1].name == "model.model.1.model.1.weight");
  CHECK(params[2].name == "model.model.1.model.2.weight");
  CHECK(params[3].name == "model.model.1.model.2.bias");
  CHECK(params[4].name == "model.model.1.model.2.running_mean");
  CHECK(params[params.size() - 2].name == "model.model.3.weight");
  CHECK(params.back().name == "model.model.3.bias");
  bool innermost_seen = false;
  for (const auto& p : params)
    if (p.name == "model.model.1.model.3.model.3.model.3.model.3.model.4.running_var") innermost_seen = true;
  CHECK(innermost_seen);

  struct Row {
    int64_t in, out, count;
  };
  for (const Row& r : {Row{1, 2, 54409858}, Row{1, 3, 54411907}, Row{3, 3, 54413955}}) {
    UnetGenerator::Config full;
    full.input_nc = r.in;
    full.output_nc = r.out;
    CHECK(UnetGenerator(full).parameter_count() == r.count);
  }
  UnetGenerator::Config inst;
  inst.norm = "instance";
  UnetGenerator in_net(inst);
  for (const auto& p : in_net.named_parameters()) CHECK(p.name.find("running") == std::string::npos);
}

TEST_CASE("pix2pix_unet: registry, info and clear errors") {
  const auto archs = registered_archs();
  CHECK(std::find(archs.begin(), archs.end(), "pix2pix_unet") != archs.end());
  UnetGenerator::Config cfg;
  cfg.ngf = 1;
  UnetGenerator net(cfg);
  CHECK(net.info().size_multiple == 256);
  CHECK(net.info().task == "colorize");
  CHECK(net.info().in_channels == 1);
  CHECK(net.info().out_channels == 2);
  CHECK(net.info().range == Range::symmetric);
  CHECK_THROWS_WITH_AS(net.forward(Tensor<float>::zeros({1, 1, 256, 200})),
                       doctest::Contains("pix2pix_unet: input [1,1,256,200]: H and W must be multiples of 256"), Error);
  CHECK_THROWS_WITH_AS(net.forward(Tensor<float>::zeros({1, 3, 256, 256})),
                       doctest::Contains("pix2pix_unet: expected [N,1,H,W], got [1,3,256,256]"), Error);
  CHECK_THROWS_WITH_AS(UnetGenerator::Config::from_json(Json::parse(R"({"norm":"group"})", "cfg")),
                       doctest::Contains("pix2pix_unet: config norm='group'"), Error);
  CHECK_THROWS_WITH_AS(UnetGenerator::Config::from_json(Json::parse(R"({"num_downs":4})", "cfg")),
                       doctest::Contains("config num_downs=4 out of range"), Error);
  CHECK_THROWS_WITH_AS(UnetGenerator::Config::from_json(Json::parse(R"({"norm":"instance","batch_stats":true})", "cfg")),
                       doctest::Contains("batch_stats applies to norm=batch only"), Error);

  // The Gabor-input variant's config: the number of maps must be input_nc.
  const auto gcfg = UnetGenerator::Config::from_json(
      Json::parse(R"({"input_nc":1,"output_nc":3,"gabor":{"maps":"single","ksize":7,"theta":0}})", "cfg"));
  CHECK(gcfg.has_gabor);
  CHECK(gcfg.gabor.num_maps() == 1);
  CHECK(gcfg.gabor.ksize == 7);
  CHECK(UnetGenerator::Config::from_json(Json::parse(R"({"input_nc":24,"output_nc":3,"gabor":{"maps":"bank"}})", "cfg"))
            .gabor.maps == Pix2PixGaborConfig::Maps::bank);
  CHECK_THROWS_WITH_AS(
      UnetGenerator::Config::from_json(Json::parse(R"({"input_nc":1,"output_nc":3,"gabor":{"maps":"max_over_scales"}})", "cfg")),
      doctest::Contains("pix2pix_unet: config gabor gives 4 input maps but input_nc=1"), Error);

  // Save a narrow net with metadata; load_model rebuilds it from the file alone; a wrong-depth file is refused.
  UnetGenerator::Config small;
  small.ngf = 2;
  small.num_downs = 5;
  small.input_nc = 3;
  small.output_nc = 3;
  UnetGenerator a(small);
  uint32_t seed = 1;
  for (const auto& p : a.named_parameters()) *p.tensor = test::random_tensor(p.tensor->shape(), seed++, 0.5f, 1.0f);
  SafeTensorsWriter w;
  for (const auto& p : a.named_parameters()) w.add(p.name, *p.tensor);
  w.set_metadata("pixforge.arch", "pix2pix_unet");
  w.set_metadata("pixforge.config", R"({"input_nc":3,"output_nc":3,"num_downs":5,"ngf":2})");
  const std::string path = test::temp_path("pix2pix_unet.safetensors");
  w.save(path);
  std::unique_ptr<ImageModel> m = load_model(path);
  CHECK(m->info().arch == "pix2pix_unet");
  CHECK(m->info().task == "translate");
  const Tensor<float> x = test::random_tensor({1, 3, 32, 64}, 7);
  test::check_equal(m->forward(x), a.forward(x), "registry vs direct");
  w.set_metadata("pixforge.config", R"({"input_nc":3,"output_nc":3,"num_downs":6,"ngf":2})");
  w.save(path);
  CHECK_THROWS_WITH_AS(UnetGenerator::load(path), doctest::Contains("missing"), Error);
  std::remove(path.c_str());
}
