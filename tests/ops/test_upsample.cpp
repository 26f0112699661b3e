// Tests for ops/upsample.hpp: fast paths vs interpolate_ref, torch 1.13 F.interpolate goldens (nearest exact,
// linear/cubic at rtol 1e-4 / atol 1e-5), the TF1 align-corners nearest rule, bad arguments, threads.
#include "pixforge/ops/upsample.hpp"

#include "test_util.hpp"

using namespace pixforge;
using test::check_close;
using test::check_equal;
using test::random_tensor;

namespace {
using M = InterpolateMode;

std::string describe(const Tensor<float>& x, const InterpolateParams& p) {
  std::string s = msg(interpolate_mode_name(p.mode), " x=", x.shape().str());
  if (p.size_h > 0) s += msg(" size=", p.size_h, "x", p.size_w);
  else s += msg(" scale=", p.scale_h, ",", p.scale_w, p.recompute_scale_factor ? " recompute" : "");
  return s + (p.align_corners ? " align_corners" : "");
}

Tensor<float> concat_channels(const Tensor<float>& a, const Tensor<float>& b) {
  Tensor<float> y = Tensor<float>::empty({1, 2, a.size(2), a.size(3)});
  y.narrow(1, 0, 1).copy_from(a);
  y.narrow(1, 1, 1).copy_from(b);
  return y;
}

bool is_nearest(M m) { return m == M::nearest || m == M::nearest_exact || m == M::nearest_tf; }

struct Case {
  Shape x;
  InterpolateParams p;
};

std::vector<Case> fast_cases() {
  std::vector<Case> cases;
  const Shape shapes[] = {{1, 3, 7, 5}, {2, 17, 4, 6}, {1, 1, 1, 1}, {1, 2, 70, 3}, {1, 2, 3, 40}};
  for (M m : {M::nearest, M::nearest_exact, M::nearest_tf, M::bilinear, M::bicubic}) {
    for (const Shape& s : shapes) {
      const bool corners_ok = m == M::bilinear || m == M::bicubic || m == M::nearest_tf;
      for (bool corners : {false, true}) {
        if (corners && !corners_ok) continue;
        cases.push_back({s, InterpolateParams::by_scale(2.0, m, corners)});
        cases.push_back({s, InterpolateParams::by_scale(4.0, 3.0, m, corners)});
        cases.push_back({s, InterpolateParams::by_scale(1.7, 2.3, m, corners)});
        cases.push_back({s, InterpolateParams::to_size(13, 11, m, corners)});
        cases.push_back({s, InterpolateParams::to_size(1, 1, m, corners)});
        cases.push_back({s, InterpolateParams::to_size(s[2] * 3 + 1, s[3] == 1 ? 1 : s[3] / 2 + 1, m, corners)});
        if (s[2] >= 4 && s[3] >= 4) cases.push_back({s, InterpolateParams::by_scale(0.5, 0.7, m, corners)});
      }
    }
  }
  return cases;
}

InterpolateParams params_from(const Json& j) {
  InterpolateParams p;
  const std::string mode = j["mode"].as_string();
  if (mode == "nearest") p.mode = M::nearest;
  else if (mode == "nearest_exact") p.mode = M::nearest_exact;
  else if (mode == "bilinear") p.mode = M::bilinear;
  else if (mode == "bicubic") p.mode = M::bicubic;
  else if (mode == "nearest_tf") p.mode = M::nearest_tf;
  else FAIL("unknown mode ", mode);
  p.size_h = j.get_int("size_h", 0);
  p.size_w = j.get_int("size_w", 0);
  p.scale_h = j.get_double("scale_h", 0);
  p.scale_w = j.get_double("scale_w", 0);
  p.align_corners = j.get_bool("align_corners", false);
  p.recompute_scale_factor = j.get_bool("recompute_scale_factor", false);
  return p;
}
}  // namespace

TEST_CASE("interpolate: fast paths match interpolate_ref") {
  uint32_t seed = 1;
  for (const Case& c : fast_cases()) {
    const Tensor<float> x = random_tensor(c.x, seed++);
    const Tensor<float> expected = interpolate_ref(x, c.p);
    if (is_nearest(c.p.mode)) {
      check_equal(interpolate_nearest_gather(x, c.p), expected, "gather " + describe(x, c.p));
      check_equal(interpolate_separable(x, c.p), expected, "separable " + describe(x, c.p));
    } else {
      // Same summation order as the reference; only the compiler's FMA contraction may differ.
      check_close(interpolate_separable(x, c.p), expected, 1e-6, 1e-6, "separable " + describe(x, c.p));
    }
    check_close(interpolate(x, c.p), expected, 1e-6, 1e-6, "dispatch " + describe(x, c.p));
  }
}

