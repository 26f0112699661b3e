// Tests for ops/layout.hpp (NCHW16c) and ops/conv2d_direct_blocked.hpp: conversions vs their refs, the blocked conv
// vs conv2d_ref (tolerance) and vs conv2d_direct (same bits), thread-count determinism, argument errors.
#include "pixforge/ops/conv2d_direct_blocked.hpp"

#include <cmath>
#include <cstring>
#include <string>

#include "test_util.hpp"

using namespace pixforge;
using test::check_close;
using test::check_equal;
using test::random_tensor;

namespace {

bool same_bytes(const Tensor<float>& a, const Tensor<float>& b) {
  return a.shape() == b.shape() && std::memcmp(a.data(), b.data(), size_t(a.numel()) * sizeof(float)) == 0;
}

// Every stored float outside the map's pixels × channels (border rows and columns, lanes past C) is zero.
bool padding_is_zero(const Nchw16c& m) {
  for (int64_t n = 0; n < m.batch(); ++n)
    for (int64_t cb = 0; cb < m.blocks(); ++cb)
      for (int64_t r = 0; r < m.rows(); ++r)
        for (int64_t px = 0; px < m.pitch(); ++px)
          for (int64_t l = 0; l < kNchw16cBlock; ++l) {
            const bool inside = r >= m.border && r < m.border + m.height && px >= m.border &&
                                px < m.border + m.width && cb * kNchw16cBlock + l < m.channels;
            if (!inside && m.row(n, cb, r)[px * kNchw16cBlock + l] != 0.0f) return false;
          }
  return true;
}

struct BlockedCase {
  const char* label;
  int64_t n, cin, h, w, cout, kh, kw;
  Conv2dParams p;
  int64_t border;  // of the input map (>= the largest pad)
  bool bias;
};

std::vector<BlockedCase> cases() {
  using P = Conv2dParams;
  return {
      {"3x3 p1, 32->64, 9x30 (12 + 12 + 6 pixel tiles)", 1, 32, 9, 30, 64, 3, 3, P{}.with_padding(1), 1, true},
      {"3x3 p1, C=19->21 (padded channel blocks), 13x37", 1, 19, 13, 37, 21, 3, 3, P{}.with_padding(1), 1, true},
      {"3x3 valid, 16->48 (odd number of output blocks), N=2, 8x8", 2, 16, 8, 8, 48, 3, 3, P{}, 0, true},
      {"3x3 p1 in a border of 3, 5->3, 6x11, no bias", 1, 5, 6, 11, 3, 3, 3, P{}.with_padding(1), 3, false},
      {"5x5 asymmetric pad (2,1,0,2), C=7->5, 10x23", 1, 7, 10, 23, 5, 5, 5, P{}.with_padding(2, 1, 0, 2), 2, true},
      {"1x1, C=33->17, 5x9", 1, 33, 5, 9, 17, 1, 1, P{}, 0, true},
      {"3x5 pad (1, 2), 3->40, 7x50, leaky_relu(0.2)", 1, 3, 7, 50, 40, 3, 5,
       P{}.with_padding(1, 2).with_act(Act::leaky_relu(0.2f)), 2, true},
      {"3x3 p1, 20->9, 5x14, sigmoid (act(0) != 0 on padded lanes)", 1, 20, 5, 14, 9, 3, 3,
       P{}.with_padding(1).with_act(Act::sigmoid()), 1, true},
  };
}

}  // namespace

TEST_CASE("to_nchw16c / from_nchw16c: same values as the refs, zero padding, exact round trip") {
  for (int64_t border : {0, 2}) {
    const Tensor<float> x = random_tensor({2, 19, 5, 7}, 1);
    const Nchw16c m = to_nchw16c(x, border), r = to_nchw16c_ref(x, border);
    CHECK(m.blocks() == 2);
    CHECK(m.data.shape() == Shape({2, 2, 5 + 2 * border, 7 + 2 * border, 16}));
    CHECK(same_bytes(m.data, r.data));
    CHECK(padding_is_zero(m));
    CHECK(same_bytes(from_nchw16c(m), x));
    CHECK(same_bytes(from_nchw16c_ref(m), x));
  }
  // Into maps made before, reused: same bytes; a mismatched map or tensor is an error.
  const Tensor<float> x2 = random_tensor({2, 19, 5, 7}, 3);
  Nchw16c m2 = Nchw16c::zeros(2, 19, 5, 7, 1);
  to_nchw16c_into(x2, m2);
  CHECK(same_bytes(m2.data, to_nchw16c_ref(x2, 1).data));
  CHECK(padding_is_zero(m2));
  Tensor<float> back = Tensor<float>::zeros({2, 19, 5, 7});
  from_nchw16c_into(m2, back);
  CHECK(same_bytes(back, x2));
  Nchw16c small = Nchw16c::zeros(2, 18, 5, 7, 1);
  CHECK_THROWS_AS(to_nchw16c_into(x2, small), Error);
  Tensor<float> wrong = Tensor<float>::zeros({2, 19, 5, 6});
  CHECK_THROWS_AS(from_nchw16c_into(m2, wrong), Error);
  // A spot check of the formula: x[n, c, y, x] at data[n, c / 16, y + b, x + b, c % 16].
  const Tensor<float> x = random_tensor({1, 20, 3, 4}, 2);
  const Nchw16c m = to_nchw16c_ref(x, 1);
  CHECK(m.data(0, 1, 2 + 1, 3 + 1, 17 % 16) == x(0, 17, 2, 3));
}

