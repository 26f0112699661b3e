// Resource limits: limits().max_tensor_bytes makes the automatic tile size smaller instead of failing (and the
// tiled result is the untiled one), an explicit untiled run above it fails with limit_exceeded, and
// AllocationBudget (what load_model builds networks under) caps and nests.
#include "pixforge/models/tiny_sr.hpp"
#include "pixforge/pipeline.hpp"
#include "robustness_util.hpp"
#include "test_util.hpp"

using namespace pixforge;

namespace {
// Restores the process-wide limits when a test ends, whatever happens.
struct LimitsGuard {
  Limits saved = limits();
  ~LimitsGuard() { limits() = saved; }
};
}  // namespace

TEST_CASE("max_tensor_bytes: the automatic tile keeps under it, and the result equals the untiled run") {
  LimitsGuard guard;
  auto net = std::make_unique<TinySR>(TinySR::Config{32});
  uint32_t seed = 1;
  for (const NamedTensor& p : net->named_parameters())
    p.tensor->copy_from(test::random_tensor(p.tensor->shape(), seed++, -0.3f, 0.3f));
  const Pipeline pipe(std::move(net));
  const Tensor<float> x = test::random_tensor({1, 3, 97, 130}, 3, 0.0f, 1.0f);
  RunOptions untiled;
  untiled.tile = 0;
  const Tensor<float> expect = pipe.run_tensor(x, untiled);
  REQUIRE(pipe.plan(97, 130).count() == 1);  // the default limits: one tile

  // Untiled, conv1's output [1, 32, 97, 130] is 1.6 MB; in a tile of the 32-px minimum it is ~0.3 MB (the whole
  // [1, 3, 194, 260] result of run_tensor, 0.6 MB, is allocated either way).
  limits().max_tensor_bytes = 1 << 20;
  const TilePlan plan = pipe.plan(97, 130);
  INFO("tile ", plan.tile, ": ", plan.tiles_y, "x", plan.tiles_x, ", ~", plan.tile_bytes, " bytes estimated");
  CHECK(plan.count() > 1);
  test::check_close(pipe.run_tensor(x), expect, 0.0, 1e-5, "tiled under max_tensor_bytes");

  const test::Caught c = test::catch_error([&] { (void)pipe.run_tensor(x, untiled); });
  CHECK(c.code == ErrorCode::limit_exceeded);
  CHECK(c.what.find("exceeds limits().max_tensor_bytes") != std::string::npos);
}

TEST_CASE("AllocationBudget caps the bytes allocated while it lives, nests, and restores") {
  CHECK(detail::thread_allocation_budget() == -1);
  {
    AllocationBudget outer(1 << 20, "outer");
    (void)Tensor<float>::empty({1024});  // 4 KiB
    CHECK(detail::thread_allocation_budget() == (1 << 20) - 4096);
    {
      AllocationBudget inner(int64_t(1) << 40, "inner");  // cannot exceed the outer remainder
      CHECK(detail::thread_allocation_budget() == (1 << 20) - 4096);
      const test::Caught c = test::catch_error([] { (void)Tensor<float>::empty({1 << 20}); });
      CHECK(c.code == ErrorCode::limit_exceeded);
      CHECK(c.what.find("inner: allocation of 4194304 bytes exceeds the remaining allocation budget") !=
            std::string::npos);
      (void)Tensor<float>::empty({1024});
    }
    CHECK(detail::thread_allocation_budget() == (1 << 20) - 8192);  // the inner use is charged to the outer
  }
  CHECK(detail::thread_allocation_budget() == -1);
  (void)Tensor<float>::empty({1 << 20});  // no budget: fine
}

TEST_CASE("load_model builds a network only as large as the file's weights allow") {
  // A correct file loads (its network fits the budget derived from it)...
  const std::vector<uint8_t> good = test::model_file("tiny_sr", R"({"nf":16})");
  CHECK_NOTHROW((void)load_model(SafeTensors::from_bytes(good, "good.safetensors")));
  // ...the same weights with a config 256x larger are refused while building, naming the file and the config.
  SafeTensorsWriter w;
  const SafeTensors st = SafeTensors::from_bytes(good);
  for (const std::string& k : st.keys()) w.add(k, st.get(k));
  w.set_metadata("pixforge.arch", "tiny_sr");
  w.set_metadata("pixforge.config", R"({"nf":4096})");
  const test::Caught c =
      test::catch_error([&] { (void)load_model(SafeTensors::from_bytes(w.to_bytes(), "greedy.safetensors")); });
  INFO(c.what);
  CHECK(c.code == ErrorCode::limit_exceeded);
  CHECK(c.what.find("load_model 'greedy.safetensors', pixforge.config {\"nf\":4096}: the network is larger than the "
                    "weights in the file: allocation of") != std::string::npos);
}
