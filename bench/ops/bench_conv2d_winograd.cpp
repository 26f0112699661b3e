// Benchmarks for ops/conv2d_winograd.hpp: Winograd F(4×4, 3×3) next to conv2d_direct on the 3×3 stride-1 layer
// shapes of Real-CUGAN se 2× (256² input: UNet1 at ~290², UNet2 at ~550²/272²/134²), waifu2x upconv_7 (valid
// convs, 256² input) and RRDBNet (dense-block convs 64 + k·32 → 32, trunk 64 → 64, at a 128² tile).
// Counters as in bench_conv2d.cpp: `flops` is the *direct-equivalent* rate 2·Cin·Cout·9·Hout·Wout / time (so
// Winograd can exceed 100 % of the FMA peak), pct_peak / pct_best / pct_cpu against one thread's zmm FMA peak
// measured in this binary (peak1_gflops), and pct_il / pct_il_best against FMA-peak samples taken on the same threads
// between iterations (untimed, bench_peak.hpp fma_peak_sample): the efficiency at the clock the kernel ran at.
//
//   build-*/bench_conv2d_winograd --benchmark_min_time=0.05
//   build-*/bench_conv2d_winograd --benchmark_filter=prepare   # what the per-layer weight cache saves
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>

#include "bench_util.hpp"
#include "bench_peak.hpp"
#include "pixforge/ops/conv2d_winograd.hpp"

using namespace pixforge;
using bench::filled;

namespace {

struct ConvShape {
  int64_t cin, h, w, cout, pad;
};

enum class Impl { direct, winograd, winograd_prepared };

void run_conv(benchmark::State& state, Impl impl, const ConvShape& s) {
  set_num_threads(int(state.range(0)));
  const Conv2dParams p = Conv2dParams{}.with_padding(s.pad).with_act(Act::leaky_relu(0.1f));
  const Tensor<float> x = filled({1, s.cin, s.h, s.w}, 1);
  const Tensor<float> w = filled({s.cout, s.cin, 3, 3}, 2);
  const Tensor<float> b = filled({s.cout}, 3);
  const auto u = winograd_transform_weights(w);
  const Shape ys = conv2d_output_shape(x.shape(), w.shape(), p);
  const double peak1 = bench::fma_peak_one_thread();
  const double flops = 2.0 * double(ys.numel()) * double(s.cin * 9);
  // Process CPU time of the loop minus the peak samples' (as bench_conv2d.cpp's run_conv).
  double best = 1e30, peak_il = 0.0, sample_cpu = 0.0;
  const double c0 = bench::cpu_seconds(CLOCK_PROCESS_CPUTIME_ID);
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    switch (impl) {
      case Impl::direct: benchmark::DoNotOptimize(conv2d_direct(x, w, b, p)); break;
      case Impl::winograd: benchmark::DoNotOptimize(conv2d_winograd(x, w, b, p)); break;
      case Impl::winograd_prepared: benchmark::DoNotOptimize(conv2d_winograd(x, w, b, p, u.get())); break;
    }
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    state.PauseTiming();
    double used = 0.0;
    peak_il += bench::fma_peak_sample(int(state.range(0)), &used);
    sample_cpu += used;
    state.ResumeTiming();
  }
  const double cpu = bench::cpu_seconds(CLOCK_PROCESS_CPUTIME_ID) - c0 - sample_cpu;
  bench::set_peak_counters(state, flops, double(state.range(0)), best, cpu, peak1);
  bench::set_interleaved_peak_counters(state, flops, double(state.range(0)), best, cpu,
                                        peak_il / double(state.iterations()));
  set_num_threads(0);
}

