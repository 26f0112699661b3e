// Benchmarks for ops/activation.hpp: relu / leaky_relu / sigmoid / gelu on a 64×128×128 map (the body of most
// SR / U-Net generators), prelu per channel (SRGAN), softmax over 4096-long rows (SAGAN attention on a 64×64 map)
// and over the channel dim. _ref and fast paths side by side; last arg: threads.
#include <benchmark/benchmark.h>

#include <random>
#include <string>

#include "pixforge/ops/activation.hpp"

using namespace pixforge;

namespace {
Tensor<float> rnd(const Shape& s, uint32_t seed, float lo = -4.0f, float hi = 4.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(lo, hi);
  Tensor<float> t = Tensor<float>::empty(s);
  for (int64_t i = 0; i < t.numel(); ++i) t.data()[i] = d(rng);
  return t;
}
Act act_of(int64_t i) {
  switch (i) {
    case 0: return Act::relu();
    case 1: return Act::leaky_relu(0.2f);
    case 2: return Act::sigmoid();
    default: return Act::gelu();
  }
}
const char* act_name(int64_t i) { return i == 0 ? "relu" : i == 1 ? "leaky_relu(0.2)" : i == 2 ? "sigmoid" : "gelu"; }

// Args: activation (0 relu, 1 leaky 0.2, 2 sigmoid, 3 gelu), threads.
template <Tensor<float> (*Fn)(const Tensor<float>&, const Act&)>
void BM_activation(benchmark::State& st) {
  set_num_threads(int(st.range(1)));
  const Tensor<float> x = rnd({1, 64, 128, 128}, 1);
  const Act a = act_of(st.range(0));
  for (auto _ : st) benchmark::DoNotOptimize(Fn(x, a).data());
  st.SetBytesProcessed(int64_t(st.iterations()) * x.numel() * 8);
  st.SetLabel(std::string(act_name(st.range(0))) + " 64ch 128x128");
  set_num_threads(0);
}
void act_args(benchmark::internal::Benchmark* b) {
  for (int64_t a = 0; a < 4; ++a) b->Args({a, 1});
}
void act_args_threads(benchmark::internal::Benchmark* b) {
  for (int64_t a = 0; a < 4; ++a)
    for (int64_t t : {1, 2}) b->Args({a, t});
}
BENCHMARK_TEMPLATE(BM_activation, activation_ref)->Name("BM_activation_ref")->Apply(act_args)->UseRealTime();
BENCHMARK_TEMPLATE(BM_activation, activation)->Name("BM_activation_chunked")->Apply(act_args_threads)->UseRealTime();

void BM_relu_inplace(benchmark::State& st) {
  set_num_threads(int(st.range(0)));
  Tensor<float> x = rnd({1, 64, 128, 128}, 1);
  for (auto _ : st) benchmark::DoNotOptimize(relu_(x).data());
  st.SetBytesProcessed(int64_t(st.iterations()) * x.numel() * 8);
  st.SetLabel("relu_ 64ch 128x128");
  set_num_threads(0);
}
BENCHMARK(BM_relu_inplace)->Name("BM_relu_inplace")->Arg(1)->Arg(2)->UseRealTime();

template <Tensor<float> (*Fn)(const Tensor<float>&, const Tensor<float>&)>
void BM_prelu(benchmark::State& st) {
  set_num_threads(int(st.range(0)));
  const Tensor<float> x = rnd({1, 64, 128, 128}, 1), w = rnd({64}, 2, 0.0f, 0.3f);
  for (auto _ : st) benchmark::DoNotOptimize(Fn(x, w).data());
  st.SetBytesProcessed(int64_t(st.iterations()) * x.numel() * 8);
  st.SetLabel("srgan PReLU(64) 128x128");
  set_num_threads(0);
}
BENCHMARK_TEMPLATE(BM_prelu, prelu_ref)->Name("BM_prelu_ref")->Arg(1)->UseRealTime();
BENCHMARK_TEMPLATE(BM_prelu, prelu_planes)->Name("BM_prelu_planes")->Arg(1)->Arg(2)->UseRealTime();

// Args: dim (−1: rows of 4096 = SAGAN attention on 64×64; 1: channel softmax of [1, 64, 128, 128]), threads.
template <Tensor<float> (*Fn)(const Tensor<float>&, int)>
void BM_softmax(benchmark::State& st) {
  const int dim = int(st.range(0));
  set_num_threads(int(st.range(1)));
  const Tensor<float> x = dim == -1 ? rnd({1, 1024, 4096}, 1, -10.0f, 10.0f) : rnd({1, 64, 128, 128}, 1);
  for (auto _ : st) benchmark::DoNotOptimize(Fn(x, dim).data());
  // max, exp, sum, divide: ~4 flops plus one exp per element (exp counted as 1)
  st.counters["flops"] = benchmark::Counter(4.0 * double(x.numel()), benchmark::Counter::kIsIterationInvariantRate);
  st.SetBytesProcessed(int64_t(st.iterations()) * x.numel() * 8);
  st.SetLabel(dim == -1 ? "sagan attention rows 1024 x 4096" : "channel softmax 64ch 128x128");
  set_num_threads(0);
}
BENCHMARK_TEMPLATE(BM_softmax, softmax_ref)->Name("BM_softmax_ref")->Args({-1, 1})->Args({1, 1})->UseRealTime();
BENCHMARK_TEMPLATE(BM_softmax, softmax_lanes)
    ->Name("BM_softmax_lanes")->Args({-1, 1})->Args({-1, 2})->Args({1, 1})->Args({1, 2})->UseRealTime();
}  // namespace
