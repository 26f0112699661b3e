// Tests for ops/instance_norm.hpp.
#include "pixforge/ops/instance_norm.hpp"

#include <string>

#include "test_util.hpp"

using namespace pixforge;
using pixforge::test::check_close;
using pixforge::test::check_equal;
using pixforge::test::random_tensor;

TEST_CASE("instance_norm: fast path matches the reference on awkward shapes") {
  const Shape shapes[] = {{1, 3, 5, 7}, {2, 17, 9, 4}, {3, 5, 1, 2}, {2, 33, 3, 13}, {2, 6, 11}, {1, 1, 1, 9},
                          {1, 2, 64, 65}};
  uint32_t seed = 100;
  for (const Shape& s : shapes)
    for (bool affine : {false, true}) {
      const Tensor<float> x = random_tensor(s, seed++, -3.0f, 5.0f);
      const Tensor<float> w = affine ? random_tensor({s[1]}, seed++, 0.5f, 1.5f) : Tensor<float>();
      const Tensor<float> b = affine ? random_tensor({s[1]}, seed++, -0.3f, 0.3f) : Tensor<float>();
      const std::string label = "x=" + s.str() + (affine ? " affine" : " no-affine");
      check_close(instance_norm(x, w, b), instance_norm_ref(x, w, b), 1e-5, 1e-5, label);
    }
}

TEST_CASE("instance_norm: large offset, constant plane, strided input") {
  // Mean 1e4, spread ±1: a one-pass E[x²] − E[x]² in float returns garbage (even a negative variance), and
  // x·scale + shift cancels 3 digits. The output must have mean 0 and variance var/(var + eps) ≈ 1.
  Tensor<float> x = random_tensor({1, 2, 9, 11}, 7, -1.0f, 1.0f);
  for (int64_t i = 0; i < x.numel(); ++i) x.data()[i] += 10000.0f;
  const Tensor<float> y = instance_norm(x);
  for (int64_t c = 0; c < 2; ++c) {
    const Moments m = moments_ref(y.data() + c * 99, 1, 99, 99);
    CHECK(std::fabs(m.mean) < 1e-5);
    CHECK(m.var == doctest::Approx(1.0).epsilon(1e-4));
  }

  // A constant plane has zero variance: the output is β (eps keeps it finite).
  const Tensor<float> c = Tensor<float>::full({1, 1, 3, 3}, 2.5f);
  const Tensor<float> beta = Tensor<float>::full({1}, 0.75f);
  const Tensor<float> yc = instance_norm(c, Tensor<float>::full({1}, 3.0f), beta);
  check_equal(yc, Tensor<float>::full({1, 1, 3, 3}, 0.75f), "constant plane");

  const Tensor<float> big = random_tensor({2, 6, 7, 8}, 9);
  const Tensor<float> xs = big.narrow(1, 2, 3).narrow(2, 1, 5);
  REQUIRE(!xs.is_contiguous());
  check_close(instance_norm(xs), instance_norm_ref(xs.clone()), 1e-5, 1e-5, "strided x");
}

TEST_CASE("instance_norm: PyTorch goldens") {
  test::Golden g("instance_norm");
  for (const auto& c : g.cases()) {
    InstanceNormParams p;
    p.eps = float(c.params["eps"].as_double());
    const bool affine = c.params["affine"].as_bool();
    const Tensor<float> x = g.tensor(c, "x");
    const Tensor<float> w = affine ? g.tensor(c, "weight") : Tensor<float>();
    const Tensor<float> b = affine ? g.tensor(c, "bias") : Tensor<float>();
    const std::string label = c.name + " x=" + x.shape().str() + (affine ? " affine" : "");
    check_close(instance_norm(x, w, b, p), g.tensor(c, "y"), 1e-4, 1e-5, label);
    check_close(instance_norm_ref(x, w, b, p), g.tensor(c, "y"), 1e-4, 1e-5, label + " (ref)");
  }
}

TEST_CASE("instance_norm: identical bits for 1 and 2 threads") {
  const Tensor<float> x = random_tensor({2, 19, 33, 17}, 5, -2.0f, 4.0f);
  const Tensor<float> w = random_tensor({19}, 6), b = random_tensor({19}, 7);
  set_num_threads(1);
  const Tensor<float> y1 = instance_norm(x, w, b);
  set_num_threads(2);
  const Tensor<float> y2 = instance_norm(x, w, b);
  set_num_threads(0);
  check_equal(y2, y1, "threads");
}

TEST_CASE("instance_norm: bad arguments name the op and the shapes") {
  const Tensor<float> x = random_tensor({1, 4, 3, 3}, 1);
  CHECK_THROWS_WITH_AS(instance_norm(x, Tensor<float>::zeros({3})),
                       doctest::Contains("instance_norm: weight has shape [3], expected [4] (x=[1,4,3,3])"),
                       pixforge::Error);
  CHECK_THROWS_AS(instance_norm(x, {}, Tensor<float>::zeros({4, 1})), pixforge::Error);
  CHECK_THROWS_WITH_AS(instance_norm(Tensor<float>::zeros({2, 4})), doctest::Contains("instance_norm: input"),
                       pixforge::Error);
  InstanceNormParams p;
  p.eps = -1e-5f;
  CHECK_THROWS_AS(instance_norm(x, {}, {}, p), pixforge::Error);
}
