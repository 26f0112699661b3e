// Benchmarks for the norm ops: instance_norm (TransformerNet / DeblurGAN, 64 ch at 128×128), batch_norm with
// running and batch statistics (pix2pix / DIP, 64 ch at 128×128), group_norm (SD-style VAE decoder, 128 ch at
// 64×64, 32 groups), layer_norm2d (NAFNet, 64 ch at 128×128), layer_norm rows (SwinIR tokens: 4096 × 180).
// _ref and fast paths side by side; last arg: threads. "flops" counts the nominal element flops of the header
// comments; bytes_per_second counts one read and one write of the tensor.
#include <benchmark/benchmark.h>

#include <random>
#include <string>

#include "pixforge/ops/batch_norm.hpp"
#include "pixforge/ops/group_norm.hpp"
#include "pixforge/ops/instance_norm.hpp"
#include "pixforge/ops/layer_norm.hpp"

using namespace pixforge;

namespace {
Tensor<float> rnd(const Shape& s, uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(lo, hi);
  Tensor<float> t = Tensor<float>::empty(s);
  for (int64_t i = 0; i < t.numel(); ++i) t.data()[i] = d(rng);
  return t;
}
void finish(benchmark::State& st, const Tensor<float>& x, double flops_per_element, const std::string& label) {
  st.counters["flops"] =
      benchmark::Counter(flops_per_element * double(x.numel()), benchmark::Counter::kIsIterationInvariantRate);
  st.SetBytesProcessed(int64_t(st.iterations()) * x.numel() * 8);
  st.SetLabel(label);
  set_num_threads(0);
}

using NormFn = Tensor<float> (*)(const Tensor<float>&, const Tensor<float>&, const Tensor<float>&,
                                 const InstanceNormParams&);
template <NormFn Fn>
void BM_instance_norm(benchmark::State& st) {
  set_num_threads(int(st.range(0)));
  const Tensor<float> x = rnd({1, 64, 128, 128}, 1), g = rnd({64}, 2, 0.5f, 1.5f), b = rnd({64}, 3);
  for (auto _ : st) benchmark::DoNotOptimize(Fn(x, g, b, {}).data());
  finish(st, x, 7, "transformernet in 64ch 128x128");
}
BENCHMARK_TEMPLATE(BM_instance_norm, instance_norm_ref)->Name("BM_instance_norm_ref")->Arg(1)->UseRealTime();
BENCHMARK_TEMPLATE(BM_instance_norm, instance_norm_planes)
    ->Name("BM_instance_norm_planes")->Arg(1)->Arg(2)->UseRealTime();

using BnFn = Tensor<float> (*)(const Tensor<float>&, const Tensor<float>&, const Tensor<float>&,
                               const Tensor<float>&, const Tensor<float>&, const BatchNormParams&);
template <BnFn Fn>
void BM_batch_norm(benchmark::State& st) {
  set_num_threads(int(st.range(1)));
  const Tensor<float> x = rnd({1, 64, 128, 128}, 1), g = rnd({64}, 2, 0.5f, 1.5f), b = rnd({64}, 3);
  const Tensor<float> rm = rnd({64}, 4), rv = rnd({64}, 5, 0.5f, 2.0f);
  BatchNormParams p;
  p.use_batch_stats = st.range(0) != 0;
  for (auto _ : st) benchmark::DoNotOptimize(Fn(x, rm, rv, g, b, p).data());
  finish(st, x, p.use_batch_stats ? 7 : 4,
         p.use_batch_stats ? "pix2pix/DIP batch stats 64ch 128x128" : "running stats 64ch 128x128");
}
BENCHMARK_TEMPLATE(BM_batch_norm, batch_norm_ref)
    ->Name("BM_batch_norm_ref")->Args({0, 1})->Args({1, 1})->UseRealTime();
BENCHMARK_TEMPLATE(BM_batch_norm, batch_norm_affine)
    ->Name("BM_batch_norm_affine")->Args({0, 1})->Args({0, 2})->Args({1, 1})->Args({1, 2})->UseRealTime();

using GnFn = Tensor<float> (*)(const Tensor<float>&, const Tensor<float>&, const Tensor<float>&,
                               const GroupNormParams&);
template <GnFn Fn>
void BM_group_norm(benchmark::State& st) {
  set_num_threads(int(st.range(0)));
  const Tensor<float> x = rnd({1, 128, 64, 64}, 1), g = rnd({128}, 2, 0.5f, 1.5f), b = rnd({128}, 3);
  GroupNormParams p;
  p.num_groups = 32;
  p.eps = 1e-6f;
  for (auto _ : st) benchmark::DoNotOptimize(Fn(x, g, b, p).data());
  finish(st, x, 7, "vae decoder GroupNorm(32, 128) 64x64");
}
BENCHMARK_TEMPLATE(BM_group_norm, group_norm_ref)->Name("BM_group_norm_ref")->Arg(1)->UseRealTime();
BENCHMARK_TEMPLATE(BM_group_norm, group_norm_groups)->Name("BM_group_norm_groups")->Arg(1)->Arg(2)->UseRealTime();

using Ln2Fn = Tensor<float> (*)(const Tensor<float>&, const Tensor<float>&, const Tensor<float>&,
                                const LayerNorm2dParams&);
template <Ln2Fn Fn>
void BM_layer_norm2d(benchmark::State& st) {
  set_num_threads(int(st.range(0)));
  const Tensor<float> x = rnd({1, 64, 128, 128}, 1), g = rnd({64}, 2, 0.5f, 1.5f), b = rnd({64}, 3);
  for (auto _ : st) benchmark::DoNotOptimize(Fn(x, g, b, {}).data());
  finish(st, x, 8, "nafnet LayerNorm2d 64ch 128x128");
}
BENCHMARK_TEMPLATE(BM_layer_norm2d, layer_norm2d_ref)->Name("BM_layer_norm2d_ref")->Arg(1)->UseRealTime();
BENCHMARK_TEMPLATE(BM_layer_norm2d, layer_norm2d_blocked)
    ->Name("BM_layer_norm2d_blocked")->Arg(1)->Arg(2)->UseRealTime();

using LnFn = Tensor<float> (*)(const Tensor<float>&, const std::vector<int64_t>&, const Tensor<float>&,
                               const Tensor<float>&, const LayerNormParams&);
template <LnFn Fn>
void BM_layer_norm(benchmark::State& st) {
  set_num_threads(int(st.range(0)));
  const Tensor<float> x = rnd({1, 4096, 180}, 1), g = rnd({180}, 2, 0.5f, 1.5f), b = rnd({180}, 3);
  for (auto _ : st) benchmark::DoNotOptimize(Fn(x, {180}, g, b, {}).data());
  finish(st, x, 8, "swinir tokens 64x64 x 180");
}
BENCHMARK_TEMPLATE(BM_layer_norm, layer_norm_ref)->Name("BM_layer_norm_ref")->Arg(1)->UseRealTime();
BENCHMARK_TEMPLATE(BM_layer_norm, layer_norm_rows)->Name("BM_layer_norm_rows")->Arg(1)->Arg(2)->UseRealTime();
}  // namespace
