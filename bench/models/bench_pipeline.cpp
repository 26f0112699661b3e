// Benchmarks for pipeline.hpp: TinySR 2x through Pipeline::run (8-bit image in, 8-bit image out), untiled vs
// tiled vs the automatic tile size (default budget). Arguments: image edge, tile (0 = untiled, -1 = automatic),
// threads. `pixels/s` counts input pixels; peak_MiB / run_MiB are this benchmark's own peak resident memory
// (model_bench.hpp: the kernel's high-water mark is reset before the loop), so tiled and untiled runs compare.
//
//   build-*/bench_pipeline --benchmark_min_time=0.1
#include <benchmark/benchmark.h>

#include <random>

#include "model_bench.hpp"
#include "pixforge/models/tiny_sr.hpp"
#include "pixforge/pipeline.hpp"

using namespace pixforge;

namespace {

const Pipeline& tiny_sr() {
  static const Pipeline p = Pipeline::load(std::string(PIXFORGE_SOURCE_DIR) + "/weights/tiny-sr-2x.safetensors");
  return p;
}

Image test_image(int n) {
  Image img = Image::blank(n, n, 3);
  std::mt19937 rng(1);
  for (auto& v : img.pixels) v = uint8_t(rng() & 0xff);
  return img;
}

void BM_pipeline_tiny_sr(benchmark::State& state) {
  const int n = int(state.range(0));
  RunOptions opt;
  opt.tile = state.range(1);
  set_num_threads(int(state.range(2)));
  const Image img = test_image(n);
  const TilePlan plan = tiny_sr().plan(n, n, opt);
  const bench::PeakMemory peak;
  for (auto _ : state) benchmark::DoNotOptimize(tiny_sr().run(img, opt));
  peak.report(state);
  state.counters["tiles"] = double(plan.count());
  state.counters["pixels"] = benchmark::Counter(double(n) * n, benchmark::Counter::kIsIterationInvariantRate);
  set_num_threads(0);
}

}  // namespace

BENCHMARK(BM_pipeline_tiny_sr)
    ->ArgNames({"size", "tile", "threads"})
    ->Args({512, 0, 2})
    ->Args({512, 128, 2})
    ->Args({512, 256, 2})
    ->Args({512, -1, 2})
    ->Args({2048, 0, 2})
    ->Args({2048, 256, 2})
    ->Args({2048, 512, 2})
    ->Args({2048, -1, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
