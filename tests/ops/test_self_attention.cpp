// Tests for ops/self_attention.hpp: SAGAN and DeOldify/fastai self-attention — blocked path vs the P×P reference,
// PyTorch goldens (gamma non-zero), bad arguments, thread-count independence.
#include "pixforge/ops/self_attention.hpp"

#include <functional>

#include "test_util.hpp"

using namespace pixforge;
using test::check_close;
using test::random_tensor;

namespace {
std::string err_msg(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.message();
  }
  return "";
}

// Random weights scaled like a PyTorch 1×1 conv init (±1/sqrt(C)); gamma non-zero.
SelfAttentionWeights random_sagan(int64_t C, int64_t Cq, uint32_t seed) {
  const float r = 1.0f / std::sqrt(float(C));
  SelfAttentionWeights w;
  w.query_conv = {random_tensor({Cq, C, 1, 1}, seed, -r, r), random_tensor({Cq}, seed + 1, -r, r)};
  w.key_conv = {random_tensor({Cq, C, 1, 1}, seed + 2, -r, r), random_tensor({Cq}, seed + 3, -r, r)};
  w.value_conv = {random_tensor({C, C, 1, 1}, seed + 4, -r, r), random_tensor({C}, seed + 5, -r, r)};
  w.gamma = Tensor<float>::full({1}, 0.75f);
  return w;
}

FastaiSelfAttentionWeights random_fastai(int64_t C, uint32_t seed) {
  const float r = 1.0f / std::sqrt(float(C));
  FastaiSelfAttentionWeights w;
  w.query.weight = random_tensor({C / 8, C, 1}, seed, -r, r);
  w.key.weight = random_tensor({C / 8, C, 1}, seed + 1, -r, r);
  w.value.weight = random_tensor({C, C, 1}, seed + 2, -r, r);
  w.gamma = Tensor<float>::full({1}, -1.25f);
  return w;
}
}  // namespace

TEST_CASE("self_attention_blocked matches self_attention_ref") {
  struct Case {
    Shape x;
    int64_t Cq;
  };
  // P = 1, P < 64, P = 64 (one block), P = 65, 143 (ragged last block), C' not C/8, N > 1.
  const std::vector<Case> cases = {{{1, 8, 1, 1}, 1},   {{2, 16, 5, 7}, 2},  {{1, 24, 8, 8}, 3},
                                   {{1, 17, 5, 13}, 2}, {{2, 32, 11, 13}, 4}, {{1, 12, 3, 9}, 5}};
  uint32_t seed = 10;
  for (const Case& c : cases) {
    const Tensor<float> x = random_tensor(c.x, seed, -2.0f, 2.0f);
    const SelfAttentionWeights w = random_sagan(c.x[1], c.Cq, seed + 1);
    seed += 10;
    const std::string label = "self_attention x=" + c.x.str() + " C'=" + std::to_string(c.Cq);
    const Tensor<float> ref = self_attention_ref(x, w);
    check_close(self_attention_blocked(x, w), ref, 1e-5, 1e-5, label);
    check_close(self_attention(x, w), ref, 1e-5, 1e-5, label + " (dispatch)");
  }
}

TEST_CASE("fastai_self_attention_blocked (roles swapped) matches the literal fastai reference") {
  const std::vector<Shape> shapes = {{1, 8, 1, 1}, {2, 16, 5, 7}, {1, 24, 9, 11}, {2, 32, 13, 7}};
  uint32_t seed = 50;
  for (const Shape& s : shapes) {
    const Tensor<float> x = random_tensor(s, seed, -2.0f, 2.0f);
    const FastaiSelfAttentionWeights w = random_fastai(s[1], seed + 1);
    seed += 10;
    const Tensor<float> ref = fastai_self_attention_ref(x, w);
    check_close(fastai_self_attention(x, w), ref, 1e-5, 1e-5, "fastai_self_attention x=" + s.str());
  }
  // The two forms really differ (softmax axis, roles): with the same numbers they must not agree.
  const Tensor<float> x = random_tensor({1, 16, 4, 5}, 7, -2.0f, 2.0f);
  const FastaiSelfAttentionWeights f = random_fastai(16, 8);
  SelfAttentionWeights s;
  s.query_conv.weight = f.query.weight;
  s.key_conv.weight = f.key.weight;
  s.value_conv.weight = f.value.weight;
  s.gamma = f.gamma;
  const test::CloseReport r = test::compare_close(self_attention(x, s), fastai_self_attention(x, f), 1e-4, 1e-5);
  CHECK_MESSAGE(!r.ok, "SAGAN and fastai forms gave the same result; the softmax axis is not being exercised");
  // ... and swapping query/key turns one into the other.
  SelfAttentionWeights swapped = s;
  std::swap(swapped.query_conv, swapped.key_conv);
  check_close(self_attention(x, swapped), fastai_self_attention(x, f), 1e-5, 1e-5, "fastai == SAGAN(q<->k)");
}

