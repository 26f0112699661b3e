// Whole-model benches of every super-resolution network with its real converted weights (weights/, see
// weights/README.md), at 256×256 and 512×512 images, 1 and 2 threads: time, effective conv FLOP/s and peak memory
// (counters explained in model_bench.hpp). Results and the command: bench/models/README.md.
//
//   build-*/bench_sr_models --benchmark_min_time=0.1 --benchmark_counters_tabular=true
// One size/thread count:  --benchmark_filter='/size:256/threads:2'
#include "model_bench.hpp"
#include "pixforge/models/realcugan.hpp"
#include "pixforge/models/rrdbnet.hpp"
#include "pixforge/models/srvgg.hpp"
#include "pixforge/models/tiny_sr.hpp"
#include "pixforge/models/upscalerjs_rdn.hpp"
#include "pixforge/models/upscalerjs_rrdn.hpp"
#include "pixforge/models/waifu2x_cunet.hpp"
#include "pixforge/models/waifu2x_upconv7.hpp"
#include "pixforge/models/waifu2x_vgg7.hpp"

using pixforge::bench::ModelSpec;

namespace {

void BM_sr(benchmark::State& state, ModelSpec spec) { pixforge::bench::run_model(state, spec); }

const char* const kFetchWaifu2x = "tools/fetch_weights waifu2x";
const char* const kFetchCugan = "tools/fetch_weights realcugan";
const char* const kFetchEsrgan = "tools/fetch_weights realesrgan";
const char* const kFetchUpscalerjs = "tools/fetch_weights upscalerjs";
const char* const kConvertX4plus =
    "/usr/bin/python3 tools/convert_pth.py RealESRGAN_x4plus.pth weights/realesrgan-x4plus.safetensors --arch rrdbnet";

ModelSpec real(const char* path, const char* fetch) { return ModelSpec{path, nullptr, nullptr, fetch}; }

}  // namespace

#define PIXFORGE_SR_BENCH(name, spec)                                                                    \
  BENCHMARK_CAPTURE(BM_sr, name, spec)->ArgNames({"size", "threads"})->ArgsProduct({{256, 512}, {1, 2}}) \
      ->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime()

PIXFORGE_SR_BENCH(tiny_sr_2x, real("weights/tiny-sr-2x.safetensors", "(bundled)"));
PIXFORGE_SR_BENCH(waifu2x_upconv7_2x, real("weights/waifu2x-upconv7-scale2x.safetensors", kFetchWaifu2x));
PIXFORGE_SR_BENCH(waifu2x_vgg7_2x, real("weights/waifu2x-vgg7-scale2x.safetensors", kFetchWaifu2x));
PIXFORGE_SR_BENCH(waifu2x_cunet_2x, real("weights/waifu2x-cunet-scale2x.safetensors", kFetchWaifu2x));
PIXFORGE_SR_BENCH(waifu2x_cunet_1x_noise1, real("weights/waifu2x-cunet-noise1.safetensors", kFetchWaifu2x));
PIXFORGE_SR_BENCH(realcugan_se_up2x, real("weights/realcugan-se-up2x-conservative.safetensors", kFetchCugan));
PIXFORGE_SR_BENCH(realcugan_se_up3x, real("weights/realcugan-se-up3x-conservative.safetensors", kFetchCugan));
PIXFORGE_SR_BENCH(realcugan_se_up4x, real("weights/realcugan-se-up4x-conservative.safetensors", kFetchCugan));
PIXFORGE_SR_BENCH(srvgg_realesr_animevideov3_x4, real("weights/realesr-animevideov3-x4.safetensors", kFetchEsrgan));
PIXFORGE_SR_BENCH(rrdbnet_x4plus_anime_6B, real("weights/realesrgan-x4plus-anime.safetensors", kFetchEsrgan));
PIXFORGE_SR_BENCH(rrdbnet_x4plus, real("weights/realesrgan-x4plus.safetensors", kConvertX4plus));
PIXFORGE_SR_BENCH(upscalerjs_rdn_esrgan_slim_x2,
                  real("weights/upscalerjs-esrgan-slim-x2.safetensors", kFetchUpscalerjs));
PIXFORGE_SR_BENCH(upscalerjs_rdn_esrgan_slim_x4,
                  real("weights/upscalerjs-esrgan-slim-x4.safetensors", kFetchUpscalerjs));
PIXFORGE_SR_BENCH(upscalerjs_rdn_esrgan_medium_x2,
                  real("weights/upscalerjs-esrgan-medium-x2.safetensors", kFetchUpscalerjs));
PIXFORGE_SR_BENCH(upscalerjs_rdn_esrgan_medium_x4,
                  real("weights/upscalerjs-esrgan-medium-x4.safetensors", kFetchUpscalerjs));
PIXFORGE_SR_BENCH(upscalerjs_rdn_div2k_x2, real("weights/upscalerjs-div2k-2x.safetensors", kFetchUpscalerjs));
PIXFORGE_SR_BENCH(upscalerjs_rrdn_gans_x4, real("weights/upscalerjs-gans.safetensors", kFetchUpscalerjs));
