// Benchmarks for ops/conv2d.hpp: shapes from real generators, reference and fast paths side by side,
// thread count as the argument, a FLOP-rate counter (2·N·Cout·Hout·Wout·Cin/g·kH·kW per call, the direct-convolution
// count whatever the algorithm) and, to judge a kernel against what the core can do, measured in this same binary:
//   peak1_gflops  one thread's FP32 FMA peak with the SIMD width the kernels use (detail::SimdBest: zmm with
//                 AVX-512), re-measured before each benchmark (bench_peak.hpp).
//   pct_peak      flops / (threads × peak1), mean wall-clock iteration (what Google Benchmark reports);
//   pct_best      the same for the fastest iteration;
//   pct_cpu       FLOPs / process CPU time / peak1: efficiency per core-second actually received. On a shared,
//                 overloaded machine wall-clock rates mostly measure the other processes; CPU time does not
//                 (OpenMP threads spinning at a barrier count as busy, so it still charges imbalance).
//   pct_il        FLOPs / process CPU time of the kernel calls / peak_il_gflops, the mean of FMA-peak samples taken
//                 on the same threads between iterations (untimed): the efficiency at the clock the kernel ran
//                 at; on this shared VM that clock moves by ±10 % from second to second (peak1 keeps the best).
//   pct_il_best   the fastest iteration's wall-clock rate / (threads × peak_il_gflops): for 2-thread rows, where
//                 CPU time also counts the OpenMP workers' spin-wait between iterations.
// Compare variants within one run.
// BM_conv2d_direct_into writes into one output allocated before the loop: the kernel without the first touch of a
// fresh output (tensors ≥ 1 MiB are new mmap'ed pages, and on this VM a 4 KiB page fault costs ≈ 1.7 µs, about a
// quarter of a 32→32 256² layer's time); BM_conv2d_direct is what a caller of conv2d() pays.
//
//   build-*/bench_conv2d --benchmark_min_time=0.05
//   build-*/bench_conv2d --benchmark_filter='direct|im2col' --benchmark_min_time=0.05
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <vector>

#include <time.h>

#include "bench_util.hpp"
#include "bench_peak.hpp"
#include "pixforge/core/gemm.hpp"
#include "pixforge/ops/conv2d.hpp"
#include "pixforge/ops/conv2d_direct_blocked.hpp"

using namespace pixforge;
using bench::filled;

namespace {

struct ConvShape {
  int64_t n, cin, h, w, cout, k;
  int64_t stride, pad, groups;
  int64_t dilation = 1;
};

using bench::cpu_seconds;
using bench::fma_peak_one_thread;

// Adds one FMA-peak sample on the benchmark's threads to `sum`, outside the timed part, and the CPU seconds it took
// to `cpu` (bench_peak.hpp, fma_peak_sample).
void sample_peak(benchmark::State& state, double& sum, double& cpu) {
  state.PauseTiming();
  double used = 0.0;
  sum += bench::fma_peak_sample(int(state.range(0)), &used);
  cpu += used;
  state.ResumeTiming();
}

// The timed loop shared by the rows below: `body` once per iteration, the fastest iteration's wall time, the FMA
// peak sampled after each iteration (sample_peak), and the counters. CPU time = the process CPU time of the whole
// loop minus the peak samples' (per-iteration process CPU deltas undercount 2-thread runs: the clock lags for the
// thread still running on the other core, by up to a scheduler tick).
template <class Body>
void timed_loop(benchmark::State& state, double flops, Body body) {
  const double peak1 = fma_peak_one_thread();
  double best = 1e30, peak_il = 0.0, sample_cpu = 0.0;
  const double c0 = cpu_seconds(CLOCK_PROCESS_CPUTIME_ID);
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    body();
    benchmark::ClobberMemory();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    sample_peak(state, peak_il, sample_cpu);
  }
  const double cpu = cpu_seconds(CLOCK_PROCESS_CPUTIME_ID) - c0 - sample_cpu;
  bench::set_peak_counters(state, flops, double(state.range(0)), best, cpu, peak1);
  bench::set_interleaved_peak_counters(state, flops, double(state.range(0)), best, cpu,
                                        peak_il / double(state.iterations()));
}

using ConvFn = Tensor<float> (*)(const Tensor<float>&, const Tensor<float>&, const Tensor<float>&,
                                 const Conv2dParams&);

