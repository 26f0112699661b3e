// Benchmarks for ops/conv_transpose2d.hpp: generator up-sampling layers, reference vs col2im / gather / direct
// side by side, thread count as the argument, a FLOP-rate counter (2·N·Cin·H·W·Cout/g·kH·kW per call) and, as in
// bench_conv2d, pct_peak (wall clock) and pct_cpu (process CPU time) against one thread's FMA peak measured in this
// binary (peak1_gflops, bench_peak.hpp).
//
//   build-*/bench_conv_transpose2d --benchmark_min_time=0.05
#include <benchmark/benchmark.h>

#include "bench_util.hpp"
#include "bench_peak.hpp"
#include "pixforge/ops/conv_transpose2d.hpp"

using namespace pixforge;
using bench::filled;

namespace {

struct CtShape {
  int64_t n, cin, h, w, cout, k;
  int64_t stride, pad;
};

using CtFn = Tensor<float> (*)(const Tensor<float>&, const Tensor<float>&, const Tensor<float>&,
                               const ConvTranspose2dParams&);

void run(benchmark::State& state, CtFn fn, const CtShape& s) {
  set_num_threads(int(state.range(0)));
  const auto p = ConvTranspose2dParams{}.with_stride(s.stride).with_padding(s.pad);
  const Tensor<float> x = filled({s.n, s.cin, s.h, s.w}, 1);
  const Tensor<float> w = filled({s.cin, s.cout, s.k, s.k}, 2);
  const Tensor<float> b = filled({s.cout}, 3);
  const double peak1 = bench::fma_peak_one_thread();
  const double c0 = bench::cpu_seconds(CLOCK_PROCESS_CPUTIME_ID);
  for (auto _ : state) benchmark::DoNotOptimize(fn(x, w, b, p));
  const double cpu = bench::cpu_seconds(CLOCK_PROCESS_CPUTIME_ID) - c0;
  const double flops = 2.0 * double(s.n * s.cin * s.h * s.w) * double(s.cout * s.k * s.k);
  const double threads = double(state.range(0));
  state.counters["flops"] = benchmark::Counter(flops, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["pct_peak"] =
      benchmark::Counter(100.0 * flops / (threads * peak1), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["pct_cpu"] = 100.0 * flops * double(state.iterations()) / cpu / peak1;
  state.counters["peak1_gflops"] = peak1 * 1e-9;
  set_num_threads(0);
}

// conv_transpose2d_k2s2_into with one output allocated (and its pages touched) before the loop: the kernel without
// the first touch of a fresh output, which for k2 s2 (4x the input's pixels) is a large share of a call.
void run_k2s2_into(benchmark::State& state, const CtShape& s) {
  set_num_threads(int(state.range(0)));
  const auto p = ConvTranspose2dParams{}.with_stride(s.stride).with_padding(s.pad);
  const Tensor<float> x = filled({s.n, s.cin, s.h, s.w}, 1);
  const Tensor<float> w = filled({s.cin, s.cout, s.k, s.k}, 2);
  const Tensor<float> b = filled({s.cout}, 3);
  Tensor<float> y = Tensor<float>::zeros(conv_transpose2d_output_shape(x.shape(), w.shape(), p));
  const double peak1 = bench::fma_peak_one_thread();
  const double c0 = bench::cpu_seconds(CLOCK_PROCESS_CPUTIME_ID);
  for (auto _ : state) {
    conv_transpose2d_k2s2_into(x, w, b, p, y);
    benchmark::DoNotOptimize(y.data());
  }
  const double cpu = bench::cpu_seconds(CLOCK_PROCESS_CPUTIME_ID) - c0;
  const double flops = 2.0 * double(s.n * s.cin * s.h * s.w) * double(s.cout * s.k * s.k);
  state.counters["flops"] = benchmark::Counter(flops, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["pct_cpu"] = 100.0 * flops * double(state.iterations()) / cpu / peak1;
  state.counters["peak1_gflops"] = peak1 * 1e-9;
  set_num_threads(0);
}

Tensor<float> call_col2im(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                          const ConvTranspose2dParams& p) {
  return conv_transpose2d_col2im(x, w, b, p);
}
Tensor<float> call_gather(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                          const ConvTranspose2dParams& p) {
  return conv_transpose2d_gather(x, w, b, p);
}
Tensor<float> call_direct(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                          const ConvTranspose2dParams& p) {
  return conv_transpose2d_direct(x, w, b, p);
}
Tensor<float> call_k2s2(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                        const ConvTranspose2dParams& p) {
  return conv_transpose2d_k2s2(x, w, b, p);
}
Tensor<float> call_ref(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                       const ConvTranspose2dParams& p) {
  return conv_transpose2d_ref(x, w, b, p);
}

const CtShape pix2pix_dec = {1, 64, 64, 64, 64, 4, 2, 1};       // pix2pix decoder k4 s2 p1, 64x64 -> 128x128
const CtShape waifu2x_upconv7 = {1, 256, 64, 64, 3, 4, 2, 3};   // waifu2x upconv_7 last layer, 64 -> 124
const CtShape realcugan_k2 = {1, 64, 64, 64, 64, 2, 2, 0};      // Real-CUGAN UNet ConvT(64, k2, s2)
const CtShape realcugan_k4 = {1, 64, 64, 64, 3, 4, 2, 3};       // Real-CUGAN UNet1 deconv ConvT(64->3, k4, s2, p3)
const CtShape realcugan_k2_128 = {1, 128, 131, 131, 128, 2, 2, 0};  // unet2.conv3_up at a 256² input
const CtShape realcugan_k2_64 = {1, 64, 258, 258, 64, 2, 2, 0};     // unet2.conv4_up at a 256² input
const CtShape realcugan_k4_140 = {1, 64, 140, 140, 3, 4, 2, 3};     // unet1.conv_bottom at a 256² input
const CtShape small_k4 = {1, 16, 16, 16, 16, 4, 2, 1};          // for ref vs fast

}  // namespace

static void BM_conv_transpose2d_col2im(benchmark::State& st, CtFn fn, CtShape s) { run(st, fn, s); }
static void BM_conv_transpose2d_gather(benchmark::State& st, CtFn fn, CtShape s) { run(st, fn, s); }
static void BM_conv_transpose2d_direct(benchmark::State& st, CtFn fn, CtShape s) { run(st, fn, s); }
static void BM_conv_transpose2d_k2s2(benchmark::State& st, CtFn fn, CtShape s) { run(st, fn, s); }
static void BM_conv_transpose2d_ref(benchmark::State& st, CtFn fn, CtShape s) { run(st, fn, s); }

#define PIXFORGE_CT_BENCH(fn_name, impl, shape)                                                             \
  BENCHMARK_CAPTURE(BM_conv_transpose2d_##impl, shape, fn_name, shape)->ArgName("threads")->Arg(1)->Arg(2) \
      ->UseRealTime()

PIXFORGE_CT_BENCH(call_col2im, col2im, pix2pix_dec);
PIXFORGE_CT_BENCH(call_gather, gather, pix2pix_dec);
PIXFORGE_CT_BENCH(call_col2im, col2im, waifu2x_upconv7);
PIXFORGE_CT_BENCH(call_gather, gather, waifu2x_upconv7);
PIXFORGE_CT_BENCH(call_col2im, col2im, realcugan_k2);
PIXFORGE_CT_BENCH(call_gather, gather, realcugan_k2);
PIXFORGE_CT_BENCH(call_col2im, col2im, realcugan_k4);
PIXFORGE_CT_BENCH(call_gather, gather, realcugan_k4);
PIXFORGE_CT_BENCH(call_direct, direct, pix2pix_dec);
PIXFORGE_CT_BENCH(call_direct, direct, waifu2x_upconv7);
PIXFORGE_CT_BENCH(call_direct, direct, realcugan_k2);
PIXFORGE_CT_BENCH(call_direct, direct, realcugan_k4);
// Real-CUGAN's transposed convs at a 256² input: before (col2im, the dispatcher's choice until session 3) and after.
PIXFORGE_CT_BENCH(call_col2im, col2im, realcugan_k2_128);
PIXFORGE_CT_BENCH(call_direct, direct, realcugan_k2_128);
PIXFORGE_CT_BENCH(call_col2im, col2im, realcugan_k2_64);
PIXFORGE_CT_BENCH(call_direct, direct, realcugan_k2_64);
PIXFORGE_CT_BENCH(call_col2im, col2im, realcugan_k4_140);
PIXFORGE_CT_BENCH(call_direct, direct, realcugan_k4_140);
// k2 s2 p0: the GEMM kernel with in-register phase interleave vs the direct phase kernel, same shapes.
PIXFORGE_CT_BENCH(call_k2s2, k2s2, realcugan_k2);
PIXFORGE_CT_BENCH(call_k2s2, k2s2, realcugan_k2_128);
PIXFORGE_CT_BENCH(call_k2s2, k2s2, realcugan_k2_64);
static void BM_conv_transpose2d_k2s2_into(benchmark::State& st, CtShape s) { run_k2s2_into(st, s); }
BENCHMARK_CAPTURE(BM_conv_transpose2d_k2s2_into, realcugan_k2_128, realcugan_k2_128)->ArgName("threads")->Arg(1)
    ->Arg(2)->UseRealTime();
BENCHMARK_CAPTURE(BM_conv_transpose2d_k2s2_into, realcugan_k2_64, realcugan_k2_64)->ArgName("threads")->Arg(1)
    ->Arg(2)->UseRealTime();
PIXFORGE_CT_BENCH(call_ref, ref, small_k4);
PIXFORGE_CT_BENCH(call_col2im, col2im, small_k4);
PIXFORGE_CT_BENCH(call_gather, gather, small_k4);
PIXFORGE_CT_BENCH(call_direct, direct, small_k4);
