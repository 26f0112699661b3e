// Tests for ops/permute.hpp: permute_transpose vs permute_ref over many orders and sizes, torch goldens (exact),
// NCHW <-> NHWC round trip, reshape/flatten/squeeze helpers, bad arguments, threads.
#include "pixforge/ops/permute.hpp"

#include <algorithm>

#include "test_util.hpp"

using namespace pixforge;
using test::check_equal;
using test::random_tensor;

namespace {
std::string dims_str(const std::vector<int>& d) { return shape_str(std::vector<int64_t>(d.begin(), d.end())); }
}  // namespace

TEST_CASE("permute: permute_transpose matches permute_ref for every order of a 4-d tensor") {
  const Shape shapes[] = {{2, 3, 5, 7}, {1, 33, 1, 35}, {1, 17, 40, 3}, {3, 1, 1, 1}};
  uint32_t seed = 1;
  for (const Shape& s : shapes) {
    const Tensor<float> x = random_tensor(s, seed++);
    std::vector<int> dims = {0, 1, 2, 3};
    do {
      check_equal(permute_transpose(x, dims), permute_ref(x, dims), "x=" + s.str() + " dims=" + dims_str(dims));
    } while (std::next_permutation(dims.begin(), dims.end()));
  }
  // Other ranks, negative dims and tile edges.
  const Tensor<float> m = random_tensor({65, 31}, 50);
  check_equal(permute_transpose(m, {1, 0}), permute_ref(m, {1, 0}), "2-d transpose 65x31");
  const Tensor<float> r5 = random_tensor({2, 3, 4, 5, 2}, 51);
  check_equal(permute_transpose(r5, {0, 2, 3, 4, 1}), permute_ref(r5, {0, 2, 3, 4, 1}), "rank 5");
  check_equal(permute_transpose(r5, {-1, 0, 1, 2, 3}), permute_ref(r5, {4, 0, 1, 2, 3}), "negative dims");
  const Tensor<float> r1 = random_tensor({7}, 52);
  check_equal(permute(r1, {0}), r1, "rank 1 identity");
}

TEST_CASE("permute: NCHW <-> NHWC") {
  const Tensor<float> x = random_tensor({2, 3, 5, 4}, 7);
  const Tensor<float> nhwc = nchw_to_nhwc(x);
  REQUIRE(nhwc.shape() == Shape({2, 5, 4, 3}));
  CHECK(nhwc(1, 4, 2, 1) == x(1, 1, 4, 2));
  check_equal(nhwc_to_nchw(nhwc), x, "round trip");
  // A strided input.
  const Tensor<float> view = random_tensor({1, 6, 5, 9}, 8).narrow(3, 2, 5);
  check_equal(nchw_to_nhwc(view), permute_ref(view.contiguous(), {0, 2, 3, 1}), "strided input");
}

TEST_CASE("permute: reshape, flatten, unsqueeze, squeeze") {
  const Tensor<float> x = random_tensor({2, 3, 4, 5}, 9);
  CHECK(flatten(x).shape() == Shape({120}));
  CHECK(flatten(x, 2).shape() == Shape({2, 3, 20}));
  CHECK(flatten(x, 1, 2).shape() == Shape({2, 12, 5}));
  CHECK(reshape(x, {2, -1}).shape() == Shape({2, 60}));
  CHECK(unsqueeze(x, 0).shape() == Shape({1, 2, 3, 4, 5}));
  CHECK(unsqueeze(x, -1).shape() == Shape({2, 3, 4, 5, 1}));
  CHECK(squeeze(unsqueeze(x, 2), 2).shape() == x.shape());
  CHECK(squeeze(x, 1).shape() == x.shape());  // size 3: unchanged, like torch
  // A non-contiguous input is packed first.
  const Tensor<float> t = x.permute({0, 2, 3, 1});
  check_equal(reshape(t, {2, 60}), permute_ref(x, {0, 2, 3, 1}).reshape({2, 60}), "reshape of a permuted view");
}

TEST_CASE("permute: torch goldens") {
  test::Golden g("permute");
  for (const auto& c : g.cases()) {
    const std::string op = c.params["op"].as_string();
    const Tensor<float> x = g.tensor(c, "x"), y = g.tensor(c, "y");
    if (op == "permute") {
      std::vector<int> dims;
      for (const Json& d : c.params["dims"].items()) dims.push_back(int(d.as_int64()));
      check_equal(permute(x, dims), y, c.name + " permute x=" + x.shape().str() + " dims=" + dims_str(dims));
      check_equal(permute_ref(x, dims), y, c.name + " permute_ref");
    } else if (op == "flatten") {
      const int s = int(c.params["start_dim"].as_int64()), e = int(c.params["end_dim"].as_int64());
      check_equal(flatten(x, s, e), y, c.name + " flatten " + std::to_string(s) + ".." + std::to_string(e));
    } else {
      FAIL("unknown op ", op);
    }
  }
}

TEST_CASE("permute: bad arguments") {
  const Tensor<float> x = Tensor<float>::zeros({1, 3, 4, 5});
  try {
    permute(x, {0, 1, 1, 2});
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::invalid_argument);
    CHECK(e.message().find("permute") != std::string::npos);
    CHECK(e.message().find("[1,3,4,5]") != std::string::npos);
  }
  CHECK_THROWS_AS(permute(x, {0, 1, 2}), Error);
  CHECK_THROWS_AS(permute(x, {0, 1, 2, 4}), Error);
  CHECK_THROWS_AS(nchw_to_nhwc(Tensor<float>::zeros({3, 4, 5})), Error);
  CHECK_THROWS_AS(reshape(x, {7, -1}), Error);
  CHECK_THROWS_AS(flatten(x, 3, 1), Error);
  CHECK_THROWS_AS(unsqueeze(x, 6), Error);
  CHECK_THROWS_AS(squeeze(x, 4), Error);
}

TEST_CASE("permute: identical results for 1 and 2 threads") {
  const Tensor<float> x = random_tensor({2, 64, 33, 31}, 13);
  for (const std::vector<int>& dims : {std::vector<int>{0, 2, 3, 1}, std::vector<int>{0, 3, 2, 1}}) {
    set_num_threads(1);
    const Tensor<float> a = permute(x, dims);
    set_num_threads(2);
    const Tensor<float> b = permute(x, dims);
    set_num_threads(0);
    check_equal(a, b, "permute " + dims_str(dims) + " 1 vs 2 threads");
  }
}
