// Whole-model benches for the matte networks at their reference resolutions (weights synthetic: speed does not
// depend on the values): IS-Net at 1024² (@imgly/background-removal, BN folded like the converted ONNX weights),
// U²-Net and U²-Net† at 320² (u2net_test.py; BN applied at run time, as from the official .pth files).
// Arguments: input edge (square, RGB), threads. `flops` = 2·MAC of the convolutions measured with the PyTorch
// reference (tools/reference/u2net.py, forward hooks): IS-Net 319.3 GFLOP at 1024², U²-Net 117.2 and U²-Net†
// 39.5 GFLOP at 320²; other edges scale by (edge / reference edge)².
//
//   build-*/bench_u2net --benchmark_min_time=0.1
#include <benchmark/benchmark.h>

#include "pixforge/models/isnet.hpp"
#include "pixforge/models/u2net.hpp"

using namespace pixforge;

namespace {

void fill_weights(Module& m) {
  for (const auto& p : m.named_parameters()) {
    const bool var = p.name.size() > 11 && p.name.compare(p.name.size() - 11, 11, "running_var") == 0;
    p.tensor->fill(p.tensor->dim() == 4 ? 0.01f : var ? 1.0f : 0.1f);
  }
}

void run(benchmark::State& state, const ImageModel& net, double ref_gflop, double ref_edge) {
  const int64_t n = state.range(0);
  set_num_threads(int(state.range(1)));
  const Tensor<float> x = Tensor<float>::full({1, 3, n, n}, 0.5f);
  for (auto _ : state) benchmark::DoNotOptimize(net.forward(x));
  const double flop = ref_gflop * 1e9 * double(n) * double(n) / (ref_edge * ref_edge);
  state.counters["flops"] = benchmark::Counter(flop, benchmark::Counter::kIsIterationInvariantRate);
  set_num_threads(0);
}

void BM_isnet(benchmark::State& state) {
  ISNetDIS::Config c;
  c.bn_folded = true;
  static ISNetDIS net(c);
  static const bool filled = (fill_weights(net), true);
  (void)filled;
  run(state, net, 319.3, 1024);
}

void BM_u2net(benchmark::State& state) {
  static U2Net net;
  static const bool filled = (fill_weights(net), true);
  (void)filled;
  run(state, net, 117.2, 320);
}

void BM_u2netp(benchmark::State& state) {
  static U2NetP net;
  static const bool filled = (fill_weights(net), true);
  (void)filled;
  run(state, net, 39.5, 320);
}

}  // namespace

BENCHMARK(BM_isnet)->Args({1024, 1})->Args({1024, 2})->Args({512, 2})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_u2net)->Args({320, 1})->Args({320, 2})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_u2netp)->Args({320, 1})->Args({320, 2})->Unit(benchmark::kMillisecond)->UseRealTime();
