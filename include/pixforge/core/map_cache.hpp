// pixforge/core/map_cache.hpp — large tensor storage from mmap, with freed maps kept for reuse.
//
// Why: a forward pass allocates a fresh feature map per layer, and a fresh map costs the kernel a page fault and a
// page clear per page on first touch (on the 2-core test VM ~1.7 µs per 4 KiB page: a quarter to a third of a
// whole IS-Net 1024² pass was kernel time, bench/NOTES.md). The same shapes come back layer after layer (RSU blocks,
// U-Net levels, dense blocks), so a freed map handed to the next allocation of the same size costs nothing.
//
// The rule that keeps memory honest: the maps held for reuse plus the maps in use never exceed the most maps ever
// in use at once (`peak`). A release always fits (in use falls by what the cache gains); an allocation that finds
// no map of its size first unmaps cached ones until the new map fits under `peak` (all of them when it sets a new
// peak). So the resident tensor memory of a pass is what it was without the cache — the cache only stops it
// falling between layers, and between passes until release_cached_tensor_maps() (or limits().tensor_map_cache =
// false) gives it back.
//
// Reuse takes a cached map of exactly the requested page-rounded size, or up to 1/8 larger, whole. Failing that, a
// larger cached map gives its head (its tail stays cached), or else the request is assembled from cached maps by
// mremap (assemble(): their resident pages move into a fresh map; only the rest faults): a single pass of a
// cascade whose maps change size layer by layer (Real-CUGAN: 1.58 GB of fresh maps for a 0.66 GB peak at 512²,
// one page fault per 4 KiB) then faults little more than its peak. In use + cached grows by at most what a fresh
// map of the request would add. Maps are not cleared on reuse: Tensor::empty() storage is uninitialised by
// contract (zeros()/full() fill it).
#pragma once

#if defined(__unix__) || defined(__APPLE__)
#include <sys/mman.h>
#include <unistd.h>
#endif

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <map>
#include <mutex>

namespace pixforge {
namespace detail {

#if defined(__unix__) || defined(__APPLE__)
class MapCache {
 public:
  static MapCache& instance() {
    static MapCache c;
    return c;
  }
  // A map of at least `bytes` (page-rounded); `*mapped` receives its true size (what release() must be given).
  // nullptr when the OS refuses.
  void* acquire(size_t bytes, bool use_cache, bool huge_pages, size_t* mapped) {
    const size_t size = round_to_page(bytes);
    std::lock_guard<std::mutex> lock(mutex_);
    if (use_cache) {
      auto it = free_.lower_bound(size);
      if (it != free_.end()) {
        char* p = static_cast<char*>(it->second.p);
        const size_t have = it->first;
        const int pieces = it->second.pieces;
        free_.erase(it);
        *mapped = have;
        if (have > size + size / 8) {  // much larger: its head serves, its tail stays cached (resident either way)
          free_.emplace(have - size, Map{p + size, pieces});
          *mapped = size;
        }
        cached_ -= *mapped;
        note_in_use(*mapped);
        if (pieces > 1) lent_pieces_[p] = pieces;
        return p;
      }
    }
    // No cached map this large: assemble the new one from cached maps where the OS allows, then give back cached
    // maps until in use + cached fits under the peak again.
    const size_t limit = std::max(peak_, in_use_ + size);
    int pieces = 1;
    void* p = use_cache ? assemble(size, &pieces) : nullptr;
    while (!free_.empty() && in_use_ + size + cached_ > limit) unmap_largest();
    if (p == nullptr) {
      p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (p == MAP_FAILED) return nullptr;
    }
    if (pieces > 1) lent_pieces_[p] = pieces;
#ifdef MADV_HUGEPAGE
    // Transparent huge pages ("madvise" mode is common): one fault per 2 MiB instead of per 4 KiB. Advice only.
    if (huge_pages && size >= (size_t(4) << 20)) madvise(p, size, MADV_HUGEPAGE);
#else
    (void)huge_pages;
#endif
    *mapped = size;
    note_in_use(size);
    return p;
  }
  void release(void* p, size_t mapped, bool use_cache) {
    std::lock_guard<std::mutex> lock(mutex_);
    in_use_ -= mapped;
    int pieces = 1;
    if (!lent_pieces_.empty()) {
      auto it = lent_pieces_.find(p);
      if (it != lent_pieces_.end()) {
        pieces = it->second;
        lent_pieces_.erase(it);
      }
    }
    if (use_cache) {  // in use + cached is unchanged, so it stays under the peak
      free_.emplace(mapped, Map{p, pieces});
      cached_ += mapped;
    } else {
      munmap(p, mapped);
    }
  }
  // Unmaps every cached map and forgets the peak (the next pass sets its own).
  void clear() {
    std::lock_guard<std::mutex> lock(mutex_);
    drop_all();
    peak_ = in_use_;
  }
  size_t cached_bytes() {
    std::lock_guard<std::mutex> lock(mutex_);
    return cached_;
  }

