// Whole-model benches for the Real-ESRGAN networks at their released sizes (weights are synthetic: speed does not
// depend on the values): RRDBNet anime_6B (= ncnn realesrgan-x4plus-anime, 6 blocks) and x4plus (23 blocks), and
// SRVGGNetCompact animevideov3 (16 convs). Arguments: input edge (square, RGB), threads. `flops` counts 2·MAC of
// the convolutions (part-b.md: RRDBNet x4plus 73.4 GMAC, SRVGG animevideov3 2.5 GMAC for a 64×64 input).
//
//   build-*/bench_realesrgan --benchmark_min_time=0.1
#include <benchmark/benchmark.h>

#include "pixforge/models/rrdbnet.hpp"
#include "pixforge/models/srvgg.hpp"

using namespace pixforge;

namespace {

void fill_weights(Module& m) {
  for (const auto& p : m.named_parameters()) p.tensor->fill(p.tensor->dim() == 4 ? 0.01f : 0.1f);
}

// Convolution MACs of one forward pass on an h × w input: weight elements × output pixels of each conv.
int64_t rrdbnet_macs(const RRDBNet& net, int64_t h, int64_t w) {
  const int64_t u = net.config().unshuffle(), trunk = (h / u) * (w / u);
  int64_t macs = 0;
  for (const auto& p : net.named_parameters()) {
    if (p.tensor->dim() != 4) continue;
    const std::string& n = p.name;
    const auto starts = [&](const char* s) { return n.rfind(s, 0) == 0; };
    const bool at_4x = starts("conv_up2") || starts("conv_hr") || starts("conv_last");
    const int64_t grid = starts("conv_up1") ? 4 : at_4x ? 16 : 1;
    macs += p.tensor->numel() * trunk * grid;
  }
  return macs;
}

int64_t srvgg_macs(const SRVGGNetCompact& net, int64_t h, int64_t w) {
  int64_t macs = 0;
  for (const auto& p : net.named_parameters())
    if (p.tensor->dim() == 4) macs += p.tensor->numel() * h * w;
  return macs;
}

template <class Net>
void run(benchmark::State& state, const Net& net, int64_t macs) {
  const int64_t n = state.range(0);
  set_num_threads(int(state.range(1)));
  const Tensor<float> x = Tensor<float>::full({1, 3, n, n}, 0.5f);
  for (auto _ : state) benchmark::DoNotOptimize(net.forward(x));
  state.counters["flops"] = benchmark::Counter(2.0 * double(macs), benchmark::Counter::kIsIterationInvariantRate);
  set_num_threads(0);
}

void BM_rrdbnet_anime_6B(benchmark::State& state) {
  RRDBNet::Config c;
  c.num_block = 6;
  static RRDBNet net(c);
  static const bool filled = (fill_weights(net), true);
  (void)filled;
  run(state, net, rrdbnet_macs(net, state.range(0), state.range(0)));
}

void BM_rrdbnet_x4plus(benchmark::State& state) {
  static RRDBNet net{RRDBNet::Config{}};
  static const bool filled = (fill_weights(net), true);
  (void)filled;
  run(state, net, rrdbnet_macs(net, state.range(0), state.range(0)));
}

void BM_srvgg_compact_animevideov3(benchmark::State& state) {
  static SRVGGNetCompact net{SRVGGNetCompact::Config{}};
  static const bool filled = (fill_weights(net), true);
  (void)filled;
  run(state, net, srvgg_macs(net, state.range(0), state.range(0)));
}

}  // namespace

BENCHMARK(BM_rrdbnet_anime_6B)
    ->ArgNames({"size", "threads"})
    ->Args({64, 1})
    ->Args({64, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_rrdbnet_x4plus)
    ->ArgNames({"size", "threads"})
    ->Args({64, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_srvgg_compact_animevideov3)
    ->ArgNames({"size", "threads"})
    ->Args({64, 1})
    ->Args({64, 2})
    ->Args({256, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
