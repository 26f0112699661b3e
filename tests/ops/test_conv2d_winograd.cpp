// Tests for ops/conv2d_winograd.hpp: the fast path vs conv2d_winograd_ref (the same transforms in double) and vs
// conv2d_ref (the direct sum), awkward shapes, every padding mode, bias/activation, batches, prepared weights, and
// determinism (thread count; tiles shared by a map and a wider map).
#include "pixforge/ops/conv2d_winograd.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <thread>

#include "pixforge/nn/layers.hpp"
#include "test_util.hpp"

using namespace pixforge;
using test::check_close;
using test::random_tensor;

namespace {

struct Case {
  const char* label;
  int64_t n, cin, h, w, cout;
  Conv2dParams p;
  bool bias;
};

// Weights scaled like PyTorch's default init (1/sqrt(fan_in)), inputs in [-1, 1): outputs stay O(1).
Tensor<float> make_weight(int64_t cout, int64_t cin, uint32_t seed) {
  const float s = 1.0f / std::sqrt(float(cin * 9));
  return random_tensor({cout, cin, 3, 3}, seed, -s, s);
}

std::vector<Case> cases() {
  using P = Conv2dParams;
  const PaddingMode refl = PaddingMode::reflect, repl = PaddingMode::replicate;
  return {
      {"1x1 map p1", 1, 3, 1, 1, 5, P{}.with_padding(1), true},
      {"5x7 p1, C 5->7", 1, 5, 5, 7, 7, P{}.with_padding(1), true},
      {"9x11 no padding (valid, upconv_7 style)", 1, 6, 9, 11, 4, P{}, true},
      {"odd 13x21, C 17->19 (not multiples of 8/16), relu", 1, 17, 13, 21, 19, P{}.with_padding(1).with_act(Act::relu()),
       true},
      {"reflect 10x9, leaky 0.1", 1, 4, 10, 9, 6, P{}.with_padding(1).with_padding_mode(refl).with_act(
                                                       Act::leaky_relu(0.1f)),
       true},
      {"replicate pad 2 on 6x5, no bias", 1, 3, 6, 5, 9, P{}.with_padding(2).with_padding_mode(repl), false},
      {"asymmetric zero pad (2,0,1,3), tanh", 1, 5, 7, 10, 3, P{}.with_padding(2, 0, 1, 3).with_act(Act::tanh()),
       true},
      {"asymmetric reflect (0,1,1,0)", 1, 4, 8, 12, 5, P{}.with_padding(0, 1, 1, 0).with_padding_mode(refl), true},
      {"batch 3, 11x6", 3, 7, 11, 6, 8, P{}.with_padding(1), true},
      {"wide 6x150 (several chunks and vector groups), C 9->81 (two output-channel groups)", 1, 9, 6, 150, 81, P{}.with_padding(1), true},
      {"Cin 130 (three input-channel blocks) 8x20", 1, 130, 8, 20, 16, P{}.with_padding(1), true},
      {"64->64 on 24x70, sigmoid", 1, 64, 24, 70, 64, P{}.with_padding(1).with_act(Act::sigmoid()), true},
  };
}

double max_abs(const Tensor<float>& t) {
  double m = 0;
  for (int64_t i = 0; i < t.numel(); ++i) m = std::max(m, double(std::fabs(t.data()[i])));
  return m;
}

}  // namespace

