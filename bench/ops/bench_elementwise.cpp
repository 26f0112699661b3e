// Benchmarks for ops/elementwise.hpp: elementwise_ref next to the same-shape, per-channel and general broadcast
// paths; the argument is the thread count; flops = one operation per output element (two for alpha / affine).
//
//   build-*/bench_elementwise --benchmark_min_time=0.05
#include <benchmark/benchmark.h>

#include "bench_util.hpp"
#include "pixforge/ops/elementwise.hpp"

using namespace pixforge;

namespace {
Tensor<float> filled(const Shape& s, uint32_t seed) { return bench::filled(s, seed, 0.5f, 1.5f); }
}  // namespace

namespace {

using Fn = Tensor<float> (*)(const Tensor<float>&, const Tensor<float>&, BinaryOp, float);

void run(benchmark::State& state, Fn fn, const Shape& sa, const Shape& sb, BinaryOp op, float alpha = 1.0f) {
  set_num_threads(int(state.range(0)));
  const Tensor<float> a = filled(sa, 1), b = filled(sb, 2);
  const Shape out = broadcast_shapes(sa, sb);
  for (auto _ : state) benchmark::DoNotOptimize(fn(a, b, op, alpha));
  const double flops = double(out.numel()) * (alpha != 1.0f ? 2.0 : 1.0);
  state.counters["flops"] = benchmark::Counter(flops, benchmark::Counter::kIsIterationInvariantRate);
  state.SetBytesProcessed(int64_t(state.iterations()) * (sa.numel() + sb.numel() + out.numel()) *
                          int64_t(sizeof(float)));
  set_num_threads(0);
}

// A residual add on a 64-channel 128×128 feature map (ESRGAN/SRResNet trunk).
const Shape kFeat{1, 64, 128, 128};
// Channel attention / SE gate: x · w with w [1, 64, 1, 1] (Real-CUGAN SE blocks, RCAN-style attention).
const Shape kGate{1, 64, 1, 1};
// Spatial attention map broadcast over channels: x · m with m [1, 1, 128, 128].
const Shape kMap{1, 1, 128, 128};

void BM_add_ref(benchmark::State& s) { run(s, elementwise_ref, kFeat, kFeat, BinaryOp::add); }
void BM_add_same_shape(benchmark::State& s) { run(s, elementwise_same_shape, kFeat, kFeat, BinaryOp::add); }
void BM_add_broadcast(benchmark::State& s) { run(s, elementwise_broadcast, kFeat, kFeat, BinaryOp::add); }
void BM_add_alpha_same_shape(benchmark::State& s) {
  run(s, elementwise_same_shape, kFeat, kFeat, BinaryOp::add, 0.2f);
}
void BM_mul_ref_per_channel(benchmark::State& s) { run(s, elementwise_ref, kFeat, kGate, BinaryOp::mul); }
void BM_mul_per_channel(benchmark::State& s) { run(s, elementwise_per_channel, kFeat, kGate, BinaryOp::mul); }
void BM_mul_broadcast_per_channel(benchmark::State& s) {
  run(s, elementwise_broadcast, kFeat, kGate, BinaryOp::mul);
}
void BM_mul_broadcast_spatial(benchmark::State& s) { run(s, elementwise_broadcast, kFeat, kMap, BinaryOp::mul); }

void BM_affine(benchmark::State& state) {
  set_num_threads(int(state.range(0)));
  const Tensor<float> x = filled(kFeat, 1);
  for (auto _ : state) benchmark::DoNotOptimize(affine(x, 0.5f, 0.5f));
  state.counters["flops"] =
      benchmark::Counter(2.0 * double(x.numel()), benchmark::Counter::kIsIterationInvariantRate);
  set_num_threads(0);
}

}  // namespace

BENCHMARK(BM_add_ref)->Name("BM_add_ref/residual_64ch_128")->Arg(1)->UseRealTime();
BENCHMARK(BM_add_same_shape)->Name("BM_add_same_shape/residual_64ch_128")->Arg(1)->Arg(2)->UseRealTime();
BENCHMARK(BM_add_broadcast)->Name("BM_add_broadcast/residual_64ch_128")->Arg(1)->Arg(2)->UseRealTime();
BENCHMARK(BM_add_alpha_same_shape)->Name("BM_add_same_shape/rrdb_alpha0.2_64ch_128")->Arg(1)->Arg(2)->UseRealTime();
BENCHMARK(BM_mul_ref_per_channel)->Name("BM_mul_ref/se_gate_64ch_128")->Arg(1)->UseRealTime();
BENCHMARK(BM_mul_per_channel)->Name("BM_mul_per_channel/se_gate_64ch_128")->Arg(1)->Arg(2)->UseRealTime();
BENCHMARK(BM_mul_broadcast_per_channel)->Name("BM_mul_broadcast/se_gate_64ch_128")->Arg(1)->Arg(2)->UseRealTime();
BENCHMARK(BM_mul_broadcast_spatial)->Name("BM_mul_broadcast/spatial_map_64ch_128")->Arg(1)->Arg(2)->UseRealTime();
BENCHMARK(BM_affine)->Name("BM_affine/range_map_64ch_128")->Arg(1)->Arg(2)->UseRealTime();