// Real-CUGAN se 2×, 256² input (reflect-padded to 292²): valid 3×3 convs.
const ConvShape rcugan_u1c1_32_64 = {32, 290, 290, 64, 0};   // UNet1 conv1.conv.2
const ConvShape rcugan_u1c2_64_128 = {64, 144, 144, 128, 0};  // UNet1 conv2.conv.0
const ConvShape rcugan_u2c1_32_64 = {32, 550, 550, 64, 0};   // UNet2 conv1.conv.2
const ConvShape rcugan_u2c2_64_128 = {64, 274, 274, 128, 0};  // UNet2 conv2.conv.0
const ConvShape rcugan_u2c2_128_64 = {128, 272, 272, 64, 0};  // UNet2 conv2.conv.2
const ConvShape rcugan_u2c3_128_256 = {128, 135, 135, 256, 0};  // UNet2 conv3.conv.0
const ConvShape rcugan_u2c3_256_128 = {256, 133, 133, 128, 0};  // UNet2 conv3.conv.2
const ConvShape rcugan_u2c5_64_64 = {64, 260, 260, 64, 0};   // UNet2 conv4.conv.2 / conv5
// waifu2x upconv_7, 256² input (+ 7 px of padding each side), valid convs.
const ConvShape up7_16_32 = {16, 268, 268, 32, 0};
const ConvShape up7_32_64 = {32, 266, 266, 64, 0};
const ConvShape up7_64_128 = {64, 264, 264, 128, 0};
const ConvShape up7_128_128 = {128, 262, 262, 128, 0};
const ConvShape up7_128_256 = {128, 260, 260, 256, 0};
// RRDBNet (Real-ESRGAN x4plus, 128² tile): dense convs 64 + k·32 → 32, conv5 192 → 64, trunk 64 → 64; padding 1.
const ConvShape rrdb_64_32 = {64, 128, 128, 32, 1};
const ConvShape rrdb_96_32 = {96, 128, 128, 32, 1};
const ConvShape rrdb_128_32 = {128, 128, 128, 32, 1};
const ConvShape rrdb_160_32 = {160, 128, 128, 32, 1};
const ConvShape rrdb_192_64 = {192, 128, 128, 64, 1};
const ConvShape rrdb_64_64 = {64, 128, 128, 64, 1};
// IS-Net 1024² (En1 RSU-7(64, 32, 64) and De1 RSU-7(128, 16, 64) at 512², padding 1; the deeper stages are the
// same channel pairs on smaller maps, and the 128 × 128-and-up layers on ≤ 128² maps, e.g. 256 → 512 on 64²).
const ConvShape isnet_64_64 = {64, 512, 512, 64, 1};
const ConvShape isnet_64_32 = {64, 512, 512, 32, 1};
const ConvShape isnet_32_32 = {32, 256, 256, 32, 1};  // En1 conv2 at 256²
const ConvShape isnet_16_16 = {16, 256, 256, 16, 1};  // De1 conv2 at 256²
const ConvShape isnet_128_64 = {128, 512, 512, 64, 1};
const ConvShape isnet_64_16 = {64, 512, 512, 16, 1};
const ConvShape isnet_32_64 = {32, 512, 512, 64, 1};
const ConvShape isnet_256_512_64 = {256, 64, 64, 512, 1};
const ConvShape isnet_512_128_128 = {512, 128, 128, 128, 1};
// Small maps (pipeline tiles, deep U-Net levels): where the per-call weight transform shows.
const ConvShape small_64_64_32 = {64, 32, 32, 64, 1};
const ConvShape small_256_128_16 = {256, 16, 16, 128, 1};

}  // namespace

static void BM_conv2d_direct(benchmark::State& st, ConvShape s) { run_conv(st, Impl::direct, s); }
static void BM_conv2d_winograd(benchmark::State& st, ConvShape s) { run_conv(st, Impl::winograd_prepared, s); }
static void BM_conv2d_winograd_unprepared(benchmark::State& st, ConvShape s) { run_conv(st, Impl::winograd, s); }

#define PIXFORGE_WINO_BENCH(shape)                                                                             \
  BENCHMARK_CAPTURE(BM_conv2d_direct, shape, shape)->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime();     \
  BENCHMARK_CAPTURE(BM_conv2d_winograd, shape, shape)->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime()