void run_conv(benchmark::State& state, ConvFn fn, const ConvShape& s) {
  set_num_threads(int(state.range(0)));
  const Conv2dParams p =
      Conv2dParams{}.with_stride(s.stride).with_padding(s.pad).with_groups(s.groups).with_dilation(s.dilation);
  const Tensor<float> x = filled({s.n, s.cin, s.h, s.w}, 1);
  const Tensor<float> w = filled({s.cout, s.cin / s.groups, s.k, s.k}, 2);
  const Tensor<float> b = filled({s.cout}, 3);
  const Shape ys = conv2d_output_shape(x.shape(), w.shape(), p);
  const double flops = 2.0 * double(ys.numel()) * double(s.cin / s.groups * s.k * s.k);
  timed_loop(state, flops, [&] { benchmark::DoNotOptimize(fn(x, w, b, p)); });
  set_num_threads(0);
}

// Like run_conv for conv2d_direct_into: the output is allocated (and its pages touched) once, before the loop.
void run_conv_into(benchmark::State& state, const ConvShape& s) {
  set_num_threads(int(state.range(0)));
  const Conv2dParams p =
      Conv2dParams{}.with_stride(s.stride).with_padding(s.pad).with_groups(s.groups).with_dilation(s.dilation);
  const Tensor<float> x = filled({s.n, s.cin, s.h, s.w}, 1);
  const Tensor<float> w = filled({s.cout, s.cin / s.groups, s.k, s.k}, 2);
  const Tensor<float> b = filled({s.cout}, 3);
  Tensor<float> y = Tensor<float>::zeros(conv2d_output_shape(x.shape(), w.shape(), p));
  const double flops = 2.0 * double(y.numel()) * double(s.cin / s.groups * s.k * s.k);
  timed_loop(state, flops, [&] {
    conv2d_direct_into(x, w, b, p, y);
    benchmark::DoNotOptimize(y.data());
  });
  set_num_threads(0);
}

// conv2d_direct_blocked (NCHW16c in and out; ops/conv2d_direct_blocked.hpp) into a map allocated before the loop.
// mode 0: weights packed and x converted to NCHW16c before the loop (a layer between layers kept in that layout);
// 1: weights packed on every call (as conv2d_direct_into does); 2: also to_nchw16c_into(x) and from_nchw16c_into(y)
// on every call, into maps made before the loop (one layer in an NCHW network). FLOPs are the conv's in all three.
void run_blocked_into(benchmark::State& state, const ConvShape& s, int mode) {
  set_num_threads(int(state.range(0)));
  const Conv2dParams p = Conv2dParams{}.with_padding(s.pad);
  const Tensor<float> x = filled({s.n, s.cin, s.h, s.w}, 1);
  const Tensor<float> w = filled({s.cout, s.cin, s.k, s.k}, 2);
  const Tensor<float> b = filled({s.cout}, 3);
  const Shape ys = conv2d_output_shape(x.shape(), w.shape(), p);
  const Nchw16c xb = to_nchw16c(x, s.pad);
  const BlockedConvWeights pw = pack_conv2d_direct_blocked(w, b);
  Nchw16c y = Nchw16c::zeros(ys[0], ys[1], ys[2], ys[3], 1);
  Nchw16c xc = Nchw16c::zeros(s.n, s.cin, s.h, s.w, s.pad);  // mode 2's maps, made once like y
  Tensor<float> yc = Tensor<float>::zeros(ys);
  const double flops = 2.0 * double(ys.numel()) * double(s.cin * s.k * s.k);
  timed_loop(state, flops, [&] {
    if (mode == 2) {
      to_nchw16c_into(x, xc);
      conv2d_direct_blocked_into(xc, w, b, p, y);
      from_nchw16c_into(y, yc);
    } else if (mode == 1) {
      conv2d_direct_blocked_into(xb, w, b, p, y);
    } else {
      conv2d_direct_blocked_into(xb, pw, p, y);
    }
    benchmark::DoNotOptimize(y.data.data());
  });
  set_num_threads(0);
}

Tensor<float> call_conv2d(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                          const Conv2dParams& p) {
  return conv2d(x, w, b, p);
}
Tensor<float> call_im2col(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                          const Conv2dParams& p) {
  return conv2d_im2col(x, w, b, p);
}
Tensor<float> call_direct(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                          const Conv2dParams& p) {
  return conv2d_direct(x, w, b, p);
}
Tensor<float> call_ref(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                       const Conv2dParams& p) {
  return conv2d_ref(x, w, b, p);
}
Tensor<float> call_depthwise(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                             const Conv2dParams& p) {
  return conv2d_depthwise(x, w, b, p);
}
Tensor<float> call_1x1(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                       const Conv2dParams& p) {
  return conv2d_1x1(x, w, b, p);
}

