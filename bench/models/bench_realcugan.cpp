// Whole-model benches for Real-CUGAN 2×/3×/4× and waifu2x CUNet 1× (include/pixforge/models/realcugan.hpp,
// waifu2x_cunet.hpp) with synthetic weights (speed does not depend on the values). Argument `size` is the edge of
// the square *image*; the network runs on it reflect/replicate-padded as the apps do (2×: size + 36). `flops` counts
// 2·MAC of the convolutions (part-b.md §7.3: Real-CUGAN 2× on a 64×64 input 4.3 GMAC; cunet_macs() reproduces it).
//
//   build-*/bench_realcugan --benchmark_min_time=0.1
// Peer: realcugan-ncnn-vulkan -g -1 -j 1:2:2 -s 2 -n -1 on a 256×256 PNG (SOURCES.md §3), measured side by side.
#include <benchmark/benchmark.h>

#include "pixforge/models/realcugan.hpp"
#include "pixforge/models/waifu2x_cunet.hpp"

using namespace pixforge;

namespace {

void fill_weights(Module& m) {
  for (const auto& p : m.named_parameters()) p.tensor->fill(p.tensor->dim() == 4 ? 0.01f : 0.1f);
}

int64_t sq(int64_t v) { return v * v; }

// Convolution MACs of UNet1 on an n×n input (cin → cout; bottom as in cunet::UNet1Bottom).
int64_t unet1_macs(int64_t n, int64_t cin, int64_t cout, cunet::UNet1Bottom bottom) {
  const int64_t a = (n - 4) / 2;
  int64_t m = sq(n - 2) * 32 * cin * 9 + sq(n - 4) * 64 * 32 * 9 + sq(a) * 64 * 64 * 4;
  m += sq(a - 2) * 128 * 64 * 9 + sq(a - 4) * 64 * 128 * 9 + sq(a - 4) * 64 * 64 * 4 + sq(n - 14) * 64 * 64 * 9;
  switch (bottom) {
    case cunet::UNet1Bottom::conv: return m + sq(n - 16) * cout * 64 * 9;
    case cunet::UNet1Bottom::deconv: return m + sq(n - 14) * 64 * cout * 16;
    case cunet::UNet1Bottom::deconv_x3: return m + sq(n - 14) * 64 * cout * 25;
  }
  return m;
}

// Convolution MACs of UNet2 on an n×n input.
int64_t unet2_macs(int64_t n, int64_t cin, int64_t cout) {
  const int64_t a = (n - 4) / 2, b = (a - 4) / 2, c = 2 * (b - 4), d = 2 * (c - 4);
  int64_t m = sq(n - 2) * 32 * cin * 9 + sq(n - 4) * 64 * 32 * 9 + sq(a) * 64 * 64 * 4;
  m += sq(a - 2) * 64 * 64 * 9 + sq(a - 4) * 128 * 64 * 9 + sq(b) * 128 * 128 * 4;
  m += sq(b - 2) * 256 * 128 * 9 + sq(b - 4) * 128 * 256 * 9 + sq(b - 4) * 128 * 128 * 4;
  m += sq(c - 2) * 64 * 128 * 9 + sq(c - 4) * 64 * 64 * 9 + sq(c - 4) * 64 * 64 * 4;
  return m + sq(d - 2) * 64 * 64 * 9 + sq(d - 4) * cout * 64 * 9;
}

// The whole cascade on a padded n×n input.
int64_t cunet_macs(const std::string& arch, int64_t scale, int64_t n) {
  if (arch == "waifu2x_cunet" && scale == 1) return unet1_macs(n, 3, 3, cunet::UNet1Bottom::conv) + unet2_macs(n - 16, 3, 3);
  if (scale == 3) return unet1_macs(n, 3, 3, cunet::UNet1Bottom::deconv_x3) + unet2_macs(3 * n - 44, 3, 3);
  const int64_t c = scale == 4 ? 64 : 3;
  int64_t m = unet1_macs(n, 3, c, cunet::UNet1Bottom::deconv) + unet2_macs(2 * n - 32, c, c);
  if (scale == 4) m += sq(2 * n - 74) * 12 * 64 * 9;
  return m;
}

void run(benchmark::State& state, const ImageModel& net) {
  const ImageModelInfo& info = net.info();
  const int64_t size = state.range(0), n = size + 2 * info.pre_pad;
  set_num_threads(int(state.range(1)));
  const Tensor<float> x = Tensor<float>::full({1, 3, n, n}, 0.5f);
  for (auto _ : state) benchmark::DoNotOptimize(net.forward(x));
  state.counters["flops"] = benchmark::Counter(2.0 * double(cunet_macs(info.arch, info.scale, n)),
                                               benchmark::Counter::kIsIterationInvariantRate);
  set_num_threads(0);
}

template <int Scale>
void BM_realcugan(benchmark::State& state) {
  RealCUGAN::Config c;
  c.scale = Scale;
  static RealCUGAN net(c);
  static const bool filled = (fill_weights(net), true);
  (void)filled;
  run(state, net);
}

void BM_waifu2x_cunet_1x(benchmark::State& state) {
  Waifu2xCUNet::Config c;
  c.scale = 1;
  static Waifu2xCUNet net(c);
  static const bool filled = (fill_weights(net), true);
  (void)filled;
  run(state, net);
}

// The spec's cost figure, checked once at start-up (a wrong MAC formula would make every flops counter wrong).
const bool kMacsChecked = [] {
  const double gmac = double(cunet_macs("realcugan", 2, 64 + 36)) * 1e-9;
  if (gmac < 4.25 || gmac > 4.35) std::fprintf(stderr, "bench_realcugan: 2x MACs for 64x64 = %.3f G, spec 4.3 G\n", gmac);
  return true;
}();

}  // namespace

BENCHMARK(BM_realcugan<2>)->ArgNames({"size", "threads"})->Args({64, 1})->Args({64, 2})->Args({256, 2})
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_realcugan<3>)->ArgNames({"size", "threads"})->Args({64, 2})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_realcugan<4>)->ArgNames({"size", "threads"})->Args({64, 2})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_waifu2x_cunet_1x)->ArgNames({"size", "threads"})->Args({64, 2})->Unit(benchmark::kMillisecond)
    ->UseRealTime();
