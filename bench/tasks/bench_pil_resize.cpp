// Benchmarks for tasks/pil_resize.hpp (Pillow's BILINEAR on 8-bit images) on the resizes `pixforge run` does:
// DeOldify's render square and back (a 1920x1080 photo to 560x560 at render factor 35, and the 8-bit colour result
// back). The argument is the thread count; bytes/s counts input + output bytes.
//
//   build-*/bench_pil_resize --benchmark_min_time=0.05
#include <benchmark/benchmark.h>

#include <random>

#include "pixforge/tasks/pil_resize.hpp"

using namespace pixforge;

namespace {

Image random_image(int w, int h, int c) {
  std::mt19937 rng(1);
  Image img = Image::blank(w, h, c);
  for (auto& p : img.pixels) p = uint8_t(rng() & 255u);
  return img;
}

void BM_pil_resize_bilinear(benchmark::State& state, int w, int h, int ow, int oh) {
  set_num_threads(int(state.range(0)));
  const Image img = random_image(w, h, 3);
  for (auto _ : state) benchmark::DoNotOptimize(pil_resize_bilinear(img, ow, oh));
  state.SetBytesProcessed(int64_t(state.iterations()) * 3 * (int64_t(w) * h + int64_t(ow) * oh));
  set_num_threads(0);
}

}  // namespace

BENCHMARK_CAPTURE(BM_pil_resize_bilinear, deoldify_to_square_1920x1080, 1920, 1080, 560, 560)
    ->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_pil_resize_bilinear, deoldify_back_1920x1080, 560, 560, 1920, 1080)
    ->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);
