// What a fresh feature map costs before any arithmetic: allocate a tensor and write every element once (what a conv
// writing a new output does), then free it. Three ways (core/tensor.hpp, limits()):
//   mode 0: malloc (tensor_mmap_min_bytes = 0; glibc maps big blocks itself and unmaps them on free),
//   mode 1: mmap with 4 KiB pages (tensor_huge_pages = false): one page fault per 4 KiB on first touch,
//   mode 2: mmap + madvise(MADV_HUGEPAGE): one fault per 2 MiB where the kernel has huge pages,
//   mode 3: mode 2 + the map cache (core/map_cache.hpp, on by default): the freed map is reused, no fault at all.
// Rates: bytes_per_second of first-touch writes. The map sizes are Real-CUGAN's (64 ch at 288² ≈ 20 MiB).
//
//   build-*/bench_tensor_alloc --benchmark_min_time=0.2
#include <benchmark/benchmark.h>

#include "pixforge/core/tensor.hpp"

using namespace pixforge;

namespace {

void BM_tensor_first_touch(benchmark::State& state) {
  const int64_t mib = state.range(0), mode = state.range(1);
  const Limits saved = limits();
  limits().tensor_mmap_min_bytes = mode == 0 ? 0 : int64_t(1) << 20;
  limits().tensor_huge_pages = mode >= 2;
  limits().tensor_map_cache = mode == 3;
  const int64_t n = mib * (int64_t(1) << 20) / int64_t(sizeof(float));
  for (auto _ : state) {
    Tensor<float> t = Tensor<float>::empty(Shape{n});
    float* p = t.data();
    for (int64_t i = 0; i < n; ++i) p[i] = float(i & 255);
    benchmark::DoNotOptimize(p);
    benchmark::ClobberMemory();
  }
  limits() = saved;
  release_cached_tensor_maps();
  state.SetBytesProcessed(state.iterations() * mib * (int64_t(1) << 20));
}

}  // namespace

BENCHMARK(BM_tensor_first_touch)
    ->ArgNames({"MiB", "mode"})
    ->ArgsProduct({{4, 20, 64}, {0, 1, 2, 3}})
    ->Unit(benchmark::kMillisecond);
