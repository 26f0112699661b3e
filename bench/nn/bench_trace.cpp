// Cost of the tracing hook in the nn layers (nn/trace.hpp): the same tiny op called directly, through its layer
// with tracing off (the normal case: one thread-local load and a branch), and through its layer with a no-op tracer
// installed (timing + the virtual call). Tiny shapes on 1 thread so the per-call overhead is visible at all.
#include <benchmark/benchmark.h>

#include "pixforge/core/parallel.hpp"
#include "pixforge/nn/layers.hpp"
#include "pixforge/nn/trace.hpp"

using namespace pixforge;

namespace {

struct NullTracer : Tracer {
  void on_layer(const Module&, const char*, const Tensor<float>&, const Tensor<float>&, double, double) override {}
};

// mode 0: the op directly; 1: the layer, tracing off; 2: the layer under a no-op tracer.
void BM_Linear_trace(benchmark::State& st) {
  set_num_threads(1);
  Linear fc(16, 16);
  const Tensor<float> x = Tensor<float>::full({1, 16}, 0.5f);
  NullTracer null;
  const int mode = int(st.range(0));
  std::unique_ptr<TraceScope> scope = mode == 2 ? std::make_unique<TraceScope>(null) : nullptr;
  for (auto _ : st) {
    if (mode == 0) benchmark::DoNotOptimize(linear(x, fc.weight, fc.bias, fc.params).data());
    else benchmark::DoNotOptimize(fc(x).data());
  }
  st.SetLabel(mode == 0 ? "linear() op" : mode == 1 ? "Linear layer, trace off" : "Linear layer, no-op tracer");
  set_num_threads(0);
}

void BM_Conv2d_trace(benchmark::State& st) {
  set_num_threads(1);
  Conv2d conv(Conv2dOptions(4, 4, 1));
  const Tensor<float> x = Tensor<float>::full({1, 4, 4, 4}, 0.5f);
  NullTracer null;
  const int mode = int(st.range(0));
  std::unique_ptr<TraceScope> scope = mode == 2 ? std::make_unique<TraceScope>(null) : nullptr;
  for (auto _ : st) {
    if (mode == 0) benchmark::DoNotOptimize(conv2d(x, conv.weight, conv.bias, conv.params).data());
    else benchmark::DoNotOptimize(conv(x).data());
  }
  st.SetLabel(mode == 0 ? "conv2d() op, 1x1 4->4 on 4x4" : mode == 1 ? "Conv2d layer, trace off"
                                                                      : "Conv2d layer, no-op tracer");
  set_num_threads(0);
}

}  // namespace

BENCHMARK(BM_Linear_trace)->Arg(0)->Arg(1)->Arg(2);
BENCHMARK(BM_Conv2d_trace)->Arg(0)->Arg(1)->Arg(2);