PIXFORGE_WINO_BENCH(rcugan_u1c1_32_64);
PIXFORGE_WINO_BENCH(rcugan_u1c2_64_128);
PIXFORGE_WINO_BENCH(rcugan_u2c1_32_64);
PIXFORGE_WINO_BENCH(rcugan_u2c2_64_128);
PIXFORGE_WINO_BENCH(rcugan_u2c2_128_64);
PIXFORGE_WINO_BENCH(rcugan_u2c3_128_256);
PIXFORGE_WINO_BENCH(rcugan_u2c3_256_128);
PIXFORGE_WINO_BENCH(rcugan_u2c5_64_64);
PIXFORGE_WINO_BENCH(up7_16_32);
PIXFORGE_WINO_BENCH(up7_32_64);
PIXFORGE_WINO_BENCH(up7_64_128);
PIXFORGE_WINO_BENCH(up7_128_128);
PIXFORGE_WINO_BENCH(up7_128_256);
PIXFORGE_WINO_BENCH(rrdb_64_32);
PIXFORGE_WINO_BENCH(rrdb_96_32);
PIXFORGE_WINO_BENCH(rrdb_128_32);
PIXFORGE_WINO_BENCH(rrdb_160_32);
PIXFORGE_WINO_BENCH(rrdb_192_64);
PIXFORGE_WINO_BENCH(rrdb_64_64);
PIXFORGE_WINO_BENCH(isnet_64_64);
PIXFORGE_WINO_BENCH(isnet_64_32);
PIXFORGE_WINO_BENCH(isnet_32_32);
PIXFORGE_WINO_BENCH(isnet_16_16);
PIXFORGE_WINO_BENCH(isnet_128_64);
PIXFORGE_WINO_BENCH(isnet_64_16);
PIXFORGE_WINO_BENCH(isnet_32_64);
PIXFORGE_WINO_BENCH(isnet_256_512_64);
PIXFORGE_WINO_BENCH(isnet_512_128_128);
PIXFORGE_WINO_BENCH(small_64_64_32);
PIXFORGE_WINO_BENCH(small_256_128_16);
BENCHMARK_CAPTURE(BM_conv2d_winograd_unprepared, small_64_64_32, small_64_64_32)
    ->ArgName("threads")->Arg(1)->UseRealTime();
BENCHMARK_CAPTURE(BM_conv2d_winograd_unprepared, small_256_128_16, small_256_128_16)
    ->ArgName("threads")->Arg(1)->UseRealTime();
BENCHMARK_CAPTURE(BM_conv2d_winograd_unprepared, rcugan_u2c3_256_128, rcugan_u2c3_256_128)
    ->ArgName("threads")->Arg(1)->UseRealTime();

// The weight transform alone (what winograd_transform_weights costs per call without a cache).
static void BM_winograd_prepare(benchmark::State& state) {
  const Tensor<float> w = filled({state.range(0), state.range(1), 3, 3}, 2);
  for (auto _ : state) benchmark::DoNotOptimize(winograd_transform_weights(w));
}
BENCHMARK(BM_winograd_prepare)->ArgNames({"cout", "cin"})->Args({64, 64})->Args({128, 256})->Args({32, 192});

// A ConvWeightCache hit: the byte comparison of the weights with the cached copy (what nn::Conv2d pays per call
// instead of BM_winograd_prepare).
static void BM_winograd_cache_hit(benchmark::State& state) {
  const Tensor<float> w = filled({state.range(0), state.range(1), 3, 3}, 2);
  ConvWeightCache cache;
  cache.winograd(w);
  for (auto _ : state) benchmark::DoNotOptimize(cache.winograd(w));
}
BENCHMARK(BM_winograd_cache_hit)->ArgNames({"cout", "cin"})->Args({64, 64})->Args({128, 256})->Args({32, 192});
