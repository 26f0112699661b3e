// Benchmarks for ops/concat.hpp: concat_ref next to concat_memcpy; the argument is the thread count; bytes/s counts
// one read and one write of every element.
//
//   build-*/bench_concat --benchmark_min_time=0.05
#include <benchmark/benchmark.h>

#include <vector>

#include "bench_util.hpp"
#include "pixforge/ops/concat.hpp"

using namespace pixforge;
using bench::filled;

namespace {

using Fn = Tensor<float> (*)(const std::vector<Tensor<float>>&, int);

// RRDB's last dense conv input: cat(x, x1, x2, x3, x4) = 64 + 4·32 channels at 128×128.
void run_rrdb(benchmark::State& state, Fn fn) {
  set_num_threads(int(state.range(0)));
  std::vector<Tensor<float>> xs = {filled({1, 64, 128, 128}, 1)};
  for (uint32_t k = 0; k < 4; ++k) xs.push_back(filled({1, 32, 128, 128}, 2 + k));
  int64_t n = 0;
  for (const auto& x : xs) n += x.numel();
  for (auto _ : state) benchmark::DoNotOptimize(fn(xs, 1));
  state.SetBytesProcessed(int64_t(state.iterations()) * n * 2 * int64_t(sizeof(float)));
  set_num_threads(0);
}

void BM_concat_ref(benchmark::State& s) { run_rrdb(s, concat_ref); }
void BM_concat_memcpy(benchmark::State& s) { run_rrdb(s, concat_memcpy); }

}  // namespace

BENCHMARK(BM_concat_ref)->Name("BM_concat_ref/rrdb_dense_192ch_128")->Arg(1)->UseRealTime();
BENCHMARK(BM_concat_memcpy)->Name("BM_concat_memcpy/rrdb_dense_192ch_128")->Arg(1)->Arg(2)->UseRealTime();
