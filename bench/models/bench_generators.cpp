// Whole-model benches of the image generators of issue #4 at 256×256 (unet_deep at 512×512, the smallest input its
// 9 stride-2 levels accept) and IS-Net at 1024×1024 (its reference resolution), 1 and 2 threads: time, effective
// conv FLOP/s and peak memory (counters explained in model_bench.hpp). None of these has converted public weights
// in weights/ except IS-Net (AGPL, fetched on request), so they are built from their default Config with seeded
// random weights — the cost does not depend on the values (checked: no inf/NaN in the output) — and the benchmark
// name ends in `_random`. Results and the command: bench/models/README.md.
//
//   build-*/bench_generators --benchmark_min_time=0.1 --benchmark_counters_tabular=true
#include <vector>

#include "model_bench.hpp"
#include "pixforge/models/deblurgan.hpp"
#include "pixforge/models/deoldify_unet.hpp"
#include "pixforge/models/fca_unet.hpp"
#include "pixforge/models/isnet.hpp"
#include "pixforge/models/mfrcnet.hpp"
#include "pixforge/models/patchgan.hpp"
#include "pixforge/models/pix2pix_unet.hpp"
#include "pixforge/models/r2attunet.hpp"
#include "pixforge/models/tf_enhancer.hpp"
#include "pixforge/models/transformer_net.hpp"
#include "pixforge/models/u2net.hpp"
#include "pixforge/models/unet_deep.hpp"
#include "pixforge/models/vgg19_features.hpp"

using pixforge::bench::ModelSpec;

namespace {

void BM_gen(benchmark::State& state, ModelSpec spec) { pixforge::bench::run_model(state, spec); }

ModelSpec random(const char* arch, const char* config = "{}") { return ModelSpec{nullptr, arch, config, nullptr}; }

}  // namespace

#define PIXFORGE_GEN_BENCH(name, spec, size)                                                              \
  BENCHMARK_CAPTURE(BM_gen, name, spec)->ArgNames({"size", "threads"})->ArgsProduct({{size}, {1, 2}}) \
      ->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime()

PIXFORGE_GEN_BENCH(pix2pix_unet_random, random("pix2pix_unet"), 256);
PIXFORGE_GEN_BENCH(unet_deep_random, random("unet_deep"), 512);
PIXFORGE_GEN_BENCH(patchgan_random, random("patchgan"), 256);
PIXFORGE_GEN_BENCH(mfrcnet_random, random("mfrcnet"), 256);
PIXFORGE_GEN_BENCH(fca_unet_random, random("fca_unet"), 256);
PIXFORGE_GEN_BENCH(transformer_net_random, random("transformer_net"), 256);
PIXFORGE_GEN_BENCH(vgg19_features_random, random("vgg19_features"), 256);
PIXFORGE_GEN_BENCH(r2attunet_random, random("r2attunet"), 256);
PIXFORGE_GEN_BENCH(deblurgan_random, random("deblurgan"), 256);
PIXFORGE_GEN_BENCH(deoldify_unet_random, random("deoldify_unet"), 256);
PIXFORGE_GEN_BENCH(u2net_random, random("u2net"), 256);
PIXFORGE_GEN_BENCH(u2netp_random, random("u2netp"), 256);
PIXFORGE_GEN_BENCH(tf_enhancer_random, random("tf_enhancer"), 256);
// IS-Net: the converted AGPL weights when fetched, and the same network (BN folded, as converted) with random weights.
PIXFORGE_GEN_BENCH(isnet, (ModelSpec{"weights/isnet.safetensors", nullptr, nullptr, "tools/fetch_weights isnet"}),
                   1024);
PIXFORGE_GEN_BENCH(isnet_random, random("isnet", R"({"bn_folded": true})"), 1024);

// Calibration of the peak-memory counters: allocates and touches `size` MiB inside the loop, so run_MiB must read
// about `size` (and a second run in the same process must not inherit the first one's peak).
static void BM_peak_memory_check(benchmark::State& state) {
  const pixforge::bench::PeakMemory peak;
  for (auto _ : state) {
    std::vector<char> block(size_t(state.range(0)) << 20, 1);
    benchmark::DoNotOptimize(block.data());
  }
  peak.report(state);
}
BENCHMARK(BM_peak_memory_check)->ArgName("MiB")->Arg(256)->Arg(64)->Unit(benchmark::kMillisecond);
