// Benchmarks for ops/pool.hpp: max_pool2d 2×2 s2 on 64ch 128×128 (U-Net encoders; ceil_mode as U²-Net), the ResNet
// stem 3×3 s2 p1 on 64ch 112×112, avg_pool2d 2×2 (DIP), global avg pool (RCAN/SE channel attention, 64ch 128×128),
// channel mean/max (CBAM, 64ch 128×128). _ref and fast paths side by side; last arg: threads.
// "flops" counts one comparison/addition per window tap.
#include <benchmark/benchmark.h>

#include <random>
#include <string>

#include "pixforge/ops/pool.hpp"

using namespace pixforge;

namespace {
Tensor<float> rnd(const Shape& s, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  Tensor<float> t = Tensor<float>::empty(s);
  for (int64_t i = 0; i < t.numel(); ++i) t.data()[i] = d(rng);
  return t;
}

// Args: case (0: 2×2 s2 on 128², 1: same with ceil_mode on 127², 2: ResNet stem 3×3 s2 p1 on 112²), threads.
MaxPool2dParams max_case(int64_t c, int64_t& size, std::string& label) {
  if (c == 0) {
    size = 128;
    label = "unet 2x2 s2 64ch 128x128";
    return MaxPool2dParams{};
  }
  if (c == 1) {
    size = 127;
    label = "u2net 2x2 s2 ceil 64ch 127x127";
    return MaxPool2dParams{}.with_ceil_mode();
  }
  size = 112;
  label = "resnet stem 3x3 s2 p1 64ch 112x112";
  return MaxPool2dParams{}.with_kernel(3).with_stride(2).with_padding(1);
}
template <Tensor<float> (*Fn)(const Tensor<float>&, const MaxPool2dParams&)>
void BM_max_pool2d(benchmark::State& st) {
  int64_t size;
  std::string label;
  const MaxPool2dParams p = max_case(st.range(0), size, label);
  set_num_threads(int(st.range(1)));
  const Tensor<float> x = rnd({1, 64, size, size}, 1);
  const Shape out = max_pool2d_output_shape(x.shape(), p);
  for (auto _ : st) benchmark::DoNotOptimize(Fn(x, p).data());
  st.counters["flops"] = benchmark::Counter(double(out.numel() * p.kernel_h * p.kernel_w),
                                            benchmark::Counter::kIsIterationInvariantRate);
  st.SetBytesProcessed(int64_t(st.iterations()) * (x.numel() + out.numel()) * 4);
  st.SetLabel(label);
  set_num_threads(0);
}
BENCHMARK_TEMPLATE(BM_max_pool2d, max_pool2d_ref)
    ->Name("BM_max_pool2d_ref")->Args({0, 1})->Args({1, 1})->Args({2, 1})->UseRealTime();
BENCHMARK_TEMPLATE(BM_max_pool2d, max_pool2d_separable)
    ->Name("BM_max_pool2d_separable")->Args({0, 1})->Args({0, 2})->Args({1, 1})->Args({2, 1})->Args({2, 2})
    ->UseRealTime();

template <Tensor<float> (*Fn)(const Tensor<float>&, const AvgPool2dParams&)>
void BM_avg_pool2d(benchmark::State& st) {
  set_num_threads(int(st.range(0)));
  const Tensor<float> x = rnd({1, 64, 128, 128}, 1);
  const AvgPool2dParams p;
  for (auto _ : st) benchmark::DoNotOptimize(Fn(x, p).data());
  st.counters["flops"] = benchmark::Counter(double(x.numel()), benchmark::Counter::kIsIterationInvariantRate);
  st.SetBytesProcessed(int64_t(st.iterations()) * x.numel() * 5);
  st.SetLabel("dip avg 2x2 s2 64ch 128x128");
  set_num_threads(0);
}
BENCHMARK_TEMPLATE(BM_avg_pool2d, avg_pool2d_ref)->Name("BM_avg_pool2d_ref")->Arg(1)->UseRealTime();
BENCHMARK_TEMPLATE(BM_avg_pool2d, avg_pool2d_separable)
    ->Name("BM_avg_pool2d_separable")->Arg(1)->Arg(2)->UseRealTime();

template <Tensor<float> (*Fn)(const Tensor<float>&)>
void BM_reduce(benchmark::State& st) {
  set_num_threads(int(st.range(0)));
  const Tensor<float> x = rnd({1, 64, 128, 128}, 1);
  for (auto _ : st) benchmark::DoNotOptimize(Fn(x).data());
  st.counters["flops"] = benchmark::Counter(double(x.numel()), benchmark::Counter::kIsIterationInvariantRate);
  st.SetBytesProcessed(int64_t(st.iterations()) * x.numel() * 4);
  st.SetLabel("rcan/SE global avg, cbam channel mean/max: 64ch 128x128");
  set_num_threads(0);
}
BENCHMARK_TEMPLATE(BM_reduce, global_avg_pool2d_ref)
    ->Name("BM_global_avg_pool2d_ref")->Arg(1)->UseRealTime();
BENCHMARK_TEMPLATE(BM_reduce, global_avg_pool2d_lanes)
    ->Name("BM_global_avg_pool2d_lanes")->Arg(1)->Arg(2)->UseRealTime();
BENCHMARK_TEMPLATE(BM_reduce, channel_max_ref)
    ->Name("BM_channel_max_ref")->Arg(1)->UseRealTime();
BENCHMARK_TEMPLATE(BM_reduce, channel_max_blocked)
    ->Name("BM_channel_max_blocked")->Arg(1)->Arg(2)->UseRealTime();
BENCHMARK_TEMPLATE(BM_reduce, channel_mean_ref)
    ->Name("BM_channel_mean_ref")->Arg(1)->UseRealTime();
BENCHMARK_TEMPLATE(BM_reduce, channel_mean_blocked)
    ->Name("BM_channel_mean_blocked")->Arg(1)->Arg(2)->UseRealTime();
}  // namespace