// Tolerances. conv2d_winograd_ref computes the transforms in double, so it is the exact Winograd result (to 1e-7);
// conv2d_ref is the direct float sum. The fast path rounds in float at every transform stage: Bᵀ d B sums up to 5
// terms with weights up to 2.5 (|V| ≤ ~40·|d|), U has entries up to ~1 and Aᵀ M A sums 36 terms with weights up to
// 64 (8·8). Relative to the output scale that amplifies the float epsilon (6e-8) by ~100 at most, so an error of
// ~1e-5 for O(1) outputs is the worst case to expect (measured: ~1e-6, printed below) and atol 1e-4 / rtol 1e-4
// leaves a margin; errors beyond that would mean a wrong transform, not rounding (a wrong matrix entry gives O(0.1)
// errors).
TEST_CASE("conv2d_winograd: fast path matches conv2d_winograd_ref and conv2d_ref") {
  double worst_ref = 0, worst_direct = 0;
  for (const Case& c : cases()) {
    const Tensor<float> x = random_tensor({c.n, c.cin, c.h, c.w}, 11);
    const Tensor<float> wt = make_weight(c.cout, c.cin, 12);
    const Tensor<float> b = c.bias ? random_tensor({c.cout}, 13) : Tensor<float>();
    const Tensor<float> fast = conv2d_winograd(x, wt, b, c.p);
    const Tensor<float> ref = conv2d_winograd_ref(x, wt, b, c.p);
    const Tensor<float> direct = conv2d_ref(x, wt, b, c.p);
    check_close(fast, ref, 1e-4, 1e-4, std::string(c.label) + " (fast vs winograd_ref)");
    check_close(fast, direct, 1e-4, 1e-4, std::string(c.label) + " (fast vs conv2d_ref)");
    // The double reference must agree with the direct sum to float rounding: this checks the matrices themselves.
    check_close(ref, direct, 1e-5, 1e-5, std::string(c.label) + " (winograd_ref vs conv2d_ref)");
    worst_ref = std::max(worst_ref, test::compare_close(fast, ref, 0, 0).max_abs / std::max(1.0, max_abs(ref)));
    worst_direct =
        std::max(worst_direct, test::compare_close(fast, direct, 0, 0).max_abs / std::max(1.0, max_abs(direct)));
  }
  MESSAGE("max |fast - winograd_ref| / max(1, |y|max) = " << worst_ref
                                                          << ", max |fast - conv2d_ref| / max(1, |y|max) = "
                                                          << worst_direct);
}

TEST_CASE("conv2d_winograd: prepared weights give the same bits as transforming per call") {
  const Tensor<float> x = random_tensor({2, 20, 13, 17}, 21);
  const Tensor<float> wt = make_weight(24, 20, 22), b = random_tensor({24}, 23);
  const Conv2dParams p = Conv2dParams{}.with_padding(1);
  const auto u = winograd_transform_weights(wt);
  test::check_equal(conv2d_winograd(x, wt, b, p, u.get()), conv2d_winograd(x, wt, b, p), "prepared vs per call");
  const auto other = winograd_transform_weights(make_weight(24, 21, 24));
  CHECK_THROWS_AS(conv2d_winograd(x, wt, b, p, other.get()), Error);
}

TEST_CASE("conv2d_winograd: bits do not depend on the thread count") {
  const Tensor<float> x = random_tensor({2, 16, 37, 90}, 31);
  const Tensor<float> wt = make_weight(40, 16, 32), b = random_tensor({40}, 33);
  const Conv2dParams p = Conv2dParams{}.with_padding(1).with_act(Act::leaky_relu(0.1f));
  const auto run = [&] { return conv2d_winograd(x, wt, b, p); };
  const Tensor<float> y1 = test::at_threads(1, run), y2 = test::at_threads(2, run);
  test::check_equal(y2, y1, "2 threads vs 1");
}

