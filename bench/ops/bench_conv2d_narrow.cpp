// Benchmarks for ops/conv2d_narrow.hpp: the models' last 3×3 layers (1–3 output channels, 64 input channels, padding
// 1) on a 512² map, conv2d_narrow vs conv2d_direct (the path conv2d() took before) in the same binary and run.
// Counters as in bench_conv2d: flops (direct count), pct_cpu = FLOPs / process CPU time / peak1 (one thread's zmm
// FMA peak measured here, bench_peak.hpp) — the figure to compare on a shared machine; gflops_cpu = FLOPs / CPU time.
// Both allocate their output per call.
//
//   build-*/bench_conv2d_narrow --benchmark_min_time=0.2
#include <benchmark/benchmark.h>

#include "bench_util.hpp"
#include "bench_peak.hpp"
#include "pixforge/ops/conv2d_narrow.hpp"

using namespace pixforge;
using bench::filled;

namespace {

struct NarrowShape {
  int64_t cin, h, w, cout;
};

using ConvFn = Tensor<float> (*)(const Tensor<float>&, const Tensor<float>&, const Tensor<float>&,
                                 const Conv2dParams&);

void run(benchmark::State& state, ConvFn fn, const NarrowShape& s) {
  set_num_threads(int(state.range(0)));
  const Conv2dParams p = Conv2dParams{}.with_padding(1);
  const Tensor<float> x = filled({1, s.cin, s.h, s.w}, 1), w = filled({s.cout, s.cin, 3, 3}, 2);
  const Tensor<float> b = filled({s.cout}, 3);
  const double peak1 = bench::fma_peak_one_thread();
  const double flops = 2.0 * double(s.cout * s.h * s.w) * double(s.cin * 9);
  const double c0 = bench::cpu_seconds(CLOCK_PROCESS_CPUTIME_ID);
  for (auto _ : state) benchmark::DoNotOptimize(fn(x, w, b, p));
  const double cpu = bench::cpu_seconds(CLOCK_PROCESS_CPUTIME_ID) - c0;
  state.counters["flops"] = benchmark::Counter(flops, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["gflops_cpu"] = 1e-9 * flops * double(state.iterations()) / cpu;
  state.counters["pct_cpu"] = 100.0 * flops * double(state.iterations()) / cpu / peak1;
  state.counters["peak1_gflops"] = peak1 * 1e-9;
  set_num_threads(0);
}

Tensor<float> call_narrow(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                          const Conv2dParams& p) {
  return conv2d_narrow(x, w, b, p);
}
Tensor<float> call_direct(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                          const Conv2dParams& p) {
  return conv2d_direct(x, w, b, p);
}

const NarrowShape cugan_conv_bottom = {64, 512, 512, 3};  // Real-CUGAN unet2.conv_bottom, 64→3
const NarrowShape rrdb_conv_last = {64, 512, 512, 3};     // RRDBNet conv_last at 4× a 128² input
const NarrowShape isnet_side1 = {64, 512, 512, 1};        // IS-Net side1, 64→1

void BM_conv2d_narrow(benchmark::State& st, ConvFn fn, NarrowShape s) { run(st, fn, s); }
void BM_conv2d_direct(benchmark::State& st, ConvFn fn, NarrowShape s) { run(st, fn, s); }

}  // namespace

#define PIXFORGE_NARROW_BENCH(fn_name, impl, shape) \
  BENCHMARK_CAPTURE(BM_conv2d_##impl, shape, fn_name, shape)->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime()

PIXFORGE_NARROW_BENCH(call_direct, direct, cugan_conv_bottom);
PIXFORGE_NARROW_BENCH(call_narrow, narrow, cugan_conv_bottom);
PIXFORGE_NARROW_BENCH(call_direct, direct, rrdb_conv_last);
PIXFORGE_NARROW_BENCH(call_narrow, narrow, rrdb_conv_last);
PIXFORGE_NARROW_BENCH(call_direct, direct, isnet_side1);
PIXFORGE_NARROW_BENCH(call_narrow, narrow, isnet_side1);
