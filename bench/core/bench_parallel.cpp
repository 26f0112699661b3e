// What the minimum-work threshold of parallel_for_work (core/parallel.hpp) saves: a tiny op (16 units of ~64
// multiply-adds, like a 4-channel 3x3 conv on 8x8) dispatched with parallel_for (wakes the OpenMP team every call)
// vs parallel_for_work (runs on the calling thread below kMinParallelWork), at 1 and 2 threads; and a big op
// (16 units of ~1 MFLOP) where parallel_for_work must still use both threads.
//
//   build-*/bench_parallel --benchmark_min_time=0.1
#include <benchmark/benchmark.h>

#include <vector>

#include "pixforge/core/parallel.hpp"

using namespace pixforge;

namespace {

// n multiply-adds into out[i]; the value depends on i so nothing can be hoisted.
void unit_work(float* out, int64_t i, int64_t n) {
  float acc = float(i);
  for (int64_t k = 0; k < n; ++k) acc = acc * 0.999f + 1e-3f;
  out[i] = acc;
}

template <bool kThreshold>
void BM_parallel(benchmark::State& state) {
  set_num_threads(int(state.range(0)));
  const int64_t units = 16, per_unit = state.range(1);
  std::vector<float> out(static_cast<size_t>(units));
  for (auto _ : state) {
    const auto body = [&](int64_t i) { unit_work(out.data(), i, per_unit); };
    if (kThreshold) parallel_for_work(0, units, 2.0 * double(per_unit), body);
    else parallel_for(0, units, body);
    benchmark::DoNotOptimize(out.data());
  }
  set_num_threads(0);
}

}  // namespace

BENCHMARK_TEMPLATE(BM_parallel, false)->ArgNames({"threads", "fma_per_unit"})->Args({1, 64})->Args({2, 64})
    ->Args({1, 1 << 19})->Args({2, 1 << 19})->UseRealTime();
BENCHMARK_TEMPLATE(BM_parallel, true)->ArgNames({"threads", "fma_per_unit"})->Args({1, 64})->Args({2, 64})
    ->Args({1, 1 << 19})->Args({2, 1 << 19})->UseRealTime();
