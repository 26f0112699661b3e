// Benchmarks for ops/pad.hpp: pad_ref next to pad_rows on shapes from real generators; the argument is the thread
// count; bytes/s counts reading the input and writing the output once.
//
//   build-*/bench_pad --benchmark_min_time=0.05
#include <benchmark/benchmark.h>

#include "bench_util.hpp"
#include "pixforge/ops/pad.hpp"

using namespace pixforge;
using bench::filled;

namespace {

using Fn = Tensor<float> (*)(const Tensor<float>&, const PadParams&);

void run(benchmark::State& state, Fn fn, const Shape& shape, const PadParams& p) {
  set_num_threads(int(state.range(0)));
  const Tensor<float> x = filled(shape, 1);
  const Shape out = pad_output_shape(shape, p);
  for (auto _ : state) benchmark::DoNotOptimize(fn(x, p));
  state.SetBytesProcessed(int64_t(state.iterations()) * (shape.numel() + out.numel()) * int64_t(sizeof(float)));
  set_num_threads(0);
}

// Real-CUGAN: F.pad(x, (18, 18, 18, 18), 'reflect') of the RGB input before the valid-conv U-Net.
const Shape kRgb256{1, 3, 256, 256};
const PadParams kReflect18 = PadParams::all(18, PadMode::reflect);
// waifu2x / DeblurGAN-style ReplicationPad2d(1) / ReflectionPad2d(1) on a 64-channel feature map.
const Shape kFeat64{1, 64, 128, 128};
const PadParams kReplicate1 = PadParams::all(1, PadMode::replicate);
const PadParams kZero1 = PadParams::all(1);

void BM_pad_ref_reflect18(benchmark::State& s) { run(s, pad_ref, kRgb256, kReflect18); }
void BM_pad_rows_reflect18(benchmark::State& s) { run(s, pad_rows, kRgb256, kReflect18); }
void BM_pad_ref_replicate1(benchmark::State& s) { run(s, pad_ref, kFeat64, kReplicate1); }
void BM_pad_rows_replicate1(benchmark::State& s) { run(s, pad_rows, kFeat64, kReplicate1); }
void BM_pad_rows_zero1(benchmark::State& s) { run(s, pad_rows, kFeat64, kZero1); }

}  // namespace

BENCHMARK(BM_pad_ref_reflect18)->Name("BM_pad_ref/realcugan_reflect18_3x256")->Arg(1)->UseRealTime();
BENCHMARK(BM_pad_rows_reflect18)->Name("BM_pad_rows/realcugan_reflect18_3x256")->Arg(1)->Arg(2)->UseRealTime();
BENCHMARK(BM_pad_ref_replicate1)->Name("BM_pad_ref/waifu2x_replicate1_64ch_128")->Arg(1)->UseRealTime();
BENCHMARK(BM_pad_rows_replicate1)->Name("BM_pad_rows/waifu2x_replicate1_64ch_128")->Arg(1)->Arg(2)->UseRealTime();
BENCHMARK(BM_pad_rows_zero1)->Name("BM_pad_rows/zero1_64ch_128")->Arg(1)->Arg(2)->UseRealTime();
