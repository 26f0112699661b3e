// Tests for ops/activation.hpp: point-wise activations, prelu, softmax / log_softmax.
#include "pixforge/ops/activation.hpp"

#include <cmath>

#include "pixforge/ops/conv2d.hpp"
#include <string>

#include "test_util.hpp"

using namespace pixforge;
using pixforge::test::check_close;
using pixforge::test::check_equal;
using pixforge::test::random_tensor;

namespace {
struct NamedAct {
  const char* name;
  Act act;
};
const NamedAct kActs[] = {{"relu", Act::relu()},           {"leaky_relu(0.2)", Act::leaky_relu(0.2f)},
                          {"elu(1)", Act::elu(1.0f)},      {"elu(0.5)", Act::elu(0.5f)},
                          {"gelu", Act::gelu()},           {"sigmoid", Act::sigmoid()},
                          {"tanh", Act::tanh()},           {"hardtanh(-1,1)", Act::hardtanh(-1.0f, 1.0f)},
                          {"clamp(0,6)", Act::hardtanh(0.0f, 6.0f)}};

// The sweep every point-wise test uses: random values up to ±30 plus special points.
Tensor<float> sweep(const Shape& s, uint32_t seed) {
  Tensor<float> x = random_tensor(s, seed, -30.0f, 30.0f);
  const float special[] = {0.0f, -0.0f, 1e-7f, -1e-7f, 88.0f, -88.0f, 100.0f, -100.0f, 1e30f, -1e30f};
  for (int i = 0; i < 10 && i < x.numel(); ++i) x.data()[i] = special[i];
  return x;
}
}  // namespace

TEST_CASE("activation: chunked path gives the same bits as the scalar formula (fused == unfused)") {
  const Shape shapes[] = {{1, 3, 5, 7}, {2, 17, 33, 31}, {1}, {kActivationGrain * 2 + 7}};
  uint32_t seed = 1;
  for (const Shape& s : shapes)
    for (const NamedAct& a : kActs) {
      const Tensor<float> x = sweep(s, seed++);
      const std::string label = std::string(a.name) + " x=" + s.str();
      const Tensor<float> ref = activation_ref(x, a.act);
      check_equal(activation(x, a.act), ref, label);
      Tensor<float> inplace = x.clone();
      activation_(inplace, a.act);
      check_equal(inplace, ref, label + " in place");
      for (int64_t i = 0; i < x.numel(); i += 97)  // spot-check against apply_act itself
        REQUIRE((ref.data()[i] == apply_act(x.data()[i], a.act) || std::isnan(ref.data()[i])));
    }
}

TEST_CASE("activation: conv2d's fused epilogue gives the same bits as conv2d then activation") {
  // The claim of core/activation_spec.hpp: one scalar formula for fused and standalone activations.
  const Tensor<float> x = random_tensor({2, 5, 9, 7}, 11, -4.0f, 4.0f);
  const Tensor<float> w3 = random_tensor({6, 5, 3, 3}, 12), w1 = random_tensor({6, 5, 1, 1}, 13);
  const Tensor<float> wd = random_tensor({5, 1, 3, 3}, 14), b6 = random_tensor({6}, 15), b5 = random_tensor({5}, 16);
  for (const NamedAct& a : kActs) {
    Conv2dParams plain = Conv2dParams{}.with_padding(1), dw = Conv2dParams{}.with_padding(1);
    dw.groups = 5;
    const std::string name = a.name;
    check_equal(conv2d(x, w3, b6, Conv2dParams(plain).with_act(a.act)), activation(conv2d(x, w3, b6, plain), a.act),
                name + " conv 3x3");
    check_equal(conv2d(x, w1, b6, Conv2dParams{}.with_act(a.act)), activation(conv2d(x, w1, b6), a.act),
                name + " conv 1x1");
    check_equal(conv2d(x, wd, b5, Conv2dParams(dw).with_act(a.act)), activation(conv2d(x, wd, b5, dw), a.act),
                name + " depthwise 3x3");
  }
}

