// Benchmarks for ops/upsample.hpp: interpolate_ref next to the gather (nearest) and separable (bilinear/bicubic)
// paths on shapes from real generators; the argument is the thread count. flops counts the multiply-adds of the
// separable formula (nearest: none, so bytes/s instead).
//
//   build-*/bench_upsample --benchmark_min_time=0.05
#include <benchmark/benchmark.h>

#include "bench_util.hpp"
#include "pixforge/ops/upsample.hpp"

using namespace pixforge;
using bench::filled;

namespace {

using Fn = Tensor<float> (*)(const Tensor<float>&, const InterpolateParams&);

void run(benchmark::State& state, Fn fn, const Shape& shape, const InterpolateParams& p) {
  set_num_threads(int(state.range(0)));
  const Tensor<float> x = filled(shape, 1);
  const Shape out = interpolate_output_shape(shape, p);
  for (auto _ : state) benchmark::DoNotOptimize(fn(x, p));
  const int taps = p.mode == InterpolateMode::bicubic ? 4 : p.mode == InterpolateMode::bilinear ? 2 : 1;
  if (taps > 1) {
    // Per output element: taps_y rows of taps_x multiply-adds, then taps_y multiply-adds (the reference's count).
    const double flops = 2.0 * double(out.numel()) * double(taps * taps + taps);
    state.counters["flops"] = benchmark::Counter(flops, benchmark::Counter::kIsIterationInvariantRate);
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * (shape.numel() + out.numel()) * int64_t(sizeof(float)));
  set_num_threads(0);
}

// RRDBNet / Real-ESRGAN upsampler: F.interpolate(feat, scale_factor=2, mode='nearest') on 64 channels.
const Shape kFeat64{1, 64, 128, 128};
// Bicubic x4 of an RGB image (SR baseline / pre-upsampling for SRCNN-style models).
const Shape kRgb256{1, 3, 256, 256};
const InterpolateParams kNearest2 = InterpolateParams::by_scale(2.0, InterpolateMode::nearest);
const InterpolateParams kBilinear2 = InterpolateParams::by_scale(2.0, InterpolateMode::bilinear);
const InterpolateParams kBicubic4 = InterpolateParams::by_scale(4.0, InterpolateMode::bicubic);

void BM_interpolate_ref_nearest(benchmark::State& s) { run(s, interpolate_ref, kFeat64, kNearest2); }
void BM_interpolate_nearest_gather(benchmark::State& s) { run(s, interpolate_nearest_gather, kFeat64, kNearest2); }
void BM_interpolate_ref_bilinear(benchmark::State& s) { run(s, interpolate_ref, kFeat64, kBilinear2); }
void BM_interpolate_separable_bilinear(benchmark::State& s) {
  run(s, interpolate_separable, kFeat64, kBilinear2);
}
void BM_interpolate_ref_bicubic(benchmark::State& s) { run(s, interpolate_ref, kRgb256, kBicubic4); }
void BM_interpolate_separable_bicubic(benchmark::State& s) { run(s, interpolate_separable, kRgb256, kBicubic4); }

}  // namespace

BENCHMARK(BM_interpolate_ref_nearest)->Name("BM_interpolate_ref/nearest_x2_64ch_128")->Arg(1)->UseRealTime();
BENCHMARK(BM_interpolate_nearest_gather)
    ->Name("BM_interpolate_nearest_gather/nearest_x2_64ch_128")->Arg(1)->Arg(2)->UseRealTime();
BENCHMARK(BM_interpolate_ref_bilinear)->Name("BM_interpolate_ref/bilinear_x2_64ch_128")->Arg(1)->UseRealTime();
BENCHMARK(BM_interpolate_separable_bilinear)
    ->Name("BM_interpolate_separable/bilinear_x2_64ch_128")->Arg(1)->Arg(2)->UseRealTime();
BENCHMARK(BM_interpolate_ref_bicubic)->Name("BM_interpolate_ref/bicubic_x4_3ch_256")->Arg(1)->UseRealTime();
BENCHMARK(BM_interpolate_separable_bicubic)
    ->Name("BM_interpolate_separable/bicubic_x4_3ch_256")->Arg(1)->Arg(2)->UseRealTime();