TEST_CASE("conv2d_winograd: an input with planes further apart than h·w (a view) gives the packed input's bits") {
  // Rows [3, 3 + 13) and the leading 20 of 29 channels of a taller window [2, 29, 21, 17], as a view (plane stride
  // 21·17, image stride 29·21·17): read in place (nn/row_stream.hpp reads its windows so), it must give the bits of
  // the same values packed, on the in-place (zero padding) and the panel (reflect padding) paths, at 1 and 2 threads.
  const Tensor<float> window = random_tensor({2, 29, 21, 17}, 51);
  const Tensor<float> x = window.narrow(1, 0, 20).narrow(2, 3, 13);
  REQUIRE(!x.is_contiguous());
  REQUIRE(x.stride(1) == 21 * 17);
  const Tensor<float> packed = x.contiguous();
  const Tensor<float> wt = make_weight(24, 20, 52), b = random_tensor({24}, 53);
  for (const Conv2dParams& p : {Conv2dParams{}.with_padding(1).with_act(Act::leaky_relu(0.2f)),
                                Conv2dParams{}.with_padding(1).with_padding_mode(PaddingMode::reflect),
                                Conv2dParams{}}) {
    const auto u = winograd_transform_weights(wt);
    for (int threads : {1, 2}) {
      const Tensor<float> y = test::at_threads(threads, [&] { return conv2d_winograd(x, wt, b, p, u.get()); });
      test::check_equal(y, conv2d_winograd(packed, wt, b, p, u.get()), "view vs packed");
    }
    test::check_equal(conv2d(x, wt, b, p), conv2d(packed, wt, b, p), "conv2d dispatcher, view vs packed");
  }
  // The other paths RRDBNet's streamed convs take (3 input channels: direct; 3 outputs: narrow) pack such a view.
  const Tensor<float> x3 = window.narrow(1, 4, 3).narrow(2, 2, 9);
  const Conv2dParams p1 = Conv2dParams{}.with_padding(1);
  test::check_equal(conv2d(x3, make_weight(20, 3, 54), b.narrow(0, 0, 20), p1),
                    conv2d(x3.contiguous(), make_weight(20, 3, 54), b.narrow(0, 0, 20), p1), "direct, view");
  test::check_equal(conv2d(x, make_weight(3, 20, 55), Tensor<float>(), p1),
                    conv2d(packed, make_weight(3, 20, 55), Tensor<float>(), p1), "narrow, view");
}

TEST_CASE("conv2d_winograd: a map of one chunk split over output-channel groups gives the same bits") {
  // 14² output = 16 tiles = one chunk: 1 thread splits it into 2 parts, 2 threads into 4 (200 channels = 4 groups
  // of ≤ 64, the last partial); every split must give the unsplit bits, and conv2d_ref's values.
  const Tensor<float> x = random_tensor({1, 32, 14, 14}, 41);
  const Tensor<float> wt = make_weight(200, 32, 42), b = random_tensor({200}, 43);
  const Conv2dParams p = Conv2dParams{}.with_padding(1).with_act(Act::relu());
  const auto run = [&] { return conv2d_winograd(x, wt, b, p); };
  const Tensor<float> y1 = test::at_threads(1, run), y2 = test::at_threads(2, run);
  test::check_equal(y2, y1, "2 threads (4 parts) vs 1 (2 parts)");
  check_close(y1, conv2d_ref(x, wt, b, p), 1e-4, 1e-4, "vs conv2d_ref");
}

