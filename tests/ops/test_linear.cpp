// Tests for ops/linear.hpp: linear, matmul, bmm — gemm paths vs references, PyTorch goldens, bad arguments,
// thread-count independence.
#include "pixforge/ops/linear.hpp"

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

TEST_CASE("linear_gemm matches linear_ref on awkward shapes") {
  struct Case {
    std::vector<int64_t> x;
    int64_t out;
    bool bias;
    Act act;
  };
  const std::vector<Case> cases = {
      {{1}, 1, true, Act::none()},           {{5}, 3, false, Act::relu()},
      {{7, 17}, 13, true, Act::none()},      {{3, 5, 33}, 1, true, Act::sigmoid()},
      {{63, 19}, 65, true, Act::leaky_relu(0.2f)},  // one row block short of two
      {{64, 8}, 300, false, Act::none()},    // exactly one row block, > one gemm column block
      {{2, 65, 31}, 29, true, Act::gelu()},  // 130 rows: three row blocks, a ragged last one
      {{1, 1024}, 513, true, Act::tanh()},   // GEMV-like, split over output features
      {{3, 0}, 4, true, Act::none()},        // in = 0: y = bias
  };
  uint32_t seed = 1;
  for (const Case& c : cases) {
    const int64_t in = c.x.back();
    const Tensor<float> x = random_tensor(Shape(c.x), seed++);
    // Weights scaled like a trained layer's (±1/sqrt(in)), so outputs are O(1) and float summation error
    // stays ~1e-6 for in = 1024; unscaled sums of 1024 terms cancel to near zero and amplify rounding.
    const float r = 1.0f / std::sqrt(float(std::max<int64_t>(in, 1)));
    const Tensor<float> w = random_tensor({c.out, in}, seed++, -r, r);
    const Tensor<float> b = c.bias ? random_tensor({c.out}, seed++) : Tensor<float>();
    const std::string label = "linear x=" + Shape(c.x).str() + " out=" + std::to_string(c.out) +
                              (c.bias ? " bias" : " nobias");
    const Tensor<float> ref = linear_ref(x, w, b, {c.act});
    check_close(linear_gemm(x, w, b, {c.act}), ref, 1e-5, 1e-5, label);
    check_close(linear(x, w, b, {c.act}), ref, 1e-5, 1e-5, label + " (dispatch)");
  }
}

TEST_CASE("linear accepts strided input") {
  const Tensor<float> base = random_tensor({9, 6}, 11);
  const Tensor<float> xt = base.permute({1, 0});  // [6, 9], not contiguous
  const Tensor<float> w = random_tensor({4, 9}, 12);
  check_close(linear(xt, w), linear_ref(xt.contiguous(), w), 1e-5, 1e-6, "linear transposed view");
}

TEST_CASE("matmul_gemm matches matmul_ref with broadcasting") {
  const std::vector<std::pair<Shape, Shape>> cases = {
      {{3, 5}, {5, 7}},           {{1, 1}, {1, 1}},           {{2, 4, 9}, {9, 3}},
      {{4, 9}, {2, 9, 3}},        {{2, 1, 3, 6}, {5, 6, 4}},  {{1, 3, 2, 5}, {2, 1, 5, 3}},
      {{70, 33}, {33, 300}},      {{2, 3, 17, 1}, {1, 19}},   {{3, 4, 0}, {0, 5}},
  };
  uint32_t seed = 100;
  for (const auto& [sa, sb] : cases) {
    const Tensor<float> a = random_tensor(sa, seed++), b = random_tensor(sb, seed++);
    const std::string label = "matmul a=" + sa.str() + " b=" + sb.str();
    CHECK(matmul_output_shape(sa, sb) == matmul_ref(a, b).shape());
    check_close(matmul_gemm(a, b), matmul_ref(a, b), 1e-5, 1e-5, label);
  }
  CHECK(matmul_output_shape({2, 1, 3, 6}, {5, 6, 4}) == Shape({2, 5, 3, 4}));
  const Tensor<float> a = random_tensor({3, 7, 11}, 7), b = random_tensor({3, 11, 2}, 8);
  check_close(bmm(a, b), bmm_ref(a, b), 1e-5, 1e-5, "bmm [3,7,11]x[3,11,2]");
}

