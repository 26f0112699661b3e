// TinySR, the demo network, against PyTorch with its real trained weights, plus its error paths.
#include "pixforge/models/tiny_sr.hpp"
#include "test_util.hpp"

using namespace pixforge;

namespace {
const std::string kWeights = test::source_path("weights/tiny-sr-2x.safetensors");
}

TEST_CASE("tiny_sr: whole network matches PyTorch (trained weights)") {
  auto net = TinySR::load(kWeights);
  CHECK(net->parameter_count() == 15148);
  test::Golden g("tiny_sr");
  for (const auto& c : g.cases()) {
    const Tensor<float> y = net->forward(g.tensor(c, "x"));
    test::check_close(y, g.tensor(c, "y"), 1e-4, 1e-5, c.params["what"].as_string());
  }
}

TEST_CASE("tiny_sr: identical output for 1 and 2 threads") {
  auto net = TinySR::load(kWeights);
  const Tensor<float> x = test::random_tensor({1, 3, 37, 29}, 3, 0.0f, 1.0f);
  set_num_threads(1);
  const Tensor<float> a = net->forward(x);
  set_num_threads(2);
  const Tensor<float> b = net->forward(x);
  set_num_threads(0);
  test::check_equal(a, b, "threads 1 vs 2");
}

TEST_CASE("tiny_sr: bad inputs give clear errors") {
  auto net = TinySR::load(kWeights);
  CHECK_THROWS_WITH_AS(net->forward(Tensor<float>::zeros({1, 4, 8, 8})),
                       doctest::Contains("tiny_sr: expected an RGB tensor [N,3,H,W], got [1,4,8,8]"), Error);
  // A weight file of another network is refused by its metadata.
  SafeTensorsWriter w;
  w.add("conv_first.weight", Tensor<float>::zeros({4, 3, 3, 3}));
  w.set_metadata("pixforge.arch", "rrdbnet");
  const std::string other = test::temp_path("other.safetensors");
  w.save(other);
  CHECK_THROWS_WITH_AS(TinySR::load(other), doctest::Contains("holds a 'rrdbnet' network"), Error);
  // Same keys as expected but wrong shapes (a wider network): all listed at once.
  SafeTensorsWriter wide;
  TinySR::Config cfg;
  cfg.nf = 8;
  TinySR small(cfg);
  for (const auto& p : small.named_parameters()) wide.add(p.name, *p.tensor);
  wide.save(other);
  CHECK_THROWS_WITH_AS(TinySR::load(other), doctest::Contains("0 missing, 0 unexpected, 5 wrong shape"), Error);
  std::remove(other.c_str());
}

TEST_CASE("model registry: load_model builds tiny_sr from the file's metadata alone") {
  const auto archs = registered_archs();
  CHECK(std::find(archs.begin(), archs.end(), "tiny_sr") != archs.end());
  std::unique_ptr<ImageModel> m = load_model(kWeights);
  CHECK(m->info().arch == "tiny_sr");
  CHECK(m->info().scale == 2);
  const Tensor<float> x = test::random_tensor({1, 3, 9, 11}, 4, 0.0f, 1.0f);
  test::check_equal(m->forward(x), TinySR::load(kWeights)->forward(x), "registry vs direct");

  SafeTensorsWriter w;
  w.add("x", Tensor<float>::zeros({1}));
  const std::string path = test::temp_path("noarch.safetensors");
  w.save(path);
  CHECK_THROWS_WITH_AS(load_model(path), doctest::Contains("no pixforge.arch in the metadata"), Error);
  w.set_metadata("pixforge.arch", "no_such_net");
  w.save(path);
  CHECK_THROWS_WITH_AS(load_model(path), doctest::Contains("architecture 'no_such_net' is not built into this program"),
                       Error);
  std::remove(path.c_str());
}