TEST_CASE("conv2d_direct_blocked matches conv2d_ref, conv2d_direct's bits and its own ref") {
  for (const BlockedCase& c : cases()) {
    const std::string label = c.label;
    const float s = 1.0f / std::sqrt(float(c.cin * c.kh * c.kw));
    const Tensor<float> x = random_tensor({c.n, c.cin, c.h, c.w}, 11);
    const Tensor<float> w = random_tensor({c.cout, c.cin, c.kh, c.kw}, 12, -s, s);
    const Tensor<float> b = c.bias ? random_tensor({c.cout}, 13) : Tensor<float>();
    const Nchw16c xb = to_nchw16c(x, c.border);
    const Nchw16c yb = conv2d_direct_blocked(xb, w, b, c.p, 1);
    CHECK_MESSAGE(padding_is_zero(yb), label);
    const Tensor<float> y = from_nchw16c(yb);
    check_close(y, conv2d_ref(x, w, b, c.p), 1e-4, 1e-5, label + " [vs conv2d_ref]");
    check_equal(y, conv2d_direct(x, w, b, c.p), label + " [vs conv2d_direct, bitwise]");
    check_close(from_nchw16c(conv2d_direct_blocked_ref(xb, w, b, c.p)), y, 1e-4, 1e-5, label + " [vs blocked ref]");
  }
}

TEST_CASE("conv2d_direct_blocked: same bits for 1 and 2 threads, several bands and widths") {
  const Tensor<float> x = random_tensor({1, 40, 23, 61}, 21);
  const Tensor<float> w = random_tensor({50, 40, 3, 3}, 22, -0.05f, 0.05f);
  const Tensor<float> b = random_tensor({50}, 23);
  const Conv2dParams p = Conv2dParams{}.with_padding(1).with_act(Act::relu());
  const Nchw16c xb = to_nchw16c(x, 1);
  const Nchw16c y1 = test::at_threads(1, [&] { return conv2d_direct_blocked(xb, w, b, p); });
  const Nchw16c y2 = test::at_threads(2, [&] { return conv2d_direct_blocked(xb, w, b, p); });
  CHECK(same_bytes(y1.data, y2.data));
  // A narrower map: the left columns whose taps do not reach the right border keep their bits.
  const Tensor<float> xn = x.narrow(3, 0, 30).contiguous();
  const Tensor<float> yn = from_nchw16c(conv2d_direct_blocked(to_nchw16c(xn, 1), w, b, p));
  const Tensor<float> yw = from_nchw16c(y1);
  CHECK(same_bytes(yn.narrow(3, 0, 29).contiguous(), yw.narrow(3, 0, 29).contiguous()));
}

TEST_CASE("conv2d_direct_blocked_into writes into a given map and checks its shape") {
  const Tensor<float> x = random_tensor({1, 16, 6, 9}, 31);
  const Tensor<float> w = random_tensor({16, 16, 3, 3}, 32, -0.1f, 0.1f);
  const Nchw16c xb = to_nchw16c(x, 1);
  Nchw16c y = Nchw16c::zeros(1, 16, 6, 9, 2);
  conv2d_direct_blocked_into(xb, w, {}, Conv2dParams{}.with_padding(1), y);
  check_equal(from_nchw16c(y), conv2d_direct(x, w, {}, Conv2dParams{}.with_padding(1)), "into");
  // Weights packed once, used twice: the same bits.
  const BlockedConvWeights pw = pack_conv2d_direct_blocked(w, random_tensor({16}, 33));
  Nchw16c y2 = Nchw16c::zeros(1, 16, 6, 9, 0);
  conv2d_direct_blocked_into(xb, pw, Conv2dParams{}.with_padding(1), y2);
  const Tensor<float> first = from_nchw16c(y2);
  conv2d_direct_blocked_into(xb, pw, Conv2dParams{}.with_padding(1), y2);
  CHECK(same_bytes(from_nchw16c(y2), first));
  check_equal(first, conv2d_direct(x, w, random_tensor({16}, 33), Conv2dParams{}.with_padding(1)), "prepacked");
  Nchw16c wrong = Nchw16c::zeros(1, 16, 5, 9, 0);
  CHECK_THROWS_AS(conv2d_direct_blocked_into(xb, w, {}, Conv2dParams{}.with_padding(1), wrong), Error);
}

TEST_CASE("conv2d_direct_blocked rejects what it does not compute, naming the shapes") {
  const Nchw16c xb = to_nchw16c(random_tensor({1, 8, 6, 6}, 41), 1);
  const Tensor<float> w = random_tensor({4, 8, 3, 3}, 42);
  auto message = [&](const Conv2dParams& p, const Tensor<float>& wt, const Tensor<float>& b) {
    try {
      conv2d_direct_blocked(xb, wt, b, p);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(message(Conv2dParams{}.with_padding(2), w, {}).find("border 1") != std::string::npos);
  CHECK(message(Conv2dParams{}.with_stride(2), w, {}).find("stride (2, 2)") != std::string::npos);
  CHECK(message(Conv2dParams{}.with_padding(1).with_dilation(2), w, {}).find("dilation") != std::string::npos);
  CHECK(message(Conv2dParams{}.with_padding(1).with_padding_mode(PaddingMode::reflect), w, {}) != "no error");
  CHECK(message(Conv2dParams{}, random_tensor({4, 7, 3, 3}, 43), {}).find("[4,7,3,3]") != std::string::npos);
  CHECK(message(Conv2dParams{}, w, random_tensor({5}, 44)).find("bias") != std::string::npos);
  CHECK(message(Conv2dParams{}, random_tensor({4, 8, 9, 9}, 45), {}).find("larger") != std::string::npos);
  CHECK_THROWS_AS(to_nchw16c(random_tensor({8, 6, 6}, 46), 1), Error);
  CHECK_THROWS_AS(to_nchw16c(random_tensor({1, 8, 6, 6}, 47), -1), Error);
}
