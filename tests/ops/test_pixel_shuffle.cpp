// Tests for ops/pixel_shuffle.hpp: _rows vs _ref, PyTorch/TF goldens (exact), round trips, bad arguments, threads.
#include "pixforge/ops/pixel_shuffle.hpp"

#include "test_util.hpp"

using namespace pixforge;
using test::check_equal;
using test::random_tensor;

namespace {
struct Case {
  int64_t n, c, h, w, r;  // c = channels of the *spatial* side
};
const Case kCases[] = {{1, 3, 5, 7, 2}, {2, 5, 3, 4, 3}, {1, 1, 1, 1, 4}, {1, 17, 6, 5, 2},
                       {3, 2, 2, 9, 3}, {1, 4, 3, 3, 1}, {1, 64, 8, 8, 2}};

std::string label(const char* op, const Case& c) {
  return msg(op, " n=", c.n, " c=", c.c, " h=", c.h, " w=", c.w, " r=", c.r);
}
}  // namespace

TEST_CASE("pixel_shuffle: fast paths match the references") {
  uint32_t seed = 1;
  for (const Case& c : kCases) {
    const Tensor<float> packed = random_tensor({c.n, c.c * c.r * c.r, c.h, c.w}, seed++);
    const Tensor<float> spatial = random_tensor({c.n, c.c, c.h * c.r, c.w * c.r}, seed++);
    for (ShuffleOrder order : {ShuffleOrder::CRD, ShuffleOrder::DCR}) {
      const char* o = order == ShuffleOrder::CRD ? "CRD" : "DCR";
      check_equal(depth_to_space_rows(packed, c.r, order), depth_to_space_ref(packed, c.r, order),
                  label(o, c) + " depth_to_space");
      check_equal(space_to_depth_rows(spatial, c.r, order), space_to_depth_ref(spatial, c.r, order),
                  label(o, c) + " space_to_depth");
      // Round trips are the identity.
      check_equal(space_to_depth_rows(depth_to_space_rows(packed, c.r, order), c.r, order), packed,
                  label(o, c) + " round trip");
    }
  }
}

TEST_CASE("pixel_shuffle: the formula on a hand-checked example") {
  // in[0, c*4 + i*2 + j, 0, 0] = c*4 + i*2 + j; out[0, c, i, j] must read back the same value.
  Tensor<float> x = Tensor<float>::empty({1, 8, 1, 1});
  for (int k = 0; k < 8; ++k) x.data()[k] = float(k);
  const Tensor<float> y = pixel_shuffle(x, 2);
  REQUIRE(y.shape() == Shape({1, 2, 2, 2}));
  for (int c = 0; c < 2; ++c)
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 2; ++j) CHECK(y(0, c, i, j) == float(c * 4 + i * 2 + j));
  // TF order: channel (i*2 + j)*C + c.
  const Tensor<float> t = depth_to_space(x, 2);
  for (int c = 0; c < 2; ++c)
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 2; ++j) CHECK(t(0, c, i, j) == float((i * 2 + j) * 2 + c));
}

TEST_CASE("pixel_shuffle: strided (non-contiguous) input") {
  const Tensor<float> big = random_tensor({1, 12, 5, 9}, 7);
  const Tensor<float> view = big.narrow(3, 2, 6);  // a strided view
  check_equal(pixel_shuffle(view, 2), pixel_shuffle_ref(view.contiguous(), 2), "narrowed input");
}

TEST_CASE("pixel_shuffle: PyTorch / TensorFlow goldens") {
  test::Golden g("pixel_shuffle");
  for (const auto& c : g.cases()) {
    const std::string op = c.params["op"].as_string();
    const int64_t r = c.params["r"].as_int64();
    const Tensor<float> x = g.tensor(c, "x"), y = g.tensor(c, "y");
    Tensor<float> got;
    if (op == "pixel_shuffle") got = pixel_shuffle(x, r);
    else if (op == "pixel_unshuffle") got = pixel_unshuffle(x, r);
    else if (op == "depth_to_space") got = depth_to_space(x, r);
    else if (op == "space_to_depth") got = space_to_depth(x, r);
    else FAIL("unknown op ", op);
    check_equal(got, y, c.name + " " + op + " r=" + std::to_string(r) + " x=" + x.shape().str());
  }
}

TEST_CASE("pixel_shuffle: bad arguments") {
  const Tensor<float> x = Tensor<float>::zeros({1, 6, 4, 4});
  try {
    pixel_shuffle(x, 2);
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::shape_mismatch);
    CHECK(e.message().find("pixel_shuffle") != std::string::npos);
    CHECK(e.message().find("[1,6,4,4]") != std::string::npos);
  }
  CHECK_THROWS_AS(pixel_shuffle(x, 0), Error);
  CHECK_THROWS_AS(depth_to_space(x, 2), Error);
  CHECK_THROWS_AS(pixel_shuffle(Tensor<float>::zeros({6, 4, 4}), 1), Error);
  const Tensor<float> odd = Tensor<float>::zeros({1, 2, 5, 4});
  try {
    pixel_unshuffle(odd, 2);
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK(e.message().find("pixel_unshuffle") != std::string::npos);
    CHECK(e.message().find("[1,2,5,4]") != std::string::npos);
  }
  CHECK_THROWS_AS(space_to_depth(odd, 2), Error);
  CHECK_THROWS_AS(pixel_unshuffle(odd, -1), Error);
}

TEST_CASE("pixel_shuffle: identical results for 1 and 2 threads") {
  const Tensor<float> x = random_tensor({1, 64, 33, 17}, 11);
  set_num_threads(1);
  const Tensor<float> a = pixel_shuffle(x, 2), b = pixel_unshuffle(a, 2);
  set_num_threads(2);
  const Tensor<float> c = pixel_shuffle(x, 2), d = pixel_unshuffle(c, 2);
  set_num_threads(0);
  check_equal(a, c, "pixel_shuffle 1 vs 2 threads");
  check_equal(b, d, "pixel_unshuffle 1 vs 2 threads");
}