TEST_CASE("interpolate: torch 1.13 F.interpolate and TF1 nearest goldens") {
  test::Golden g("upsample");
  for (const auto& c : g.cases()) {
    const InterpolateParams p = params_from(c.params);
    const Tensor<float> x = g.tensor(c, "x"), y = g.tensor(c, "y");
    const std::string label = c.name + " " + describe(x, p);
    REQUIRE_MESSAGE(interpolate_output_shape(x.shape(), p) == y.shape(), label, ": shape ",
                    interpolate_output_shape(x.shape(), p).str(), " vs torch ", y.shape().str());
    if (is_nearest(p.mode)) {
      check_equal(interpolate(x, p), y, label);
      check_equal(interpolate_ref(x, p), y, label + " (ref)");
    } else {
      check_close(interpolate(x, p), y, 1e-4, 1e-5, label);
      check_close(interpolate_ref(x, p), y, 1e-4, 1e-5, label + " (ref)");
    }
  }
}

TEST_CASE("interpolate: index rules on hand-checked examples") {
  Tensor<float> row = Tensor<float>::empty({1, 1, 1, 64});
  for (int i = 0; i < 64; ++i) row.data()[i] = float(i);
  // TF1 align_corners nearest 64 -> 32 (part-b §0.4): 0, 2, ..., 30, 33, 35, ..., 63.
  const Tensor<float> tf = interpolate(row, InterpolateParams::to_size(1, 32, M::nearest_tf, true));
  for (int i = 0; i < 32; ++i) CHECK(tf(0, 0, 0, i) == float(i < 16 ? 2 * i : 2 * i + 1));
  // PyTorch nearest 64 -> 32 picks every second pixel starting at 0.
  const Tensor<float> pt = interpolate(row, InterpolateParams::to_size(1, 32, M::nearest));
  for (int i = 0; i < 32; ++i) CHECK(pt(0, 0, 0, i) == float(2 * i));
  // nearest with scale_factor 1.1 on 5 px: the size stays 5; for C = 1 torch's channels-last kernel copies ...
  const Tensor<float> five = row.narrow(3, 0, 5).contiguous();
  const Tensor<float> same = interpolate(five, InterpolateParams::by_scale(1.0, 1.1, M::nearest));
  check_equal(same, five, "nearest 1.1 on 5 px, C = 1");
  // ... for C > 1 its NCHW kernel applies floor(i / 1.1) = 0, 0, 1, 2, 3.
  const Tensor<float> five2 = concat_channels(five, five);
  const Tensor<float> moved = interpolate(five2, InterpolateParams::by_scale(1.0, 1.1, M::nearest));
  const float expect_moved[] = {0, 0, 1, 2, 3};
  for (int c = 0; c < 2; ++c)
    for (int i = 0; i < 5; ++i) CHECK(moved(0, c, 0, i) == expect_moved[i]);
  // ... while nearest-exact has no shortcut: floor((i + 0.5) / 1.1) = 0, 1, 2, 3, 4 -> also 0..4 here, but
  // scale_factor 1.3 (out 6) gives floor((i + 0.5) / 1.3) = 0, 1, 1, 2, 3, 4.
  const Tensor<float> ex = interpolate(five, InterpolateParams::by_scale(1.0, 1.3, M::nearest_exact));
  const float expect_ex[] = {0, 1, 1, 2, 3, 4};
  REQUIRE(ex.size(3) == 6);
  for (int i = 0; i < 6; ++i) CHECK(ex(0, 0, 0, i) == expect_ex[i]);
  // Bilinear align_corners=False x2 of [0, 1]: 0, 0.25, 0.75, 1.
  const Tensor<float> two = row.narrow(3, 0, 2).contiguous();
  const Tensor<float> bl = interpolate(two, InterpolateParams::by_scale(1.0, 2.0, M::bilinear));
  const float expect_bl[] = {0.0f, 0.25f, 0.75f, 1.0f};
  for (int i = 0; i < 4; ++i) CHECK(bl(0, 0, 0, i) == expect_bl[i]);
}