// Real-model shapes.
const ConvShape realcugan_64 = {1, 64, 64, 64, 64, 3, 1, 1, 1};     // Real-CUGAN / RRDBNet 64ch 3x3
const ConvShape rrdb_128 = {1, 64, 128, 128, 64, 3, 1, 1, 1};       // RRDBNet trunk conv at 128x128
const ConvShape rrdb_gc32 = {1, 32, 64, 64, 32, 3, 1, 1, 1};        // RRDB growth channels 32
const ConvShape pointwise_64 = {1, 64, 64, 64, 64, 1, 1, 0, 1};     // 1x1 64->64
const ConvShape stride2_64 = {1, 64, 64, 64, 64, 3, 2, 1, 1};       // 3x3 s2 down-sampling
const ConvShape pix2pix_enc = {1, 64, 128, 128, 128, 4, 2, 1, 1};   // pix2pix encoder 4x4 s2, 64->128
const ConvShape depthwise_64 = {1, 64, 64, 64, 64, 3, 1, 1, 64};    // depthwise 3x3 C=64
// The 3x3 stride-1 layers that dominate the super-resolution networks, at tile and whole-image sizes.
const ConvShape c64_256 = {1, 64, 256, 256, 64, 3, 1, 1, 1};   // RRDBNet trunk / Real-CUGAN 64ch
const ConvShape c64_512 = {1, 64, 512, 512, 64, 3, 1, 1, 1};
const ConvShape c32_256 = {1, 32, 256, 256, 32, 3, 1, 1, 1};   // Real-CUGAN / upconv_7 32ch
const ConvShape c32_512 = {1, 32, 512, 512, 32, 3, 1, 1, 1};
const ConvShape c160_32_128 = {1, 160, 128, 128, 32, 3, 1, 1, 1};  // RRDB dense conv4: 64 + 3·32 -> 32
const ConvShape c128_128_128 = {1, 128, 128, 128, 128, 3, 1, 0, 1};  // upconv_7 128ch, no padding
const ConvShape first_3_32_256 = {1, 3, 256, 256, 32, 3, 1, 0, 1};  // first layer 3->32 (Real-CUGAN unet1)
const ConvShape first_3_64_256 = {1, 3, 256, 256, 64, 3, 1, 1, 1};  // first layer 3->64 (RRDBNet conv_first)
// Real-CUGAN's 2x2 stride-2 down convs at a 256² input (unet1.conv1_down, unet2.conv2_down) and IS-Net's dilated
// RSU4F convs at 1024² (256 channels at 64x64).
const ConvShape down2_64_288 = {1, 64, 288, 288, 64, 2, 2, 0, 1};
const ConvShape down2_128_270 = {1, 128, 270, 270, 128, 2, 2, 0, 1};
const ConvShape isnet_d2_256 = {1, 256, 64, 64, 256, 3, 1, 2, 1, 2};
const ConvShape isnet_d8_256 = {1, 256, 64, 64, 256, 3, 1, 8, 1, 8};
// More 3x3 stride-1 layers of the models: upconv_7 (valid convs, 32->64 and 64->128 at a 128² tile), RRDBNet's
// dense block (conv1 64->32, conv5 192->64 at 128²), Real-CUGAN unet2 (64->128 and 128->64 at 128²).
const ConvShape upconv7_32_64 = {1, 32, 128, 128, 64, 3, 1, 0, 1};
const ConvShape upconv7_64_128 = {1, 64, 128, 128, 128, 3, 1, 0, 1};
const ConvShape rrdb_64_32_128 = {1, 64, 128, 128, 32, 3, 1, 1, 1};
const ConvShape rrdb_192_64_128 = {1, 192, 128, 128, 64, 3, 1, 1, 1};
const ConvShape cugan_64_128_128 = {1, 64, 128, 128, 128, 3, 1, 0, 1};
const ConvShape cugan_128_64_128 = {1, 128, 128, 128, 64, 3, 1, 0, 1};
// The rest of the models' 3x3 stride-1 layer shapes (session 5): Real-CUGAN unet1 (valid 32->64, 64->64 at a 256²
// tile), upconv_7 (16->32 at 256², 128->256 at 128²), RRDBNet dense convs 2-3 (96->32, 128->32 at 128²), IS-Net 1024²
// (En1 RSU-7(64, 32, 64) and De1 RSU-7(128, 16, 64) at 512²: 64->64, 64->32, 128->64, 64->16, 32->64).
const ConvShape cugan_32_64_256 = {1, 32, 256, 256, 64, 3, 1, 0, 1};
const ConvShape cugan_64_64_256 = {1, 64, 256, 256, 64, 3, 1, 0, 1};
const ConvShape upconv7_16_32 = {1, 16, 256, 256, 32, 3, 1, 0, 1};
const ConvShape upconv7_128_256 = {1, 128, 128, 128, 256, 3, 1, 0, 1};
const ConvShape rrdb_96_32_128 = {1, 96, 128, 128, 32, 3, 1, 1, 1};
const ConvShape rrdb_128_32_128 = {1, 128, 128, 128, 32, 3, 1, 1, 1};
const ConvShape isnet_64_64_512 = {1, 64, 512, 512, 64, 3, 1, 1, 1};
const ConvShape isnet_64_32_512 = {1, 64, 512, 512, 32, 3, 1, 1, 1};
const ConvShape isnet_128_64_512 = {1, 128, 512, 512, 64, 3, 1, 1, 1};
const ConvShape isnet_64_16_512 = {1, 64, 512, 512, 16, 3, 1, 1, 1};
const ConvShape isnet_32_64_512 = {1, 32, 512, 512, 64, 3, 1, 1, 1};
// Small shapes for ref-vs-fast side by side (the reference is slow).
const ConvShape small_3x3 = {1, 16, 32, 32, 16, 3, 1, 1, 1};
const ConvShape small_dw = {1, 16, 32, 32, 16, 3, 1, 1, 16};

}  // namespace

