// Tests for ops/scaled_dot_product_attention.hpp: blocked path vs reference, PyTorch goldens, stability,
// bad arguments, thread-count independence.
#include "pixforge/ops/scaled_dot_product_attention.hpp"

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
}  // namespace

TEST_CASE("detail::exp_nonpositive is within a few ulp of std::exp") {
  double worst = 0.0;
  int nonzero_below = 0;
  for (int i = 0; i <= 200000; ++i) {
    const float x = -90.0f * float(i) / 200000.0f;
    const double e = std::exp(double(x)), a = detail::exp_nonpositive(x);
    if (x < -87.0f) {
      nonzero_below += a != 0.0;
      continue;
    }
    worst = std::max(worst, std::fabs(a - e) / e);
  }
  CHECK_MESSAGE(worst < 5e-7, "max relative error ", worst);
  CHECK(nonzero_below == 0);
  CHECK(detail::exp_nonpositive(0.0f) == 1.0f);
}

TEST_CASE("scaled_dot_product_attention_blocked matches the reference") {
  struct Case {
    Shape q, k, v;
    std::optional<float> scale;
  };
  const std::vector<Case> cases = {
      {{1, 1, 1}, {1, 1, 1}, {1, 1, 1}, std::nullopt},
      {{2, 5, 8}, {2, 7, 8}, {2, 7, 3}, std::nullopt},
      {{1, 64, 16}, {1, 9, 16}, {1, 9, 5}, std::nullopt},     // exactly one row block
      {{3, 65, 12}, {3, 130, 12}, {3, 130, 7}, 0.25f},        // two blocks, the last of one row
      {{2, 3, 129, 8}, {2, 3, 17, 8}, {2, 3, 17, 8}, 1.0f},   // 4-D with heads, three blocks
      {{1, 200, 33}, {1, 200, 33}, {1, 200, 33}, std::nullopt},
      {{2, 3, 0}, {2, 4, 0}, {2, 4, 2}, 1.0f},  // D = 0: uniform weights, the mean of v
      {{2, 0, 5}, {2, 4, 5}, {2, 4, 2}, std::nullopt},  // no queries
  };
  uint32_t seed = 1;
  for (const Case& c : cases) {
    const Tensor<float> q = random_tensor(c.q, seed++), k = random_tensor(c.k, seed++), v = random_tensor(c.v, seed++);
    const std::string label = "sdpa q=" + c.q.str() + " k=" + c.k.str() + " v=" + c.v.str();
    ScaledDotProductAttentionParams p;
    p.scale = c.scale;
    const Tensor<float> ref = scaled_dot_product_attention_ref(q, k, v, p);
    check_close(scaled_dot_product_attention_blocked(q, k, v, p), ref, 1e-5, 1e-6, label);
    check_close(scaled_dot_product_attention(q, k, v, p), ref, 1e-5, 1e-6, label + " (dispatch)");
  }
}

TEST_CASE("scaled_dot_product_attention is stable for huge scores") {
  // Scores around 1e4: a naive exp overflows to inf (and inf/inf = NaN); the max-shifted softmax does not.
  const Tensor<float> q = random_tensor({1, 6, 4}, 3, 50.0f, 60.0f), k = random_tensor({1, 9, 4}, 4, 50.0f, 60.0f);
  const Tensor<float> v = random_tensor({1, 9, 2}, 5);
  ScaledDotProductAttentionParams p;
  p.scale = 1.0f;
  const Tensor<float> o = scaled_dot_product_attention(q, k, v, p);
  for (int64_t i = 0; i < o.numel(); ++i) REQUIRE(std::isfinite(o.data()[i]));
  check_close(o, scaled_dot_product_attention_ref(q, k, v, p), 1e-5, 1e-6, "huge scores");
  // Uniform scores: the output is the mean of v.
  const Tensor<float> z = Tensor<float>::zeros({1, 2, 3}), kz = Tensor<float>::zeros({1, 4, 3});
  const Tensor<float> vv = Tensor<float>::from_vector({1, 4, 1}, {1, 2, 3, 6});
  const Tensor<float> mean = scaled_dot_product_attention(z, kz, vv);
  CHECK(mean(0, 0, 0) == doctest::Approx(3.0f));
  CHECK(mean(0, 1, 0) == doctest::Approx(3.0f));
}

TEST_CASE("scaled_dot_product_attention matches PyTorch goldens") {
  test::Golden g("scaled_dot_product_attention");
  for (const auto& c : g.cases()) {
    const Tensor<float> q = g.tensor(c, "q"), k = g.tensor(c, "k"), v = g.tensor(c, "v");
    ScaledDotProductAttentionParams p;
    if (c.params["has_scale"].as_bool()) p.scale = float(c.params["scale"].as_double());
    const std::string label = c.name + " q=" + q.shape().str() + " k=" + k.shape().str() + " v=" + v.shape().str();
    check_close(scaled_dot_product_attention(q, k, v, p), g.tensor(c, "y"), 1e-4, 1e-5, label);
    check_close(scaled_dot_product_attention_ref(q, k, v, p), g.tensor(c, "y"), 1e-4, 1e-5, label + " ref");
  }
}

TEST_CASE("scaled_dot_product_attention rejects bad arguments") {
  const Tensor<float> q = random_tensor({2, 5, 8}, 1), k = random_tensor({2, 7, 8}, 2), v = random_tensor({2, 7, 3}, 3);
  CHECK_THROWS_AS(scaled_dot_product_attention(q, random_tensor({2, 7, 6}, 4), v), Error);
  const std::string m = err_msg([&] { scaled_dot_product_attention(q, random_tensor({2, 7, 6}, 4), v); });
  CHECK(m.find("scaled_dot_product_attention") != std::string::npos);
  CHECK(m.find("[2,7,6]") != std::string::npos);
  CHECK_THROWS_AS(scaled_dot_product_attention(q, k, random_tensor({2, 6, 3}, 5)), Error);
  CHECK_THROWS_AS(scaled_dot_product_attention(q, random_tensor({3, 7, 8}, 6), random_tensor({3, 7, 3}, 7)), Error);
  CHECK_THROWS_AS(scaled_dot_product_attention(random_tensor({5, 8}, 1), random_tensor({7, 8}, 2),
                                               random_tensor({7, 3}, 3)),
                  Error);
}

TEST_CASE("scaled_dot_product_attention gives identical bits for 1 and 2 threads") {
  const Tensor<float> q = random_tensor({2, 300, 16}, 1), k = random_tensor({2, 170, 16}, 2);
  const Tensor<float> v = random_tensor({2, 170, 24}, 3);
  set_num_threads(1);
  const Tensor<float> a = scaled_dot_product_attention(q, k, v);
  set_num_threads(2);
  const Tensor<float> b = scaled_dot_product_attention(q, k, v);
  set_num_threads(0);
  test::check_equal(b, a, "sdpa [2,300,16]");
}