TEST_CASE("activation: named wrappers and in-place variants") {
  const Tensor<float> x = sweep({2, 5, 7, 9}, 42);
  check_equal(relu(x), activation_ref(x, Act::relu()), "relu");
  check_equal(leaky_relu(x, 0.1f), activation_ref(x, Act::leaky_relu(0.1f)), "leaky_relu");
  check_equal(leaky_relu(x), activation_ref(x, Act::leaky_relu(0.01f)), "leaky_relu default 0.01");
  check_equal(elu(x), activation_ref(x, Act::elu(1.0f)), "elu");
  check_equal(gelu(x), activation_ref(x, Act::gelu()), "gelu");
  check_equal(sigmoid(x), activation_ref(x, Act::sigmoid()), "sigmoid");
  check_equal(pixforge::tanh(x), activation_ref(x, Act::tanh()), "tanh");
  check_equal(hardtanh(x), activation_ref(x, Act::hardtanh(-1.0f, 1.0f)), "hardtanh");
  check_equal(clamp(x, -2.0f, 3.0f), activation_ref(x, Act::hardtanh(-2.0f, 3.0f)), "clamp");
  Tensor<float> a = x.clone(), b = x.clone(), c = x.clone(), d = x.clone();
  check_equal(relu_(a), relu(x), "relu_");
  check_equal(sigmoid_(b), sigmoid(x), "sigmoid_");
  check_equal(leaky_relu_(c, 0.2f), leaky_relu(x, 0.2f), "leaky_relu_");
  check_equal(clamp_(d, 0.0f, 1.0f), clamp(x, 0.0f, 1.0f), "clamp_");

  // In place on a strided view touches only the view.
  Tensor<float> big = x.clone();
  Tensor<float> view = big.narrow(1, 1, 3).narrow(3, 2, 4);
  REQUIRE(!view.is_contiguous());
  tanh_(view);
  for (int64_t n = 0; n < 2; ++n)
    for (int64_t c2 = 0; c2 < 5; ++c2)
      for (int64_t h = 0; h < 7; ++h)
        for (int64_t w = 0; w < 9; ++w) {
          const bool inside = c2 >= 1 && c2 < 4 && w >= 2 && w < 6;
          const float want = inside ? std::tanh(x(n, c2, h, w)) : x(n, c2, h, w);
          REQUIRE(big(n, c2, h, w) == want);
        }
}

TEST_CASE("prelu: fast path matches the reference (shared and per-channel slope)") {
  const Shape shapes[] = {{1, 3, 5, 7}, {2, 17, 9, 4}, {3, 4, 10}, {5, 6}};
  uint32_t seed = 50;
  for (const Shape& s : shapes)
    for (bool shared : {true, false}) {
      const Tensor<float> x = sweep(s, seed++);
      const Tensor<float> w = random_tensor({shared ? 1 : s[1]}, seed++, -0.5f, 1.0f);
      check_equal(prelu(x, w), prelu_ref(x, w), "prelu x=" + s.str() + (shared ? " shared" : " per-channel"));
    }
}

TEST_CASE("softmax / log_softmax: fast path matches the reference over every dim") {
  const Shape shapes[] = {{2, 5, 7, 9}, {1, 70, 3, 5}, {3, 4099}, {4, 1}, {1, 1, 1, 1}, {2, 3, 130}};
  uint32_t seed = 70;
  for (const Shape& s : shapes)
    for (int dim = -1; dim < s.rank(); ++dim) {
      const Tensor<float> x = random_tensor(s, seed++, -20.0f, 20.0f);
      const std::string label = "x=" + s.str() + " dim=" + std::to_string(dim);
      check_close(softmax(x, dim), softmax_ref(x, dim), 1e-5, 1e-7, "softmax " + label);
      check_close(log_softmax(x, dim), log_softmax_ref(x, dim), 1e-5, 1e-5, "log_softmax " + label);
    }
}

