// DeblurGAN ResnetGenerator against the PyTorch reference tools/reference/deblurgan.py:
//   - ResnetBlock and narrow whole generators (ngf 4; with/without dropout key layout, with/without learn_residual,
//     N = 1 and 2) with seeded random fp16-rounded weights (tests/golden/deblurgan.safetensors,
//     tools/golden/gen_deblurgan.py);
//   - full-size parameter counts (9 / 5 / 6 blocks) against architectures/part-a.md §7(b) and the key layout;
//   - the repo's stale InstanceNorm running stats are ignored; bad inputs/configs/one-conv checkpoints give errors.
#include "pixforge/models/deblurgan.hpp"

#include <set>

#include "test_util.hpp"

using namespace pixforge;

namespace {

DeblurGAN::Config small_config() {
  DeblurGAN::Config c;
  c.ngf = 2;
  c.n_blocks = 1;
  return c;
}

void fill_random(Module& m, uint32_t seed) {
  for (const auto& p : m.named_parameters()) {
    const Tensor<float> r = test::random_tensor(p.tensor->shape(), seed++, -0.5f, 0.5f);
    std::copy(r.data(), r.data() + r.numel(), p.tensor->data());
  }
}

}  // namespace

TEST_CASE("deblurgan: ResnetBlock matches PyTorch") {
  test::Golden g("deblurgan");
  int n = 0;
  for (const auto& c : g.cases()) {
    if (c.params["kind"].as_string() != "block") continue;
    deblurgan::ResnetBlock block(c.params["channels"].as_int64(), c.params["use_dropout"].as_bool());
    load_case_weights(block, g, c);
    const Tensor<float> x = g.tensor(c, "x");
    test::check_close(block.forward(x), g.tensor(c, "y"), 1e-4, 1e-5, "ResnetBlock " + x.shape().str());
    ++n;
  }
  CHECK(n == 1);
}

TEST_CASE("deblurgan: narrow whole generators match PyTorch") {
  test::Golden g("deblurgan");
  int n = 0;
  for (const auto& c : g.cases()) {
    if (c.params["kind"].as_string() != "net") continue;
    DeblurGAN::Config cfg;
    cfg.ngf = c.params["ngf"].as_int64();
    cfg.n_blocks = c.params["n_blocks"].as_int64();
    cfg.use_dropout = c.params["use_dropout"].as_bool();
    cfg.learn_residual = c.params["learn_residual"].as_bool();
    if (c.params.contains("one_conv") && c.params["one_conv"].as_bool()) cfg.block = "one_conv";
    DeblurGAN net(cfg);
    std::vector<std::string> keys;
    for (const auto& p : net.named_parameters()) keys.push_back(p.name);
    bool dropout = !cfg.use_dropout;
    CHECK(DeblurGAN::detect_block_variant(keys, &dropout) == cfg.block);
    if (cfg.block == "two_conv") CHECK(dropout == cfg.use_dropout);
    load_case_weights(net, g, c);
    const Tensor<float> x = g.tensor(c, "x");
    const Tensor<float> y = net.forward(x);
    CHECK(y.shape() == x.shape());
    test::check_close(y, g.tensor(c, "y"), 1e-4, 1e-5,
                      "net " + std::to_string(cfg.n_blocks) + " blocks " + x.shape().str() +
                          (cfg.learn_residual ? " learn_residual " : " ") + cfg.block +
                          (cfg.use_dropout ? " dropout" : ""));
    ++n;
  }
  CHECK(n == 4);
}

TEST_CASE("deblurgan: full-size parameter counts and key layout") {
  const std::pair<int64_t, int64_t> counts[] = {{9, 11378179}, {5, 6657539}, {6, 7837699}};  // part-a §7(b)
  for (const auto& nc : counts) {
    DeblurGAN::Config cfg;
    cfg.n_blocks = nc.first;
    DeblurGAN net(cfg);
    CHECK_MESSAGE(net.parameter_count() == nc.second, nc.first, " blocks");
  }
  DeblurGAN::Config one;
  one.block = "one_conv";  // half the block parameters (part-a §7(b): each two-conv block has 1,180,160)
  CHECK(DeblurGAN(one).parameter_count() == 11378179 - 9 * 1180160 / 2);
  DeblurGAN net;  // 9 blocks, dropout: the released checkpoint's layout (same as pix2pix resnet_9blocks)
  std::set<std::string> keys;
  for (const auto& p : net.named_parameters()) keys.insert(p.name);
  for (const char* k : {"model.1.weight", "model.4.bias", "model.7.weight", "model.10.conv_block.1.weight",
                        "model.18.conv_block.6.bias", "model.19.weight", "model.22.weight", "model.26.bias"})
    CHECK_MESSAGE(keys.count(k) == 1, k);
  CHECK(keys.size() == 2 * (3 + 2 * 9 + 2 + 1));
  CHECK(net.info().range == Range::symmetric);
  CHECK(net.info().size_multiple == 4);
}

