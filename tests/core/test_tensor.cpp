// Tensor, Shape, limits and errors.
#include "pixforge/core/tensor.hpp"
#include "test_util.hpp"

using namespace pixforge;

TEST_CASE("tensor: construction, shape, strides, alignment") {
  auto t = Tensor<float>::zeros({2, 3, 4, 5});
  CHECK(t.dim() == 4);
  CHECK(t.numel() == 120);
  CHECK(t.size(1) == 3);
  CHECK(t.size(-1) == 5);
  CHECK(t.stride(0) == 60);
  CHECK(t.stride(3) == 1);
  CHECK(t.is_contiguous());
  CHECK(reinterpret_cast<uintptr_t>(t.data()) % 64 == 0);
  t(1, 2, 3, 4) = 7.0f;
  CHECK(t.data()[119] == 7.0f);
  CHECK(t.at({1, 2, 3, 4}) == 7.0f);
  CHECK_THROWS_AS(t.at({2, 0, 0, 0}), Error);
  CHECK_THROWS_AS(t.at({0, 0, 0}), Error);
  CHECK_THROWS_AS(t.size(4), Error);
  CHECK_THROWS_AS(Tensor<float>::from_vector({2, 2}, {1, 2, 3}), Error);
  CHECK_THROWS_AS(Shape({1, 2, 3, 4, 5, 6, 7}), Error);
  CHECK_THROWS_AS(Shape({2, -1}), Error);
}

TEST_CASE("tensor: views share storage; reshape, narrow, permute, contiguous, clone") {
  auto t = Tensor<float>::from_vector({2, 3}, {0, 1, 2, 3, 4, 5});
  auto r = t.reshape({3, -1});
  CHECK(r.shape() == Shape({3, 2}));
  r(0, 1) = 10;
  CHECK(t(0, 1) == 10);  // shared
  CHECK_THROWS_AS(t.reshape({4, -1}), Error);
  CHECK_THROWS_AS(t.reshape({-1, -1}), Error);
  CHECK_THROWS_AS(t.reshape({7}), Error);

  auto col = t.narrow(1, 1, 2);  // [[10,2],[4,5]]
  CHECK(col.shape() == Shape({2, 2}));
  CHECK(!col.is_contiguous());
  CHECK(col(1, 0) == 4);
  CHECK_THROWS_AS(col.reshape({4}), Error);
  auto packed = col.contiguous();
  CHECK(packed.is_contiguous());
  test::check_equal(packed, Tensor<float>::from_vector({2, 2}, {10, 2, 4, 5}), "narrow+contiguous");
  CHECK_THROWS_AS(t.narrow(1, 2, 2), Error);

  auto p = t.permute({1, 0});
  CHECK(p.shape() == Shape({3, 2}));
  test::check_equal(p.contiguous(), Tensor<float>::from_vector({3, 2}, {0, 3, 10, 4, 2, 5}), "permute");
  CHECK_THROWS_AS(t.permute({0, 0}), Error);

  auto c = t.clone();
  c(0, 0) = 99;
  CHECK(t(0, 0) == 0);

  auto dst = Tensor<float>::zeros({3, 2});
  auto dst_t = dst.permute({1, 0});  // strided destination
  dst_t.copy_from(t);
  test::check_equal(dst, p.contiguous(), "copy_from into strided view");
  CHECK_THROWS_AS(dst.copy_from(t), Error);
}

TEST_CASE("tensor: non-owning view over caller memory") {
  float buf[6] = {1, 2, 3, 4, 5, 6};
  auto v = Tensor<float>::view(buf, {1, 2, 3});
  CHECK(!v.owns_data());
  v(0, 1, 2) = 60;
  CHECK(buf[5] == 60);
}

TEST_CASE("tensor: dtype conversion") {
  auto t = Tensor<float>::from_vector({3}, {1.0f, 0.1f, 65504.0f});
  auto h = t.to<half>();
  auto back = h.to<float>();
  CHECK(back(0) == 1.0f);
  CHECK(back(1) == doctest::Approx(0.1f).epsilon(1e-3));
  CHECK(back(2) == 65504.0f);
  auto b = t.to<bfloat16>().to<float>();
  CHECK(b(0) == 1.0f);
}

TEST_CASE("tensor: memory limit gives limit_exceeded, not bad_alloc") {
  const Limits saved = limits();
  limits().max_tensor_bytes = 1 << 20;
  try {
    Tensor<float>::empty({1, 3, 1024, 1024});
    FAIL("expected limit_exceeded");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::limit_exceeded);
    CHECK(std::string(e.what()).find("[1,3,1024,1024]") != std::string::npos);
  }
  // Overflowing products are caught before multiplying out.
  limits() = saved;
  CHECK_THROWS_AS(Tensor<float>::empty({int64_t(1) << 40, int64_t(1) << 40}), Error);
  limits() = saved;
}

TEST_CASE("error: code, prefix and message") {
  try {
    fail(ErrorCode::shape_mismatch, msg("conv2d: x=", Shape({1, 2}).str()));
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::shape_mismatch);
    CHECK(std::string(e.what()) == "[pixforge.shape_mismatch] conv2d: x=[1,2]");
    CHECK(e.message() == "conv2d: x=[1,2]");
  }
}
