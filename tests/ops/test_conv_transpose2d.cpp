// Tests for ops/conv_transpose2d.hpp: col2im and gather vs the scatter reference, PyTorch goldens (incl. TF 'SAME' crops
// checked against TensorFlow's definition), argument errors, thread determinism.
#include "pixforge/ops/conv_transpose2d.hpp"

#include <cmath>
#include <string>

#include "test_util.hpp"

using namespace pixforge;
using test::check_close;
using test::random_tensor;

namespace {

struct CtCase {
  const char* label;
  int64_t n, cin, h, w, cout, kh, kw;
  ConvTranspose2dParams p;
  bool bias;
};

Tensor<float> make_weight(int64_t cin, int64_t cout_g, int64_t kh, int64_t kw, int64_t groups, uint32_t seed) {
  const float s = 1.0f / std::sqrt(float(cin / groups * kh * kw));
  return random_tensor({cin, cout_g, kh, kw}, seed, -s, s);
}

std::vector<CtCase> awkward_cases() {
  using P = ConvTranspose2dParams;
  return {
      {"k4 s2 p1 (pix2pix), 5x7", 1, 6, 5, 7, 5, 4, 4, P{}.with_stride(2).with_padding(1), true},
      {"k4 s2 p3 (waifu2x upconv_7)", 1, 4, 9, 8, 3, 4, 4, P{}.with_stride(2).with_padding(3), true},
      {"k2 s2 (Real-CUGAN)", 2, 5, 6, 5, 4, 2, 2, P{}.with_stride(2), true},
      {"k3 s2 p1 op1 (DeblurGAN)", 1, 4, 5, 6, 4, 3, 3, P{}.with_stride(2).with_padding(1).with_output_padding(1),
       true},
      {"k3 s1 p1", 1, 3, 7, 5, 6, 3, 3, P{}.with_padding(1), false},
      {"k1 s1", 1, 7, 4, 5, 3, 1, 1, P{}, true},
      {"k3 s3 (no overlap)", 1, 3, 4, 3, 2, 3, 3, P{}.with_stride(3), true},
      {"k2 s3 op2 (gaps)", 1, 3, 3, 4, 2, 2, 2, P{}.with_stride(3).with_output_padding(2), true},
      {"non-square k3x5 s(2,1)", 1, 3, 5, 4, 4, 3, 5, P{}.with_stride(2, 1).with_padding(1, 2).with_output_padding(1, 0),
       true},
      {"dilation 2 s2 op1", 1, 3, 5, 4, 3, 3, 3, P{}.with_stride(2).with_padding(1).with_dilation(2).with_output_padding(1),
       true},
      {"groups 2", 1, 6, 4, 5, 4, 4, 4, P{}.with_stride(2).with_padding(1).with_groups(2), true},
      {"depthwise", 1, 5, 5, 5, 5, 3, 3, P{}.with_stride(2).with_padding(1).with_output_padding(1).with_groups(5),
       true},
      {"Cout 37 > 2 channel blocks, Hout 78 > 2 row bands", 1, 5, 39, 6, 37, 4, 4,
       P{}.with_stride(2).with_padding(1), true},
      {"wide rows (column-buffer chunking), N=2", 2, 4, 3, 520, 17, 4, 4, P{}.with_stride(2).with_padding(1), true},
      {"column blocks ending mid-row, k3 s1", 1, 6, 40, 37, 16, 3, 3, P{}.with_padding(1), true},
      {"large padding (crops into the interior)", 1, 3, 12, 9, 2, 5, 5, P{}.with_stride(2).with_padding(4), true},
      {"TF same k3 s2 (crop 1)", 1, 3, 5, 4, 4, 3, 3, P{}.with_stride(2).with_tf_same_padding(3, 3), true},
      {"TF same k1 s2 (output_padding 1)", 1, 3, 5, 4, 4, 1, 1, P{}.with_stride(2).with_tf_same_padding(1, 1), true},
      {"fused leaky_relu(0.2)", 1, 4, 4, 4, 3, 4, 4, P{}.with_stride(2).with_padding(1).with_act(Act::leaky_relu(0.2f)),
       true},
      // Direct phase kernels: several 48-pixel tiles per phase row, Cin over 64 (channel blocks), Cout not a
      // multiple of 8, batch 2, no bias.
      {"direct k2 s2 (Real-CUGAN up), C=70->13, N=2, 5x103, leaky_relu", 2, 70, 5, 103, 13, 2, 2,
       P{}.with_stride(2).with_act(Act::leaky_relu(0.1f)), true},
      {"direct k2 s2, no bias", 1, 9, 6, 50, 8, 2, 2, P{}.with_stride(2), false},
      {"direct k4 s2 p3 (Real-CUGAN conv_bottom), C=67->3, 7x61", 1, 67, 7, 61, 3, 4, 4,
       P{}.with_stride(2).with_padding(3), true},
      {"direct k4 s2 p1 op1, 6x57, elu", 2, 5, 6, 57, 9, 4, 4,
       P{}.with_stride(2).with_padding(1).with_output_padding(1).with_act(Act::elu(1.0f)), true},
      {"direct k3 s2 crop_end (TF same), 9x49", 1, 4, 9, 49, 5, 3, 3,
       P{}.with_stride(2).with_tf_same_padding(3, 3), true},
      {"direct k3 s1 p1 dilation 2", 1, 4, 7, 55, 6, 3, 3, P{}.with_padding(2).with_dilation(2), true},
      {"direct k1x3 s(3,2): rows without taps", 1, 3, 4, 50, 4, 1, 3, P{}.with_stride(3, 2).with_output_padding(2, 1),
       true},
  };
}

ConvTranspose2dParams params_from(const Json& c) {
  ConvTranspose2dParams p;
  p.with_stride(c["stride_h"].as_int64(), c["stride_w"].as_int64())
      .with_padding(c["padding_h"].as_int64(), c["padding_w"].as_int64())
      .with_output_padding(c["output_padding_h"].as_int64(), c["output_padding_w"].as_int64())
      .with_dilation(c["dilation_h"].as_int64(), c["dilation_w"].as_int64())
      .with_groups(c["groups"].as_int64())
      .with_crop_end(c["crop_end_h"].as_int64(), c["crop_end_w"].as_int64());
  const std::string act = c["act"].as_string();
  if (act == "relu") p.with_act(Act::relu());
  else if (act == "leaky_relu") p.with_act(Act::leaky_relu(float(c["alpha"].as_double())));
  else REQUIRE_MESSAGE(act == "none", "unknown act ", act);
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

TEST_CASE("conv_transpose2d: output size and TF 'SAME' helper") {
  CHECK(conv_transpose_output_size(32, 4, 2, 1, 0, 1) == 64);
  CHECK(conv_transpose_output_size(32, 3, 2, 1, 1, 1) == 64);
  CHECK(conv_transpose_output_size(32, 2, 2, 0, 0, 1) == 64);
  CHECK(conv_transpose_output_size(64, 4, 2, 3, 0, 1) == 124);  // waifu2x upconv_7: 2n − 4
  // part-b §0.3 examples
  auto tf = tf_same_transpose_padding(4, 2);
  CHECK((tf.padding == 1 && tf.output_padding == 0 && tf.crop_end == 0));
  tf = tf_same_transpose_padding(3, 2);
  CHECK((tf.padding == 0 && tf.output_padding == 0 && tf.crop_end == 1));
  tf = tf_same_transpose_padding(5, 2);
  CHECK((tf.padding == 1 && tf.output_padding == 0 && tf.crop_end == 1));
  tf = tf_same_transpose_padding(3, 1);
  CHECK((tf.padding == 1 && tf.crop_end == 0));
  tf = tf_same_transpose_padding(5, 1);
  CHECK((tf.padding == 2 && tf.crop_end == 0));
  tf = tf_same_transpose_padding(1, 2);
  CHECK((tf.padding == 0 && tf.output_padding == 1 && tf.crop_end == 0));
  // TF same always gives in · stride
  for (int64_t k = 1; k <= 7; ++k)
    for (int64_t s = 1; s <= 3; ++s) {
      const ConvTranspose2dParams p = ConvTranspose2dParams{}.with_stride(s).with_tf_same_padding(k, k);
      CHECK(conv_transpose2d_output_shape({1, 2, 7, 5}, {2, 3, k, k}, p) == Shape{1, 3, 7 * s, 5 * s});
    }
}

TEST_CASE("conv_transpose2d: col2im and gather match the scatter reference on awkward shapes") {
  uint32_t seed = 300;
  for (const CtCase& c : awkward_cases()) {
    const Tensor<float> x = random_tensor({c.n, c.cin, c.h, c.w}, ++seed);
    const Tensor<float> w = make_weight(c.cin, c.cout / c.p.groups, c.kh, c.kw, c.p.groups, ++seed);
    const Tensor<float> b = c.bias ? random_tensor({c.cout}, ++seed) : Tensor<float>();
    const Tensor<float> ref = conv_transpose2d_ref(x, w, b, c.p);
    check_close(conv_transpose2d_col2im(x, w, b, c.p), ref, 1e-4, 1e-5, std::string(c.label) + " [col2im]");
    check_close(conv_transpose2d_gather(x, w, b, c.p), ref, 1e-4, 1e-5, std::string(c.label) + " [gather]");
    check_close(conv_transpose2d(x, w, b, c.p), ref, 1e-4, 1e-5, std::string(c.label) + " [dispatch]");
    if (c.p.groups == 1)
      check_close(conv_transpose2d_direct(x, w, b, c.p), ref, 1e-4, 1e-5, std::string(c.label) + " [direct]");
  }
}

// A tiled pipeline runs the transposed conv on a crop of the map. For k2 s2 p0 and k4 s2 p3 (waifu2x upconv_7,
// Real-CUGAN conv_bottom) every output of a crop is a whole output of the full map (same taps, same inputs), so
// the direct kernel must give it the very same bits, whatever the crop's size, offset and the thread count.
TEST_CASE("conv_transpose2d_direct: bits independent of map size, crop offset and thread count") {
  const Tensor<float> x = random_tensor({1, 70, 21, 120}, 51);
  const Tensor<float> b = random_tensor({11}, 53);
  struct Crop {
    int64_t y0, h, x0, w;
  };
  const Crop crops[] = {{0, 21, 0, 120}, {3, 9, 5, 60}, {1, 17, 47, 70}, {10, 6, 100, 20}};
  for (const int64_t pad : {0, 3}) {
    const int64_t k = pad == 0 ? 2 : 4;
    const Tensor<float> w = make_weight(70, 11, k, k, 1, 52);
    const auto p = ConvTranspose2dParams{}.with_stride(2).with_padding(pad).with_act(Act::leaky_relu(0.1f));
    set_num_threads(1);
    const Tensor<float> full = conv_transpose2d(x, w, b, p);
    for (const int threads : {1, 2}) {
      set_num_threads(threads);
      for (const Crop& c : crops) {
        const Tensor<float> yc = conv_transpose2d(x.narrow(2, c.y0, c.h).narrow(3, c.x0, c.w), w, b, p);
        const Tensor<float> expect =
            full.narrow(2, 2 * c.y0, 2 * c.h - 2 * (k - 2)).narrow(3, 2 * c.x0, 2 * c.w - 2 * (k - 2)).clone();
        test::check_equal(yc, expect,
                          "k" + std::to_string(k) + " crop y0=" + std::to_string(c.y0) + " x0=" + std::to_string(c.x0) +
                              " w=" + std::to_string(c.w) + ", " + std::to_string(threads) + " threads");
      }
    }
  }
  set_num_threads(0);
  CHECK(error_of([&] {
          conv_transpose2d_direct(x, make_weight(70, 5, 3, 3, 2, 54), {}, ConvTranspose2dParams{}.with_groups(2));
        }).find("conv_transpose2d_direct: needs") != std::string::npos);
}

TEST_CASE("conv_transpose2d: strided (non-contiguous) input") {
  const Tensor<float> big = random_tensor({1, 8, 9, 10}, 21);
  const Tensor<float> x = big.narrow(1, 2, 5).narrow(2, 1, 7);
  REQUIRE_FALSE(x.is_contiguous());
  const Tensor<float> w = make_weight(5, 3, 4, 4, 1, 22);
  const auto p = ConvTranspose2dParams{}.with_stride(2).with_padding(1);
  check_close(conv_transpose2d(x, w, {}, p), conv_transpose2d_ref(x.clone(), w, {}, p), 1e-4, 1e-5, "strided x");
}

TEST_CASE("conv_transpose2d: PyTorch goldens") {
  test::Golden g("conv_transpose2d");
  for (const auto& c : g.cases()) {
    const ConvTranspose2dParams p = params_from(c.params);
    const Tensor<float> x = g.tensor(c, "x"), w = g.tensor(c, "weight"), y = g.tensor(c, "y");
    const Tensor<float> b = g.has(c, "bias") ? g.tensor(c, "bias") : Tensor<float>();
    const std::string label = c.name + " " + c.params.dump();
    check_close(conv_transpose2d(x, w, b, p), y, 1e-4, 1e-5, label + " [conv_transpose2d]");
    check_close(conv_transpose2d_ref(x, w, b, p), y, 1e-4, 1e-5, label + " [conv_transpose2d_ref]");
    check_close(conv_transpose2d_col2im(x, w, b, p), y, 1e-4, 1e-5, label + " [conv_transpose2d_col2im]");
    check_close(conv_transpose2d_gather(x, w, b, p), y, 1e-4, 1e-5, label + " [conv_transpose2d_gather]");
  }
}

TEST_CASE("conv_transpose2d: bad arguments name the op and the shapes") {
  const Tensor<float> x = random_tensor({1, 64, 8, 8}, 1);
  const Tensor<float> w_conv_layout = random_tensor({32, 64, 4, 4}, 2);  // [Cout, Cin, ...]: the classic mix-up
  CHECK_THROWS_AS(conv_transpose2d(x, w_conv_layout), Error);
  const std::string m = error_of([&] { conv_transpose2d(x, w_conv_layout); });
  CHECK_MESSAGE(m.find("conv_transpose2d: input has 64 channels, weight expects 32") != std::string::npos, m);
  CHECK_MESSAGE(m.find("x=[1,64,8,8], weight=[32,64,4,4]") != std::string::npos, m);
  CHECK_MESSAGE(m.find("[Cin, Cout/groups, kH, kW]") != std::string::npos, m);

  const Tensor<float> w = random_tensor({64, 16, 4, 4}, 3);
  const auto s2 = ConvTranspose2dParams{}.with_stride(2).with_padding(1);
  CHECK_THROWS_AS(conv_transpose2d(x, w, random_tensor({17}, 4), s2), Error);
  CHECK(error_of([&] { conv_transpose2d(x, w, random_tensor({17}, 4), s2); }).find("bias must be [16], got [17]") !=
        std::string::npos);
  auto bad = s2;
  bad.with_output_padding(2);  // must be < stride (2) or < dilation (1)
  CHECK_THROWS_AS(conv_transpose2d(x, w, {}, bad), Error);
  CHECK(error_of([&] { conv_transpose2d(x, w, {}, bad); }).find("output_padding (2, 2)") != std::string::npos);
  CHECK_NOTHROW(conv_transpose2d(x, w, {}, ConvTranspose2dParams{}.with_dilation(3).with_output_padding(2)));
  CHECK_THROWS_AS(conv_transpose2d(x, w, {}, ConvTranspose2dParams{}.with_stride(0)), Error);
  CHECK_THROWS_AS(conv_transpose2d(x, w, {}, ConvTranspose2dParams{}.with_padding(-1)), Error);
  CHECK_THROWS_AS(conv_transpose2d(x, w, {}, ConvTranspose2dParams{}.with_groups(3)), Error);
  CHECK_THROWS_AS(conv_transpose2d(x, w, {}, ConvTranspose2dParams{}.with_padding(6)), Error);  // output ≤ 0
  CHECK(error_of([&] { conv_transpose2d(x, w, {}, ConvTranspose2dParams{}.with_padding(6)); })
            .find("is not positive") != std::string::npos);
  CHECK_THROWS_AS(conv_transpose2d(x.reshape({64, 8, 8}), w), Error);
  CHECK_THROWS_AS(conv_transpose2d_ref(x, w_conv_layout), Error);
}

TEST_CASE("conv_transpose2d: identical bits for 1 and 2 threads") {
  const Tensor<float> x = random_tensor({2, 24, 37, 19}, 31);
  const Tensor<float> w = make_weight(24, 40, 4, 4, 1, 32);
  const Tensor<float> wg = make_weight(24, 10, 3, 3, 2, 33);
  const Tensor<float> b = random_tensor({40}, 34);
  const Tensor<float> bg = random_tensor({20}, 35);
  const auto p = ConvTranspose2dParams{}.with_stride(2).with_padding(1).with_act(Act::relu());
  const auto pg = ConvTranspose2dParams{}.with_stride(2).with_padding(1).with_output_padding(1).with_groups(2);
  for (auto fn : {conv_transpose2d_col2im, conv_transpose2d_gather, conv_transpose2d}) {
    const std::string name = fn == conv_transpose2d_col2im ? "col2im" : fn == conv_transpose2d_gather ? "gather" : "dispatch";
    set_num_threads(1);
    const Tensor<float> y1 = fn(x, w, b, p), yg1 = fn(x, wg, bg, pg);
    set_num_threads(2);
    const Tensor<float> y2 = fn(x, w, b, p), yg2 = fn(x, wg, bg, pg);
    set_num_threads(0);
    test::check_equal(y2, y1, name + " k4 s2 p1: 2 threads vs 1");
    test::check_equal(yg2, yg1, name + " groups 2 k3 s2 op1: 2 threads vs 1");
  }
}

// ≤ 4 output channels take the 4-channel register tile (detail::SimdNarrow): the same FMA chains, the same bits.
TEST_CASE("conv_transpose2d_direct: the narrow tile gives the wide tile's bits") {
  const Tensor<float> x = random_tensor({1, 70, 9, 61}, 71);
  const Tensor<float> w = make_weight(70, 3, 4, 4, 1, 72), b = random_tensor({3}, 73);
  const auto p = ConvTranspose2dParams{}.with_stride(2).with_padding(3);
  test::check_equal(detail::conv_transpose2d_direct_impl<detail::SimdNarrow>(x, w, b, p),
                    detail::conv_transpose2d_direct_impl<detail::SimdBest>(x, w, b, p), "k4 s2 p3, 3 output channels");
}

// k2 s2 p0 (Real-CUGAN's up convs) has its own GEMM kernel (conv_transpose2d_k2s2): close to the scatter reference
// and to conv_transpose2d_direct, for widths that end mid-vector and mid-tile, Cin over one 64-channel block (the
// chains' length), Cout not a multiple of the 4-channel block, batch 2, with and without bias; the AVX2 and scalar
// instantiations give the same bits (the same chains), and so does a second thread.
TEST_CASE("conv_transpose2d_k2s2: reference values, every SIMD width gives the same bits") {
  struct K2Case {
    int64_t n, cin, h, w, cout;
    bool bias;
    Act act;
  };
  const K2Case cases[] = {{1, 5, 3, 1, 2, true, Act()},          {2, 70, 5, 103, 13, true, Act::leaky_relu(0.1f)},
                          {1, 16, 4, 48, 8, false, Act()},        {1, 33, 3, 49, 3, true, Act::relu()},
                          {1, 64, 2, 131, 64, true, Act()},       {1, 17, 2, 15, 1, true, Act::leaky_relu(0.2f)},
                          {1, 150, 3, 20, 9, true, Act()}};
  for (const K2Case& c : cases) {
    const std::string label = "k2s2 " + std::to_string(c.cin) + "->" + std::to_string(c.cout) + " " +
                              std::to_string(c.h) + "x" + std::to_string(c.w) + " N=" + std::to_string(c.n);
    const Tensor<float> x = random_tensor({c.n, c.cin, c.h, c.w}, 81);
    const Tensor<float> w = make_weight(c.cin, c.cout, 2, 2, 1, 82);
    const Tensor<float> b = c.bias ? random_tensor({c.cout}, 83) : Tensor<float>();
    const auto p = ConvTranspose2dParams{}.with_stride(2).with_act(c.act);
    const Tensor<float> y = conv_transpose2d_k2s2(x, w, b, p);
    check_close(y, conv_transpose2d_ref(x, w, b, p), 1e-4, 1e-5, label + " vs ref");
    check_close(y, conv_transpose2d_direct(x, w, b, p), 1e-5, 1e-6, label + " vs direct");
    Tensor<float> y_into = Tensor<float>::full(y.shape(), 7.0f);  // every element must be overwritten
    conv_transpose2d_k2s2_into(x, w, b, p, y_into);
    test::check_equal(y_into, y, label + " _into");
    Tensor<float> ys = Tensor<float>::empty(y.shape());
    detail::conv_transpose2d_k2s2_impl<detail::SimdScalar>(x, w, b, p, ys);
    test::check_equal(ys, y, label + " scalar");
#if defined(__AVX2__) && defined(__FMA__)
    detail::conv_transpose2d_k2s2_impl<detail::SimdAvx2>(x, w, b, p, ys);
    test::check_equal(ys, y, label + " avx2");
#endif
    set_num_threads(2);
    test::check_equal(conv_transpose2d_k2s2(x, w, b, p), y, label + " 2 threads");
    set_num_threads(0);
  }
  CHECK(error_of([] {
          conv_transpose2d_k2s2(random_tensor({1, 4, 3, 3}, 84), make_weight(4, 2, 2, 2, 1, 85), {},
                                ConvTranspose2dParams{}.with_stride(2).with_padding(1));
        }).find("conv_transpose2d_k2s2: needs a 2x2 kernel, stride 2") != std::string::npos);
  CHECK(error_of([] {
          Tensor<float> y = Tensor<float>::empty({1, 2, 6, 5});
          conv_transpose2d_k2s2_into(random_tensor({1, 4, 3, 3}, 84), make_weight(4, 2, 2, 2, 1, 85), {},
                                     ConvTranspose2dParams{}.with_stride(2), y);
        }).find("conv_transpose2d_k2s2_into: output must be a contiguous [1,2,6,6] tensor, got [1,2,6,5]") !=
        std::string::npos);
}
