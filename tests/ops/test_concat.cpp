// Tests for ops/concat.hpp: concat_memcpy vs concat_ref, torch.cat/split/chunk/narrow/slice goldens (exact),
// bad arguments, threads.
#include "pixforge/ops/concat.hpp"

#include "test_util.hpp"

using namespace pixforge;
using test::check_equal;
using test::random_tensor;

namespace {
std::vector<Tensor<float>> randoms(const std::vector<Shape>& shapes, uint32_t seed) {
  std::vector<Tensor<float>> xs;
  for (const Shape& s : shapes) xs.push_back(random_tensor(s, seed++));
  return xs;
}
}  // namespace

TEST_CASE("concat: concat_memcpy matches concat_ref") {
  struct Case {
    int dim;
    std::vector<Shape> shapes;
  };
  const Case cases[] = {
      {1, {{1, 3, 5, 7}, {1, 17, 5, 7}}},
      {1, {{2, 1, 3, 3}, {2, 0, 3, 3}, {2, 4, 3, 3}}},  // an empty piece
      {0, {{1, 2, 3, 4}, {3, 2, 3, 4}}},
      {2, {{2, 2, 1, 5}, {2, 2, 6, 5}}},
      {3, {{1, 2, 3, 1}, {1, 2, 3, 1}, {1, 2, 3, 9}}},
      {-1, {{4, 5}, {4, 3}}},
      {0, {{7}, {2}}},
      {1, {{1, 64, 9, 9}, {1, 32, 9, 9}, {1, 32, 9, 9}, {1, 32, 9, 9}}},
  };
  uint32_t seed = 1;
  for (const Case& c : cases) {
    const auto xs = randoms(c.shapes, seed);
    seed += 10;
    std::string label = msg("concat dim=", c.dim, " of ", detail::shapes_str(xs));
    check_equal(concat_memcpy(xs, c.dim), concat_ref(xs, c.dim), label);
  }
  // Strided inputs.
  const Tensor<float> big = random_tensor({1, 6, 5, 8}, 99);
  const std::vector<Tensor<float>> views = {big.narrow(3, 1, 4), big.narrow(3, 4, 4)};
  check_equal(concat(views, 1), concat_ref({views[0].contiguous(), views[1].contiguous()}, 1), "strided inputs");
}

TEST_CASE("concat: split / chunk / narrow_copy / slice round trips") {
  const Tensor<float> x = random_tensor({2, 7, 3, 5}, 4);
  const auto parts = split(x, 3, 1);
  REQUIRE(parts.size() == 3);
  CHECK(parts[2].size(1) == 1);
  check_equal(concat(parts, 1), x, "concat(split(x))");
  const auto halves = chunk(x, 2, -1);  // ceil(5 / 2) = 3 -> sizes 3, 2
  REQUIRE(halves.size() == 2);
  CHECK(halves[0].size(3) == 3);
  check_equal(concat(halves, 3), x, "concat(chunk(x))");
  check_equal(narrow_copy(x, 1, 2, 4), x.narrow(1, 2, 4).contiguous(), "narrow_copy");
  const Tensor<float> every_other = slice(x, 3, 0, 5, 2);
  REQUIRE(every_other.size(3) == 3);
  for (int64_t i = 0; i < 3; ++i) CHECK(every_other(1, 6, 2, i) == x(1, 6, 2, 2 * i));
}

TEST_CASE("concat: torch goldens") {
  test::Golden g("concat");
  for (const auto& c : g.cases()) {
    const std::string op = c.params["op"].as_string();
    const int dim = int(c.params["dim"].as_int64());
    const std::string label = c.name + " " + op + " dim=" + std::to_string(dim);
    if (op == "concat") {
      std::vector<Tensor<float>> xs;
      for (int64_t k = 0; k < c.params["count"].as_int64(); ++k) xs.push_back(g.tensor(c, "a" + std::to_string(k)));
      check_equal(concat(xs, dim), g.tensor(c, "y"), label);
      check_equal(concat_ref(xs, dim), g.tensor(c, "y"), label + " (ref)");
    } else if (op == "split" || op == "split_with_sizes" || op == "chunk") {
      const Tensor<float> x = g.tensor(c, "x");
      std::vector<Tensor<float>> ys;
      if (op == "split") ys = split(x, c.params["arg"].as_int64(), dim);
      if (op == "chunk") ys = chunk(x, c.params["arg"].as_int64(), dim);
      if (op == "split_with_sizes") {
        std::vector<int64_t> sizes;
        for (const Json& s : c.params["arg"].items()) sizes.push_back(s.as_int64());
        ys = split_with_sizes(x, sizes, dim);
      }
      REQUIRE_MESSAGE(int64_t(ys.size()) == c.params["count"].as_int64(), label, ": ", ys.size(), " pieces");
      for (size_t k = 0; k < ys.size(); ++k)
        check_equal(ys[k], g.tensor(c, "y" + std::to_string(k)), label + " piece " + std::to_string(k));
    } else if (op == "narrow") {
      check_equal(narrow_copy(g.tensor(c, "x"), dim, c.params["start"].as_int64(), c.params["length"].as_int64()),
                  g.tensor(c, "y"), label);
    } else if (op == "slice") {
      check_equal(slice(g.tensor(c, "x"), dim, c.params["start"].as_int64(), c.params["end"].as_int64(),
                        c.params["step"].as_int64()),
                  g.tensor(c, "y"), label);
    } else {
      FAIL("unknown op ", op);
    }
  }
}

TEST_CASE("concat: bad arguments") {
  const Tensor<float> a = Tensor<float>::zeros({1, 3, 4, 4}), b = Tensor<float>::zeros({1, 2, 4, 5});
  try {
    concat({a, b}, 1);
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::shape_mismatch);
    CHECK(e.message().find("concat") != std::string::npos);
    CHECK(e.message().find("[1,2,4,5]") != std::string::npos);
    CHECK(e.message().find("[1,3,4,4]") != std::string::npos);
  }
  CHECK_THROWS_AS(concat({a, b}, 3), Error);  // they differ in dim 1 as well
  CHECK_THROWS_AS(concat({}, 1), Error);
  CHECK_THROWS_AS(concat({a, Tensor<float>::zeros({3, 4, 4})}, 0), Error);  // rank mismatch
  CHECK_THROWS_AS(concat({a, a}, 4), Error);
  try {
    split_with_sizes(a, {1, 1}, 1);
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK(e.message().find("split_with_sizes") != std::string::npos);
    CHECK(e.message().find("[1,3,4,4]") != std::string::npos);
  }
  CHECK_THROWS_AS(split(a, 0, 1), Error);
  CHECK_THROWS_AS(chunk(a, 0, 1), Error);
  CHECK_THROWS_AS(narrow_copy(a, 2, 3, 2), Error);
  CHECK_THROWS_AS(slice(a, 1, 0, 2, 0), Error);
  CHECK_THROWS_AS(slice(a, -5, 0, 2), Error);
}

TEST_CASE("concat: identical results for 1 and 2 threads") {
  const auto xs = randoms({{2, 64, 9, 7}, {2, 32, 9, 7}, {2, 5, 9, 7}}, 21);
  set_num_threads(1);
  const Tensor<float> a = concat(xs, 1);
  set_num_threads(2);
  const Tensor<float> b = concat(xs, 1);
  set_num_threads(0);
  check_equal(a, b, "concat 1 vs 2 threads");
}
