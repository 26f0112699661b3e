// Tests for ops/pad.hpp: pad_rows vs pad_ref, F.pad goldens (exact), crop / center_crop, bad arguments, threads.
#include "pixforge/ops/pad.hpp"

#include "test_util.hpp"

using namespace pixforge;
using test::check_equal;
using test::random_tensor;

namespace {
PadParams make(int64_t l, int64_t r, int64_t t, int64_t b, PadMode m, float v = 0.0f) {
  PadParams p;
  p.left = l;
  p.right = r;
  p.top = t;
  p.bottom = b;
  p.mode = m;
  p.value = v;
  return p;
}
std::string describe(const Tensor<float>& x, const PadParams& p) {
  return msg(pad_mode_name(p.mode), " x=", x.shape().str(), " pad=(", p.left, ",", p.right, ",", p.top, ",",
             p.bottom, ") value=", p.value);
}
PadMode mode_from(const std::string& s) {
  if (s == "constant") return PadMode::constant;
  if (s == "reflect") return PadMode::reflect;
  if (s == "replicate") return PadMode::replicate;
  if (s == "circular") return PadMode::circular;
  FAIL("unknown mode ", s);
  return PadMode::constant;
}
}  // namespace

TEST_CASE("pad: pad_rows matches pad_ref") {
  const Shape shapes[] = {{1, 3, 7, 5}, {2, 17, 4, 9}, {1, 1, 1, 1}, {1, 2, 2, 1}, {1, 1, 40, 33}};
  const int64_t amounts[][4] = {{1, 1, 1, 1}, {0, 2, 3, 0}, {-1, 0, 2, -1}, {0, 0, 0, 0}, {3, 1, 0, 1},
                                {-2, -1, -1, -1}, {5, -3, -2, 4}};
  uint32_t seed = 1;
  for (const Shape& s : shapes)
    for (PadMode m : {PadMode::constant, PadMode::reflect, PadMode::replicate, PadMode::circular})
      for (const auto& a : amounts) {
        const PadParams p = make(a[0], a[1], a[2], a[3], m, 0.25f);
        const Tensor<float> x = random_tensor(s, seed++);
        bool legal = true;
        try {
          detail::check_pad_args(x, p);
        } catch (const Error&) {
          legal = false;  // e.g. reflect 3 on a 1-px axis; the bad-argument test checks those
        }
        if (!legal) continue;
        check_equal(pad_rows(x, p), pad_ref(x, p), describe(x, p));
      }
}

TEST_CASE("pad: the border rules on a row 0 1 2 3") {
  Tensor<float> x = Tensor<float>::from_vector({1, 1, 1, 4}, {0, 1, 2, 3});
  auto row = [](const Tensor<float>& y) {
    std::vector<float> v;
    for (int64_t i = 0; i < y.size(3); ++i) v.push_back(y(0, 0, 0, i));
    return v;
  };
  CHECK(row(pad(x, make(2, 2, 0, 0, PadMode::reflect))) == std::vector<float>{2, 1, 0, 1, 2, 3, 2, 1});
  CHECK(row(pad(x, make(2, 2, 0, 0, PadMode::replicate))) == std::vector<float>{0, 0, 0, 1, 2, 3, 3, 3});
  CHECK(row(pad(x, make(2, 2, 0, 0, PadMode::circular))) == std::vector<float>{2, 3, 0, 1, 2, 3, 0, 1});
  CHECK(row(pad(x, make(1, 1, 0, 0, PadMode::constant, -1))) == std::vector<float>{-1, 0, 1, 2, 3, -1});
  CHECK(row(pad(x, make(-1, -2, 0, 0, PadMode::constant))) == std::vector<float>{1});
}

TEST_CASE("pad: F.pad, crop and center_crop goldens") {
  test::Golden g("pad");
  for (const auto& c : g.cases()) {
    const std::string op = c.params["op"].as_string();
    const Tensor<float> x = g.tensor(c, "x"), y = g.tensor(c, "y");
    if (op == "pad") {
      const PadParams p = make(c.params["left"].as_int64(), c.params["right"].as_int64(), c.params["top"].as_int64(),
                               c.params["bottom"].as_int64(), mode_from(c.params["mode"].as_string()),
                               float(c.params["value"].as_double()));
      check_equal(pad(x, p), y, c.name + " " + describe(x, p));
      check_equal(pad_ref(x, p), y, c.name + " (ref) " + describe(x, p));
    } else if (op == "crop") {
      check_equal(crop(x, c.params["top"].as_int64(), c.params["left"].as_int64(), c.params["height"].as_int64(),
                       c.params["width"].as_int64()),
                  y, c.name + " crop x=" + x.shape().str());
    } else if (op == "center_crop") {
      check_equal(center_crop(x, c.params["height"].as_int64(), c.params["width"].as_int64()), y,
                  c.name + " center_crop x=" + x.shape().str() + " -> " + y.shape().str());
    } else {
      FAIL("unknown op ", op);
    }
  }
}

TEST_CASE("pad: strided input") {
  const Tensor<float> big = random_tensor({2, 3, 9, 10}, 3);
  const Tensor<float> view = big.narrow(3, 2, 6).narrow(1, 1, 2);
  const PadParams p = make(3, 2, 1, 4, PadMode::reflect);
  check_equal(pad(view, p), pad_ref(view.contiguous(), p), "reflect on a view");
}

TEST_CASE("pad: bad arguments") {
  const Tensor<float> x = Tensor<float>::zeros({1, 3, 5, 4});
  try {
    pad(x, make(4, 0, 0, 0, PadMode::reflect));  // reflect needs pad < width 4
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::invalid_argument);
    CHECK(e.message().find("reflect") != std::string::npos);
    CHECK(e.message().find("[1,3,5,4]") != std::string::npos);
  }
  CHECK_NOTHROW(pad(x, make(3, 3, 4, 4, PadMode::reflect)));
  CHECK_THROWS_AS(pad(x, make(0, 0, 5, 0, PadMode::reflect)), Error);
  CHECK_THROWS_AS(pad(x, make(5, 0, 0, 0, PadMode::circular)), Error);
  CHECK_THROWS_AS(pad(x, make(-3, -2, 0, 0, PadMode::constant)), Error);  // width 4 - 5 < 0
  CHECK_THROWS_AS(pad(Tensor<float>::zeros({3, 5, 4}), PadParams::all(1)), Error);
  CHECK_THROWS_AS(pad(Tensor<float>::zeros({1, 1, 0, 4}), make(0, 0, 1, 0, PadMode::replicate)), Error);
  CHECK_THROWS_AS(crop(x, 1, 1, 5, 2), Error);
  CHECK_THROWS_AS(crop(x, -1, 0, 2, 2), Error);
  try {
    center_crop(x, 6, 2);
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK(e.message().find("center_crop") != std::string::npos);
  }
}

TEST_CASE("pad: identical results for 1 and 2 threads") {
  const Tensor<float> x = random_tensor({1, 3, 65, 47}, 9);
  const PadParams p = PadParams::all(18, PadMode::reflect);
  set_num_threads(1);
  const Tensor<float> a = pad(x, p);
  set_num_threads(2);
  const Tensor<float> b = pad(x, p);
  set_num_threads(0);
  check_equal(a, b, "reflect 18, 1 vs 2 threads");
}
