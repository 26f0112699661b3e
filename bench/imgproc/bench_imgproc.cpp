// Benchmarks for include/pixforge/imgproc/: rotate (30°, bilinear) vs rotate_ref, rotate 90° (exact move) vs the
// general path of rotate_ref, adjust (lookup tables) vs adjust_ref, separable SSIM vs the direct-window
// structural_similarity_ref. RGB 8-bit images of 1024x768 (rotate, adjust) and 256x256 (SSIM). Last arg: threads.
// "bytes" counts the output bytes written (items/s = output pixels/s).
#include <benchmark/benchmark.h>

#include <random>

#include "pixforge/imgproc/adjust.hpp"
#include "pixforge/imgproc/metrics.hpp"
#include "pixforge/imgproc/rotate.hpp"

using namespace pixforge;

namespace {

Image random_image(int w, int h, int c, uint32_t seed) {
  Image img = Image::blank(w, h, c);
  std::mt19937 rng(seed);
  for (auto& p : img.pixels) p = uint8_t(rng() & 0xff);
  return img;
}

template <Image (*Fn)(const Image&, const RotateParams&)>
void BM_rotate(benchmark::State& st) {
  set_num_threads(int(st.range(1)));
  const Image img = random_image(1024, 768, 3, 1);
  RotateParams p;
  p.angle = double(st.range(0));
  int64_t px = 0;
  for (auto _ : st) {
    const Image out = Fn(img, p);
    benchmark::DoNotOptimize(out.pixels.data());
    px = int64_t(out.width) * out.height;
  }
  st.SetItemsProcessed(st.iterations() * px);
  st.SetLabel("1024x768 RGB, angle " + std::to_string(st.range(0)));
}

template <Image (*Fn)(const Image&, const AdjustParams&)>
void BM_adjust(benchmark::State& st) {
  set_num_threads(int(st.range(0)));
  const Image img = random_image(1024, 768, 3, 2);
  for (auto _ : st) {
    const Image out = Fn(img, AdjustParams{1.2, 0.8});
    benchmark::DoNotOptimize(out.pixels.data());
  }
  st.SetItemsProcessed(st.iterations() * 1024 * 768);
  st.SetLabel("1024x768 RGB, brightness 1.2 contrast 0.8");
}

template <double (*Fn)(const Plane&, const Plane&, double)>
void BM_ssim(benchmark::State& st) {
  set_num_threads(int(st.range(0)));
  const Plane a = rgb_planes(random_image(256, 256, 1, 3))[0], b = rgb_planes(random_image(256, 256, 1, 4))[0];
  for (auto _ : st) benchmark::DoNotOptimize(Fn(a, b, 255.0));
  st.SetItemsProcessed(st.iterations() * 256 * 256);
  st.SetLabel("256x256 one channel");
}

Image rotate_fast(const Image& x, const RotateParams& p) { return rotate(x, p); }
Image adjust_fast(const Image& x, const AdjustParams& p) { return adjust(x, p); }
double ssim_separable(const Plane& a, const Plane& b, double r) { return structural_similarity(a, b, r); }

}  // namespace

BENCHMARK_TEMPLATE(BM_rotate, rotate_ref)->Args({30, 1})->Args({90, 1})->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(BM_rotate, rotate_fast)
    ->Args({30, 1})->Args({30, 2})->Args({90, 1})->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(BM_adjust, adjust_ref)->Arg(1)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(BM_adjust, adjust_fast)->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(BM_ssim, structural_similarity_ref)->Arg(1)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(BM_ssim, ssim_separable)->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);
