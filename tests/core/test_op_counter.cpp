// MacCounter (core/op_counter.hpp): the conv dispatchers add exactly the documented MAC count, only while a counter
// is alive, and nested counters hand their count on to the outer one.
#include "pixforge/core/op_counter.hpp"
#include "pixforge/ops/conv2d.hpp"
#include "pixforge/ops/conv_transpose2d.hpp"
#include "test_util.hpp"

using namespace pixforge;

TEST_CASE("MacCounter: conv2d counts N·Cout·Hout·Wout·Cin/g·kH·kW") {
  const Tensor<float> x = test::random_tensor({2, 6, 9, 11}, 1);
  const Tensor<float> w = test::random_tensor({4, 3, 3, 2}, 2);  // groups 2: Cin/g = 3, kernel 3×2
  const Conv2dParams p = Conv2dParams{}.with_stride(2).with_padding(1).with_groups(2);
  MacCounter count;
  const Tensor<float> y = conv2d(x, w, Tensor<float>(), p);
  CHECK(y.shape() == Shape({2, 4, 5, 6}));
  CHECK(count.macs() == int64_t(2) * 4 * 5 * 6 * 3 * 3 * 2);
  conv2d(x, w, Tensor<float>(), p);
  CHECK(count.macs() == int64_t(2) * 2 * 4 * 5 * 6 * 3 * 3 * 2);
}

TEST_CASE("MacCounter: conv_transpose2d counts N·Cin·H·W·Cout/g·kH·kW") {
  const Tensor<float> x = test::random_tensor({1, 4, 5, 7}, 3);
  const Tensor<float> w = test::random_tensor({4, 3, 4, 4}, 4);  // [Cin, Cout/g, k, k]
  ConvTranspose2dParams p;
  p.stride_h = p.stride_w = 2;
  p.padding_h = p.padding_w = 1;
  MacCounter count;
  conv_transpose2d(x, w, Tensor<float>(), p);
  CHECK(count.macs() == int64_t(4) * 5 * 7 * 3 * 4 * 4);
}

TEST_CASE("MacCounter: off without a counter, nested counters add up") {
  const Tensor<float> x = test::random_tensor({1, 2, 4, 4}, 5);
  const Tensor<float> w = test::random_tensor({3, 2, 1, 1}, 6);
  const int64_t one = 3 * 4 * 4 * 2;
  conv2d(x, w);  // nobody counting: must not crash or leak into the counters below
  MacCounter outer;
  conv2d(x, w);
  {
    MacCounter inner;
    conv2d(x, w);
    conv2d(x, w);
    CHECK(inner.macs() == 2 * one);
    CHECK(outer.macs() == one);  // the inner counter holds its calls until it ends
  }
  CHECK(outer.macs() == 3 * one);
}