TEST_CASE("linear/matmul match PyTorch goldens") {
  test::Golden g("linear");
  for (const auto& c : g.cases()) {
    const std::string kind = c.params["kind"].as_string();
    const std::string label = c.name + " " + kind;
    if (kind == "linear") {
      const Tensor<float> x = g.tensor(c, "x"), w = g.tensor(c, "weight");
      const Tensor<float> b = g.has(c, "bias") ? g.tensor(c, "bias") : Tensor<float>();
      check_close(linear(x, w, b), g.tensor(c, "y"), 1e-4, 1e-5, label + " x=" + x.shape().str());
      check_close(linear_ref(x, w, b), g.tensor(c, "y"), 1e-4, 1e-5, label + " ref");
    } else {
      const Tensor<float> a = g.tensor(c, "a"), b = g.tensor(c, "b");
      const std::string l = label + " a=" + a.shape().str() + " b=" + b.shape().str();
      if (kind == "matmul") {
        check_close(matmul(a, b), g.tensor(c, "y"), 1e-4, 1e-5, l);
        check_close(matmul_ref(a, b), g.tensor(c, "y"), 1e-4, 1e-5, l + " ref");
      } else {
        check_close(bmm(a, b), g.tensor(c, "y"), 1e-4, 1e-5, l);
      }
    }
  }
}

TEST_CASE("linear/matmul reject bad arguments with clear messages") {
  const Tensor<float> x = random_tensor({2, 5}, 1), w = random_tensor({3, 4}, 2);
  CHECK_THROWS_AS(linear(x, w), Error);
  const std::string m = err_msg([&] { linear(x, w); });
  CHECK(m.find("linear") != std::string::npos);
  CHECK(m.find("[2,5]") != std::string::npos);
  CHECK(m.find("[3,4]") != std::string::npos);
  CHECK_THROWS_AS(linear(x, random_tensor({3, 5}, 3), random_tensor({4}, 4)), Error);
  CHECK(err_msg([&] { linear(x, random_tensor({3, 5}, 3), random_tensor({4}, 4)); }).find("bias") !=
        std::string::npos);
  CHECK_THROWS_AS(linear(x, random_tensor({3, 5, 1}, 3)), Error);

  CHECK_THROWS_AS(matmul(random_tensor({2, 3}, 1), random_tensor({4, 5}, 2)), Error);
  const std::string mm = err_msg([&] { matmul(random_tensor({2, 3}, 1), random_tensor({4, 5}, 2)); });
  CHECK(mm.find("matmul") != std::string::npos);
  CHECK(mm.find("[4,5]") != std::string::npos);
  CHECK_THROWS_AS(matmul(random_tensor({3, 2, 3}, 1), random_tensor({4, 3, 5}, 2)), Error);  // 3 vs 4
  CHECK_THROWS_AS(matmul(random_tensor({3}, 1), random_tensor({3, 5}, 2)), Error);          // 1-D
  CHECK_THROWS_AS(bmm(random_tensor({2, 3, 4}, 1), random_tensor({3, 4, 5}, 2)), Error);
  CHECK(err_msg([&] { bmm(random_tensor({2, 3, 4}, 1), random_tensor({4, 5}, 2)); }).find("bmm") !=
        std::string::npos);
}

TEST_CASE("linear/matmul give identical bits for 1 and 2 threads") {
  const Tensor<float> x = random_tensor({300, 96}, 5), w = random_tensor({130, 96}, 6), b = random_tensor({130}, 7);
  const Tensor<float> x1 = random_tensor({1, 700}, 8), w1 = random_tensor({600, 700}, 9);
  const Tensor<float> a = random_tensor({4, 70, 40}, 10), bb = random_tensor({40, 90}, 11);
  const Tensor<float> a1 = random_tensor({70, 40}, 12), b1 = random_tensor({40, 600}, 13);
  set_num_threads(1);
  const Tensor<float> r1 = linear(x, w, b, {Act::relu()}), s1 = linear(x1, w1), m1 = matmul(a, bb), n1 = matmul(a1, b1);
  set_num_threads(2);
  const Tensor<float> r2 = linear(x, w, b, {Act::relu()}), s2 = linear(x1, w1), m2 = matmul(a, bb), n2 = matmul(a1, b1);
  set_num_threads(0);
  test::check_equal(r2, r1, "linear rows 300");
  test::check_equal(s2, s1, "linear 1 row");
  test::check_equal(m2, m1, "matmul batched");
  test::check_equal(n2, n1, "matmul single");
}