#define PIXFORGE_CONV_BENCH(fn_name, impl, shape) \
  BENCHMARK_CAPTURE(BM_conv2d_##impl, shape, fn_name, shape)->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime()

static void BM_conv2d_dispatch(benchmark::State& st, ConvFn fn, ConvShape s) { run_conv(st, fn, s); }
static void BM_conv2d_im2col(benchmark::State& st, ConvFn fn, ConvShape s) { run_conv(st, fn, s); }
static void BM_conv2d_1x1(benchmark::State& st, ConvFn fn, ConvShape s) { run_conv(st, fn, s); }
static void BM_conv2d_depthwise(benchmark::State& st, ConvFn fn, ConvShape s) { run_conv(st, fn, s); }
static void BM_conv2d_direct(benchmark::State& st, ConvFn fn, ConvShape s) { run_conv(st, fn, s); }
static void BM_conv2d_ref(benchmark::State& st, ConvFn fn, ConvShape s) { run_conv(st, fn, s); }

PIXFORGE_CONV_BENCH(call_im2col, im2col, realcugan_64);
PIXFORGE_CONV_BENCH(call_im2col, im2col, rrdb_128);
PIXFORGE_CONV_BENCH(call_im2col, im2col, rrdb_gc32);
PIXFORGE_CONV_BENCH(call_im2col, im2col, pointwise_64);
PIXFORGE_CONV_BENCH(call_1x1, 1x1, pointwise_64);
PIXFORGE_CONV_BENCH(call_direct, direct, pointwise_64);
PIXFORGE_CONV_BENCH(call_im2col, im2col, depthwise_64);
PIXFORGE_CONV_BENCH(call_depthwise, depthwise, depthwise_64);
PIXFORGE_CONV_BENCH(call_conv2d, dispatch, realcugan_64);
// Before (im2col + Eigen GEMM) and after (direct register-blocked kernel) on the real 3x3 stride-1 layers.
PIXFORGE_CONV_BENCH(call_im2col, im2col, c64_256);
PIXFORGE_CONV_BENCH(call_direct, direct, c64_256);
PIXFORGE_CONV_BENCH(call_im2col, im2col, c64_512);
PIXFORGE_CONV_BENCH(call_direct, direct, c64_512);
PIXFORGE_CONV_BENCH(call_im2col, im2col, c32_256);
PIXFORGE_CONV_BENCH(call_direct, direct, c32_256);
PIXFORGE_CONV_BENCH(call_im2col, im2col, c32_512);
PIXFORGE_CONV_BENCH(call_direct, direct, c32_512);
PIXFORGE_CONV_BENCH(call_im2col, im2col, c160_32_128);
PIXFORGE_CONV_BENCH(call_direct, direct, c160_32_128);
PIXFORGE_CONV_BENCH(call_im2col, im2col, c128_128_128);
PIXFORGE_CONV_BENCH(call_direct, direct, c128_128_128);
PIXFORGE_CONV_BENCH(call_im2col, im2col, first_3_32_256);
PIXFORGE_CONV_BENCH(call_direct, direct, first_3_32_256);
PIXFORGE_CONV_BENCH(call_im2col, im2col, first_3_64_256);
PIXFORGE_CONV_BENCH(call_direct, direct, first_3_64_256);
PIXFORGE_CONV_BENCH(call_direct, direct, realcugan_64);
PIXFORGE_CONV_BENCH(call_direct, direct, rrdb_gc32);
// Before (im2col + GEMM, the path until session 3) and after (direct, stride / dilation in the panel layout).
PIXFORGE_CONV_BENCH(call_im2col, im2col, stride2_64);
PIXFORGE_CONV_BENCH(call_direct, direct, stride2_64);
PIXFORGE_CONV_BENCH(call_im2col, im2col, down2_64_288);
PIXFORGE_CONV_BENCH(call_direct, direct, down2_64_288);
PIXFORGE_CONV_BENCH(call_im2col, im2col, down2_128_270);
PIXFORGE_CONV_BENCH(call_direct, direct, down2_128_270);
PIXFORGE_CONV_BENCH(call_im2col, im2col, pix2pix_enc);
PIXFORGE_CONV_BENCH(call_direct, direct, pix2pix_enc);
PIXFORGE_CONV_BENCH(call_im2col, im2col, isnet_d2_256);
PIXFORGE_CONV_BENCH(call_direct, direct, isnet_d2_256);
PIXFORGE_CONV_BENCH(call_im2col, im2col, isnet_d8_256);
PIXFORGE_CONV_BENCH(call_direct, direct, isnet_d8_256);
// The direct kernel into a reused output (see the header comment), on the models' 3x3 layers.
#define PIXFORGE_CONV_INTO_BENCH(shape) \
  BENCHMARK_CAPTURE(BM_conv2d_direct_into, shape, shape)->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime()
static void BM_conv2d_direct_into(benchmark::State& st, ConvShape s) { run_conv_into(st, s); }
PIXFORGE_CONV_BENCH(call_direct, direct, upconv7_32_64);
PIXFORGE_CONV_BENCH(call_direct, direct, upconv7_64_128);
PIXFORGE_CONV_BENCH(call_direct, direct, rrdb_64_32_128);
PIXFORGE_CONV_BENCH(call_direct, direct, rrdb_192_64_128);
PIXFORGE_CONV_BENCH(call_direct, direct, cugan_64_128_128);
PIXFORGE_CONV_BENCH(call_direct, direct, cugan_128_64_128);
PIXFORGE_CONV_INTO_BENCH(c64_256);
PIXFORGE_CONV_INTO_BENCH(c32_256);
PIXFORGE_CONV_INTO_BENCH(c160_32_128);
PIXFORGE_CONV_INTO_BENCH(c128_128_128);
PIXFORGE_CONV_INTO_BENCH(upconv7_32_64);
PIXFORGE_CONV_INTO_BENCH(upconv7_64_128);
PIXFORGE_CONV_INTO_BENCH(rrdb_64_32_128);
PIXFORGE_CONV_INTO_BENCH(rrdb_192_64_128);
PIXFORGE_CONV_INTO_BENCH(cugan_64_128_128);
PIXFORGE_CONV_INTO_BENCH(cugan_128_64_128);
PIXFORGE_CONV_INTO_BENCH(isnet_d2_256);
PIXFORGE_CONV_INTO_BENCH(isnet_d8_256);
PIXFORGE_CONV_INTO_BENCH(first_3_32_256);
PIXFORGE_CONV_INTO_BENCH(down2_64_288);
PIXFORGE_CONV_INTO_BENCH(cugan_32_64_256);
PIXFORGE_CONV_INTO_BENCH(cugan_64_64_256);
PIXFORGE_CONV_INTO_BENCH(upconv7_16_32);
PIXFORGE_CONV_INTO_BENCH(upconv7_128_256);
PIXFORGE_CONV_INTO_BENCH(rrdb_96_32_128);
PIXFORGE_CONV_INTO_BENCH(rrdb_128_32_128);
PIXFORGE_CONV_INTO_BENCH(isnet_64_64_512);
PIXFORGE_CONV_INTO_BENCH(isnet_64_32_512);
PIXFORGE_CONV_INTO_BENCH(isnet_128_64_512);
PIXFORGE_CONV_INTO_BENCH(isnet_64_16_512);
PIXFORGE_CONV_INTO_BENCH(isnet_32_64_512);
// The same layers through conv2d_direct_blocked (NCHW16c; not used by the models): the layer alone and with the
// layout conversions (bench/NOTES.md, "direct2").
#define PIXFORGE_CONV_BLOCKED_BENCH(shape)                                                                    \
  BENCHMARK_CAPTURE(BM_conv2d_blocked_into, shape, shape)->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime(); \
  BENCHMARK_CAPTURE(BM_conv2d_blocked_pack, shape, shape)->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime(); \
  BENCHMARK_CAPTURE(BM_conv2d_blocked_convert, shape, shape)->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime()
static void BM_conv2d_blocked_into(benchmark::State& st, ConvShape s) { run_blocked_into(st, s, 0); }
static void BM_conv2d_blocked_pack(benchmark::State& st, ConvShape s) { run_blocked_into(st, s, 1); }
static void BM_conv2d_blocked_convert(benchmark::State& st, ConvShape s) { run_blocked_into(st, s, 2); }
PIXFORGE_CONV_BLOCKED_BENCH(c64_256);
PIXFORGE_CONV_BLOCKED_BENCH(c32_256);
PIXFORGE_CONV_BLOCKED_BENCH(c128_128_128);
PIXFORGE_CONV_BLOCKED_BENCH(upconv7_64_128);
PIXFORGE_CONV_BLOCKED_BENCH(rrdb_192_64_128);
PIXFORGE_CONV_BLOCKED_BENCH(cugan_64_64_256);
PIXFORGE_CONV_BLOCKED_BENCH(isnet_64_32_512);
PIXFORGE_CONV_BLOCKED_BENCH(isnet_64_16_512);
PIXFORGE_CONV_BLOCKED_BENCH(c160_32_128);
PIXFORGE_CONV_BLOCKED_BENCH(upconv7_16_32);
PIXFORGE_CONV_BLOCKED_BENCH(upconv7_32_64);
PIXFORGE_CONV_BLOCKED_BENCH(upconv7_128_256);
PIXFORGE_CONV_BLOCKED_BENCH(rrdb_64_32_128);
PIXFORGE_CONV_BLOCKED_BENCH(rrdb_96_32_128);
PIXFORGE_CONV_BLOCKED_BENCH(rrdb_128_32_128);
PIXFORGE_CONV_BLOCKED_BENCH(cugan_32_64_256);
PIXFORGE_CONV_BLOCKED_BENCH(cugan_64_128_128);
PIXFORGE_CONV_BLOCKED_BENCH(cugan_128_64_128);
PIXFORGE_CONV_BLOCKED_BENCH(isnet_64_64_512);
PIXFORGE_CONV_BLOCKED_BENCH(isnet_128_64_512);
PIXFORGE_CONV_BLOCKED_BENCH(isnet_32_64_512);
// Reference vs fast on small shapes.
PIXFORGE_CONV_BENCH(call_ref, ref, small_3x3);
PIXFORGE_CONV_BENCH(call_im2col, im2col, small_3x3);
PIXFORGE_CONV_BENCH(call_ref, ref, small_dw);
PIXFORGE_CONV_BENCH(call_depthwise, depthwise, small_dw);

// The GEMM a 3x3 64->64 conv on 64x64 performs, as one call: M = 64, K = 576, N = 4096 — the peak the im2col
// path can approach. threads:1 runs gemm_eigen, threads:2 gemm_parallel (fixed 256-column blocks).
static void BM_gemm_conv3x3_64ch_64x64(benchmark::State& state) {
  const int threads = int(state.range(0));
  set_num_threads(threads);
  const int64_t M = 64, K = 576, N = 4096;
  const Tensor<float> a = filled({M, K}, 4), b = filled({K, N}, 5);
  Tensor<float> c = Tensor<float>::empty({M, N});
  GemmArgs g;
  g.M = M, g.N = N, g.K = K, g.A = a.data(), g.lda = K, g.B = b.data(), g.ldb = N, g.C = c.data(), g.ldc = N;
  for (auto _ : state) {
    if (threads == 1) gemm_eigen(g);
    else gemm_parallel(g);
    benchmark::ClobberMemory();
  }
  state.counters["flops"] = benchmark::Counter(2.0 * M * N * K, benchmark::Counter::kIsIterationInvariantRate);
  set_num_threads(0);
}
BENCHMARK(BM_gemm_conv3x3_64ch_64x64)->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime();
