// Benchmarks for ops/conv2d_s2d.hpp: Real-CUGAN's 2×2 stride-2 down convs at a 256² input, conv2d_s2d (space-to-depth
// + GEMM tile) vs conv2d_direct (the path conv2d() took before) in the same binary and run. Counters as in
// bench_conv2d: flops (direct count), pct_cpu = FLOPs / process CPU time / peak1 (one thread's zmm FMA peak measured
// here, bench_peak.hpp) — the figure to compare on a shared machine. Both allocate their output per call.
//
//   build-*/bench_conv2d_s2d --benchmark_min_time=0.2
#include <benchmark/benchmark.h>

#include "bench_util.hpp"
#include "bench_peak.hpp"
#include "pixforge/ops/conv2d_s2d.hpp"

using namespace pixforge;
using bench::filled;

namespace {

struct DownShape {
  int64_t cin, h, w, cout;
};

using ConvFn = Tensor<float> (*)(const Tensor<float>&, const Tensor<float>&, const Tensor<float>&,
                                 const Conv2dParams&);

void run(benchmark::State& state, ConvFn fn, const DownShape& s) {
  set_num_threads(int(state.range(0)));
  const Conv2dParams p = Conv2dParams{}.with_stride(2);
  const Tensor<float> x = filled({1, s.cin, s.h, s.w}, 1), w = filled({s.cout, s.cin, 2, 2}, 2);
  const Tensor<float> b = filled({s.cout}, 3);
  const double peak1 = bench::fma_peak_one_thread();
  const double flops = 2.0 * double(s.cout * (s.h / 2) * (s.w / 2)) * double(s.cin * 4);
  const double c0 = bench::cpu_seconds(CLOCK_PROCESS_CPUTIME_ID);
  for (auto _ : state) benchmark::DoNotOptimize(fn(x, w, b, p));
  const double cpu = bench::cpu_seconds(CLOCK_PROCESS_CPUTIME_ID) - c0;
  state.counters["flops"] = benchmark::Counter(flops, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["pct_cpu"] = 100.0 * flops * double(state.iterations()) / cpu / peak1;
  state.counters["peak1_gflops"] = peak1 * 1e-9;
  set_num_threads(0);
}

Tensor<float> call_s2d(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b, const Conv2dParams& p) {
  return conv2d_s2d(x, w, b, p);
}
Tensor<float> call_direct(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                          const Conv2dParams& p) {
  return conv2d_direct(x, w, b, p);
}

const DownShape unet1_conv1_down = {64, 288, 288, 64};    // unet1.conv1_down at a 256² input (padded map)
const DownShape unet2_conv2_down = {128, 270, 270, 128};  // unet2.conv2_down
const DownShape unet2_conv1_down = {64, 268, 268, 64};    // unet2.conv1_down

void BM_conv2d_s2d(benchmark::State& st, ConvFn fn, DownShape s) { run(st, fn, s); }
void BM_conv2d_direct(benchmark::State& st, ConvFn fn, DownShape s) { run(st, fn, s); }

}  // namespace

#define PIXFORGE_DOWN_BENCH(fn_name, impl, shape) \
  BENCHMARK_CAPTURE(BM_conv2d_##impl, shape, fn_name, shape)->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime()

PIXFORGE_DOWN_BENCH(call_direct, direct, unet1_conv1_down);
PIXFORGE_DOWN_BENCH(call_s2d, s2d, unet1_conv1_down);
PIXFORGE_DOWN_BENCH(call_direct, direct, unet2_conv1_down);
PIXFORGE_DOWN_BENCH(call_s2d, s2d, unet2_conv1_down);
PIXFORGE_DOWN_BENCH(call_direct, direct, unet2_conv2_down);
PIXFORGE_DOWN_BENCH(call_s2d, s2d, unet2_conv2_down);