TEST_CASE("conv2d_winograd: streamed weights give the prepared weights' bits, for any thread count") {
  // Weights of >= 2 MiB transformed are streamed (winograd_streams_weights) in super-groups of output-channel blocks
  // whose U fits 36·64·1024 floats, over ranges of chunks. 201 output channels (the last 8-channel block partial):
  //   Cin 290, 2 images of 75 tiles (2 chunks each): one super-group; 1 range (1 thread) or 4 (4 threads);
  //   Cin 600, 2 images of 10 tiles (1 chunk each): two super-groups (104 + 97 channels), 1 or 2 ranges.
  struct Shape4 {
    int64_t cin, h, w;
  };
  for (const Shape4& sh : {Shape4{290, 20, 60}, Shape4{600, 8, 20}}) {
    CAPTURE(sh.cin);
    const Tensor<float> x = random_tensor({2, sh.cin, sh.h, sh.w}, 81);
    const Tensor<float> wt = make_weight(201, sh.cin, 82), b = random_tensor({201}, 83);
    const Conv2dParams p = Conv2dParams{}.with_padding(1).with_act(Act::relu());
    REQUIRE(detail::winograd_streams_weights(wt.shape()));
    const auto u = winograd_transform_weights(wt);
    const Tensor<float> prepared = conv2d_winograd(x, wt, b, p, u.get());
    const auto run = [&] { return conv2d_winograd(x, wt, b, p); };
    const Tensor<float> y1 = test::at_threads(1, run), y4 = test::at_threads(4, run);
    test::check_equal(y1, prepared, "streamed (1 thread) vs prepared");
    test::check_equal(y4, prepared, "streamed (4 threads) vs prepared");
    check_close(y1, conv2d_ref(x, wt, b, p), 1e-4, 1e-4, "streamed vs conv2d_ref");
    // The cache keeps nothing for such weights: the dispatcher streams them.
    ConvWeightCache cache;
    test::check_equal(detail::conv2d_winograd_cached(x, wt, b, p, &cache), prepared, "cached call, streamed layer");
    CHECK(cache.builds() == 0);
  }
  CHECK(detail::winograd_streams_weights(Shape{128, 128, 3, 3}));       // 2.25 MiB
  CHECK_FALSE(detail::winograd_streams_weights(Shape{64, 192, 3, 3}));  // RRDBNet's widest: 1.7 MiB, kept
}

TEST_CASE("winograd_transform_weights: the blocked transform gives wino_kernel_transform's bits") {
  const Tensor<float> wt = make_weight(13, 7, 91);  // 13 output channels: the last block partial
  const auto u = winograd_transform_weights(wt);
  const int64_t ocb = u->ocb, nocb = (13 + ocb - 1) / ocb;
  double k[6][6];
  for (int64_t oc = 0; oc < nocb * ocb; ++oc)
    for (int64_t ic = 0; ic < 7; ++ic) {
      if (oc < 13) detail::wino_kernel_transform(wt.data() + (oc * 7 + ic) * 9, k);
      for (int64_t xi = 0; xi < 36; ++xi) {
        const float want = oc < 13 ? float(k[xi / 6][xi % 6]) : 0.0f;
        const float got = u->u[size_t(((xi * nocb + oc / ocb) * 7 + ic) * ocb + oc % ocb)];
        REQUIRE(std::memcmp(&got, &want, sizeof(float)) == 0);
      }
    }
}

// ReLU / LeakyReLU are applied inside the output transform in AVX-512 builds (wino_fuses_act); elsewhere by a pass
// over the rows. Either way the bits must be those of apply_act on the un-activated output, NaN and -0 included.
TEST_CASE("conv2d_winograd: fused activation gives apply_act's bits") {
  Tensor<float> x = random_tensor({1, 24, 13, 70}, 91);
  x.data()[5 * 70 + 33] = std::nanf("");  // spoils one 4×4 tile (and its neighbours' patches) with NaN
  const Tensor<float> wt = make_weight(20, 24, 92), b = random_tensor({20}, 93);
  const Tensor<float> raw = conv2d_winograd(x, wt, b, Conv2dParams{}.with_padding(1));
  const int64_t nans = std::count_if(raw.data(), raw.data() + raw.numel(), [](float v) { return std::isnan(v); });
  REQUIRE(nans > 0);
  for (const Act act : {Act::relu(), Act::leaky_relu(0.1f), Act::leaky_relu(0.2f)}) {
    Tensor<float> want = raw.clone();
    apply_act_inplace(want.data(), want.numel(), act);
    const Tensor<float> got = conv2d_winograd(x, wt, b, Conv2dParams{}.with_padding(1).with_act(act));
    REQUIRE(got.numel() == want.numel());
    int64_t differ = 0;  // by bit pattern: NaN == NaN, -0 != +0
    for (int64_t i = 0; i < got.numel(); ++i) differ += std::memcmp(got.data() + i, want.data() + i, sizeof(float)) != 0;
    CHECK_MESSAGE(differ == 0, differ, " of ", got.numel(), " floats differ (", nans, " NaN before the activation)");
  }
}

