// bench/ops/bench_peak.hpp — the FMA peak the conv benchmarks compare against, measured in the same binary.
//
//   peak1 = fma_peak_one_thread();   // FLOP/s of one thread with detail::SimdBest vectors (zmm with AVX-512)
//
// 16 independent FMA chains, best of 20 runs of ~1 ms in thread CPU time, so a loaded machine lowers it little.
// (bench_gemm's BM_fma_peak is auto-vectorised by GCC, which prefers 256-bit vectors by default: it measures the
// ymm peak, half the zmm one on a 2-FMA-port core.)
#pragma once

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include <time.h>

#include "pixforge/core/parallel.hpp"
#include "pixforge/ops/conv2d_direct_kernel.hpp"

namespace pixforge {
namespace bench {

inline double cpu_seconds(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

// FLOP/s of one run of 16 independent FMA chains, `iters` steps each, in thread CPU time.
inline double fma_peak_run(int64_t iters) {
  using S = detail::SimdBest;
  constexpr int kChains = 16;
  // Different start values: with 16 identical chains GCC may keep one (it did once direct_tile stopped being
  // inlined into bench_conv2d), a single latency-bound chain that this count then reports as twice the peak.
  S::V acc[kChains];
  for (int c = 0; c < kChains; ++c) {
    const float start = float(c) * 1e-3f;
    acc[c] = S::bcast(&start);
  }
  const float a_val = 0.999999f, b_val = 1e-7f;
  const S::V a = S::bcast(&a_val), b = S::bcast(&b_val);
  const double t0 = cpu_seconds(CLOCK_THREAD_CPUTIME_ID);
  for (int64_t i = 0; i < iters; ++i)
#pragma GCC unroll 16
    for (int c = 0; c < kChains; ++c) acc[c] = S::fma(acc[c], a, b);
  const double sec = cpu_seconds(CLOCK_THREAD_CPUTIME_ID) - t0;
  float sink[S::W];
  for (int c = 1; c < kChains; ++c) acc[0] = S::add(acc[0], acc[c]);
  S::store_n(sink, acc[0], S::W);  // acc stays in registers (taking its address would put it in memory)
  benchmark::DoNotOptimize(sink);
  return 2.0 * kChains * S::W * double(iters) / sec;
}

inline double fma_peak_one_thread() {
  double best = 0.0;
  for (int run = 0; run < 20; ++run) best = std::max(best, fma_peak_run(int64_t(1) << 14));
  return best;
}

// A short peak sample (best of 3 runs of ~40 µs) on each of `threads` threads at once, FLOP/s of one thread
// averaged over them. Taken between a benchmark's iterations, it sees the clock the kernel saw: on this shared
// 2-core VM one thread's peak read 216 GFLOP/s at quiet moments and 176–195 on average over busy seconds, where
// fma_peak_one_thread's best of 20 kept 192–235 (bench/NOTES.md, "direct", session 5).
// `cpu_used` (optional) receives the CPU seconds the sample took on all its threads, each thread timing itself (the
// process CPU clock lags for threads running on another core, by up to a scheduler tick).
inline double fma_peak_sample(int threads, double* cpu_used = nullptr) {
  std::vector<double> rate(size_t(std::max(threads, 1)), 0.0), used(rate.size(), 0.0);
  parallel_for(0, int64_t(rate.size()), [&](int64_t t) {
    const double c0 = cpu_seconds(CLOCK_THREAD_CPUTIME_ID);
    for (int run = 0; run < 3; ++run) rate[size_t(t)] = std::max(rate[size_t(t)], fma_peak_run(int64_t(1) << 14));
    used[size_t(t)] = cpu_seconds(CLOCK_THREAD_CPUTIME_ID) - c0;
  });
  double sum = 0.0, cpu = 0.0;
  for (size_t t = 0; t < rate.size(); ++t) sum += rate[t], cpu += used[t];
  if (cpu_used) *cpu_used = cpu;
  return sum / double(rate.size());
}

// The conv benches' counters against `peak1` (FLOP/s of one thread): flops (rate by wall time), pct_peak (the same
// as % of threads × peak1), pct_best (the fastest iteration, `best` seconds), pct_cpu (by process CPU time `cpu`
// seconds over all iterations: the figure to read on a shared machine), peak1_gflops.
inline void set_peak_counters(benchmark::State& state, double flops, double threads, double best, double cpu,
                              double peak1) {
  state.counters["flops"] = benchmark::Counter(flops, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["pct_peak"] =
      benchmark::Counter(100.0 * flops / (threads * peak1), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["pct_best"] = 100.0 * flops / best / (threads * peak1);
  state.counters["pct_cpu"] = 100.0 * flops * double(state.iterations()) / cpu / peak1;
  state.counters["peak1_gflops"] = peak1 * 1e-9;
}

// Against peak_il (FLOP/s of one thread, the mean of the peak samples taken between iterations, fma_peak_sample):
// pct_il = FLOPs / kernel CPU seconds / peak_il, the efficiency at the clock the kernel actually ran at (with 2
// threads it also charges the OpenMP workers' spin-wait between iterations, so it reads low); pct_il_best = FLOPs /
// fastest iteration's wall seconds `best` / (threads × peak_il), the figure for multi-threaded rows on a shared
// machine (the least disturbed iteration); peak_il_gflops.
inline void set_interleaved_peak_counters(benchmark::State& state, double flops, double threads, double best,
                                          double kernel_cpu, double peak_il) {
  state.counters["pct_il"] = 100.0 * flops * double(state.iterations()) / kernel_cpu / peak_il;
  state.counters["pct_il_best"] = 100.0 * flops / best / (threads * peak_il);
  state.counters["peak_il_gflops"] = peak_il * 1e-9;
}

}  // namespace bench
}  // namespace pixforge
