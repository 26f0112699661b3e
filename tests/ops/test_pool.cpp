// Tests for ops/pool.hpp: max/avg pooling, adaptive and global pools, channel mean/max.
#include "pixforge/ops/pool.hpp"

#include <cmath>
#include <string>

#include "test_util.hpp"

using namespace pixforge;
using pixforge::test::check_close;
using pixforge::test::check_equal;
using pixforge::test::random_tensor;

namespace {
std::string describe(const MaxPool2dParams& p) {
  return msg("k=", p.kernel_h, "x", p.kernel_w, " s=", p.stride_h, "x", p.stride_w, " p=", p.pad_h, "x", p.pad_w,
             " d=", p.dilation_h, "x", p.dilation_w, p.ceil_mode ? " ceil" : " floor");
}
std::string describe(const AvgPool2dParams& p) {
  return msg("k=", p.kernel_h, "x", p.kernel_w, " s=", p.stride_h, "x", p.stride_w, " p=", p.pad_h, "x", p.pad_w,
             p.ceil_mode ? " ceil" : " floor", p.count_include_pad ? " include_pad" : " exclude_pad",
             p.divisor_override ? " divisor_override" : "");
}
}  // namespace

TEST_CASE("pool_output_size: PyTorch's rule, including the ceil_mode last-window rule") {
  CHECK(pool_output_size(5, 2, 2, 0, 1, false) == 2);
  CHECK(pool_output_size(5, 2, 2, 0, 1, true) == 3);     // U²-Net: odd sizes round up
  CHECK(pool_output_size(4, 2, 2, 0, 1, true) == 2);
  CHECK(pool_output_size(112, 3, 2, 1, 1, false) == 56);  // ResNet stem
  CHECK(pool_output_size(7, 3, 3, 1, 1, true) == 3);      // (7+2−3+2)/3+1 = 3, last start 6 < 7+1: kept
  // in=10, k=4, s=3, p=2: ceil gives floor((10+4−4+2)/3)+1 = 5, but window 4 would start at 12 >= in+p = 12:
  // it lies entirely in the right padding, so PyTorch drops it -> 4.
  CHECK(pool_output_size(10, 4, 3, 2, 1, true) == 4);
  CHECK(pool_output_size(13, 3, 2, 1, 2, true) == 6);  // dilation 2: k_e = 5
}

TEST_CASE("max_pool2d: separable path matches the reference on awkward shapes") {
  std::vector<MaxPool2dParams> ps = {
      MaxPool2dParams{},                                                         // 2x2 s2
      MaxPool2dParams{}.with_ceil_mode(),                                        // 2x2 s2 ceil
      MaxPool2dParams{}.with_kernel(3).with_stride(2).with_padding(1),           // ResNet stem
      MaxPool2dParams{}.with_kernel(3).with_stride(2).with_padding(1).with_ceil_mode(),
      MaxPool2dParams{}.with_kernel(3).with_stride(1).with_padding(1).with_dilation(2),
      MaxPool2dParams{}.with_kernel(3, 2).with_stride(2, 1).with_padding(1, 0),
      MaxPool2dParams{}.with_kernel(4).with_stride(3).with_padding(2).with_ceil_mode(),
      MaxPool2dParams{}.with_kernel(1).with_stride(2),
      MaxPool2dParams{}.with_kernel(5).with_stride(1).with_padding(2),
  };
  const Shape shapes[] = {{1, 3, 5, 7}, {2, 17, 9, 10}, {1, 2, 13, 12}, {3, 1, 6, 31}, {1, 4, 64, 65}};
  uint32_t seed = 1;
  for (const Shape& s : shapes)
    for (const MaxPool2dParams& p : ps) {
      const Tensor<float> x = random_tensor(s, seed++);
      check_equal(max_pool2d(x, p), max_pool2d_ref(x, p), "x=" + s.str() + " " + describe(p));
    }
}

TEST_CASE("max_pool2d: NaN propagates, -inf padding never wins") {
  Tensor<float> x = Tensor<float>::full({1, 1, 4, 4}, -5.0f);
  x(0, 0, 3, 3) = NAN;  // only in the window of output (1, 1)
  const MaxPool2dParams p = MaxPool2dParams{}.with_kernel(3).with_stride(2).with_padding(1);
  const Tensor<float> y = max_pool2d(x, p), r = max_pool2d_ref(x, p);
  CHECK(std::isnan(y(0, 0, 1, 1)));
  CHECK(std::isnan(r(0, 0, 1, 1)));
  CHECK(y(0, 0, 0, 0) == -5.0f);  // all taps inside are -5; the padding is ignored, not 0
  CHECK(y(0, 0, 0, 1) == -5.0f);
  CHECK(y(0, 0, 1, 0) == -5.0f);
}

