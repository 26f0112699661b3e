// Tests for ops/layer_norm.hpp: layer_norm over the trailing dims and the channel-wise layer_norm2d.
#include "pixforge/ops/layer_norm.hpp"

#include <string>

#include "test_util.hpp"

using namespace pixforge;
using pixforge::test::check_close;
using pixforge::test::check_equal;
using pixforge::test::random_tensor;

TEST_CASE("layer_norm: fast path matches the reference on awkward shapes") {
  struct Case {
    Shape x;
    std::vector<int64_t> ns;
  };
  const Case cases[] = {{{2, 7, 24}, {24}}, {{3, 5, 17}, {17}}, {{2, 5, 7, 3}, {7, 3}}, {{2, 6, 5, 7}, {6, 5, 7}},
                        {{4, 1}, {1}},      {{1, 1000}, {1000}}, {{9}, {9}}};
  uint32_t seed = 300;
  for (const Case& c : cases)
    for (bool affine : {false, true}) {
      const Tensor<float> x = random_tensor(c.x, seed++, -3.0f, 5.0f);
      const Shape ns(c.ns);
      const Tensor<float> w = affine ? random_tensor(ns, seed++, 0.5f, 1.5f) : Tensor<float>();
      const Tensor<float> b = affine ? random_tensor(ns, seed++, -0.3f, 0.3f) : Tensor<float>();
      const std::string label = "x=" + c.x.str() + " normalized_shape=" + ns.str() + (affine ? " affine" : "");
      check_close(layer_norm(x, c.ns, w, b), layer_norm_ref(x, c.ns, w, b), 1e-5, 1e-5, label);
    }
  // Only the weight (no bias) takes the general branch.
  const Tensor<float> x = random_tensor({3, 10}, 1), w = random_tensor({10}, 2);
  check_close(layer_norm(x, {10}, w), layer_norm_ref(x, {10}, w), 1e-5, 1e-5, "weight only");
}

TEST_CASE("layer_norm2d: blocked path matches the reference; equals layer_norm over C of the NHWC view") {
  const Shape shapes[] = {{1, 3, 5, 7}, {2, 17, 9, 4}, {3, 5, 1, 2}, {2, 33, 3, 13}, {1, 70, 11, 13}, {1, 1, 2, 2}};
  uint32_t seed = 400;
  for (const Shape& s : shapes)
    for (bool affine : {false, true}) {
      const Tensor<float> x = random_tensor(s, seed++, -3.0f, 5.0f);
      const Tensor<float> w = affine ? random_tensor({s[1]}, seed++, 0.5f, 1.5f) : Tensor<float>();
      const Tensor<float> b = affine ? random_tensor({s[1]}, seed++, -0.3f, 0.3f) : Tensor<float>();
      const std::string label = "x=" + s.str() + (affine ? " affine" : "");
      const Tensor<float> y = layer_norm2d(x, w, b);
      check_close(y, layer_norm2d_ref(x, w, b), 1e-5, 1e-5, label);
      // permute(0,2,3,1) -> layer_norm over [C] -> permute back
      LayerNormParams lp;
      lp.eps = 1e-6f;
      const Tensor<float> nhwc = x.permute({0, 2, 3, 1}).contiguous();
      const Tensor<float> back = layer_norm(nhwc, {s[1]}, w, b, lp).permute({0, 3, 1, 2}).contiguous();
      check_close(y, back, 1e-5, 1e-5, label + " vs NHWC layer_norm");
    }
}

TEST_CASE("layer_norm: PyTorch goldens (both forms)") {
  test::Golden g("layer_norm");
  int first = 0, second = 0;
  for (const auto& c : g.cases()) {
    const float eps = float(c.params["eps"].as_double());
    const bool affine = c.params["affine"].as_bool();
    const Tensor<float> x = g.tensor(c, "x");
    const Tensor<float> w = affine ? g.tensor(c, "weight") : Tensor<float>();
    const Tensor<float> b = affine ? g.tensor(c, "bias") : Tensor<float>();
    const std::string label = c.name + " x=" + x.shape().str();
    if (c.params["form"].as_string() == "last_dims") {
      std::vector<int64_t> ns;
      for (const Json& v : c.params["normalized_shape"].items()) ns.push_back(v.as_int64());
      LayerNormParams p;
      p.eps = eps;
      check_close(layer_norm(x, ns, w, b, p), g.tensor(c, "y"), 1e-4, 1e-5, label + " normalized_shape=" +
                                                                                shape_str(ns));
      check_close(layer_norm_ref(x, ns, w, b, p), g.tensor(c, "y"), 1e-4, 1e-5, label + " (ref)");
      ++first;
    } else {
      LayerNorm2dParams p;
      p.eps = eps;
      check_close(layer_norm2d(x, w, b, p), g.tensor(c, "y"), 1e-4, 1e-5, label + " layer_norm2d");
      check_close(layer_norm2d_ref(x, w, b, p), g.tensor(c, "y"), 1e-4, 1e-5, label + " layer_norm2d (ref)");
      ++second;
    }
  }
  CHECK(first == 6);
  CHECK(second == 4);
}

TEST_CASE("layer_norm: identical bits for 1 and 2 threads") {
  const Tensor<float> x = random_tensor({2, 40, 19, 17}, 5, -2.0f, 4.0f);
  const Tensor<float> w = random_tensor({40}, 6), b = random_tensor({40}, 7);
  const Tensor<float> w2 = random_tensor({19, 17}, 8);
  set_num_threads(1);
  const Tensor<float> a1 = layer_norm2d(x, w, b), b1 = layer_norm(x, {19, 17}, w2);
  set_num_threads(2);
  const Tensor<float> a2 = layer_norm2d(x, w, b), b2 = layer_norm(x, {19, 17}, w2);
  set_num_threads(0);
  check_equal(a2, a1, "threads layer_norm2d");
  check_equal(b2, b1, "threads layer_norm");
}

TEST_CASE("layer_norm: bad arguments name the op and the shapes") {
  const Tensor<float> x = random_tensor({2, 4, 3, 5}, 1);
  CHECK_THROWS_WITH_AS(layer_norm(x, {4}), doctest::Contains("layer_norm: normalized_shape [4] does not match the "
                                                             "trailing dims of x=[2,4,3,5]"),
                       pixforge::Error);
  CHECK_THROWS_AS(layer_norm(x, {}), pixforge::Error);
  CHECK_THROWS_AS(layer_norm(x, {1, 2, 4, 3, 5}), pixforge::Error);
  CHECK_THROWS_WITH_AS(layer_norm(x, {3, 5}, Tensor<float>::zeros({15})),
                       doctest::Contains("layer_norm: weight has shape [15], expected normalized_shape [3,5]"),
                       pixforge::Error);
  CHECK_THROWS_WITH_AS(layer_norm2d(x, Tensor<float>::zeros({5})),
                       doctest::Contains("layer_norm2d: weight has shape [5], expected [4] (x=[2,4,3,5])"),
                       pixforge::Error);
  CHECK_THROWS_WITH_AS(layer_norm2d(Tensor<float>::zeros({4, 3, 5})), doctest::Contains("layer_norm2d"),
                       pixforge::Error);
}