TEST_CASE("self_attention matches PyTorch goldens (SAGAN and DeOldify/fastai)") {
  test::Golden g("self_attention");
  int sagan = 0, fastai = 0;
  for (const auto& c : g.cases()) {
    auto get = [&](const std::string& key) { return g.tensor(c, key); };
    const Tensor<float> x = g.tensor(c, "x"), y = g.tensor(c, "y");
    const std::string variant = c.params["variant"].as_string();
    const std::string label = c.name + " " + variant + " x=" + x.shape().str();
    if (variant == "sagan") {
      const SelfAttentionWeights w = SelfAttentionWeights::load(get);
      REQUIRE(w.gamma.data()[0] != 0.0f);
      check_close(self_attention(x, w), y, 1e-4, 1e-5, label);
      check_close(self_attention_ref(x, w), y, 1e-4, 1e-5, label + " ref");
      ++sagan;
    } else {
      const FastaiSelfAttentionWeights w = FastaiSelfAttentionWeights::load(get);
      REQUIRE(w.gamma.data()[0] != 0.0f);
      check_close(fastai_self_attention(x, w), y, 1e-4, 1e-5, label);
      check_close(fastai_self_attention_ref(x, w), y, 1e-4, 1e-5, label + " ref");
      ++fastai;
    }
  }
  CHECK(sagan >= 3);
  CHECK(fastai >= 3);
}

TEST_CASE("self_attention rejects bad arguments") {
  const Tensor<float> x = random_tensor({1, 16, 4, 4}, 1);
  SelfAttentionWeights w = random_sagan(16, 2, 2);
  SelfAttentionWeights bad = w;
  bad.value_conv.weight = random_tensor({16, 8, 1, 1}, 3);
  CHECK_THROWS_AS(self_attention(x, bad), Error);
  const std::string m = err_msg([&] { self_attention(x, bad); });
  CHECK(m.find("self_attention") != std::string::npos);
  CHECK(m.find("value_conv") != std::string::npos);
  CHECK(m.find("[16,8,1,1]") != std::string::npos);

  bad = w;
  bad.key_conv.weight = random_tensor({3, 16, 1, 1}, 4);
  bad.key_conv.bias = random_tensor({3}, 5);
  CHECK_THROWS_AS(self_attention(x, bad), Error);  // C' of query and key differ
  bad = w;
  bad.query_conv.weight = random_tensor({2, 16, 3, 3}, 6);
  CHECK_THROWS_AS(self_attention(x, bad), Error);  // not a 1×1 kernel
  bad = w;
  bad.gamma = Tensor<float>();
  CHECK(err_msg([&] { self_attention(x, bad); }).find("gamma") != std::string::npos);
  CHECK_THROWS_AS(self_attention(random_tensor({16, 4, 4}, 7), w), Error);  // 3-D input
  CHECK_THROWS_AS(self_attention(random_tensor({1, 8, 4, 4}, 8), w), Error);  // channel mismatch
  CHECK_THROWS_AS(fastai_self_attention(x, random_fastai(32, 9)), Error);
}

TEST_CASE("self_attention gives identical bits for 1 and 2 threads") {
  const Tensor<float> x = random_tensor({2, 32, 13, 17}, 1);
  const SelfAttentionWeights w = random_sagan(32, 4, 2);
  const FastaiSelfAttentionWeights f = random_fastai(32, 3);
  set_num_threads(1);
  const Tensor<float> a = self_attention(x, w), fa = fastai_self_attention(x, f);
  set_num_threads(2);
  const Tensor<float> b = self_attention(x, w), fb = fastai_self_attention(x, f);
  set_num_threads(0);
  test::check_equal(b, a, "self_attention [2,32,13,17]");
  test::check_equal(fb, fa, "fastai_self_attention [2,32,13,17]");
}