TEST_CASE("interpolate: cubic weights sum to one and match Keys' kernel") {
  for (float t : {0.0f, 0.25f, 0.5f, 0.9f}) {
    float w[4];
    detail::ResizeAxis::cubic_weights(t, w);
    CHECK(w[0] + w[1] + w[2] + w[3] == doctest::Approx(1.0f).epsilon(1e-6));
    auto keys = [](float d) {  // a = -0.75, written in the textbook |d| form
      const float a = -0.75f;
      d = std::fabs(d);
      return d <= 1 ? (a + 2) * d * d * d - (a + 3) * d * d + 1 : a * d * d * d - 5 * a * d * d + 8 * a * d - 4 * a;
    };
    CHECK(w[0] == doctest::Approx(keys(1 + t)));
    CHECK(w[1] == doctest::Approx(keys(t)));
    CHECK(w[2] == doctest::Approx(keys(1 - t)));
    CHECK(w[3] == doctest::Approx(keys(2 - t)));
  }
}

TEST_CASE("interpolate: upsample() shorthand") {
  const Tensor<float> x = random_tensor({1, 3, 5, 4}, 21);
  check_equal(upsample(x, 2.0), interpolate(x, InterpolateParams::by_scale(2.0, M::nearest)), "upsample x2");
  check_equal(upsample(x, 3.0, M::bilinear, true),
              interpolate(x, InterpolateParams::by_scale(3.0, M::bilinear, true)), "upsample bilinear x3");
  // Nearest x2 is pixel replication.
  const Tensor<float> y = upsample(x, 2.0);
  for (int64_t c = 0; c < 3; ++c)
    for (int64_t h = 0; h < 10; ++h)
      for (int64_t w = 0; w < 8; ++w) CHECK(y(0, c, h, w) == x(0, c, h / 2, w / 2));
}

TEST_CASE("interpolate: strided input") {
  const Tensor<float> big = random_tensor({1, 3, 9, 12}, 5);
  const Tensor<float> view = big.narrow(3, 1, 7).narrow(2, 2, 5);
  const InterpolateParams p = InterpolateParams::to_size(11, 13, M::bicubic);
  check_close(interpolate(view, p), interpolate_ref(view.contiguous(), p), 1e-6, 1e-6, "bicubic on a view");
}

TEST_CASE("interpolate: bad arguments") {
  const Tensor<float> x = Tensor<float>::zeros({1, 2, 7, 5});
  InterpolateParams both = InterpolateParams::to_size(4, 4, M::bilinear);
  both.scale_h = both.scale_w = 2.0;
  CHECK_THROWS_AS(interpolate(x, both), Error);
  CHECK_THROWS_AS(interpolate(x, InterpolateParams{}), Error);  // neither size nor scale
  CHECK_THROWS_AS(interpolate(x, InterpolateParams::to_size(0, 4, M::nearest)), Error);
  CHECK_THROWS_AS(interpolate(x, InterpolateParams::by_scale(-2.0, M::nearest)), Error);
  CHECK_THROWS_AS(interpolate(Tensor<float>::zeros({2, 7, 5}), InterpolateParams::by_scale(2.0, M::nearest)), Error);
  try {
    interpolate(x, InterpolateParams::by_scale(2.0, M::nearest, /*align_corners=*/true));
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::invalid_argument);
    CHECK(e.message().find("interpolate(nearest)") != std::string::npos);
  }
  try {
    interpolate(x, InterpolateParams::by_scale(0.1, M::bilinear));  // 7 * 0.1 -> 0 rows
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK(e.message().find("interpolate(bilinear)") != std::string::npos);
    CHECK(e.message().find("[1,2,7,5]") != std::string::npos);
  }
}

TEST_CASE("interpolate: identical results for 1 and 2 threads") {
  const Tensor<float> x = random_tensor({1, 5, 37, 29}, 3);
  for (M m : {M::nearest, M::bilinear, M::bicubic}) {
    const InterpolateParams p = InterpolateParams::by_scale(2.5, m);
    set_num_threads(1);
    const Tensor<float> a = interpolate(x, p);
    set_num_threads(2);
    const Tensor<float> b = interpolate(x, p);
    set_num_threads(0);
    check_equal(a, b, msg(interpolate_mode_name(m), " 1 vs 2 threads"));
  }
}
