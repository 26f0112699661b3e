// Tests for ops/conv2d_s2d.hpp: patchify convs (kernel = stride, no padding) against conv2d_ref, conv2d_direct's
// exact bits (the same FMA chains), the AVX2 and scalar instantiations, threads, the dispatcher, argument errors.
#include "pixforge/ops/conv2d_s2d.hpp"

#include <cmath>
#include <string>

#include "test_util.hpp"

using namespace pixforge;
using test::check_close;
using test::random_tensor;

namespace {

Tensor<float> make_weight(int64_t cout, int64_t cin, int64_t kh, int64_t kw, uint32_t seed) {
  const float s = 1.0f / std::sqrt(float(cin * kh * kw));
  return random_tensor({cout, cin, kh, kw}, seed, -s, s);
}

}  // namespace

TEST_CASE("conv2d_s2d: reference values, conv2d_direct's bits, every SIMD width, threads, dispatcher") {
  struct S2dCase {
    int64_t n, cin, h, w, cout, kh, kw;
    bool bias;
    Act act;
  };
  // Widths ending mid-vector and mid-tile (Wout 1, 17, 49, 67), odd H/W (floor), Cin over one 16-channel block
  // (70: blocks 16·4 + 6), Cout not a multiple of 8, 3×3 s3 and 2×1 s(2,1) windows.
  const S2dCase cases[] = {{1, 3, 2, 2, 2, 2, 2, true, Act()},
                           {2, 70, 7, 135, 13, 2, 2, true, Act::leaky_relu(0.1f)},
                           {1, 64, 4, 98, 64, 2, 2, true, Act()},
                           {1, 16, 5, 35, 8, 2, 2, false, Act::relu()},
                           {1, 5, 9, 53, 7, 3, 3, true, Act()},
                           {1, 9, 6, 49, 3, 2, 1, true, Act::leaky_relu(0.2f)}};
  for (const S2dCase& c : cases) {
    const std::string label = std::to_string(c.kh) + "x" + std::to_string(c.kw) + " " + std::to_string(c.cin) +
                              "->" + std::to_string(c.cout) + " " + std::to_string(c.h) + "x" + std::to_string(c.w) +
                              " N=" + std::to_string(c.n);
    const Tensor<float> x = random_tensor({c.n, c.cin, c.h, c.w}, 91);
    const Tensor<float> w = make_weight(c.cout, c.cin, c.kh, c.kw, 92);
    const Tensor<float> b = c.bias ? random_tensor({c.cout}, 93) : Tensor<float>();
    const auto p = Conv2dParams{}.with_stride(c.kh, c.kw).with_act(c.act);
    const Tensor<float> y = conv2d_s2d(x, w, b, p);
    check_close(y, conv2d_ref(x, w, b, p), 1e-4, 1e-5, label + " vs ref");
    test::check_equal(y, conv2d_direct(x, w, b, p), label + " vs conv2d_direct");
    test::check_equal(detail::conv2d_s2d_impl<detail::SimdScalar>(x, w, b, p), y, label + " scalar");
#if defined(__AVX2__) && defined(__FMA__)
    test::check_equal(detail::conv2d_s2d_impl<detail::SimdAvx2>(x, w, b, p), y, label + " avx2");
#endif
    test::check_equal(conv2d(x, w, b, p), y, label + " dispatcher");
    set_num_threads(2);
    test::check_equal(conv2d_s2d(x, w, b, p), y, label + " 2 threads");
    set_num_threads(0);
  }
}

// A pipeline tile that starts on an even row/column sees whole windows: its outputs must be the full map's bits.
TEST_CASE("conv2d_s2d: a crop on the window grid gives the full map's bits") {
  const Tensor<float> x = random_tensor({1, 20, 18, 150}, 94);
  const Tensor<float> w = make_weight(24, 20, 2, 2, 95), b = random_tensor({24}, 96);
  const auto p = Conv2dParams{}.with_stride(2);
  const Tensor<float> full = conv2d_s2d(x, w, b, p);
  const Tensor<float> crop = conv2d_s2d(x.narrow(2, 4, 10).narrow(3, 38, 100), w, b, p);
  test::check_equal(crop, full.narrow(2, 2, 5).narrow(3, 19, 50).clone(), "crop at (4, 38)");
}

TEST_CASE("conv2d_s2d: bad arguments name the op and the shapes") {
  const Tensor<float> x = random_tensor({1, 4, 8, 8}, 97);
  std::string what;
  try {
    conv2d_s2d(x, make_weight(3, 4, 2, 2, 98), {}, Conv2dParams{}.with_stride(2).with_padding(1));
  } catch (const Error& e) {
    what = e.what();
  }
  CHECK(what.find("conv2d_s2d: needs kernel = stride") != std::string::npos);
  CHECK(what.find("weight=[3,4,2,2]") != std::string::npos);
}