// The tile grid is anchored at output (0, 0) and a tile's bits depend only on its 6×6 input patch: a map and the
// same map with columns appended on the right agree exactly on every tile whose patch lies inside the narrow map.
TEST_CASE("conv2d_winograd: a wider map gives the same bits on the shared interior tiles") {
  const int64_t cin = 70, cout = 12, h = 9, w = 45, extra = 131;  // Cin > 64: two input-channel blocks
  const Tensor<float> wide = random_tensor({1, cin, h, w + extra}, 41);
  const Tensor<float> narrow = wide.narrow(3, 0, w).contiguous();
  const Tensor<float> wt = make_weight(cout, cin, 42), b = random_tensor({cout}, 43);
  const Conv2dParams p = Conv2dParams{}.with_padding(1);
  const Tensor<float> yn = conv2d_winograd(narrow, wt, b, p), yw = conv2d_winograd(wide, wt, b, p);
  // Tile tx reads padded columns 4tx .. 4tx+5, i.e. input columns 4tx−1 .. 4tx+4: inside the narrow map while
  // 4tx + 4 < w. Every row of tiles is compared (the top/bottom padding is the same in both maps).
  const int64_t shared_cols = (w - 5) / 4 * 4 + 4;  // columns of tiles tx with 4tx + 4 < w
  REQUIRE(shared_cols >= 40);
  test::check_equal(yn.narrow(3, 0, shared_cols).contiguous(), yw.narrow(3, 0, shared_cols).contiguous(),
                    "narrow map vs wide map, shared tiles");
}

// Outputs of >= kWinoStreamOutMinBytes are staged and written with non-temporal stores (AVX-512 builds), smaller
// ones directly: a valid conv of a wide map (17 MiB output, odd width so the rows start at every offset within a
// 64-byte line) must give, on its right part, the bits of the same conv on that part alone (2 MiB: not streamed) —
// every tile's 6×6 patch is the same in both, right edge included. Fused (leaky) and separate (sigmoid) activations.
TEST_CASE("conv2d_winograd: streamed output stores give the bits of ordinary stores") {
  const int64_t cin = 16, cout = 16, h = 130, w = 2103, c0 = 1600;  // c0: a multiple of 4 (the tile grid)
  const Tensor<float> wide = random_tensor({1, cin, h, w}, 61);
  const Tensor<float> part = wide.narrow(3, c0, w - c0).contiguous();
  const Tensor<float> wt = make_weight(cout, cin, 62), b = random_tensor({cout}, 63);
  REQUIRE(cout * (h - 2) * (w - 2) * int64_t(sizeof(float)) >= detail::kWinoStreamOutMinBytes);
  REQUIRE(cout * (h - 2) * (w - c0 - 2) * int64_t(sizeof(float)) < detail::kWinoStreamOutMinBytes);
  for (const Act act : {Act::leaky_relu(0.1f), Act::sigmoid()}) {
    const Conv2dParams p = Conv2dParams{}.with_act(act);
    const Tensor<float> want = conv2d_winograd(part, wt, b, p);
    for (int threads : {1, 2}) {
      const Tensor<float> y = test::at_threads(threads, [&] { return conv2d_winograd(wide, wt, b, p); });
      test::check_equal(y.narrow(3, c0, w - c0 - 2).contiguous(), want,
                        std::string("wide map's right part vs the part alone, ") + std::to_string(threads) + " threads");
    }
  }
}

