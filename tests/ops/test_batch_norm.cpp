// Tests for ops/batch_norm.hpp: batch_norm (running and batch statistics) and fold_batch_norm.
#include "pixforge/ops/batch_norm.hpp"

#include <string>

#include "test_util.hpp"

using namespace pixforge;
using pixforge::test::check_close;
using pixforge::test::check_equal;
using pixforge::test::random_tensor;

namespace {

struct Bn {
  Tensor<float> mean, var, weight, bias;
};
Bn random_bn(int64_t C, uint32_t seed) {
  return {random_tensor({C}, seed, -0.5f, 0.5f), random_tensor({C}, seed + 1, 0.5f, 2.0f),
          random_tensor({C}, seed + 2, 0.5f, 1.5f), random_tensor({C}, seed + 3, -0.3f, 0.3f)};
}

// Direct conv2d / conv_transpose2d (square stride/padding, groups), for checking fold_batch_norm without depending
// on ops/conv2d.hpp. y[n,oc,oy,ox] = b[oc] + Σ x[n,ic,oy·s−p+ky, ox·s−p+kx]·w[oc,ic%(Cin/g),ky,kx]
Tensor<float> direct_conv(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b, int64_t s,
                          int64_t p, int64_t g) {
  const int64_t N = x.size(0), Cin = x.size(1), H = x.size(2), W = x.size(3);
  const int64_t Cout = w.size(0), cig = Cin / g, cog = Cout / g, K = w.size(2);
  const int64_t OH = (H + 2 * p - K) / s + 1, OW = (W + 2 * p - K) / s + 1;
  Tensor<float> y = Tensor<float>::zeros({N, Cout, OH, OW});
  for (int64_t n = 0; n < N; ++n)
    for (int64_t oc = 0; oc < Cout; ++oc)
      for (int64_t oy = 0; oy < OH; ++oy)
        for (int64_t ox = 0; ox < OW; ++ox) {
          double acc = b.defined() ? b.data()[oc] : 0.0;
          for (int64_t i = 0; i < cig; ++i)
            for (int64_t ky = 0; ky < K; ++ky)
              for (int64_t kx = 0; kx < K; ++kx) {
                const int64_t iy = oy * s - p + ky, ix = ox * s - p + kx;
                if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
                acc += double(x(n, (oc / cog) * cig + i, iy, ix)) * double(w(oc, i, ky, kx));
              }
          y(n, oc, oy, ox) = float(acc);
        }
  return y;
}
// Scatter form: input pixel (iy, ix) adds x·w[ic, j, ky, kx] to output (iy·s − p + ky, ix·s − p + kx).
Tensor<float> direct_conv_transpose(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                                    int64_t s, int64_t p, int64_t g) {
  const int64_t N = x.size(0), Cin = x.size(1), H = x.size(2), W = x.size(3);
  const int64_t cog = w.size(1), Cout = cog * g, cig = Cin / g, K = w.size(2);
  const int64_t OH = (H - 1) * s - 2 * p + K, OW = (W - 1) * s - 2 * p + K;
  std::vector<double> acc(size_t(N * Cout * OH * OW), 0.0);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t ic = 0; ic < Cin; ++ic)
      for (int64_t j = 0; j < cog; ++j)
        for (int64_t iy = 0; iy < H; ++iy)
          for (int64_t ix = 0; ix < W; ++ix)
            for (int64_t ky = 0; ky < K; ++ky)
              for (int64_t kx = 0; kx < K; ++kx) {
                const int64_t oy = iy * s - p + ky, ox = ix * s - p + kx, oc = (ic / cig) * cog + j;
                if (oy < 0 || oy >= OH || ox < 0 || ox >= OW) continue;
                acc[size_t(((n * Cout + oc) * OH + oy) * OW + ox)] += double(x(n, ic, iy, ix)) * w(ic, j, ky, kx);
              }
  Tensor<float> y = Tensor<float>::empty({N, Cout, OH, OW});
  for (int64_t i = 0; i < y.numel(); ++i)
    y.data()[i] = float(acc[size_t(i)] + (b.defined() ? b.data()[(i / (OH * OW)) % Cout] : 0.0f));
  return y;
}

}  // namespace