TEST_CASE("softmax: stable for huge logits, rows sum to 1") {
  Tensor<float> x = random_tensor({2, 4099}, 5, -1000.0f, 1000.0f);
  x.data()[17] = 3e38f;
  const Tensor<float> y = softmax(x, -1);
  for (int64_t r = 0; r < 2; ++r) {
    double sum = 0.0;
    for (int64_t i = 0; i < 4099; ++i) {
      const float v = y(r, i);
      REQUIRE(std::isfinite(v));
      sum += v;
    }
    CHECK(sum == doctest::Approx(1.0).epsilon(1e-5));
  }
  CHECK(y(0, 17) == 1.0f);
  const Tensor<float> ly = log_softmax(x, -1);
  CHECK(ly(0, 17) == 0.0f);
  CHECK(std::isfinite(ly(1, 3)));
}

TEST_CASE("activation: PyTorch goldens") {
  test::Golden g("activation");
  for (const auto& c : g.cases()) {
    const std::string op = c.params["op"].as_string();
    const Tensor<float> x = g.tensor(c, "x"), want = g.tensor(c, "y");
    const std::string label = c.name + " " + op + " x=" + x.shape().str();
    Tensor<float> got;
    if (op == "relu") got = relu(x);
    else if (op == "leaky_relu") got = leaky_relu(x, float(c.params["alpha"].as_double()));
    else if (op == "elu") got = elu(x, float(c.params["alpha"].as_double()));
    else if (op == "gelu") got = gelu(x);
    else if (op == "sigmoid") got = sigmoid(x);
    else if (op == "tanh") got = pixforge::tanh(x);
    else if (op == "hardtanh") got = hardtanh(x, float(c.params["lo"].as_double()), float(c.params["hi"].as_double()));
    else if (op == "clamp") got = clamp(x, float(c.params["lo"].as_double()), float(c.params["hi"].as_double()));
    else if (op == "prelu") got = prelu(x, g.tensor(c, "weight"));
    else if (op == "softmax") got = softmax(x, int(c.params["dim"].as_int64()));
    else if (op == "log_softmax") got = log_softmax(x, int(c.params["dim"].as_int64()));
    else FAIL("unknown op in golden: " << op);
    check_close(got, want, 1e-4, 1e-5, label);
  }
}

TEST_CASE("activation: identical bits for 1 and 2 threads") {
  const Tensor<float> x = sweep({2, 16, 64, 65}, 9);
  const Tensor<float> w = random_tensor({16}, 10);
  auto run = [&] {
    return std::vector<Tensor<float>>{gelu(x), sigmoid(x), prelu(x, w), softmax(x, 1), softmax(x, -1),
                                      log_softmax(x, 2)};
  };
  set_num_threads(1);
  const auto a = run();
  set_num_threads(2);
  const auto b = run();
  set_num_threads(0);
  for (size_t i = 0; i < a.size(); ++i) check_equal(b[i], a[i], "threads output " + std::to_string(i));
}

TEST_CASE("activation: bad arguments name the op and the shapes") {
  const Tensor<float> x = random_tensor({1, 4, 3, 3}, 1);
  CHECK_THROWS_WITH_AS(prelu(x, Tensor<float>::zeros({3})),
                       doctest::Contains("prelu: weight has shape [3], expected [1] or [4] (x=[1,4,3,3])"),
                       pixforge::Error);
  CHECK_THROWS_WITH_AS(softmax(x, 4), doctest::Contains("softmax: dim 4 out of range for x=[1,4,3,3]"),
                       pixforge::Error);
  CHECK_THROWS_AS(log_softmax(x, -5), pixforge::Error);
  CHECK_THROWS_WITH_AS(clamp(x, 1.0f, 0.0f), doctest::Contains("clamp: min_val 1 is greater than max_val 0"),
                       pixforge::Error);
  CHECK_THROWS_AS(hardtanh(x, 2.0f, -2.0f), pixforge::Error);
}
