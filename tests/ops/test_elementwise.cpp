// Tests for ops/elementwise.hpp: fast paths vs elementwise_ref over broadcast shapes, torch goldens (rtol 1e-4,
// atol 1e-5), in-place variants, the broadcast shape rule and its errors, threads.
#include "pixforge/ops/elementwise.hpp"

#include "test_util.hpp"

using namespace pixforge;
using test::check_close;
using test::check_equal;
using test::random_tensor;

namespace {
const BinaryOp kOps[] = {BinaryOp::add, BinaryOp::sub, BinaryOp::mul, BinaryOp::div};

// Values in [0.5, 1.5) keep divisions well conditioned.
Tensor<float> divisor(const Shape& s, uint32_t seed) { return random_tensor(s, seed, 0.5f, 1.5f); }

std::string describe(BinaryOp op, const Shape& a, const Shape& b) {
  return msg(binary_op_name(op), " ", a.str(), " ", b.str());
}
}  // namespace

TEST_CASE("elementwise: broadcast_shapes") {
  CHECK(broadcast_shapes({1, 64, 32, 32}, {1, 64, 1, 1}) == Shape({1, 64, 32, 32}));
  CHECK(broadcast_shapes({2, 1, 5, 7}, {1, 3, 1, 1}) == Shape({2, 3, 5, 7}));
  CHECK(broadcast_shapes({2, 3, 5, 7}, {7}) == Shape({2, 3, 5, 7}));
  CHECK(broadcast_shapes({4, 5}, {3, 1, 5}) == Shape({3, 4, 5}));
  CHECK(broadcast_shapes({}, {2, 3}) == Shape({2, 3}));
  CHECK(broadcast_shapes({1}, {1}) == Shape({1}));
  try {
    broadcast_shapes({1, 64, 32, 32}, {64, 32, 31}, "add");
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::shape_mismatch);
    CHECK(e.message().find("add") != std::string::npos);
    CHECK(e.message().find("[1,64,32,32]") != std::string::npos);
    CHECK(e.message().find("[64,32,31]") != std::string::npos);
  }
}

TEST_CASE("elementwise: fast paths match elementwise_ref") {
  const std::pair<Shape, Shape> cases[] = {
      {{2, 3, 5, 7}, {2, 3, 5, 7}}, {{1, 17, 9, 11}, {1, 17, 1, 1}}, {{1, 17, 1, 1}, {2, 17, 9, 11}},
      {{3, 5, 3}, {5, 1}},          {{2, 1, 5, 7}, {1, 3, 1, 1}},     {{2, 3, 5, 7}, {7}},
      {{2, 3, 5, 7}, {1}},          {{2, 3, 5, 1}, {1, 1, 1, 7}},     {{4, 5}, {3, 1, 5}},
      {{1, 64, 40, 40}, {1, 64, 1, 1}}, {{1, 1, 1, 1}, {1, 1, 1, 1}}, {{2, 4, 3, 3}, {4, 1, 1}},
  };
  uint32_t seed = 1;
  for (const auto& [sa, sb] : cases)
    for (BinaryOp op : kOps) {
      const Tensor<float> a = random_tensor(sa, seed++);
      const Tensor<float> b = op == BinaryOp::div ? divisor(sb, seed++) : random_tensor(sb, seed++);
      const Tensor<float> expected = elementwise_ref(a, b, op);
      const std::string label = describe(op, sa, sb);
      // One operation per element: every path must give the very same bits.
      check_equal(elementwise(a, b, op), expected, label + " dispatch");
      check_equal(elementwise_broadcast(a, b, op), expected, label + " broadcast");
      if (sa == sb) check_equal(elementwise_same_shape(a, b, op), expected, label + " same_shape");
      if (detail::is_per_channel(sa, sb) || detail::is_per_channel(sb, sa))
        check_equal(elementwise_per_channel(a, b, op), expected, label + " per_channel");
      // In place, when a already has the output shape.
      if (broadcast_shapes(sa, sb) == sa) {
        Tensor<float> c = a.clone();
        elementwise_(c, b, op);
        check_equal(c, expected, label + " in place");
      }
    }
  // alpha (torch.add / torch.sub's alpha), on every path.
  const Tensor<float> x = random_tensor({2, 6, 5, 3}, 90), y = random_tensor({2, 6, 5, 3}, 91),
                      ch = random_tensor({1, 6, 1, 1}, 92);
  check_close(add(x, y, 0.2f), elementwise_ref(x, y, BinaryOp::add, 0.2f), 0, 0, "add alpha same shape");
  check_close(sub(x, ch, -1.5f), elementwise_ref(x, ch, BinaryOp::sub, -1.5f), 0, 0, "sub alpha per channel");
  check_close(elementwise_broadcast(x, ch, BinaryOp::add, 3.0f), elementwise_ref(x, ch, BinaryOp::add, 3.0f), 0, 0,
              "add alpha broadcast");
}