// The kernel writes Bᵀ·d and Aᵀ·m with shared sub-expressions (detail::WinoOps). They must equal the matrices (to
// float rounding of the partial sums: a wrong coefficient or sign gives O(1) errors) and out[i] must read no in[k]
// whose entry in row i is zero: models/tile_reach.hpp derives each tile's context from those zeros. A NaN in every
// such in[k] must leave out[i] finite.
template <int Rows, class F>
void check_transform(const float (&mat)[Rows][6], F apply, const char* name) {
  using detail::SimdScalar;
  const Tensor<float> r = random_tensor({64, 6}, 61, -4.0f, 4.0f);
  for (int64_t s = 0; s < 64; ++s) {
    const float* in = r.data() + 6 * s;
    float out[6] = {};
    apply(in, out);
    for (int i = 0; i < Rows; ++i) {
      double want = 0, scale = 0;
      for (int k = 0; k < 6; ++k) want += double(mat[i][k]) * in[k], scale += std::fabs(double(mat[i][k]) * in[k]);
      INFO(name, " row ", i, " sample ", s);
      CHECK(std::fabs(double(out[i]) - want) <= 4e-7 * scale);
    }
  }
  for (int i = 0; i < Rows; ++i) {
    float in[6], out[6] = {};
    for (int k = 0; k < 6; ++k) in[k] = mat[i][k] != 0.0f ? 1.0f + 0.25f * float(k) : std::nanf("");
    apply(in, out);
    INFO(name, " row ", i);
    CHECK(std::isfinite(out[i]));
  }
}

TEST_CASE("WinoOps: factorised Bᵀ and Aᵀ equal the matrices and read only their non-zero entries") {
  using O = detail::WinoOps<detail::SimdScalar>;
  check_transform(detail::kWinoBTf, [](const float* in, float* out) { O::bt(in, out); }, "Bt");
  check_transform(detail::kWinoATf, [](const float* in, float* out) { O::at(in, out); }, "At");
}

TEST_CASE("conv2d_winograd: argument errors") {
  const Tensor<float> x = random_tensor({1, 4, 8, 8}, 51);
  CHECK_THROWS_AS(conv2d_winograd(x, random_tensor({4, 4, 5, 5}, 52), Tensor<float>(), Conv2dParams{}), Error);
  CHECK_THROWS_AS(conv2d_winograd(x, make_weight(4, 4, 53), Tensor<float>(), Conv2dParams{}.with_stride(2)), Error);
  CHECK_THROWS_AS(conv2d_winograd(x, make_weight(4, 4, 53), Tensor<float>(), Conv2dParams{}.with_dilation(2)),
                  Error);
  CHECK_THROWS_AS(conv2d_winograd(x, make_weight(4, 3, 54), Tensor<float>(), Conv2dParams{}), Error);
  CHECK_THROWS_AS(conv2d_winograd(x, random_tensor({4, 2, 3, 3}, 55), Tensor<float>(), Conv2dParams{}.with_groups(2)),
                  Error);
}

TEST_CASE("conv2d dispatcher: Winograd for wide 3x3 stride-1 layers, direct for narrow ones") {
  const Tensor<float> x = random_tensor({1, 32, 20, 40}, 61);
  const Tensor<float> wt = make_weight(32, 32, 62), b = random_tensor({32}, 63);
  const Conv2dParams p = Conv2dParams{}.with_padding(1);
  CHECK(detail::conv2d_winograd_preferred(x, wt, p) == bool(detail::SimdBest::W > 1));
  if (detail::SimdBest::W > 1) test::check_equal(conv2d(x, wt, b, p), conv2d_winograd(x, wt, b, p), "dispatch");
  // A 32 → 3 output layer and a stride-2 layer stay on the other paths; the map size never decides (a pipeline
  // tile must take the same path as the whole image).
  CHECK_FALSE(detail::conv2d_winograd_preferred(x, make_weight(3, 32, 64), p));
  CHECK_FALSE(detail::conv2d_winograd_preferred(x, wt, Conv2dParams{}.with_padding(1).with_stride(2)));
  CHECK(detail::conv2d_winograd_preferred(x.narrow(3, 0, 3).narrow(2, 0, 2), wt, p) ==
        detail::conv2d_winograd_preferred(x, wt, p));
}

