// Tests for ops/conv2d.hpp: fast paths vs conv2d_ref, PyTorch goldens, argument errors, thread determinism.
#include "pixforge/ops/conv2d.hpp"

#include <cmath>
#include <string>

#include "test_util.hpp"

using namespace pixforge;
using test::check_close;
using test::random_tensor;

namespace {

struct ConvCase {
  const char* label;
  int64_t n, cin, h, w, cout, kh, kw;
  Conv2dParams p;
  bool bias;
};

// Weights scaled like PyTorch's default init (1/sqrt(fan_in)) so outputs stay O(1) for any K.
Tensor<float> make_weight(int64_t cout, int64_t cin_g, int64_t kh, int64_t kw, uint32_t seed) {
  const float s = 1.0f / std::sqrt(float(cin_g * kh * kw));
  return random_tensor({cout, cin_g, kh, kw}, seed, -s, s);
}

std::vector<ConvCase> awkward_cases() {
  using P = Conv2dParams;
  return {
      {"3x3 s1 p1, C=5->7, 9x11", 1, 5, 9, 11, 7, 3, 3, P{}.with_padding(1), true},
      {"3x3 p1, C=64->64 (K=576), 40x37: many pixel blocks", 1, 64, 40, 37, 16, 3, 3, P{}.with_padding(1), true},
      {"3x3 s2 p1 on odd 13x9", 1, 3, 13, 9, 6, 3, 3, P{}.with_stride(2).with_padding(1), true},
      {"4x4 s2 p1 (pix2pix) 12x10", 1, 6, 12, 10, 4, 4, 4, P{}.with_stride(2).with_padding(1), false},
      {"5x5 s1 p2, N=2", 2, 3, 8, 7, 5, 5, 5, P{}.with_padding(2), true},
      {"7x7 reflect p3", 1, 3, 10, 9, 4, 7, 7, P{}.with_padding(3).with_padding_mode(PaddingMode::reflect), true},
      {"3x3 replicate p2 s2", 1, 4, 7, 8, 3, 3, 3,
       P{}.with_stride(2).with_padding(2).with_padding_mode(PaddingMode::replicate), true},
      {"replicate pad > size", 1, 2, 3, 2, 3, 3, 3,
       P{}.with_padding(4).with_padding_mode(PaddingMode::replicate), true},
      {"asymmetric TF same s2 (0,1,0,1)", 1, 5, 10, 8, 3, 3, 3, P{}.with_stride(2).with_padding(0, 1, 0, 1), true},
      {"asymmetric reflect (2,0,1,3)", 1, 3, 9, 7, 2, 3, 3,
       P{}.with_padding(2, 0, 1, 3).with_padding_mode(PaddingMode::reflect), true},
      {"dilation 2 p2", 1, 5, 11, 10, 6, 3, 3, P{}.with_padding(2).with_dilation(2), true},
      {"dilation 4 p4 reflect", 1, 3, 13, 12, 2, 3, 3,
       P{}.with_padding(4).with_dilation(4).with_padding_mode(PaddingMode::reflect), true},
      {"dilation (2,1) stride (1,2)", 1, 3, 9, 10, 4, 3, 3,
       P{}.with_padding(2, 1).with_dilation(2, 1).with_stride(1, 2), true},
      {"groups 2", 1, 6, 7, 9, 4, 3, 3, P{}.with_padding(1).with_groups(2), true},
      {"groups 3, C not multiple of 16", 2, 21, 6, 5, 9, 3, 3, P{}.with_padding(1).with_groups(3), true},
      {"depthwise 3x3 C=17", 1, 17, 9, 8, 17, 3, 3, P{}.with_padding(1).with_groups(17), true},
      {"depthwise x2 multiplier 5x5 s2", 2, 4, 11, 9, 8, 5, 5, P{}.with_padding(2).with_stride(2).with_groups(4),
       true},
      {"depthwise wide rows (16-wide blocks, overlapping tail) 45 wide", 1, 6, 7, 45, 6, 3, 3,
       P{}.with_padding(1).with_groups(6), true},
      {"depthwise 5x5 dil 2 reflect, 38 wide, asymmetric pad", 2, 3, 9, 38, 6, 5, 5,
       P{}.with_padding(4, 3, 2, 5).with_dilation(2).with_groups(3).with_padding_mode(PaddingMode::reflect), true},
      {"depthwise 7x7 replicate, 16 wide exactly", 1, 2, 5, 22, 2, 7, 7,
       P{}.with_padding(3).with_groups(2).with_padding_mode(PaddingMode::replicate), true},
      {"depthwise reflect dil 2", 1, 5, 8, 9, 5, 3, 3,
       P{}.with_padding(2).with_dilation(2).with_groups(5).with_padding_mode(PaddingMode::reflect), false},
      {"1x1 C=33->10", 1, 33, 7, 9, 10, 1, 1, P{}, true},
      {"1x1 groups 2, N=2", 2, 8, 5, 5, 6, 1, 1, P{}.with_groups(2), true},
      {"1x1 stride 2", 1, 4, 9, 9, 3, 1, 1, P{}.with_stride(2), true},
      {"1x1 padded", 1, 4, 5, 6, 3, 1, 1, P{}.with_padding(1), true},
      {"non-square kernel 3x5", 1, 3, 8, 11, 4, 3, 5, P{}.with_padding(1, 2), true},
      {"kernel = input (valid, 1x1 output)", 1, 3, 5, 4, 2, 5, 4, P{}, true},
      {"1xW input", 1, 3, 1, 16, 2, 1, 3, P{}.with_padding(0, 1), true},
      {"fused leaky_relu(0.2)", 1, 4, 6, 7, 5, 3, 3, P{}.with_padding(1).with_act(Act::leaky_relu(0.2f)), true},
      {"fused sigmoid depthwise", 1, 4, 6, 7, 4, 3, 3,
       P{}.with_padding(1).with_groups(4).with_act(Act::sigmoid()), true},
      // conv2d_direct: widths across several 48-pixel tiles with a ragged tail, Cout not a multiple of 8.
      {"direct 3x3 p1, C=19->13, 7x203", 1, 19, 7, 203, 13, 3, 3, P{}.with_padding(1), true},
      {"direct 3x3 reflect, C=5->6, N=2, 11x97, elu", 2, 5, 11, 97, 6, 3, 3,
       P{}.with_padding(1).with_padding_mode(PaddingMode::reflect).with_act(Act::elu(1.0f)), true},
      {"direct 3x3 no padding, 3->32 (first layer), 9x17", 1, 3, 9, 17, 32, 3, 3, P{}, false},
      {"direct 3x3 p1, C=150->9 (10 input-channel blocks, the last of 6), 6x53, bias + relu", 1, 150, 6, 53, 9, 3, 3,
       P{}.with_padding(1).with_act(Act::relu()), true},
      {"direct 1x1, C=200->5 (13 input-channel blocks)", 1, 200, 5, 19, 5, 1, 1, P{}, true},
      // conv2d_direct with stride / dilation: phase-split panels, several tiles per row, ragged tails.
      {"direct 2x2 s2 (Real-CUGAN down), C=70->13, N=2, 9x203, leaky_relu", 2, 70, 9, 203, 13, 2, 2,
       P{}.with_stride(2).with_act(Act::leaky_relu(0.1f)), true},
      {"direct 2x2 s2, 6x98 even, no bias", 1, 9, 6, 98, 8, 2, 2, P{}.with_stride(2), false},
      {"direct 3x3 s2 p1 reflect, 11x131", 1, 5, 11, 131, 7, 3, 3,
       P{}.with_stride(2).with_padding(1).with_padding_mode(PaddingMode::reflect), true},
      {"direct 4x4 s2 p1, odd 13x101", 1, 6, 13, 101, 10, 4, 4, P{}.with_stride(2).with_padding(1), true},
      {"direct 5x5 s3 replicate p2, 14x110", 2, 4, 14, 110, 5, 5, 5,
       P{}.with_stride(3).with_padding(2).with_padding_mode(PaddingMode::replicate), true},
      {"direct 3x3 dilation 8 p8 (IS-Net RSU4F), C=67->9, 20x117", 1, 67, 20, 117, 9, 3, 3,
       P{}.with_padding(8).with_dilation(8).with_act(Act::relu()), true},
      {"direct 3x3 dilation 2 s2, asymmetric pad", 1, 3, 12, 61, 4, 3, 3,
       P{}.with_stride(2).with_dilation(2).with_padding(1, 3, 2, 0), true},
      // Dilated stride-1 convs band output rows dh apart: several bands per residue class, ragged last bands.
      {"direct 3x3 dilation 2 p2 replicate, N=2, C=20->11, 29x70, relu", 2, 20, 29, 70, 11, 3, 3,
       P{}.with_padding(2).with_dilation(2).with_padding_mode(PaddingMode::replicate).with_act(Act::relu()), true},
      {"direct 3x3 dilation (3,1) pad (3,1) reflect, C=9->10, 31x40", 1, 9, 31, 40, 10, 3, 3,
       P{}.with_padding(3, 1).with_dilation(3, 1).with_padding_mode(PaddingMode::reflect), true},
  };
}

Act act_from(const Json& c) {
  const std::string a = c["act"].as_string();
  const float alpha = float(c["alpha"].as_double());
  if (a == "relu") return Act::relu();
  if (a == "leaky_relu") return Act::leaky_relu(alpha);
  if (a == "elu") return Act::elu(alpha);
  REQUIRE_MESSAGE(a == "none", "unknown act ", a);
  return Act::none();
}

PaddingMode mode_from(const std::string& m) {
  if (m == "reflect") return PaddingMode::reflect;
  if (m == "replicate") return PaddingMode::replicate;
  REQUIRE_MESSAGE(m == "zeros", "unknown padding mode ", m);
  return PaddingMode::zeros;
}

Conv2dParams params_from(const Json& c) {
  Conv2dParams p;
  p.with_stride(c["stride_h"].as_int64(), c["stride_w"].as_int64())
      .with_padding(c["pad_top"].as_int64(), c["pad_bottom"].as_int64(), c["pad_left"].as_int64(),
                    c["pad_right"].as_int64())
      .with_dilation(c["dilation_h"].as_int64(), c["dilation_w"].as_int64())
      .with_groups(c["groups"].as_int64())
      .with_padding_mode(mode_from(c["padding_mode"].as_string()))
      .with_act(act_from(c));
  return p;
}

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

TEST_CASE("conv2d: output size and TF 'SAME' padding") {
  CHECK(conv_output_size(64, 1, 1, 3, 1, 1) == 64);
  CHECK(conv_output_size(64, 1, 1, 4, 2, 1) == 32);
  CHECK(conv_output_size(7, 0, 0, 3, 2, 1) == 3);
  CHECK(conv_output_size(13, 4, 4, 3, 1, 4) == 13);
  // part-b §0.3: stride-2 3x3 on an even size pads 0 before, 1 after.
  CHECK(tf_same_padding(8, 3, 2).before == 0);
  CHECK(tf_same_padding(8, 3, 2).after == 1);
  CHECK(tf_same_padding(7, 3, 2).before == 1);
  CHECK(tf_same_padding(7, 3, 2).after == 1);
  CHECK(tf_same_padding(10, 5, 1).before == 2);
  CHECK(tf_same_padding(10, 5, 1).after == 2);
  CHECK(tf_same_padding(10, 3, 1, 4).before == 4);  // dilated: effective kernel 9
  CHECK(tf_same_padding(10, 4, 1).before == 1);
  CHECK(tf_same_padding(10, 4, 1).after == 2);
  const Conv2dParams p = Conv2dParams{}.with_stride(2).with_tf_same_padding(10, 9, 3, 3);
  CHECK(p.pad_top == 0);
  CHECK(p.pad_bottom == 1);
  CHECK(p.pad_left == 1);
  CHECK(p.pad_right == 1);
  CHECK(conv2d_output_shape({1, 3, 10, 9}, {8, 3, 3, 3}, p) == Shape{1, 8, 5, 5});
  // PyTorch padding='same': total d(k−1), odd pixel after (checked against torch: k4 → (1,2); k4 d3 → (4,5)).
  const Conv2dParams same = Conv2dParams{}.with_dilation(3, 2).with_same_padding(4, 2);
  CHECK((same.pad_top == 4 && same.pad_bottom == 5 && same.pad_left == 1 && same.pad_right == 1));
  CHECK(conv2d_output_shape({1, 3, 10, 9}, {8, 3, 4, 2}, same) == Shape{1, 8, 10, 9});
  CHECK_THROWS_AS(Conv2dParams{}.with_stride(2).with_same_padding(3, 3), Error);
}

TEST_CASE("conv2d: fast paths match conv2d_ref on awkward shapes") {
  uint32_t seed = 100;
  for (const ConvCase& c : awkward_cases()) {
    const Tensor<float> x = random_tensor({c.n, c.cin, c.h, c.w}, ++seed);
    const Tensor<float> w = make_weight(c.cout, c.cin / c.p.groups, c.kh, c.kw, ++seed);
    const Tensor<float> b = c.bias ? random_tensor({c.cout}, ++seed) : Tensor<float>();
    const Tensor<float> ref = conv2d_ref(x, w, b, c.p);
    const std::string label = c.label;
    check_close(conv2d(x, w, b, c.p), ref, 1e-4, 1e-5, label + " [conv2d]");
    check_close(conv2d_im2col(x, w, b, c.p), ref, 1e-4, 1e-5, label + " [conv2d_im2col]");
    if (detail::conv2d_is_pointwise(w, c.p)) check_close(conv2d_1x1(x, w, b, c.p), ref, 1e-4, 1e-5, label + " [1x1]");
    if (detail::conv2d_is_depthwise(x, w, c.p))
      check_close(conv2d_depthwise(x, w, b, c.p), ref, 1e-4, 1e-5, label + " [depthwise]");
    if (detail::conv2d_is_direct(c.p))
      check_close(conv2d_direct(x, w, b, c.p), ref, 1e-4, 1e-5, label + " [direct]");
  }
}

TEST_CASE("conv2d: strided (non-contiguous) input") {
  const Tensor<float> big = random_tensor({2, 6, 12, 14}, 7);
  const Tensor<float> x = big.narrow(1, 1, 4).narrow(3, 2, 9);  // [2,4,12,9], strided
  REQUIRE_FALSE(x.is_contiguous());
  const Tensor<float> w = make_weight(5, 4, 3, 3, 8);
  const Tensor<float> b = random_tensor({5}, 9);
  const Conv2dParams p = Conv2dParams{}.with_padding(1);
  const Tensor<float> ref = conv2d_ref(x.clone(), w, b, p);
  check_close(conv2d(x, w, b, p), ref, 1e-4, 1e-5, "strided input, im2col");
  const Tensor<float> w1 = make_weight(5, 4, 1, 1, 10);
  check_close(conv2d(x, w1, b), conv2d_ref(x.clone(), w1, b), 1e-4, 1e-5, "strided input, 1x1");
}

TEST_CASE("conv2d: PyTorch goldens") {
  test::Golden g("conv2d");
  for (const auto& c : g.cases()) {
    const Conv2dParams p = params_from(c.params);
    const Tensor<float> x = g.tensor(c, "x"), w = g.tensor(c, "weight"), y = g.tensor(c, "y");
    const Tensor<float> b = g.has(c, "bias") ? g.tensor(c, "bias") : Tensor<float>();
    const std::string label = c.name + " " + c.params.dump();
    check_close(conv2d(x, w, b, p), y, 1e-4, 1e-5, label + " [conv2d]");
    check_close(conv2d_ref(x, w, b, p), y, 1e-4, 1e-5, label + " [conv2d_ref]");
    check_close(conv2d_im2col(x, w, b, p), y, 1e-4, 1e-5, label + " [conv2d_im2col]");
  }
}

TEST_CASE("conv2d: bad arguments name the op and the shapes") {
  const Tensor<float> x = random_tensor({1, 64, 8, 8}, 1);
  const Tensor<float> w = random_tensor({16, 32, 3, 3}, 2);
  CHECK_THROWS_AS(conv2d(x, w), Error);
  const std::string m = error_of([&] { conv2d(x, w); });
  CHECK_MESSAGE(m.find("conv2d: input has 64 channels, weight expects 32") != std::string::npos, m);
  CHECK_MESSAGE(m.find("x=[1,64,8,8]") != std::string::npos, m);
  CHECK_MESSAGE(m.find("weight=[16,32,3,3]") != std::string::npos, m);
  CHECK_MESSAGE(m.find("[pixforge.shape_mismatch]") != std::string::npos, m);

  const Tensor<float> w64 = random_tensor({16, 64, 3, 3}, 3);
  CHECK_THROWS_AS(conv2d(x, w64, random_tensor({15}, 4)), Error);  // bias length
  CHECK(error_of([&] { conv2d(x, w64, random_tensor({15}, 4)); }).find("bias must be [16], got [15]") !=
        std::string::npos);
  CHECK_THROWS_AS(conv2d(x.reshape({64, 8, 8}), w64), Error);                                   // rank
  CHECK_THROWS_AS(conv2d(x, w64, {}, Conv2dParams{}.with_stride(0)), Error);                    // stride
  CHECK_THROWS_AS(conv2d(x, w64, {}, Conv2dParams{}.with_dilation(0)), Error);                  // dilation
  CHECK_THROWS_AS(conv2d(x, w64, {}, Conv2dParams{}.with_padding(-1)), Error);                  // padding
  CHECK_THROWS_AS(conv2d(x, w64, {}, Conv2dParams{}.with_groups(3)), Error);                    // groups ∤ C
  CHECK_THROWS_AS(conv2d(x, random_tensor({16, 64, 9, 9}, 5)), Error);                          // kernel > input
  CHECK(error_of([&] { conv2d(x, random_tensor({16, 64, 9, 9}, 5)); }).find("larger than the padded input 8x8") !=
        std::string::npos);
  // reflect needs pad < size (PyTorch's rule); replicate does not
  const Tensor<float> small = random_tensor({1, 2, 3, 3}, 6);
  const Tensor<float> w2 = random_tensor({1, 2, 3, 3}, 7);
  const auto reflect3 = Conv2dParams{}.with_padding(3).with_padding_mode(PaddingMode::reflect);
  CHECK_THROWS_AS(conv2d(small, w2, {}, reflect3), Error);
  CHECK(error_of([&] { conv2d(small, w2, {}, reflect3); }).find("reflect padding") != std::string::npos);
  CHECK_NOTHROW(conv2d(small, w2, {}, Conv2dParams{}.with_padding(2).with_padding_mode(PaddingMode::reflect)));
  CHECK_NOTHROW(conv2d(small, w2, {}, Conv2dParams{}.with_padding(3).with_padding_mode(PaddingMode::replicate)));
  // variant preconditions
  CHECK_THROWS_AS(conv2d_1x1(x, w64), Error);
  CHECK(error_of([&] { conv2d_1x1(x, w64); }).find("conv2d_1x1") != std::string::npos);
  CHECK_THROWS_AS(conv2d_depthwise(x, w64), Error);
}

TEST_CASE("conv2d: identical bits for 1 and 2 threads") {
  const Tensor<float> x = random_tensor({2, 24, 33, 29}, 11);
  const Tensor<float> b = random_tensor({32}, 13);
  const Tensor<float> xd = random_tensor({1, 32, 33, 29}, 14);
  struct Variant {
    const char* label;
    Tensor<float> w;
    Conv2dParams p;
    const Tensor<float>* x;
  };
  const Variant variants[] = {
      {"im2col 3x3", make_weight(32, 24, 3, 3, 12), Conv2dParams{}.with_padding(1).with_act(Act::relu()), &x},
      {"1x1", make_weight(32, 24, 1, 1, 15), Conv2dParams{}, &x},
      {"groups 2 s2 reflect", make_weight(32, 12, 3, 3, 16),
       Conv2dParams{}.with_groups(2).with_stride(2).with_padding(1).with_padding_mode(PaddingMode::reflect), &x},
      {"depthwise", make_weight(32, 1, 3, 3, 17), Conv2dParams{}.with_padding(1).with_groups(32), &xd},
      {"5x5 reflect (direct)", make_weight(32, 24, 5, 5, 18),
       Conv2dParams{}.with_padding(2).with_padding_mode(PaddingMode::reflect), &x},
  };
  for (const Variant& v : variants) {
    set_num_threads(1);
    const Tensor<float> y1 = conv2d(*v.x, v.w, b, v.p);
    set_num_threads(2);
    const Tensor<float> y2 = conv2d(*v.x, v.w, b, v.p);
    set_num_threads(0);
    test::check_equal(y2, y1, std::string(v.label) + ": 2 threads vs 1");
  }
}

// A tiled pipeline runs the same conv on a crop of the image (with a halo). conv2d_direct must give the crop's
// outputs the very same bits as the full image's, whatever the crop's width, offset and the thread count: every
// output is one FMA chain in a fixed order. Unpadded convs, so a crop's outputs are exactly a window of the full ones.
TEST_CASE("conv2d_direct: bits independent of image width, crop offset and thread count") {
  const Tensor<float> x = random_tensor({1, 21, 30, 211}, 31);
  const Tensor<float> b = random_tensor({10}, 33);
  const Conv2dParams p = Conv2dParams{}.with_act(Act::leaky_relu(0.1f));
  struct Crop {
    int64_t y0, h, x0, w;
  };
  const Crop crops[] = {{0, 30, 0, 211}, {3, 17, 5, 100}, {1, 9, 97, 114}, {10, 20, 150, 61}, {0, 5, 13, 3}};
  for (const int64_t k : {3, 1}) {
    const Tensor<float> w = make_weight(10, 21, k, k, 32);
    set_num_threads(1);
    const Tensor<float> full = conv2d(x, w, b, p);  // [1, 10, 31 - k, 212 - k]
    for (const int threads : {1, 2}) {
      set_num_threads(threads);
      for (const Crop& c : crops) {
        const Tensor<float> xc = x.narrow(2, c.y0, c.h).narrow(3, c.x0, c.w);
        const Tensor<float> yc = conv2d(xc, w, b, p);
        const Tensor<float> expect = full.narrow(2, c.y0, c.h - k + 1).narrow(3, c.x0, c.w - k + 1).clone();
        test::check_equal(yc, expect,
                          std::to_string(k) + "x" + std::to_string(k) + " crop y0=" + std::to_string(c.y0) +
                              " h=" + std::to_string(c.h) + " x0=" + std::to_string(c.x0) + " w=" + std::to_string(c.w) +
                              ", " + std::to_string(threads) + " threads");
      }
    }
  }
  set_num_threads(0);
  const Tensor<float> wg = make_weight(9, 7, 3, 3, 32);
  CHECK_THROWS_AS(conv2d_direct(x, wg, {}, Conv2dParams{}.with_groups(3)), Error);
  CHECK(error_of([&] { conv2d_direct(x, wg, {}, Conv2dParams{}.with_groups(3)); }).find("conv2d_direct: needs") !=
        std::string::npos);
}

// The same for stride 2 (Real-CUGAN's 2×2 s2 down convs) and dilation 4: a crop starting at an even offset gives
// exactly a window of the full output.
TEST_CASE("conv2d_direct: strided and dilated, bits independent of width, crop offset and thread count") {
  const Tensor<float> x = random_tensor({1, 70, 26, 230}, 41);
  const Tensor<float> b = random_tensor({9}, 43);
  struct Variant {
    const char* label;
    int64_t k;
    Conv2dParams p;
  };
  const Variant variants[] = {
      {"2x2 s2", 2, Conv2dParams{}.with_stride(2).with_act(Act::leaky_relu(0.1f))},
      {"3x3 s2", 3, Conv2dParams{}.with_stride(2)},
      {"3x3 d4", 3, Conv2dParams{}.with_dilation(4).with_act(Act::relu())},
  };
  struct Crop {
    int64_t y0, h, x0, w;
  };
  const Crop crops[] = {{0, 26, 0, 230}, {4, 14, 6, 110}, {2, 12, 98, 120}, {10, 16, 150, 40}};
  for (const Variant& v : variants) {
    const Tensor<float> w = make_weight(9, 70, v.k, v.k, 42);
    const int64_t s = v.p.stride_h, span = v.p.dilation_h * (v.k - 1) + 1;
    set_num_threads(1);
    const Tensor<float> full = conv2d(x, w, b, v.p);
    for (const int threads : {1, 2}) {
      set_num_threads(threads);
      for (const Crop& c : crops) {
        const Tensor<float> yc = conv2d(x.narrow(2, c.y0, c.h).narrow(3, c.x0, c.w), w, b, v.p);
        const Tensor<float> expect = full.narrow(2, c.y0 / s, (c.h - span) / s + 1)
                                         .narrow(3, c.x0 / s, (c.w - span) / s + 1)
                                         .clone();
        test::check_equal(yc, expect,
                          std::string(v.label) + " crop y0=" + std::to_string(c.y0) + " x0=" + std::to_string(c.x0) +
                              " w=" + std::to_string(c.w) + ", " + std::to_string(threads) + " threads");
      }
    }
  }
  set_num_threads(0);
}

// Layers with ≤ 4 output channels take the 4-channel register tile (detail::SimdNarrow); every output is the same
// FMA chain, so the bits equal the 8-channel tile's.
TEST_CASE("conv2d_direct: the narrow tile gives the wide tile's bits") {
  const Tensor<float> x = random_tensor({2, 70, 13, 101}, 61);
  const Tensor<float> w = make_weight(3, 70, 3, 3, 62), b = random_tensor({3}, 63);
  for (const Conv2dParams& p : {Conv2dParams{}.with_padding(1), Conv2dParams{}.with_stride(2).with_dilation(2)}) {
    Tensor<float> narrow = Tensor<float>::empty(conv2d_output_shape(x.shape(), w.shape(), p));
    Tensor<float> wide = Tensor<float>::empty(narrow.shape());
    detail::conv2d_direct_impl<detail::SimdNarrow>(x, w, b, p, narrow);
    detail::conv2d_direct_impl<detail::SimdBest>(x, w, b, p, wide);
    test::check_equal(narrow, wide, "3 output channels");
  }
}

// conv2d_direct_into overwrites a caller's buffer (NaN beforehand, so a skipped element shows) with conv2d_direct's
// bits, and names the expected shape when the buffer does not fit.
TEST_CASE("conv2d_direct_into: same bits as conv2d_direct, every element written, bad output named") {
  const Tensor<float> x = random_tensor({2, 37, 9, 61}, 71);
  const Tensor<float> w = make_weight(20, 37, 3, 3, 72), b = random_tensor({20}, 73);
  const Conv2dParams p = Conv2dParams{}.with_padding(1).with_act(Act::leaky_relu(0.1f));
  Tensor<float> y = Tensor<float>::full(conv2d_output_shape(x.shape(), w.shape(), p), std::nanf(""));
  conv2d_direct_into(x, w, b, p, y);
  test::check_equal(y, conv2d_direct(x, w, b, p), "conv2d_direct_into");
  Tensor<float> wrong = Tensor<float>::empty({2, 20, 9, 60});
  CHECK_THROWS_AS(conv2d_direct_into(x, w, b, p, wrong), Error);
  const std::string m = error_of([&] { conv2d_direct_into(x, w, b, p, wrong); });
  CHECK_MESSAGE(m.find("output must be a contiguous [2,20,9,61] tensor, got [2,20,9,60]") != std::string::npos, m);
}
