// Benchmarks for ops/gated_conv2d.hpp (DeepFill v2 gated convolution): the reference (conv2d_ref + gating), the
// unfused fast path (conv2d + a separate gating pass) and the fused GEMM epilogue, on DeepFill v2 coarse-network
// shapes (cnum 48: a 3x3 conv producing 2·48 channels at 64x64, and the 5x5 stride-2 entry conv). Counter: conv
// FLOPs 2·N·(2·Cout)·Hout·Wout·Cin·kH·kW.
//
//   build/bench_gated_conv2d --benchmark_min_time=0.05
#include <benchmark/benchmark.h>

#include "bench_util.hpp"
#include "pixforge/ops/activation.hpp"
#include "pixforge/ops/elementwise.hpp"
#include "pixforge/ops/gated_conv2d.hpp"

using namespace pixforge;
using bench::filled;

namespace {

// conv2d with 2·C outputs, then ELU(feature) · sigmoid(gate) as separate ops: what the fused path saves.
Tensor<float> gated_conv2d_unfused(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                                   const GatedConv2dParams& p) {
  const Tensor<float> z = conv2d(x, w, b, p.conv);
  const int64_t c = z.size(1) / 2;
  return mul(activation(z.narrow(1, 0, c).contiguous(), p.act), sigmoid(z.narrow(1, c, c).contiguous()));
}

using GatedFn = Tensor<float> (*)(const Tensor<float>&, const Tensor<float>&, const Tensor<float>&,
                                  const GatedConv2dParams&);

// args: threads, cin, cout (per half), size, kernel, stride
void run(benchmark::State& state, GatedFn fn) {
  set_num_threads(int(state.range(0)));
  const int64_t cin = state.range(1), cout = state.range(2), hw = state.range(3), k = state.range(4),
                s = state.range(5);
  GatedConv2dParams p;
  p.conv.with_stride(s).with_padding(k / 2);
  const Tensor<float> x = filled({1, cin, hw, hw}, 1), w = filled({2 * cout, cin, k, k}, 2), b = filled({2 * cout}, 3);
  const int64_t out = (hw + 2 * (k / 2) - k) / s + 1;
  for (auto _ : state) benchmark::DoNotOptimize(fn(x, w, b, p));
  state.counters["flops"] = benchmark::Counter(2.0 * double(2 * cout * out * out) * double(cin * k * k),
                                               benchmark::Counter::kIsIterationInvariantRate);
  set_num_threads(0);
}

void BM_gated_conv2d_ref(benchmark::State& state) { run(state, gated_conv2d_ref); }
void BM_gated_conv2d_unfused(benchmark::State& state) { run(state, gated_conv2d_unfused); }
void BM_gated_conv2d_fused(benchmark::State& state) { run(state, gated_conv2d_fused); }

// The reference only on a small shape (it is ~100x slower).
BENCHMARK(BM_gated_conv2d_ref)->Args({1, 16, 16, 32, 3, 1})->UseRealTime();
BENCHMARK(BM_gated_conv2d_unfused)->Args({1, 16, 16, 32, 3, 1})->Args({1, 48, 48, 64, 3, 1})->Args({2, 48, 48, 64, 3, 1})
    ->Args({1, 4, 48, 128, 5, 2})->UseRealTime();
BENCHMARK(BM_gated_conv2d_fused)->Args({1, 16, 16, 32, 3, 1})->Args({1, 48, 48, 64, 3, 1})->Args({2, 48, 48, 64, 3, 1})
    ->Args({1, 4, 48, 128, 5, 2})->UseRealTime();

}  // namespace