TEST_CASE("elementwise: strided operands") {
  const Tensor<float> big = random_tensor({2, 5, 6, 8}, 3);
  const Tensor<float> a = big.narrow(3, 1, 5), b = random_tensor({1, 5, 1, 1}, 4);
  check_equal(add(a, b), elementwise_ref(a.contiguous(), b, BinaryOp::add), "narrowed a + per-channel b");
  const Tensor<float> t = random_tensor({2, 6, 5, 5}, 5).permute({0, 1, 3, 2});
  check_equal(mul(t, t), elementwise_ref(t.contiguous(), t.contiguous(), BinaryOp::mul), "permuted view squared");
}

TEST_CASE("elementwise: torch goldens") {
  test::Golden g("elementwise");
  for (const auto& c : g.cases()) {
    const std::string op = c.params["op"].as_string();
    const Tensor<float> a = g.tensor(c, "a"), y = g.tensor(c, "y");
    const std::string label = c.name + " " + op + " a=" + a.shape().str();
    Tensor<float> got;
    if (op == "affine") {
      got = affine(a, float(c.params["scale"].as_double()), float(c.params["shift"].as_double()));
    } else {
      const Tensor<float> b = g.tensor(c, "b");
      const float alpha = float(c.params.get_double("alpha", 1.0));
      if (op == "add") got = add(a, b);
      else if (op == "sub") got = sub(a, b);
      else if (op == "mul") got = mul(a, b);
      else if (op == "div") got = div(a, b);
      else if (op == "add_alpha" || op == "rrdb_residual") got = add(a, b, alpha);
      else if (op == "sub_alpha") got = sub(a, b, alpha);
      else FAIL("unknown op ", op);
      check_close(elementwise_ref(a, b, op == "sub" || op == "sub_alpha" ? BinaryOp::sub
                                        : op == "mul"                      ? BinaryOp::mul
                                        : op == "div"                      ? BinaryOp::div
                                                                           : BinaryOp::add,
                                  alpha),
                  y, 1e-4, 1e-5, label + " (ref) b=" + b.shape().str());
    }
    check_close(got, y, 1e-4, 1e-5, label);
  }
}

TEST_CASE("elementwise: affine and in-place variants") {
  const Tensor<float> x = random_tensor({1, 3, 4, 5}, 6);
  const Tensor<float> y = affine(x, 0.5f, 0.5f);
  for (int64_t i = 0; i < x.numel(); ++i) CHECK(y.data()[i] == 0.5f * x.data()[i] + 0.5f);
  Tensor<float> z = x.clone();
  affine_(z, 0.5f, 0.5f);
  check_equal(z, y, "affine_");
  // RRDB residual in place: x += 0.2 * out.
  const Tensor<float> out = random_tensor({1, 3, 4, 5}, 7);
  Tensor<float> acc = x.clone();
  add_(acc, out, 0.2f);
  check_equal(acc, add(x, out, 0.2f), "add_ alpha");
  Tensor<float> m = x.clone();
  mul_(m, m);  // aliasing a and b is allowed
  check_equal(m, mul(x, x), "mul_ aliased");
}

TEST_CASE("elementwise: bad arguments") {
  const Tensor<float> a = Tensor<float>::zeros({1, 4, 3, 3}), b = Tensor<float>::zeros({1, 3, 3, 3});
  try {
    add(a, b);
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::shape_mismatch);
    CHECK(e.message().find("add") != std::string::npos);
    CHECK(e.message().find("[1,4,3,3]") != std::string::npos);
    CHECK(e.message().find("[1,3,3,3]") != std::string::npos);
  }
  CHECK_THROWS_AS(mul(a, Tensor<float>::zeros({4})), Error);  // [4] broadcasts against W = 3, not C
  CHECK_THROWS_AS(elementwise_same_shape(a, Tensor<float>::zeros({1, 4, 1, 1}), BinaryOp::add), Error);
  CHECK_THROWS_AS(elementwise_per_channel(a, Tensor<float>::zeros({1, 4, 3, 1}), BinaryOp::add), Error);
  // In place: the result must fit the destination.
  Tensor<float> small = Tensor<float>::zeros({1, 4, 1, 1});
  try {
    add_(small, a);
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK(e.message().find("add_") != std::string::npos);
    CHECK(e.message().find("[1,4,1,1]") != std::string::npos);
  }
}

TEST_CASE("elementwise: identical results for 1 and 2 threads") {
  const Tensor<float> a = random_tensor({1, 64, 61, 67}, 1), b = random_tensor({1, 64, 61, 67}, 2),
                      c = random_tensor({1, 64, 1, 1}, 3), d = random_tensor({1, 1, 61, 67}, 4);
  auto run = [&] {
    return std::vector<Tensor<float>>{add(a, b, 0.2f), mul(a, c), div(a, d), affine(a, 2.0f, -1.0f)};
  };
  set_num_threads(1);
  const auto one = run();
  set_num_threads(2);
  const auto two = run();
  set_num_threads(0);
  for (size_t i = 0; i < one.size(); ++i) check_equal(one[i], two[i], "result " + std::to_string(i));
}
