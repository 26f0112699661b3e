// pixforge/core/parallel.hpp — the one place that talks to OpenMP.
//
// Rules that keep results bit-identical for any thread count:
//   * one owner of parallelism per op: the op's outer loop is split here; nothing inside it (Eigen included,
//     see core/gemm.hpp) starts threads of its own;
//   * work is split into units whose boundaries do not depend on the thread count (a unit = an output channel,
//     a row, a fixed-size column block), and every output element is summed by exactly one thread in a fixed order.
//     Threads only decide *who* computes a unit, never *how*.
//
// Without OpenMP (no -fopenmp, or PIXFORGE_NO_OPENMP) everything runs serially with identical results.
#pragma once

#include <cstdint>

#if defined(_OPENMP) && !defined(PIXFORGE_NO_OPENMP)
#include <omp.h>
#define PIXFORGE_HAS_OPENMP 1
#else
#define PIXFORGE_HAS_OPENMP 0
#endif

namespace pixforge {

namespace detail {
inline int& thread_setting() {
  static int n = 0;  // 0 = OpenMP's default (OMP_NUM_THREADS or all cores)
  return n;
}
}  // namespace detail

// Sets the number of threads pixforge ops use (n <= 0 restores the default).
inline void set_num_threads(int n) { detail::thread_setting() = n > 0 ? n : 0; }

inline int get_num_threads() {
#if PIXFORGE_HAS_OPENMP
  return detail::thread_setting() > 0 ? detail::thread_setting() : omp_get_max_threads();
#else
  return 1;
#endif
}

// Calls fn(i) for every i in [begin, end), spread over threads with a static schedule.
// Use it for the outermost loop of an op only; fn must write disjoint outputs.
template <class F>
void parallel_for(int64_t begin, int64_t end, F&& fn) {
  if (end <= begin) return;
#if PIXFORGE_HAS_OPENMP
  const int threads = get_num_threads();
  if (threads > 1 && end - begin > 1 && !omp_in_parallel()) {
#pragma omp parallel for schedule(static) num_threads(threads)
    for (int64_t i = begin; i < end; ++i) fn(i);
    return;
  }
#endif
  for (int64_t i = begin; i < end; ++i) fn(i);
}

// Below this much work in total (≈ floating-point operations) an op runs on the calling thread: waking the OpenMP
// team costs a few microseconds, more than a tiny op (a 4-channel 3×3 conv on 8×8 is ~20 kFLOP, ~1 µs) takes.
// Which thread runs a unit never changes its result, so this only changes speed.
constexpr double kMinParallelWork = 2e5;

// parallel_for for ops that know their cost: `work_per_item` ≈ FLOPs (or bytes moved) of one item.
template <class F>
void parallel_for_work(int64_t begin, int64_t end, double work_per_item, F&& fn) {
  if (double(end - begin) * work_per_item < kMinParallelWork) {
    for (int64_t i = begin; i < end; ++i) fn(i);
    return;
  }
  parallel_for(begin, end, fn);
}

// Like parallel_for, but each call gets a contiguous chunk [lo, hi) of at least `grain` items, so cheap
// per-element bodies (activations, copies) are not dominated by scheduling.
template <class F>
void parallel_for_chunked(int64_t begin, int64_t end, int64_t grain, F&& fn) {
  if (end <= begin) return;
  if (grain < 1) grain = 1;
  const int64_t chunks = (end - begin + grain - 1) / grain;
  parallel_for(0, chunks, [&](int64_t c) {
    const int64_t lo = begin + c * grain;
    const int64_t hi = lo + grain < end ? lo + grain : end;
    fn(lo, hi);
  });
}

}  // namespace pixforge