TEST_CASE("avg_pool2d: separable path matches the reference on awkward shapes") {
  std::vector<AvgPool2dParams> ps = {
      AvgPool2dParams{},
      AvgPool2dParams{}.with_ceil_mode(),
      AvgPool2dParams{}.with_ceil_mode().with_count_include_pad(false),
      AvgPool2dParams{}.with_kernel(3).with_stride(2).with_padding(1),
      AvgPool2dParams{}.with_kernel(3).with_stride(2).with_padding(1).with_count_include_pad(false),
      AvgPool2dParams{}.with_kernel(3).with_stride(2).with_padding(1).with_ceil_mode(),
      AvgPool2dParams{}.with_kernel(2).with_stride(1),
      AvgPool2dParams{}.with_kernel(4).with_stride(3).with_padding(2).with_ceil_mode(),
      AvgPool2dParams{}.with_kernel(3, 2).with_stride(1, 2).with_padding(1, 0).with_count_include_pad(false),
  };
  AvgPool2dParams div = AvgPool2dParams{}.with_kernel(3).with_stride(2).with_padding(1);
  div.divisor_override = 4;
  ps.push_back(div);
  const Shape shapes[] = {{1, 3, 5, 7}, {2, 17, 9, 10}, {1, 2, 13, 12}, {3, 1, 6, 31}, {1, 4, 64, 65}};
  uint32_t seed = 100;
  for (const Shape& s : shapes)
    for (const AvgPool2dParams& p : ps) {
      const Tensor<float> x = random_tensor(s, seed++);
      check_close(avg_pool2d(x, p), avg_pool2d_ref(x, p), 1e-6, 1e-7, "x=" + s.str() + " " + describe(p));
    }
}

TEST_CASE("adaptive, global and channel pools: fast paths match the references") {
  const Shape shapes[] = {{1, 3, 5, 7}, {2, 17, 9, 10}, {1, 2, 13, 12}, {1, 70, 3, 4}};
  const int64_t outs[][2] = {{1, 1}, {3, 3}, {2, 5}, {7, 6}, {4, 4}};
  uint32_t seed = 200;
  for (const Shape& s : shapes) {
    const Tensor<float> x = random_tensor(s, seed++);
    for (const auto& o : outs) {
      const std::string label = "x=" + s.str() + " out=" + std::to_string(o[0]) + "x" + std::to_string(o[1]);
      check_equal(adaptive_avg_pool2d(x, o[0], o[1]), adaptive_avg_pool2d_ref(x, o[0], o[1]), "avg " + label);
      check_equal(adaptive_max_pool2d(x, o[0], o[1]), adaptive_max_pool2d_ref(x, o[0], o[1]), "max " + label);
    }
    check_close(global_avg_pool2d(x), global_avg_pool2d_ref(x), 1e-6, 1e-7, "global avg x=" + s.str());
    check_equal(global_max_pool2d(x), global_max_pool2d_ref(x), "global max x=" + s.str());
    check_equal(channel_mean(x), channel_mean_ref(x), "channel_mean x=" + s.str());
    check_equal(channel_max(x), channel_max_ref(x), "channel_max x=" + s.str());
  }
  // Adaptive avg with divisible sizes is avg_pool2d with k = s = in/out.
  const Tensor<float> x = random_tensor({2, 3, 8, 12}, 7);
  check_close(adaptive_avg_pool2d(x, 4, 3), avg_pool2d(x, AvgPool2dParams{}.with_kernel(2, 4)), 1e-6, 1e-7,
              "adaptive 8x12 -> 4x3 vs avg 2x4");
}

