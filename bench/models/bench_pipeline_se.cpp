// Benchmarks for the multi-pass exact tiling of SE models (pipeline.hpp, info().mean_pools): Real-CUGAN 2×
// (bundled up2x-conservative weights) through Pipeline::run_tensor on a square image, untiled vs exact tiles
// (four SE statistics passes + the output pass) vs naive tiles (one pass, each tile with its own SE means: wrong
// at the seams, shown only to price the statistics passes). Arguments: image edge, tile (0 = untiled), mode
// (0 = exact, 1 = naive). `pixels/s` counts input pixels; peak_MiB / run_MiB as in model_bench.hpp.
//
//   build-*/bench_pipeline_se --benchmark_min_time=0.1
#include <benchmark/benchmark.h>

#include <memory>

#include "model_bench.hpp"
#include "pixforge/models/realcugan.hpp"
#include "pixforge/pipeline.hpp"

using namespace pixforge;

namespace {

const std::string kWeights = std::string(PIXFORGE_SOURCE_DIR) + "/weights/realcugan-se-up2x-conservative.safetensors";

// The model seen as a local one: the pipeline tiles it in one pass, each tile using its own SE means.
class NaiveTiles : public ImageModel {
 public:
  explicit NaiveTiles(std::unique_ptr<ImageModel> m) : m_(std::move(m)), info_(m_->info()) {
    info_.global_context = false;
    info_.mean_pools.clear();
  }
  const ImageModelInfo& info() const override { return info_; }
  Tensor<float> forward(const Tensor<float>& x) const override { return m_->forward(x); }

 private:
  std::unique_ptr<ImageModel> m_;
  ImageModelInfo info_;
};

const Pipeline& pipeline(bool naive) {
  static const Pipeline exact = Pipeline::load(kWeights);
  static const Pipeline local(std::make_unique<NaiveTiles>(load_model(kWeights)));
  return naive ? local : exact;
}

void BM_pipeline_realcugan_se(benchmark::State& state) {
  const int64_t n = state.range(0);
  RunOptions opt;
  opt.tile = state.range(1);
  const Pipeline& pipe = pipeline(state.range(2) == 1);
  set_num_threads(2);
  Tensor<float> x = Tensor<float>::empty({1, 3, n, n});
  for (int64_t k = 0; k < x.numel(); ++k) x.data()[k] = float((k * 37) % 251) / 250.0f;
  const TilePlan plan = pipe.plan(n, n, opt);
  const bench::PeakMemory peak;
  for (auto _ : state) benchmark::DoNotOptimize(pipe.run_tensor(x, opt));
  peak.report(state);
  state.counters["tiles"] = double(plan.count());
  state.counters["pixels"] = benchmark::Counter(double(n) * n, benchmark::Counter::kIsIterationInvariantRate);
  set_num_threads(0);
}

}  // namespace

BENCHMARK(BM_pipeline_realcugan_se)
    ->ArgNames({"size", "tile", "naive"})
    ->Args({256, 0, 0})
    ->Args({256, 128, 0})
    ->Args({256, 128, 1})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(1);
