// GEMM throughput (gemm_ref vs gemm_eigen vs gemm_parallel) and the machine's FP32 FMA peak, so conv kernels can be
// judged as a fraction of what the core can do. Run: build/bench_gemm --benchmark_min_time=0.2
#include <benchmark/benchmark.h>

#include <vector>

#include "pixforge/core/gemm.hpp"
#include "pixforge/core/tensor.hpp"

using namespace pixforge;

namespace {

void fill(Tensor<float>& t) {
  for (int64_t i = 0; i < t.numel(); ++i) t.data()[i] = float((i * 2654435761u) % 1000) * 1e-3f - 0.5f;
}

template <void (*Gemm)(const GemmArgs&)>
void BM_gemm(benchmark::State& state) {
  const int64_t M = state.range(0), N = state.range(1), K = state.range(2);
  set_num_threads(int(state.range(3)));
  auto A = Tensor<float>::empty({M, K}), B = Tensor<float>::empty({K, N}), C = Tensor<float>::empty({M, N});
  fill(A);
  fill(B);
  GemmArgs g;
  g.M = M, g.N = N, g.K = K, g.A = A.data(), g.lda = K, g.B = B.data(), g.ldb = N, g.C = C.data(), g.ldc = N;
  for (auto _ : state) {
    Gemm(g);
    benchmark::DoNotOptimize(C.data());
  }
  state.counters["flops"] = benchmark::Counter(2.0 * double(M * N * K), benchmark::Counter::kIsIterationInvariantRate);
  set_num_threads(0);
}

// A conv-shaped GEMM: 64 output channels, K = 64·3·3, N = pixels of a 64×64 tile.
BENCHMARK_TEMPLATE(BM_gemm, gemm_ref)->Args({64, 256, 576, 1})->UseRealTime();
BENCHMARK_TEMPLATE(BM_gemm, gemm_eigen)->Args({64, 4096, 576, 1})->Args({1024, 1024, 1024, 1})->UseRealTime();
BENCHMARK_TEMPLATE(BM_gemm, gemm_parallel)
    ->Args({64, 4096, 576, 1})
    ->Args({64, 4096, 576, 2})
    ->Args({1024, 1024, 1024, 2})
    ->UseRealTime();

// FP32 FMA peak: independent accumulator chains (enough to cover FMA latency × throughput), per thread.
void BM_fma_peak(benchmark::State& state) {
  const int threads = int(state.range(0));
  constexpr int kChains = 16, kWidth = 16;  // 16 chains of 16 floats: one zmm register each with AVX-512
  constexpr int64_t kIters = 1 << 16;
  std::vector<float> sink(size_t(threads), 0.0f);
  set_num_threads(threads);
  for (auto _ : state) {
    parallel_for(0, threads, [&](int64_t t) {
      alignas(64) float acc[kChains][kWidth];
      for (int c = 0; c < kChains; ++c)
        for (int l = 0; l < kWidth; ++l) acc[c][l] = float(c + l) * 1e-3f;
      const float a = 0.999999f, b = 1e-7f;
      for (int64_t i = 0; i < kIters; ++i)
        for (int c = 0; c < kChains; ++c)
#pragma GCC unroll 16
          for (int l = 0; l < kWidth; ++l) acc[c][l] = acc[c][l] * a + b;
      float s = 0;
      for (int c = 0; c < kChains; ++c)
        for (int l = 0; l < kWidth; ++l) s += acc[c][l];
      sink[size_t(t)] = s;
    });
    benchmark::DoNotOptimize(sink.data());
  }
  state.counters["flops"] = benchmark::Counter(2.0 * kChains * kWidth * double(kIters) * threads,
                                               benchmark::Counter::kIsIterationInvariantRate);
  set_num_threads(0);
}
BENCHMARK(BM_fma_peak)->Arg(1)->Arg(2)->UseRealTime();

}  // namespace
