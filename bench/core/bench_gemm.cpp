// GEMM throughput (gemm_ref vs gemm_eigen vs gemm_parallel) and the machine's FP32 FMA peak, so conv kernels can be
// judged as a fraction of what the core can do. Run: build/bench_gemm --benchmark_min_time=0.2
#include <benchmark/benchmark.h>

#include <vector>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

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
// Written as plain float arrays, so GCC auto-vectorises it with its default -mprefer-vector-width=256: on an AVX-512
// machine this is the *256-bit* peak, half of what zmm FMAs reach on a core with two 512-bit FMA ports (the
// hand-written kernels, Eigen's GEMM and conv2d_direct use zmm). BM_fma_peak_zmm below measures that one.
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

#if defined(__AVX512F__)
// The 512-bit peak: 16 zmm accumulator chains of explicit _mm512_fmadd_ps, one thread.
void BM_fma_peak_zmm(benchmark::State& state) {
  constexpr int kChains = 16;
  constexpr int64_t kIters = 1 << 16;
  float sink[16];
  for (auto _ : state) {
    __m512 acc[kChains];
    for (int c = 0; c < kChains; ++c) acc[c] = _mm512_set1_ps(float(c) * 1e-3f);
    const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
    for (int64_t i = 0; i < kIters; ++i)
#pragma GCC unroll 16
      for (int c = 0; c < kChains; ++c) acc[c] = _mm512_fmadd_ps(acc[c], a, b);
    for (int c = 1; c < kChains; ++c) acc[0] = _mm512_add_ps(acc[0], acc[c]);
    _mm512_storeu_ps(sink, acc[0]);  // acc stays in registers: its address is never taken
    benchmark::DoNotOptimize(sink);
  }
  state.counters["flops"] =
      benchmark::Counter(2.0 * kChains * 16 * double(kIters), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_fma_peak_zmm)->UseRealTime();
#endif

}  // namespace
