// Tests for ops/group_norm.hpp.
#include "pixforge/ops/group_norm.hpp"

#include <string>

#include "pixforge/ops/instance_norm.hpp"
#include "test_util.hpp"

using namespace pixforge;
using pixforge::test::check_close;
using pixforge::test::check_equal;
using pixforge::test::random_tensor;

TEST_CASE("group_norm: fast path matches the reference on awkward shapes") {
  struct Case {
    Shape x;
    int64_t groups;
  };
  const Case cases[] = {{{1, 6, 5, 7}, 3}, {{2, 18, 9, 4}, 6}, {{3, 5, 1, 2}, 5}, {{2, 33, 3, 13}, 11},
                        {{2, 6, 11}, 2},   {{1, 4, 1, 1}, 1},  {{2, 32, 7, 9}, 32}, {{4, 12}, 3}};
  uint32_t seed = 200;
  for (const Case& c : cases)
    for (bool affine : {false, true}) {
      const Tensor<float> x = random_tensor(c.x, seed++, -3.0f, 5.0f);
      const Tensor<float> w = affine ? random_tensor({c.x[1]}, seed++, 0.5f, 1.5f) : Tensor<float>();
      const Tensor<float> b = affine ? random_tensor({c.x[1]}, seed++, -0.3f, 0.3f) : Tensor<float>();
      GroupNormParams p;
      p.num_groups = c.groups;
      const std::string label = "x=" + c.x.str() + " groups=" + std::to_string(c.groups) + (affine ? " affine" : "");
      check_close(group_norm(x, w, b, p), group_norm_ref(x, w, b, p), 1e-5, 1e-5, label);
    }
}

TEST_CASE("group_norm: G = C is instance norm") {
  const Tensor<float> x = random_tensor({2, 7, 5, 6}, 3, -1.0f, 3.0f);
  const Tensor<float> w = random_tensor({7}, 4), b = random_tensor({7}, 5);
  GroupNormParams p;
  p.num_groups = 7;
  check_close(group_norm(x, w, b, p), instance_norm(x, w, b), 1e-6, 1e-6, "groups=C vs instance_norm");
}

TEST_CASE("group_norm: PyTorch goldens") {
  test::Golden g("group_norm");
  for (const auto& c : g.cases()) {
    GroupNormParams p;
    p.eps = float(c.params["eps"].as_double());
    p.num_groups = c.params["num_groups"].as_int64();
    const bool affine = c.params["affine"].as_bool();
    const Tensor<float> x = g.tensor(c, "x");
    const Tensor<float> w = affine ? g.tensor(c, "weight") : Tensor<float>();
    const Tensor<float> b = affine ? g.tensor(c, "bias") : Tensor<float>();
    const std::string label = c.name + " x=" + x.shape().str() + " groups=" + std::to_string(p.num_groups);
    check_close(group_norm(x, w, b, p), g.tensor(c, "y"), 1e-4, 1e-5, label);
    check_close(group_norm_ref(x, w, b, p), g.tensor(c, "y"), 1e-4, 1e-5, label + " (ref)");
  }
}

TEST_CASE("group_norm: identical bits for 1 and 2 threads") {
  const Tensor<float> x = random_tensor({2, 32, 19, 17}, 5, -2.0f, 4.0f);
  const Tensor<float> w = random_tensor({32}, 6), b = random_tensor({32}, 7);
  GroupNormParams p;
  p.num_groups = 8;
  set_num_threads(1);
  const Tensor<float> y1 = group_norm(x, w, b, p);
  set_num_threads(2);
  const Tensor<float> y2 = group_norm(x, w, b, p);
  set_num_threads(0);
  check_equal(y2, y1, "threads");
}

TEST_CASE("group_norm: bad arguments name the op and the shapes") {
  const Tensor<float> x = random_tensor({1, 6, 3, 3}, 1);
  GroupNormParams p;
  p.num_groups = 4;
  CHECK_THROWS_WITH_AS(group_norm(x, {}, {}, p),
                       doctest::Contains("group_norm: 6 channels are not divisible by num_groups=4 (x=[1,6,3,3])"),
                       pixforge::Error);
  p.num_groups = 0;
  CHECK_THROWS_AS(group_norm(x, {}, {}, p), pixforge::Error);
  p.num_groups = 3;
  CHECK_THROWS_WITH_AS(group_norm(x, Tensor<float>::zeros({3}), {}, p),
                       doctest::Contains("group_norm: weight has shape [3], expected [6]"), pixforge::Error);
  CHECK_THROWS_AS(group_norm(Tensor<float>::zeros({6}), {}, {}, p), pixforge::Error);
}