TEST_CASE("pool: PyTorch goldens") {
  test::Golden g("pool");
  auto pair = [](const Json& j) { return std::make_pair(j[size_t(0)].as_int64(), j[size_t(1)].as_int64()); };
  for (const auto& c : g.cases()) {
    const std::string op = c.params["op"].as_string();
    const Tensor<float> x = g.tensor(c, "x"), want = g.tensor(c, "y");
    std::string label = c.name + " " + op + " x=" + x.shape().str();
    Tensor<float> got, ref;
    bool exact = true;
    if (op == "max_pool2d") {
      MaxPool2dParams p;
      std::tie(p.kernel_h, p.kernel_w) = pair(c.params["kernel"]);
      std::tie(p.stride_h, p.stride_w) = pair(c.params["stride"]);
      std::tie(p.pad_h, p.pad_w) = pair(c.params["padding"]);
      p.dilation_h = p.dilation_w = c.params["dilation"].as_int64();
      p.ceil_mode = c.params["ceil_mode"].as_bool();
      label += " " + describe(p);
      got = max_pool2d(x, p);
      ref = max_pool2d_ref(x, p);
    } else if (op == "avg_pool2d") {
      AvgPool2dParams p;
      std::tie(p.kernel_h, p.kernel_w) = pair(c.params["kernel"]);
      std::tie(p.stride_h, p.stride_w) = pair(c.params["stride"]);
      std::tie(p.pad_h, p.pad_w) = pair(c.params["padding"]);
      p.ceil_mode = c.params["ceil_mode"].as_bool();
      p.count_include_pad = c.params["count_include_pad"].as_bool();
      p.divisor_override = c.params["divisor_override"].as_int64();
      label += " " + describe(p);
      got = avg_pool2d(x, p);
      ref = avg_pool2d_ref(x, p);
      exact = false;
    } else if (op == "adaptive_avg_pool2d" || op == "adaptive_max_pool2d") {
      const auto o = pair(c.params["output_size"]);
      label += " out=" + std::to_string(o.first) + "x" + std::to_string(o.second);
      const bool avg = op == "adaptive_avg_pool2d";
      got = avg ? adaptive_avg_pool2d(x, o.first, o.second) : adaptive_max_pool2d(x, o.first, o.second);
      ref = avg ? adaptive_avg_pool2d_ref(x, o.first, o.second) : adaptive_max_pool2d_ref(x, o.first, o.second);
      exact = !avg;
    } else if (op == "global_avg_pool2d") {
      got = global_avg_pool2d(x), ref = global_avg_pool2d_ref(x), exact = false;
    } else if (op == "global_max_pool2d") {
      got = global_max_pool2d(x), ref = global_max_pool2d_ref(x);
    } else if (op == "channel_mean") {
      got = channel_mean(x), ref = channel_mean_ref(x), exact = false;
    } else if (op == "channel_max") {
      got = channel_max(x), ref = channel_max_ref(x);
    } else {
      FAIL("unknown op in golden: " << op);
    }
    if (exact) {  // max pools select an input value: exact
      check_equal(got, want, label);
      check_equal(ref, want, label + " (ref)");
    } else {
      check_close(got, want, 1e-4, 1e-5, label);
      check_close(ref, want, 1e-4, 1e-5, label + " (ref)");
    }
  }
}

TEST_CASE("pool: identical bits for 1 and 2 threads") {
  const Tensor<float> x = random_tensor({2, 16, 33, 35}, 9);
  auto run = [&] {
    return std::vector<Tensor<float>>{
        max_pool2d(x, MaxPool2dParams{}.with_kernel(3).with_stride(2).with_padding(1).with_ceil_mode()),
        avg_pool2d(x, AvgPool2dParams{}.with_kernel(3).with_stride(2).with_padding(1)),
        adaptive_avg_pool2d(x, 5, 7), adaptive_max_pool2d(x, 3), global_avg_pool2d(x), channel_mean(x),
        channel_max(x)};
  };
  set_num_threads(1);
  const auto a = run();
  set_num_threads(2);
  const auto b = run();
  set_num_threads(0);
  for (size_t i = 0; i < a.size(); ++i) check_equal(b[i], a[i], "threads output " + std::to_string(i));
}

TEST_CASE("pool: bad arguments name the op and the shapes") {
  const Tensor<float> x = random_tensor({1, 2, 5, 5}, 1);
  CHECK_THROWS_WITH_AS(max_pool2d(x, MaxPool2dParams{}.with_kernel(3).with_padding(2)),
                       doctest::Contains("max_pool2d: pad_h=2 must be at most half the kernel size 3"),
                       pixforge::Error);
  CHECK_THROWS_WITH_AS(max_pool2d(x, MaxPool2dParams{}.with_kernel(7)),
                       doctest::Contains("max_pool2d: input [1,2,5,5] is too small for kernel_h=7"), pixforge::Error);
  CHECK_THROWS_AS(max_pool2d(x, MaxPool2dParams{}.with_kernel(0)), pixforge::Error);
  CHECK_THROWS_AS(max_pool2d(x, MaxPool2dParams{}.with_dilation(0)), pixforge::Error);
  CHECK_THROWS_WITH_AS(max_pool2d(Tensor<float>::zeros({2, 5, 5}), MaxPool2dParams{}),
                       doctest::Contains("max_pool2d: x must be [N, C, H, W], got [2,5,5]"), pixforge::Error);
  CHECK_THROWS_AS(avg_pool2d(x, AvgPool2dParams{}.with_stride(-1)), pixforge::Error);
  CHECK_THROWS_WITH_AS(adaptive_avg_pool2d(x, 0, 3), doctest::Contains("adaptive_avg_pool2d: output size [0,3]"),
                       pixforge::Error);
  CHECK_THROWS_AS(channel_mean(Tensor<float>::zeros({2, 5})), pixforge::Error);
  CHECK_THROWS_AS(global_max_pool2d(Tensor<float>::zeros({1, 2, 0, 3})), pixforge::Error);
  CHECK(max_pool2d_output_shape({1, 64, 5, 5}, MaxPool2dParams{}.with_ceil_mode()) == Shape{1, 64, 3, 3});
  CHECK(avg_pool2d_output_shape({1, 8, 9, 9}, AvgPool2dParams{}.with_kernel(3).with_stride(2).with_padding(1)) ==
        Shape{1, 8, 5, 5});
}
