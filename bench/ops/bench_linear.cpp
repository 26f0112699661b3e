// Benchmarks for ops/linear.hpp: linear_ref vs linear_gemm on a 1024×1024 FC layer (1 row = GEMV as in an FC head,
// 64 and 1024 rows = token batches), matmul on SAGAN-like score shapes. Args: rows (or batch), threads.
#include <benchmark/benchmark.h>

#include <random>

#include "pixforge/ops/linear.hpp"

using namespace pixforge;

namespace {
Tensor<float> rnd(const Shape& s, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  Tensor<float> t = Tensor<float>::empty(s);
  for (int64_t i = 0; i < t.numel(); ++i) t.data()[i] = d(rng);
  return t;
}

template <Tensor<float> (*Fn)(const Tensor<float>&, const Tensor<float>&, const Tensor<float>&, const LinearParams&)>
void BM_linear(benchmark::State& st) {
  const int64_t rows = st.range(0), in = 1024, out = 1024;
  set_num_threads(int(st.range(1)));
  const Tensor<float> x = rnd({rows, in}, 1), w = rnd({out, in}, 2), b = rnd({out}, 3);
  for (auto _ : st) benchmark::DoNotOptimize(Fn(x, w, b, {Act::relu()}).data());
  st.counters["flops"] = benchmark::Counter(2.0 * rows * in * out, benchmark::Counter::kIsIterationInvariantRate);
  st.SetLabel("fc 1024x1024, " + std::to_string(rows) + " rows");
  set_num_threads(0);
}

template <Tensor<float> (*Fn)(const Tensor<float>&, const Tensor<float>&)>
void BM_matmul(benchmark::State& st) {
  // SAGAN scores of a 64-channel 32×32 map: [P, C/8]·[C/8, P] per image, batch of st.range(0) images.
  const int64_t B = st.range(0), P = 1024, K = 8;
  set_num_threads(int(st.range(1)));
  const Tensor<float> a = rnd({B, P, K}, 1), b = rnd({B, K, P}, 2);
  for (auto _ : st) benchmark::DoNotOptimize(Fn(a, b).data());
  st.counters["flops"] = benchmark::Counter(2.0 * B * P * P * K, benchmark::Counter::kIsIterationInvariantRate);
  st.SetLabel("sagan scores [B,1024,8]x[B,8,1024]");
  set_num_threads(0);
}
}  // namespace

BENCHMARK_TEMPLATE(BM_linear, linear_ref)->Name("BM_linear_ref")->Args({1, 1})->Args({64, 1})->UseRealTime();
BENCHMARK_TEMPLATE(BM_linear, linear_gemm)
    ->Name("BM_linear_gemm")
    ->Args({1, 1})->Args({64, 1})->Args({1024, 1})->Args({1024, 2})
    ->UseRealTime();
BENCHMARK_TEMPLATE(BM_matmul, matmul_ref)->Name("BM_matmul_ref")->Args({1, 1})->UseRealTime();
BENCHMARK_TEMPLATE(BM_matmul, matmul_gemm)->Name("BM_matmul_gemm")->Args({1, 1})->Args({4, 1})->Args({4, 2})->UseRealTime();
