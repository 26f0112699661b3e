// Benchmark of the GEMM register tile of ops/conv_pointwise_kernel.hpp on L1-resident data: the kernel's own rate,
// without the map's memory traffic or the output's page faults, for the K-block lengths the stride-2 layers use
// (16: one 16-channel block of a 1-tap layer; 64: a 64-channel block of conv_transpose2d_k2s2, or 16 channels × 4
// taps of conv2d_s2d). After each block the tile's partial sums go through memory (load, add, store), so short
// blocks pay that round trip more often. 8 output-channel blocks run over one 64 × 48 input slice, as in the ops.
// Counters: gflops (FLOPs / thread CPU time) and pct_peak1 against one thread's FMA peak measured here.
//
//   build-*/bench_conv_pointwise_kernel
#include <benchmark/benchmark.h>

#include <vector>

#include "bench_peak.hpp"
#include "pixforge/ops/conv_pointwise_kernel.hpp"

using namespace pixforge;

static void BM_pointwise_tile(benchmark::State& state) {
  using S = detail::SimdBest;
  constexpr int64_t R = S::kOcb, PX = S::kPv * S::W, K = 64, blocks = 8, ldb = PX + 96;
  const int64_t kb = state.range(0);
  std::vector<float> b(size_t(K * ldb), 0.5f), a(size_t(blocks * K * R), 0.01f), tb(size_t(blocks * R * PX), 0.0f);
  const double peak1 = bench::fma_peak_one_thread();
  int64_t calls = 0;
  const double c0 = bench::cpu_seconds(CLOCK_THREAD_CPUTIME_ID);
  for (auto _ : state) {
    for (int64_t k0 = 0; k0 < K; k0 += kb)
      for (int64_t blk = 0; blk < blocks; ++blk)
        detail::pointwise_tile_pv<S>(S::kPv, S::W, b.data() + k0 * ldb, ldb, a.data() + (blk * K + k0) * R, kb,
                                     tb.data() + blk * R * PX, PX, k0 == 0);
    benchmark::DoNotOptimize(tb.data());
    ++calls;
  }
  const double cpu = bench::cpu_seconds(CLOCK_THREAD_CPUTIME_ID) - c0;
  const double flops = 2.0 * double(calls) * double(blocks * K * R * PX);
  state.counters["gflops"] = flops / cpu * 1e-9;
  state.counters["pct_peak1"] = 100.0 * flops / cpu / peak1;
  state.counters["peak1_gflops"] = peak1 * 1e-9;
}
BENCHMARK(BM_pointwise_tile)->ArgName("kblock")->Arg(16)->Arg(32)->Arg(64);
