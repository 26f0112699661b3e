// Tests for ops/spatial_attention.hpp: CBAM spatial gate (both pooled orders, with/without bias, k = 3/7) and the
// CBAM block — parallel path vs reference, PyTorch goldens (incl. a folded BatchNorm), bad arguments, threads.
#include "pixforge/ops/spatial_attention.hpp"

#include <functional>

#include "test_util.hpp"

using namespace pixforge;
using test::check_close;
using test::random_tensor;

namespace {
std::string err_msg(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.message();
  }
  return "";
}

SpatialAttentionWeights random_spatial(int64_t k, bool bias, uint32_t seed) {
  SpatialAttentionWeights w;
  w.weight = random_tensor({1, 2, k, k}, seed, -0.5f, 0.5f);
  if (bias) w.bias = random_tensor({1}, seed + 1);
  return w;
}
}  // namespace

TEST_CASE("cbam_spatial_attention_parallel matches the reference") {
  struct Case {
    Shape x;
    int64_t k;
    bool bias;
  };
  // Maps smaller than the kernel, 1×1, odd sizes, N > 1, C = 1, k = 1/3/7.
  const std::vector<Case> cases = {{{1, 3, 1, 1}, 7, true},   {{2, 16, 5, 7}, 7, false}, {{1, 5, 13, 10}, 7, true},
                                   {{1, 7, 9, 12}, 3, true},  {{3, 1, 6, 4}, 7, false},  {{1, 4, 2, 9}, 1, true},
                                   {{2, 33, 17, 19}, 7, true}};
  uint32_t seed = 1;
  for (const Case& c : cases)
    for (ChannelPoolOrder order : {ChannelPoolOrder::max_mean, ChannelPoolOrder::mean_max}) {
      const Tensor<float> x = random_tensor(c.x, seed++, -2.0f, 2.0f);
      const SpatialAttentionWeights w = random_spatial(c.k, c.bias, seed++);
      SpatialAttentionParams p;
      p.pool_order = order;
      const std::string label = "cbam_spatial_attention x=" + c.x.str() + " k=" + std::to_string(c.k) +
                                (order == ChannelPoolOrder::max_mean ? " [max,mean]" : " [mean,max]");
      const Tensor<float> ref = cbam_spatial_attention_ref(x, w, p);
      check_close(cbam_spatial_attention_parallel(x, w, p), ref, 1e-5, 1e-6, label);
      check_close(cbam_spatial_attention(x, w, p), ref, 1e-5, 1e-6, label + " (dispatch)");
    }
}

TEST_CASE("cbam_spatial_attention: the pooled order matters") {
  const Tensor<float> x = random_tensor({1, 6, 5, 5}, 3, -2.0f, 2.0f);
  const SpatialAttentionWeights w = random_spatial(7, true, 4);
  SpatialAttentionParams a, b;
  b.pool_order = ChannelPoolOrder::mean_max;
  const test::CloseReport r = test::compare_close(cbam_spatial_attention(x, w, a), cbam_spatial_attention(x, w, b),
                                                  1e-4, 1e-5);
  CHECK_MESSAGE(!r.ok, "[max,mean] and [mean,max] gave the same output");
}

TEST_CASE("spatial attention and CBAM match PyTorch goldens") {
  test::Golden g("spatial_attention");
  int spatial = 0, block = 0;
  for (const auto& c : g.cases()) {
    auto get = [&](const std::string& key) { return g.tensor(c, key); };
    const Tensor<float> x = g.tensor(c, "x"), y = g.tensor(c, "y");
    const std::string kind = c.params["kind"].as_string();
    std::string label = c.name + " " + kind + " x=" + x.shape().str();
    if (kind == "spatial") {
      const SpatialAttentionWeights w = SpatialAttentionWeights::load(get, "", c.params["bias"].as_bool());
      SpatialAttentionParams p;
      const std::string order = c.params["order"].as_string();
      p.pool_order = order == "max_mean" ? ChannelPoolOrder::max_mean : ChannelPoolOrder::mean_max;
      label += " " + order + " k=" + std::to_string(w.weight.size(2));
      check_close(cbam_spatial_attention(x, w, p), y, 1e-4, 1e-5, label);
      check_close(cbam_spatial_attention_ref(x, w, p), y, 1e-4, 1e-5, label + " ref");
      ++spatial;
    } else {
      CbamWeights w;
      w.channel = CbamChannelWeights::load(get, "channel.");
      w.spatial = SpatialAttentionWeights::load(get, "spatial.");
      check_close(cbam(x, w), y, 1e-4, 1e-5, label);
      check_close(cbam_ref(x, w), y, 1e-4, 1e-5, label + " ref");
      ++block;
    }
  }
  CHECK(spatial >= 6);
  CHECK(block >= 2);
}

TEST_CASE("cbam_spatial_attention rejects bad arguments") {
  const Tensor<float> x = random_tensor({1, 8, 6, 6}, 1);
  SpatialAttentionWeights w = random_spatial(7, true, 2);
  w.weight = random_tensor({1, 3, 7, 7}, 3);
  CHECK_THROWS_AS(cbam_spatial_attention(x, w), Error);
  const std::string m = err_msg([&] { cbam_spatial_attention(x, w); });
  CHECK(m.find("cbam_spatial_attention") != std::string::npos);
  CHECK(m.find("[1,3,7,7]") != std::string::npos);
  w.weight = random_tensor({1, 2, 4, 4}, 3);  // even kernel
  CHECK_THROWS_AS(cbam_spatial_attention(x, w), Error);
  w = random_spatial(7, true, 2);
  w.bias = random_tensor({2}, 4);
  CHECK(err_msg([&] { cbam_spatial_attention(x, w); }).find("bias") != std::string::npos);
  CHECK_THROWS_AS(cbam_spatial_attention(random_tensor({8, 6, 6}, 5), random_spatial(7, true, 2)), Error);
  CHECK_THROWS_AS(cbam_spatial_attention(Tensor<float>::zeros({1, 0, 3, 3}), random_spatial(7, true, 2)), Error);
}

TEST_CASE("cbam gives identical bits for 1 and 2 threads") {
  const Tensor<float> x = random_tensor({2, 40, 21, 18}, 1);
  CbamWeights w;
  w.channel.mlp_1 = {random_tensor({5, 40}, 2, -0.2f, 0.2f), random_tensor({5}, 3)};
  w.channel.mlp_3 = {random_tensor({40, 5}, 4, -0.4f, 0.4f), random_tensor({40}, 5)};
  w.spatial = random_spatial(7, true, 6);
  set_num_threads(1);
  const Tensor<float> a = cbam(x, w);
  set_num_threads(2);
  const Tensor<float> b = cbam(x, w);
  set_num_threads(0);
  test::check_equal(b, a, "cbam [2,40,21,18]");
}
