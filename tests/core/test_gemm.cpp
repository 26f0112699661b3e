// gemm_eigen / gemm_parallel against gemm_ref, all transpose combinations, odd sizes, and thread-count invariance.
#include <cstring>

#include "pixforge/core/gemm.hpp"
#include "test_util.hpp"

using namespace pixforge;

TEST_CASE("gemm: fast paths match gemm_ref") {
  struct C {
    int64_t M, N, K;
  };
  for (C c : {C{1, 1, 1}, C{3, 5, 7}, C{17, 33, 9}, C{64, 300, 27}, C{5, 600, 64}, C{16, 513, 0}}) {
    for (int ta = 0; ta < 2; ++ta)
      for (int tb = 0; tb < 2; ++tb)
        for (float beta : {0.0f, 1.0f, 0.5f}) {
          auto A = test::random_tensor({ta ? c.K : c.M, ta ? c.M : c.K}, 1);
          auto B = test::random_tensor({tb ? c.N : c.K, tb ? c.K : c.N}, 2);
          auto C0 = test::random_tensor({c.M, c.N}, 3);
          GemmArgs g;
          g.M = c.M, g.N = c.N, g.K = c.K;
          g.A = A.data(), g.lda = A.size(1), g.trans_a = ta;
          g.B = B.data(), g.ldb = B.size(1), g.trans_b = tb;
          g.beta = beta;
          auto ref = C0.clone(), fast = C0.clone(), par = C0.clone();
          g.C = ref.data(), g.ldc = c.N;
          gemm_ref(g);
          g.C = fast.data();
          gemm_eigen(g);
          g.C = par.data();
          gemm_parallel(g);
          const std::string label = msg("M", c.M, " N", c.N, " K", c.K, " ta", ta, " tb", tb, " beta", beta);
          test::check_close(fast, ref, 1e-5, 1e-5, "eigen " + label);
          test::check_close(par, ref, 1e-5, 1e-5, "parallel " + label);
        }
  }
}

TEST_CASE("gemm_parallel: identical bits for 1 and 2 threads") {
  auto A = test::random_tensor({64, 576}, 4);
  auto B = test::random_tensor({576, 1000}, 5);
  Tensor<float> out[2] = {Tensor<float>::zeros({64, 1000}), Tensor<float>::zeros({64, 1000})};
  for (int t = 0; t < 2; ++t) {
    set_num_threads(t + 1);
    GemmArgs g;
    g.M = 64, g.N = 1000, g.K = 576;
    g.A = A.data(), g.lda = 576, g.B = B.data(), g.ldb = 1000, g.C = out[t].data(), g.ldc = 1000;
    gemm_parallel(g);
  }
  set_num_threads(0);
  CHECK(std::memcmp(out[0].data(), out[1].data(), sizeof(float) * 64000) == 0);
}