 private:
  static size_t round_to_page(size_t bytes) {
    static const size_t page = size_t(sysconf(_SC_PAGESIZE));
    return (bytes + page - 1) / page * page;
  }
  void note_in_use(size_t size) {
    in_use_ += size;
    if (in_use_ > peak_) peak_ = in_use_;
  }
  // A map of `size` bytes built from cached maps, all smaller than `size` (Linux mremap): a fresh (untouched, so
  // free) map of `size` receives the largest cached maps, moved whole by mremap(MREMAP_FIXED) over its start, the
  // last one only in part (its rest stays cached). Their resident pages move with them, so only what is still
  // missing faults. Moves never resize: a moved-in map stays a separate kernel mapping (VMA), and Linux cannot
  // resize a range of several (the first version grew the largest map in place and, from the second pass on,
  // failed there with EFAULT). `pieces` bounds the VMAs of one map (kMaxPieces), so their number stays bounded
  // over any number of passes (a cap of 8 cost Real-CUGAN 512² 25 k more faults in its first pass; with 64 the
  // process had 59 mappings after 5 passes). Moving a range of several VMAs is a recent Linux ability (it worked
  // on the 6.18 kernel here); a kernel that refuses it leaves that map cached. nullptr only when the fresh map is
  // refused.
  void* assemble(size_t size, int* pieces_out) {
#if defined(__linux__) && defined(MREMAP_MAYMOVE) && defined(MREMAP_FIXED)
    if (free_.empty()) return nullptr;
    void* base = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) return nullptr;
    size_t filled = 0;
    int pieces = 0;
    for (auto it = free_.end(); filled < size && it != free_.begin();) {
      --it;  // largest first; erase() below returns the next larger one, so --it continues downwards
      char* q = static_cast<char*>(it->second.p);
      const size_t have = it->first, take = std::min(have, size - filled);
      if (pieces + it->second.pieces + 1 > kMaxPieces ||
          mremap(q, take, take, MREMAP_MAYMOVE | MREMAP_FIXED, static_cast<char*>(base) + filled) == MAP_FAILED)
        continue;  // stays cached
      const int moved = it->second.pieces;
      it = free_.erase(it);
      cached_ -= have;
      if (take < have) {  // only when filled reaches size: the loop ends before meeting this entry
        free_.emplace(have - take, Map{q + take, moved});
        cached_ += have - take;
      }
      filled += take;
      pieces += moved;
    }
    *pieces_out = pieces + (filled < size ? 1 : 0);
    return base;
#else
    (void)size, (void)pieces_out;
    return nullptr;
#endif
  }
  void unmap_largest() {
    auto it = std::prev(free_.end());
    munmap(it->second.p, it->first);
    cached_ -= it->first;
    free_.erase(it);
  }
  void drop_all() {
    while (!free_.empty()) unmap_largest();
  }

  struct Map {
    void* p;
    int pieces;  // at most this many kernel mappings (VMAs) make it up
  };
  static constexpr int kMaxPieces = 64;
  std::mutex mutex_;
  std::multimap<size_t, Map> free_;    // size -> map
  std::map<void*, int> lent_pieces_;   // maps in use made of more than one piece
  size_t cached_ = 0, in_use_ = 0, peak_ = 0;
};
#endif

}  // namespace detail
}  // namespace pixforge