TEST_CASE("batch_norm: fast path matches the reference on awkward shapes") {
  const Shape shapes[] = {{1, 3, 5, 7}, {2, 17, 9, 4}, {3, 5, 1, 1}, {2, 33, 3, 13}, {4, 7}, {2, 6, 11}, {1, 1, 1, 1}};
  uint32_t seed = 10;
  for (const Shape& s : shapes)
    for (bool batch_stats : {false, true})
      for (bool affine : {false, true}) {
        const Tensor<float> x = random_tensor(s, seed++, -3.0f, 5.0f);
        const Bn bn = random_bn(s[1], seed++);
        const Tensor<float> w = affine ? bn.weight : Tensor<float>(), b = affine ? bn.bias : Tensor<float>();
        BatchNormParams p;
        p.use_batch_stats = batch_stats;
        p.eps = 1e-3f;
        const std::string label = "x=" + s.str() + (batch_stats ? " batch_stats" : " running") +
                                  (affine ? " affine" : " no-affine");
        check_close(batch_norm(x, bn.mean, bn.var, w, b, p), batch_norm_ref(x, bn.mean, bn.var, w, b, p), 1e-5, 1e-5,
                    label);
      }
}

TEST_CASE("batch_norm: strided input is handled") {
  const Tensor<float> big = random_tensor({2, 6, 5, 8}, 3);
  const Tensor<float> x = big.narrow(1, 1, 4).narrow(3, 2, 5);  // [2,4,5,5], not contiguous
  REQUIRE(!x.is_contiguous());
  const Bn bn = random_bn(4, 7);
  check_close(batch_norm(x, bn.mean, bn.var, bn.weight, bn.bias), batch_norm_ref(x.clone(), bn.mean, bn.var,
                                                                                  bn.weight, bn.bias), 1e-5, 1e-6,
              "strided x");
}

TEST_CASE("batch_norm: PyTorch goldens (running and batch statistics)") {
  test::Golden g("batch_norm");
  int checked = 0;
  for (const auto& c : g.cases()) {
    const std::string mode = c.params["mode"].as_string();
    if (mode == "fold") continue;
    BatchNormParams p;
    p.eps = float(c.params["eps"].as_double());
    p.use_batch_stats = mode == "batch_stats";
    const bool affine = c.params["affine"].as_bool();
    const Tensor<float> x = g.tensor(c, "x");
    const Tensor<float> w = affine ? g.tensor(c, "weight") : Tensor<float>();
    const Tensor<float> b = affine ? g.tensor(c, "bias") : Tensor<float>();
    const Tensor<float> rm = g.tensor(c, "running_mean"), rv = g.tensor(c, "running_var");
    const std::string label = c.name + " " + mode + " x=" + x.shape().str();
    check_close(batch_norm(x, rm, rv, w, b, p), g.tensor(c, "y"), 1e-4, 1e-5, label);
    check_close(batch_norm_ref(x, rm, rv, w, b, p), g.tensor(c, "y"), 1e-4, 1e-5, label + " (ref)");
    ++checked;
  }
  CHECK(checked == 8);
}

TEST_CASE("fold_batch_norm: conv(x, folded) == bn(conv(x)) (PyTorch goldens)") {
  test::Golden g("batch_norm");
  int checked = 0;
  for (const auto& c : g.cases()) {
    if (c.params["mode"].as_string() != "fold") continue;
    FoldBatchNormParams p;
    p.eps = float(c.params["eps"].as_double());
    p.transposed = c.params["transposed"].as_bool();
    p.groups = c.params["groups"].as_int64();
    const int64_t s = c.params["stride"].as_int64(), pad = c.params["padding"].as_int64();
    const Tensor<float> cw = g.tensor(c, "conv_weight");
    const Tensor<float> cb = c.params["conv_bias"].as_bool() ? g.tensor(c, "conv_bias") : Tensor<float>();
    BatchNormTensors bn{g.tensor(c, "weight"), g.tensor(c, "bias"), g.tensor(c, "running_mean"),
                        g.tensor(c, "running_var")};
    const FoldedConv f = fold_batch_norm(cw, cb, bn, p);
    const std::string label = c.name + (p.transposed ? " conv_transpose2d" : " conv2d") + " w=" + cw.shape().str() +
                              " groups=" + std::to_string(p.groups);
    check_close(f.weight, g.tensor(c, "folded_weight"), 1e-5, 1e-6, label + " folded weight");
    check_close(f.bias, g.tensor(c, "folded_bias"), 1e-5, 1e-6, label + " folded bias");
    const Tensor<float> x = g.tensor(c, "x");
    const Tensor<float> y = p.transposed ? direct_conv_transpose(x, f.weight, f.bias, s, pad, p.groups)
                                         : direct_conv(x, f.weight, f.bias, s, pad, p.groups);
    check_close(y, g.tensor(c, "y"), 1e-4, 1e-5, label + " conv(x, folded) vs bn(conv(x))");
    ++checked;
  }
  CHECK(checked == 5);
}

