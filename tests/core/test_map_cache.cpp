// The map cache behind large tensor storage (core/map_cache.hpp): a freed map is reused by the next allocation of
// its size, the maps kept never push the resident tensor memory above the peak of maps in use, and
// release_cached_tensor_maps() gives them back to the OS.
#include <sys/resource.h>

#include "pixforge/core/tensor.hpp"
#include "test_util.hpp"

using namespace pixforge;

#if defined(__linux__)
namespace {
constexpr int64_t kMiB = int64_t(1) << 20;
Tensor<float> touched(int64_t mib, float value) { return Tensor<float>::full(Shape{mib * kMiB / 4}, value); }
}  // namespace

TEST_CASE("map cache: a freed map is reused by the next allocation of its size, and given back on release") {
  if (!detail::kTensorMmap) return;  // AddressSanitizer builds and non-Unix systems use malloc
  REQUIRE(limits().tensor_map_cache);
  release_cached_tensor_maps();
  const float* first = nullptr;
  {
    const Tensor<float> a = touched(12, 1.0f);
    first = a.data();
  }
  CHECK(detail::MapCache::instance().cached_bytes() >= size_t(12 * kMiB));
  const int64_t cached_rss = test::vm_rss_kib();
  {
    const Tensor<float> b = Tensor<float>::empty(Shape{12 * kMiB / 4});
    CHECK(b.data() == first);  // the same map, no fresh pages
    CHECK(detail::MapCache::instance().cached_bytes() == 0);
  }
  release_cached_tensor_maps();
  CHECK(detail::MapCache::instance().cached_bytes() == 0);
  const int64_t released_rss = test::vm_rss_kib();
  MESSAGE("VmRSS KiB with the 12 MiB map cached ", cached_rss, ", after release_cached_tensor_maps() ", released_rss);
  CHECK(cached_rss - released_rss >= 11 * 1024);
}

TEST_CASE("map cache: cached maps never lift resident tensor memory above the peak of maps in use") {
  if (!detail::kTensorMmap) return;
  release_cached_tensor_maps();
  const float* big_data = nullptr;
  {
    const Tensor<float> big = touched(28, 1.0f);  // peak 28 MiB in use; now cached
    big_data = big.data();
  }
  const int64_t before = test::vm_rss_kib();
  {
    // A 20 MiB request takes the head of the 28 MiB map (more than 1/8 larger); its 8 MiB tail stays cached
    // (20 in use + 8 cached = the 28 MiB peak). A fresh map would have had to unmap the 28 MiB first.
    const Tensor<float> t = touched(20, 2.0f);
    const int64_t during = test::vm_rss_kib();
    MESSAGE("VmRSS KiB with 28 MiB cached ", before, ", with 20 MiB of it in use ", during);
    CHECK(during - before <= 2 * 1024);  // not +20 MiB
    CHECK(t.data() == big_data);         // the head, no fresh pages
    CHECK(detail::MapCache::instance().cached_bytes() == size_t(8 * kMiB));
  }
  {
    // Two maps in use at once set a new peak of 40 MiB; freed, both are kept, and a third allocation that fits
    // under the peak keeps them too.
    const Tensor<float> a = touched(20, 1.0f), b = touched(20, 3.0f);
    CHECK(a.data()[0] == 1.0f);
    CHECK(b.data()[b.numel() - 1] == 3.0f);
  }
  CHECK(detail::MapCache::instance().cached_bytes() >= size_t(40 * kMiB));
  {
    const Tensor<float> c = Tensor<float>::empty(Shape{20 * kMiB / 4});
    CHECK(detail::MapCache::instance().cached_bytes() >= size_t(20 * kMiB));
  }
  release_cached_tensor_maps();
}

namespace {
long minor_faults() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_minflt;
}
}  // namespace

TEST_CASE("map cache: a request larger than every cached map grows the largest one, faulting only the growth") {
  if (!detail::kTensorMmap) return;
  release_cached_tensor_maps();
  { const Tensor<float> a = touched(12, 1.0f); }  // 12 MiB resident, cached
  const long before = minor_faults();
  {
    const Tensor<float> b = touched(20, 2.0f);  // writes all 20 MiB
    const long faults = minor_faults() - before;
    MESSAGE("minor faults filling a 20 MiB tensor with a 12 MiB map cached: ", faults, " (a fresh map: ~5120)");
    CHECK(faults < 3 * 1024);  // ~8 MiB of 4 KiB pages (fewer with huge pages), not 20 MiB
    CHECK(b.data()[0] == 2.0f);
    CHECK(b.data()[b.numel() - 1] == 2.0f);
    CHECK(detail::MapCache::instance().cached_bytes() == 0);
  }
  release_cached_tensor_maps();
}

TEST_CASE("map cache: a request larger than every cached map is assembled from several of them") {
  if (!detail::kTensorMmap) return;
  release_cached_tensor_maps();
  {
    const Tensor<float> a = touched(12, 1.0f), b = touched(8, 3.0f);  // 20 MiB resident, cached when freed
  }
  REQUIRE(detail::MapCache::instance().cached_bytes() == size_t(20 * kMiB));
  const long before = minor_faults();
  {
    const Tensor<float> c = touched(20, 2.0f);
    const long faults = minor_faults() - before;
    MESSAGE("minor faults filling a 20 MiB tensor with 12 + 8 MiB maps cached: ", faults, " (a fresh map: ~5120)");
    CHECK(faults < 1024);  // the 12 and the 8 MiB pages moved in, not 5120 fresh ones (nor 2048 after a grow)
    CHECK(c.data()[0] == 2.0f);
    CHECK(c.data()[c.numel() - 1] == 2.0f);
    CHECK(detail::MapCache::instance().cached_bytes() == 0);
  }
  release_cached_tensor_maps();
}

TEST_CASE("map cache: limits().tensor_map_cache = false unmaps on free") {
  if (!detail::kTensorMmap) return;
  release_cached_tensor_maps();
  limits().tensor_map_cache = false;
  { const Tensor<float> a = touched(8, 1.0f); }
  CHECK(detail::MapCache::instance().cached_bytes() == 0);
  limits().tensor_map_cache = true;
}
#endif