TEST_CASE("ConvWeightCache: built lazily once, rebuilt when the weights change, never stale") {
  const Tensor<float> x = random_tensor({1, 16, 12, 12}, 71);
  Tensor<float> wt = make_weight(16, 16, 72);
  const Tensor<float> b = random_tensor({16}, 73);
  const Conv2dParams p = Conv2dParams{}.with_padding(1);
  ConvWeightCache cache;
  CHECK(cache.builds() == 0);
  const Tensor<float> y1 = detail::conv2d_winograd_cached(x, wt, b, p, &cache);
  const Tensor<float> y1b = detail::conv2d_winograd_cached(x, wt, b, p, &cache);
  CHECK(cache.builds() == 1);
  test::check_equal(y1b, y1, "second call from the cache");
  test::check_equal(y1, conv2d_winograd(x, wt, b, p), "cached vs uncached");
  // A write through data() (what load_state_dict does) must be seen by the next call.
  wt.data()[5] += 0.5f;
  const Tensor<float> y2 = detail::conv2d_winograd_cached(x, wt, b, p, &cache);
  CHECK(cache.builds() == 2);
  test::check_equal(y2, conv2d_winograd(x, wt, b, p), "after a weight change");
  check_close(y2, conv2d_ref(x, wt, b, p), 1e-4, 1e-4, "after a weight change vs conv2d_ref");
  // A different tensor with the same values is a hit; another shape is a rebuild.
  detail::conv2d_winograd_cached(x, wt.clone(), b, p, &cache);
  CHECK(cache.builds() == 2);
  const Tensor<float> w3 = make_weight(8, 16, 74);
  test::check_equal(detail::conv2d_winograd_cached(x, w3, Tensor<float>(), p, &cache),
                    conv2d_winograd(x, w3, Tensor<float>(), p), "another shape");
  CHECK(cache.builds() == 3);
}

TEST_CASE("nn::Conv2d: concurrent forwards share the cache; load_state_dict-style writes are seen") {
  Conv2d conv(Conv2dOptions(24, 24, 3).padding(1));
  conv.weight.copy_from(make_weight(24, 24, 81));
  conv.bias.copy_from(random_tensor({24}, 82));
  const Tensor<float> x = random_tensor({1, 24, 33, 45}, 83);
  const Tensor<float> expect = conv2d(x, conv.weight, conv.bias, conv.params);
  Tensor<float> ya, yb;
  std::thread ta([&] { ya = conv(x); }), tb([&] { yb = conv(x); });
  ta.join();
  tb.join();
  test::check_equal(ya, expect, "thread A");
  test::check_equal(yb, expect, "thread B");
  conv.weight.copy_from(make_weight(24, 24, 84));
  test::check_equal(conv(x), conv2d(x, conv.weight, conv.bias, conv.params), "after copy_from new weights");
  check_close(conv(x), conv2d_ref(x, conv.weight, conv.bias, conv.params), 1e-4, 1e-4, "new weights vs conv2d_ref");
}

TEST_CASE("ConvWeightCache's weight_hash: every single-bit change of the bytes changes the hash") {
  std::vector<unsigned char> bytes(75);  // two 32-byte blocks and an 11-byte tail
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<unsigned char>(i * 37 + 11);
  const uint64_t h0 = detail::weight_hash(bytes.data(), bytes.size());
  CHECK(detail::weight_hash(bytes.data(), bytes.size() - 1) != h0);  // the length counts
  int same = 0;
  for (size_t i = 0; i < bytes.size(); ++i)
    for (int bit = 0; bit < 8; ++bit) {
      bytes[i] ^= static_cast<unsigned char>(1 << bit);
      same += detail::weight_hash(bytes.data(), bytes.size()) == h0 ? 1 : 0;
      bytes[i] ^= static_cast<unsigned char>(1 << bit);
    }
  CHECK(same == 0);
  // swapping two equal-sized words of different lanes changes it too (lanes are not summed symmetrically)
  std::swap_ranges(bytes.begin(), bytes.begin() + 8, bytes.begin() + 8);
  CHECK(detail::weight_hash(bytes.data(), bytes.size()) != h0);
}