TEST_CASE("fold_batch_norm: affine=False BN and the transposed output-channel mapping") {
  // conv_transpose2d weight [Cin=4, Cout/g=3, 1, 1] with groups=2: w[ic, j] feeds output channel (ic/2)·3 + j.
  const Tensor<float> w = Tensor<float>::full({4, 3, 1, 1}, 1.0f);
  Tensor<float> var = Tensor<float>::empty({6});
  for (int i = 0; i < 6; ++i) var.data()[i] = float((i + 1) * (i + 1));  // scale = 1/(i+1) with eps 0
  BatchNormTensors bn{{}, {}, Tensor<float>::zeros({6}), var};
  FoldBatchNormParams p;
  p.eps = 0.0f;
  p.transposed = true;
  p.groups = 2;
  const FoldedConv f = fold_batch_norm(w, {}, bn, p);
  for (int64_t ic = 0; ic < 4; ++ic)
    for (int64_t j = 0; j < 3; ++j) CHECK(f.weight(ic, j, 0, 0) == doctest::Approx(1.0 / ((ic / 2) * 3 + j + 1)));
  for (int i = 0; i < 6; ++i) CHECK(f.bias.data()[i] == 0.0f);
}

TEST_CASE("batch_norm: identical bits for 1 and 2 threads") {
  const Tensor<float> x = random_tensor({2, 19, 33, 17}, 5, -2.0f, 4.0f);
  const Bn bn = random_bn(19, 6);
  for (bool batch_stats : {false, true}) {
    BatchNormParams p;
    p.use_batch_stats = batch_stats;
    set_num_threads(1);
    const Tensor<float> y1 = batch_norm(x, bn.mean, bn.var, bn.weight, bn.bias, p);
    set_num_threads(2);
    const Tensor<float> y2 = batch_norm(x, bn.mean, bn.var, bn.weight, bn.bias, p);
    set_num_threads(0);
    check_equal(y2, y1, batch_stats ? "threads, batch_stats" : "threads, running");
  }
}

TEST_CASE("batch_norm: bad arguments name the op and the shapes") {
  const Tensor<float> x = random_tensor({1, 4, 3, 3}, 1);
  const Bn bn = random_bn(4, 2);
  const Tensor<float> v5 = Tensor<float>::zeros({5});
  CHECK_THROWS_WITH_AS(batch_norm(x, v5, bn.var),
                       doctest::Contains("batch_norm: running_mean has shape [5], expected [4] (x=[1,4,3,3])"),
                       pixforge::Error);
  CHECK_THROWS_AS(batch_norm(x, bn.mean, bn.var, v5), pixforge::Error);
  CHECK_THROWS_AS(batch_norm(x, bn.mean, bn.var, bn.weight, v5), pixforge::Error);
  CHECK_THROWS_WITH_AS(batch_norm(x, {}, bn.var), doctest::Contains("running_mean is required"), pixforge::Error);
  CHECK_THROWS_WITH_AS(batch_norm(Tensor<float>::zeros({4}), bn.mean, bn.var), doctest::Contains("[4]"),
                       pixforge::Error);
  BatchNormParams neg;
  neg.eps = -1.0f;
  CHECK_THROWS_AS(batch_norm(x, bn.mean, bn.var, {}, {}, neg), pixforge::Error);
  BatchNormParams bs;
  bs.use_batch_stats = true;
  CHECK_NOTHROW(batch_norm(x, {}, {}, {}, {}, bs));  // batch statistics need no running stats

  BatchNormTensors t{bn.weight, bn.bias, bn.mean, bn.var};
  CHECK_THROWS_WITH_AS(fold_batch_norm(Tensor<float>::zeros({5, 4, 3, 3}), {}, t),
                       doctest::Contains("running_mean has shape [4], expected [5] (weight=[5,4,3,3])"),
                       pixforge::Error);
  FoldBatchNormParams tp;
  tp.transposed = true;
  CHECK_NOTHROW(fold_batch_norm(Tensor<float>::zeros({4, 2, 3, 3}), {}, t));  // conv2d: Cout = dim 0 = 4
  CHECK_THROWS_WITH_AS(fold_batch_norm(Tensor<float>::zeros({4, 2, 3, 3}), {}, t, tp),
                       doctest::Contains("expected [2]"), pixforge::Error);  // transposed: Cout = dim 1 = 2
  tp.groups = 3;
  CHECK_THROWS_WITH_AS(fold_batch_norm(Tensor<float>::zeros({4, 2, 3, 3}), {}, t, tp),
                       doctest::Contains("not divisible by groups=3"), pixforge::Error);
}
