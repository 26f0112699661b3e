// Benchmarks for ops/pixel_shuffle.hpp: reference and row-wise paths side by side on shapes from real SR heads;
// the argument is the thread count; bytes/s counts one read and one write of every element.
//
//   build-*/bench_pixel_shuffle --benchmark_min_time=0.05
#include <benchmark/benchmark.h>

#include "bench_util.hpp"
#include "pixforge/ops/pixel_shuffle.hpp"

using namespace pixforge;
using bench::filled;

namespace {

using Fn = Tensor<float> (*)(const Tensor<float>&, int64_t);

void run(benchmark::State& state, Fn fn, const Shape& shape, int64_t r) {
  set_num_threads(int(state.range(0)));
  const Tensor<float> x = filled(shape, 1);
  for (auto _ : state) benchmark::DoNotOptimize(fn(x, r));
  state.SetBytesProcessed(int64_t(state.iterations()) * x.numel() * 2 * int64_t(sizeof(float)));
  set_num_threads(0);
}

// Real-ESRGAN / SRResNet-style x2 stage: conv to 64·4 channels, pixel_shuffle(2): [1,256,128,128] -> [1,64,256,256].
const Shape kEsrganX2{1, 256, 128, 128};
// SRVGGNetCompact (realesr-animevideov3) tail: [1,48,64,64] -> pixel_shuffle(4) -> [1,3,256,256].
const Shape kSrvggTail{1, 48, 64, 64};
// Real-ESRGAN x2plus input: pixel_unshuffle(2) of a 3×256×256 image.
const Shape kX2plusIn{1, 3, 256, 256};

void BM_pixel_shuffle_ref(benchmark::State& s) { run(s, pixel_shuffle_ref, kEsrganX2, 2); }
void BM_pixel_shuffle_rows(benchmark::State& s) { run(s, pixel_shuffle_rows, kEsrganX2, 2); }
void BM_pixel_shuffle_ref_srvgg(benchmark::State& s) { run(s, pixel_shuffle_ref, kSrvggTail, 4); }
void BM_pixel_shuffle_rows_srvgg(benchmark::State& s) { run(s, pixel_shuffle_rows, kSrvggTail, 4); }
void BM_pixel_unshuffle_ref(benchmark::State& s) { run(s, pixel_unshuffle_ref, kX2plusIn, 2); }
void BM_pixel_unshuffle_rows(benchmark::State& s) { run(s, pixel_unshuffle_rows, kX2plusIn, 2); }

}  // namespace

BENCHMARK(BM_pixel_shuffle_ref)->Name("BM_pixel_shuffle_ref/esrgan_x2_64ch_128")->Arg(1)->UseRealTime();
BENCHMARK(BM_pixel_shuffle_rows)->Name("BM_pixel_shuffle_rows/esrgan_x2_64ch_128")->Arg(1)->Arg(2)->UseRealTime();
BENCHMARK(BM_pixel_shuffle_ref_srvgg)->Name("BM_pixel_shuffle_ref/srvgg_x4_tail_64")->Arg(1)->UseRealTime();
BENCHMARK(BM_pixel_shuffle_rows_srvgg)->Name("BM_pixel_shuffle_rows/srvgg_x4_tail_64")->Arg(1)->Arg(2)->UseRealTime();
BENCHMARK(BM_pixel_unshuffle_ref)->Name("BM_pixel_unshuffle_ref/x2plus_in_3x256")->Arg(1)->UseRealTime();
BENCHMARK(BM_pixel_unshuffle_rows)->Name("BM_pixel_unshuffle_rows/x2plus_in_3x256")->Arg(1)->Arg(2)->UseRealTime();
