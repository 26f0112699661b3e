// Benchmarks for ops/conv2d.hpp: shapes from real generators, reference and fast paths side by side,
// thread count as the argument, a FLOP-rate counter (2·N·Cout·Hout·Wout·Cin/g·kH·kW per call).
//
//   build-*/bench_conv2d --benchmark_min_time=0.05
#include <benchmark/benchmark.h>

#include <random>

#include "pixforge/core/gemm.hpp"
#include "pixforge/ops/conv2d.hpp"

using namespace pixforge;

namespace {

struct ConvShape {
  int64_t n, cin, h, w, cout, k;
  int64_t stride, pad, groups;
};

Tensor<float> filled(const Shape& s, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  Tensor<float> t = Tensor<float>::empty(s);
  for (int64_t i = 0; i < t.numel(); ++i) t.data()[i] = d(rng);
  return t;
}

using ConvFn = Tensor<float> (*)(const Tensor<float>&, const Tensor<float>&, const Tensor<float>&,
                                 const Conv2dParams&);

void run_conv(benchmark::State& state, ConvFn fn, const ConvShape& s) {
  set_num_threads(int(state.range(0)));
  const Conv2dParams p = Conv2dParams{}.with_stride(s.stride).with_padding(s.pad).with_groups(s.groups);
  const Tensor<float> x = filled({s.n, s.cin, s.h, s.w}, 1);
  const Tensor<float> w = filled({s.cout, s.cin / s.groups, s.k, s.k}, 2);
  const Tensor<float> b = filled({s.cout}, 3);
  const Shape ys = conv2d_output_shape(x.shape(), w.shape(), p);
  for (auto _ : state) benchmark::DoNotOptimize(fn(x, w, b, p));
  const double flops = 2.0 * double(ys.numel()) * double(s.cin / s.groups * s.k * s.k);
  state.counters["flops"] = benchmark::Counter(flops, benchmark::Counter::kIsIterationInvariantRate);
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
static void BM_conv2d_ref(benchmark::State& st, ConvFn fn, ConvShape s) { run_conv(st, fn, s); }

PIXFORGE_CONV_BENCH(call_im2col, im2col, realcugan_64);
PIXFORGE_CONV_BENCH(call_im2col, im2col, rrdb_128);
PIXFORGE_CONV_BENCH(call_im2col, im2col, rrdb_gc32);
PIXFORGE_CONV_BENCH(call_im2col, im2col, stride2_64);
PIXFORGE_CONV_BENCH(call_im2col, im2col, pix2pix_enc);
PIXFORGE_CONV_BENCH(call_im2col, im2col, pointwise_64);
PIXFORGE_CONV_BENCH(call_1x1, 1x1, pointwise_64);
PIXFORGE_CONV_BENCH(call_im2col, im2col, depthwise_64);
PIXFORGE_CONV_BENCH(call_depthwise, depthwise, depthwise_64);
PIXFORGE_CONV_BENCH(call_conv2d, dispatch, realcugan_64);
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
