// Tests for ops/conv2d_narrow.hpp: vs conv2d_ref, the same bits as conv2d_direct (so dispatching to it changes no
// model output), every SIMD traits, crops and thread counts bitwise, argument errors.
#include "pixforge/ops/conv2d_narrow.hpp"

#include <cmath>
#include <string>

#include "test_util.hpp"

using namespace pixforge;
using test::check_close;
using test::random_tensor;

namespace {

Tensor<float> make_weight(int64_t cout, int64_t cin, uint32_t seed) {
  const float s = 1.0f / std::sqrt(float(cin * 9));
  return random_tensor({cout, cin, 3, 3}, seed, -s, s);
}

// Every traits compiled into this build: the dispatched one and its fallbacks.
template <class F>
void for_each_traits(F&& f) {
#if defined(__AVX512F__)
  f(detail::NarrowAvx512{}, "avx512");
#endif
#if defined(__AVX2__) && defined(__FMA__)
  f(detail::NarrowAvx2{}, "avx2");
#endif
  f(detail::NarrowScalar{}, "scalar");
}

}  // namespace

TEST_CASE("conv2d_narrow: matches conv2d_ref and conv2d_direct's bits, Cout 1..4, odd widths, bias, act") {
  struct Case {
    int64_t n, cin, h, w, cout;
    Conv2dParams p;
    bool bias;
  };
  using P = Conv2dParams;
  const Case cases[] = {
      {1, 64, 5, 1, 3, P{}.with_padding(1), true},
      {1, 64, 6, 15, 1, P{}.with_padding(1), false},
      {1, 37, 4, 17, 2, P{}.with_padding(1).with_act(Act::leaky_relu(0.2f)), true},
      {2, 20, 7, 33, 4, P{}.with_padding(1).with_act(Act::sigmoid()), true},
      {1, 5, 9, 211, 3, P{}.with_padding(1), true},   // several interior tiles, ragged tail
      {1, 16, 8, 130, 1, P{}, true},                   // no padding: output 6×128
      {1, 3, 6, 40, 4, P{}.with_padding(2), false},   // padding wider than the kernel's reach
      {1, 18, 5, 70, 2, P{}.with_padding(1, 0, 2, 0), true},  // asymmetric
  };
  for (const Case& c : cases) {
    const Tensor<float> x = random_tensor({c.n, c.cin, c.h, c.w}, uint32_t(c.cin * 7 + c.w));
    const Tensor<float> w = make_weight(c.cout, c.cin, uint32_t(c.cout + c.w));
    const Tensor<float> b = c.bias ? random_tensor({c.cout}, 5) : Tensor<float>();
    const std::string label = "Cout " + std::to_string(c.cout) + " Cin " + std::to_string(c.cin) + " " +
                              std::to_string(c.h) + "x" + std::to_string(c.w);
    const Tensor<float> ref = conv2d_ref(x, w, b, c.p);
    const Tensor<float> direct = conv2d_direct(x, w, b, c.p);
    for_each_traits([&](auto traits, const char* name) {
      const Tensor<float> y = detail::conv2d_narrow_impl<decltype(traits)>(x, w, b, c.p);
      check_close(y, ref, 1e-4, 1e-5, label + " [" + name + "] vs ref");
      test::check_equal(y, direct, label + " [" + name + "] vs conv2d_direct");
    });
  }
}

// A pipeline tile computes a crop of the image: its rows must equal the whole image's rows, for 1 and 2 threads.
TEST_CASE("conv2d_narrow: bits independent of crop offset, width and thread count") {
  const Tensor<float> x = random_tensor({1, 40, 24, 157}, 11);
  const Tensor<float> b = random_tensor({3}, 12);
  const Tensor<float> w = make_weight(3, 40, 13);
  const Conv2dParams p = Conv2dParams{}.with_act(Act::leaky_relu(0.1f));  // unpadded: a crop is a window
  set_num_threads(1);
  const Tensor<float> full = conv2d_narrow(x, w, b, p);
  struct Crop {
    int64_t y0, h, x0, w;
  };
  const Crop crops[] = {{0, 24, 0, 157}, {3, 17, 5, 100}, {1, 9, 97, 60}, {10, 14, 150, 7}, {0, 5, 13, 3}};
  for (const int threads : {1, 2}) {
    set_num_threads(threads);
    for (const Crop& c : crops) {
      const Tensor<float> yc = conv2d_narrow(x.narrow(2, c.y0, c.h).narrow(3, c.x0, c.w), w, b, p);
      test::check_equal(yc, full.narrow(2, c.y0, c.h - 2).narrow(3, c.x0, c.w - 2).clone(),
                        "crop y0=" + std::to_string(c.y0) + " x0=" + std::to_string(c.x0) + " w=" +
                            std::to_string(c.w) + ", " + std::to_string(threads) + " threads");
    }
  }
  set_num_threads(0);
}

TEST_CASE("conv2d_narrow: rejects what it does not handle, naming the shapes") {
  const Tensor<float> x = random_tensor({1, 8, 6, 6}, 1);
  CHECK(conv2d_is_narrow(make_weight(4, 8, 2), Conv2dParams{}));
  CHECK_FALSE(conv2d_is_narrow(make_weight(5, 8, 2), Conv2dParams{}));
  CHECK_FALSE(conv2d_is_narrow(make_weight(3, 8, 2), Conv2dParams{}.with_stride(2)));
  CHECK_FALSE(conv2d_is_narrow(make_weight(3, 8, 2), Conv2dParams{}.with_dilation(2)));
  CHECK_FALSE(
      conv2d_is_narrow(make_weight(3, 8, 2), Conv2dParams{}.with_padding(1).with_padding_mode(PaddingMode::reflect)));
  CHECK_FALSE(conv2d_is_narrow(random_tensor({3, 8, 1, 1}, 2), Conv2dParams{}));
  std::string msg;
  try {
    conv2d_narrow(x, make_weight(5, 8, 2));
  } catch (const Error& e) {
    msg = e.what();
  }
  CHECK(msg.find("conv2d_narrow: needs") != std::string::npos);
  CHECK(msg.find("weight=[5,8,3,3]") != std::string::npos);
}
