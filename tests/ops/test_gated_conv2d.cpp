// Tests for ops/gated_conv2d.hpp: fused vs reference, PyTorch goldens (DeepFill v2 layout), argument errors,
// thread determinism.
#include "pixforge/ops/gated_conv2d.hpp"

#include <cmath>
#include <string>

#include "test_util.hpp"

using namespace pixforge;
using test::check_close;
using test::random_tensor;

namespace {

struct GatedCase {
  const char* label;
  int64_t n, cin, h, w, c, k;
  GatedConv2dParams p;
  bool bias;
};

Tensor<float> make_weight(int64_t cout, int64_t cin_g, int64_t k, uint32_t seed) {
  const float s = 1.0f / std::sqrt(float(cin_g * k * k));
  return random_tensor({cout, cin_g, k, k}, seed, -s, s);
}

GatedConv2dParams gp(const Conv2dParams& c, Act act = Act::elu()) { return GatedConv2dParams{}.with_conv(c).with_act(act); }

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("gated_conv2d: fused path matches the reference") {
  using P = Conv2dParams;
  const GatedCase cases[] = {
      {"DeepFill conv1 5x5, 5->2x6", 1, 5, 11, 9, 6, 5, gp(P{}.with_tf_same_padding(11, 9, 5, 5)), true},
      {"TF same s2 even size", 1, 8, 10, 12, 7, 3, gp(P{}.with_stride(2).with_tf_same_padding(10, 12, 3, 3)), true},
      {"dilated 4", 1, 6, 13, 11, 5, 3, gp(P{}.with_dilation(4).with_padding(4)), true},
      {"leaky 0.2, N=2, no bias", 2, 3, 7, 8, 4, 3, gp(P{}.with_padding(1), Act::leaky_relu(0.2f)), false},
      {"1x1 direct", 1, 17, 6, 5, 9, 1, gp(P{}), true},
      {"many pixel blocks (K=432, 37x29)", 1, 48, 37, 29, 12, 3, gp(P{}.with_padding(1)), true},
      {"grouped (unfused path)", 1, 6, 7, 7, 4, 3, gp(P{}.with_padding(1).with_groups(2)), true},
      {"reflect", 1, 4, 6, 9, 3, 3, gp(P{}.with_padding(1).with_padding_mode(PaddingMode::reflect)), true},
  };
  uint32_t seed = 500;
  for (const GatedCase& c : cases) {
    const Tensor<float> x = random_tensor({c.n, c.cin, c.h, c.w}, ++seed);
    const Tensor<float> w = make_weight(2 * c.c, c.cin / c.p.conv.groups, c.k, ++seed);
    const Tensor<float> b = c.bias ? random_tensor({2 * c.c}, ++seed) : Tensor<float>();
    const Tensor<float> ref = gated_conv2d_ref(x, w, b, c.p);
    CHECK(ref.size(1) == c.c);
    check_close(gated_conv2d(x, w, b, c.p), ref, 1e-4, 1e-5, std::string(c.label) + " [gated_conv2d]");
    if (c.p.conv.groups == 1)
      check_close(gated_conv2d_fused(x, w, b, c.p), ref, 1e-4, 1e-5, std::string(c.label) + " [fused]");
  }
}

TEST_CASE("gated_conv2d: equals two convs (feature half, gate half)") {
  const Tensor<float> x = random_tensor({1, 4, 9, 8}, 41);
  const Tensor<float> w = make_weight(10, 4, 3, 42), b = random_tensor({10}, 43);
  const auto p = GatedConv2dParams{}.with_conv(Conv2dParams{}.with_padding(1));
  const Tensor<float> y = gated_conv2d(x, w, b, p);
  const Tensor<float> f = conv2d_ref(x, w.narrow(0, 0, 5).clone(), b.narrow(0, 0, 5).clone(),
                                     Conv2dParams{}.with_padding(1).with_act(Act::elu()));
  const Tensor<float> g = conv2d_ref(x, w.narrow(0, 5, 5).clone(), b.narrow(0, 5, 5).clone(),
                                     Conv2dParams{}.with_padding(1).with_act(Act::sigmoid()));
  Tensor<float> expect = Tensor<float>::empty(f.shape());
  for (int64_t i = 0; i < f.numel(); ++i) expect.data()[i] = f.data()[i] * g.data()[i];
  check_close(y, expect, 1e-4, 1e-5, "gated = elu(conv_feature) * sigmoid(conv_gate)");
}

TEST_CASE("gated_conv2d: PyTorch goldens (DeepFill v2 gen_conv layout)") {
  test::Golden gold("gated_conv2d");
  for (const auto& c : gold.cases()) {
    const Json& j = c.params;
    Conv2dParams conv;
    conv.with_stride(j["stride"].as_int64())
        .with_dilation(j["dilation"].as_int64())
        .with_padding(j["pad_top"].as_int64(), j["pad_bottom"].as_int64(), j["pad_left"].as_int64(),
                      j["pad_right"].as_int64())
        .with_groups(j["groups"].as_int64());
    const std::string mode = j["padding_mode"].as_string();
    if (mode == "reflect") conv.with_padding_mode(PaddingMode::reflect);
    else REQUIRE(mode == "zeros");
    const std::string a = j["act"].as_string();
    const float alpha = float(j["alpha"].as_double());
    const Act act = a == "elu" ? Act::elu(alpha) : a == "leaky_relu" ? Act::leaky_relu(alpha)
                                                  : a == "relu"      ? Act::relu()
                                                                     : Act::none();
    const auto p = GatedConv2dParams{}.with_conv(conv).with_act(act);
    const Tensor<float> x = gold.tensor(c, "x"), w = gold.tensor(c, "weight"), y = gold.tensor(c, "y");
    const Tensor<float> b = gold.has(c, "bias") ? gold.tensor(c, "bias") : Tensor<float>();
    const std::string label = c.name + " " + j.dump();
    check_close(gated_conv2d(x, w, b, p), y, 1e-4, 1e-5, label + " [gated_conv2d]");
    check_close(gated_conv2d_ref(x, w, b, p), y, 1e-4, 1e-5, label + " [gated_conv2d_ref]");
  }
}

TEST_CASE("gated_conv2d: bad arguments") {
  const Tensor<float> x = random_tensor({1, 4, 8, 8}, 1);
  const Tensor<float> odd = random_tensor({5, 4, 3, 3}, 2);
  CHECK_THROWS_AS(gated_conv2d(x, odd), Error);
  const std::string m = error_of([&] { gated_conv2d(x, odd); });
  CHECK_MESSAGE(m.find("gated_conv2d: weight has 5 output channels") != std::string::npos, m);
  CHECK_MESSAGE(m.find("weight=[5,4,3,3]") != std::string::npos, m);
  const Tensor<float> w = random_tensor({6, 4, 3, 3}, 3);
  CHECK_THROWS_AS(gated_conv2d(x, w, {}, GatedConv2dParams{}.with_conv(Conv2dParams{}.with_act(Act::relu()))), Error);
  CHECK_THROWS_AS(gated_conv2d(x, random_tensor({6, 3, 3, 3}, 4)), Error);  // channel mismatch
  CHECK(error_of([&] { gated_conv2d(x, random_tensor({6, 3, 3, 3}, 4)); })
            .find("gated_conv2d: input has 4 channels, weight expects 3") != std::string::npos);
  CHECK_THROWS_AS(gated_conv2d(x, w, random_tensor({3}, 5)), Error);  // bias must cover both halves
  CHECK_THROWS_AS(gated_conv2d_fused(x, random_tensor({6, 2, 3, 3}, 6), {},
                                     GatedConv2dParams{}.with_conv(Conv2dParams{}.with_groups(2))),
                  Error);
}

TEST_CASE("gated_conv2d: identical bits for 1 and 2 threads") {
  const Tensor<float> x = random_tensor({2, 12, 31, 27}, 51);
  const Tensor<float> w = make_weight(32, 12, 3, 52), b = random_tensor({32}, 53);
  const Tensor<float> wg = make_weight(32, 6, 3, 54);
  const auto p = GatedConv2dParams{}.with_conv(Conv2dParams{}.with_padding(1));
  const auto pg = GatedConv2dParams{}.with_conv(Conv2dParams{}.with_padding(1).with_groups(2));
  set_num_threads(1);
  const Tensor<float> y1 = gated_conv2d(x, w, b, p), yg1 = gated_conv2d(x, wg, b, pg);
  set_num_threads(2);
  const Tensor<float> y2 = gated_conv2d(x, w, b, p), yg2 = gated_conv2d(x, wg, b, pg);
  set_num_threads(0);
  test::check_equal(y2, y1, "fused: 2 threads vs 1");
  test::check_equal(yg2, yg1, "grouped: 2 threads vs 1");
}