TEST_CASE("deblurgan: checkpoint with running stats loads via load_model; one-conv checkpoints refused") {
  DeblurGAN src(small_config());
  fill_random(src, 3);
  SafeTensorsWriter w;
  for (const auto& p : src.named_parameters()) w.add(p.name, *p.tensor);
  // track_running_stats=True leftovers: ignored (per-instance statistics are always used).
  for (const char* k : {"model.2", "model.10.conv_block.2", "model.10.conv_block.7", "model.15"}) {
    w.add(std::string(k) + ".running_mean", Tensor<float>::full({2}, 50.0f));
    w.add(std::string(k) + ".running_var", Tensor<float>::full({2}, 1e-3f));
    w.add(std::string(k) + ".num_batches_tracked", Tensor<float>::zeros({}));
  }
  w.set_metadata("pixforge.arch", "deblurgan");
  w.set_metadata("pixforge.config", "{\"ngf\": 2, \"n_blocks\": 1}");
  const std::string path = test::temp_path("deblurgan_small.safetensors");
  w.save(path);
  const Tensor<float> x = test::random_tensor({1, 3, 12, 8}, 7, -1.0f, 1.0f);
  auto net = DeblurGAN::load(path);
  CHECK(net->config().ngf == 2);
  const Tensor<float> y = net->forward(x);
  test::check_equal(y, src.forward(x), "loaded vs source");
  for (int64_t i = 0; i < y.numel(); ++i) REQUIRE(std::abs(y.data()[i]) <= 1.0f);
  std::unique_ptr<ImageModel> m = load_model(path);
  CHECK(m->info().arch == "deblurgan");
  test::check_equal(m->forward(x), y, "load_model vs source");

  // A HEAD-variant (one conv per block) checkpoint lacks conv_block.6: reported as missing by a two_conv model.
  SafeTensorsWriter one;
  for (const auto& p : src.named_parameters())
    if (p.name.find("conv_block.6") == std::string::npos) one.add(p.name, *p.tensor);
  one.set_metadata("pixforge.arch", "deblurgan");
  one.set_metadata("pixforge.config", "{\"ngf\": 2, \"n_blocks\": 1}");
  one.save(path);
  CHECK_THROWS_WITH_AS(DeblurGAN::load(path), doctest::Contains("model.10.conv_block.6.weight"), Error);
  // The same file declared as one_conv loads (its first conv and the rest of the network are used as is).
  one.set_metadata("pixforge.config", "{\"ngf\": 2, \"n_blocks\": 1, \"block\": \"one_conv\"}");
  one.save(path);
  auto one_net = DeblurGAN::load(path);
  CHECK(one_net->config().block == "one_conv");
  CHECK(one_net->forward(x).shape() == x.shape());
  std::remove(path.c_str());
}

TEST_CASE("deblurgan: bad inputs and configs give clear errors") {
  DeblurGAN net(small_config());
  CHECK_THROWS_WITH_AS(net.forward(Tensor<float>::zeros({1, 1, 16, 16})),
                       doctest::Contains("deblurgan: expected a tensor [N,3,H,W] in [-1,1], got [1,1,16,16]"), Error);
  CHECK_THROWS_WITH_AS(net.forward(Tensor<float>::zeros({1, 3, 16, 250})),
                       doctest::Contains("deblurgan: H and W must be multiples of 4 and at least 8, got [1,3,16,250]"),
                       Error);
  CHECK_THROWS_WITH_AS(net.forward(Tensor<float>::zeros({1, 3, 4, 16})), doctest::Contains("at least 8"), Error);
  CHECK_THROWS_WITH_AS(DeblurGAN::Config::from_json(Json::parse("{\"norm\": \"batch\"}", "test")),
                       doctest::Contains("deblurgan: config norm='batch' is not supported"), Error);
  CHECK_THROWS_WITH_AS(DeblurGAN::Config::from_json(Json::parse("{\"block\": \"three\"}", "test")),
                       doctest::Contains("deblurgan: config block='three' must be 'two_conv' or 'one_conv'"), Error);
  CHECK_THROWS_WITH_AS(DeblurGAN::Config::from_json(Json::parse("{\"ngf\": 0}", "test")),
                       doctest::Contains("deblurgan: config ngf=0 out of range"), Error);
  CHECK_THROWS_WITH_AS(DeblurGAN::Config::from_json(Json::parse("{\"output_nc\": 1}", "test")),
                       doctest::Contains("learn_residual needs input_nc == output_nc"), Error);
}
