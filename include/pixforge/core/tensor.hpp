// pixforge/core/tensor.hpp — Shape and Tensor<T>: an N-d array, NCHW by convention.
//
// A Tensor is a shape, strides (in elements) and a pointer into storage. Storage is either owned (64-byte aligned,
// shared by reference counting between a tensor and its views, like a torch.Tensor) or borrowed from the caller
// (Tensor::view(ptr, shape): no copy, the caller keeps the memory alive).
//
//     auto x = pixforge::Tensor<>::zeros({1, 3, 64, 64});   // float, N, C, H, W
//     x(0, 2, 10, 5) = 1.0f;                                 // element access by index (no bounds check)
//     auto y = x.reshape({1, 3, 4096});                      // shares storage
//     auto crop = x.narrow(2, 8, 32);                        // a strided view; crop.contiguous() packs it
//
// Conventions: activations are [N, C, H, W], channel order RGB unless a model says otherwise. Ops accept any
// strides and call contiguous() at their entry when their fast path needs packed data. Sizes and indices are
// int64_t. Misuse (wrong rank, index out of range, a reshape that changes numel) raises pixforge::Error.
//
// Memory limit: every owned allocation is checked against limits().max_tensor_bytes (default 8 GiB), so an image
// too large for the machine fails with a clear limit_exceeded error instead of a std::bad_alloc or the OOM killer.
//
// Memory accounting (off by default): while a TensorMemoryTracker lives, owned allocations add to a live-bytes
// counter and its high-water mark (frees subtract); tests use it to check a forward pass's memory plan. Off, an
// allocation costs one relaxed atomic load more, nothing per element.
#pragma once

#if defined(__unix__) || defined(__APPLE__)
#include <sys/mman.h>
#endif

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "pixforge/core/dtype.hpp"
#include "pixforge/core/error.hpp"
#include "pixforge/core/map_cache.hpp"

namespace pixforge {

constexpr int kMaxRank = 6;

// Process-wide resource limits (see also io/image.hpp for the pixel limit).
struct Limits {
  int64_t max_tensor_bytes = int64_t(8) << 30;  // largest single allocation
  int64_t max_image_pixels = int64_t(1) << 28;  // largest decoded image (W*H), 268 Mpx
  // Tensor storage of at least this many bytes is mapped from the OS directly (mmap), so a forward pass's resident
  // peak follows its live tensors. Through malloc, freed feature maps of up to 32 MiB stay in glibc's heap (its mmap
  // threshold grows after each large free) and add to the peak: Real-CUGAN 2× at 256² peaked at 219 MiB that way,
  // 192 MiB with this (bench/NOTES.md). 0 = always malloc. Unix only; never under AddressSanitizer (it would not
  // see overflows).
  int64_t tensor_mmap_min_bytes = int64_t(1) << 20;
  // Ask for transparent huge pages on mapped tensor storage of >= 4 MiB. Off by default: measured per model it
  // helped (RRDBNet 256² −13 % wall) or hurt (IS-Net +16 %) on the test VM (bench/NOTES.md "Transparent huge pages").
  bool tensor_huge_pages = false;
  // Keep freed maps for reuse by the next allocation of their size, never holding more than the peak of maps in use
  // (core/map_cache.hpp; release_cached_tensor_maps() gives them back). false = unmap on free.
  bool tensor_map_cache = true;
};
inline Limits& limits() {
  static Limits l;
  return l;
}
// Gives the freed tensor maps kept for reuse back to the OS (core/map_cache.hpp), e.g. after a batch of images.
inline void release_cached_tensor_maps() {
#if defined(__unix__) || defined(__APPLE__)
  detail::MapCache::instance().clear();
#endif
}

namespace detail {
// Bytes the owned allocations of this thread may still take while an AllocationBudget is alive; -1 = no budget.
inline int64_t& thread_allocation_budget() {
  thread_local int64_t left = -1;
  return left;
}
// What the innermost AllocationBudget is for, appended to its limit_exceeded message.
inline const std::string*& thread_allocation_budget_reason() {
  thread_local const std::string* reason = nullptr;
  return reason;
}
}  // namespace detail

// Caps the total bytes of owned tensor allocations made on this thread while it lives (frees are not credited
// back). load_model() builds a network under one sized from the weight file, so a tiny hostile file whose config
// asks for terabytes of parameters fails with limit_exceeded instead of allocating them. Nests: an inner budget
// cannot exceed the outer one's remainder.
class AllocationBudget {
 public:
  // `reason` explains the budget in the error message ("load_model 'x.safetensors': ...").
  AllocationBudget(int64_t bytes, std::string reason)
      : outer_(detail::thread_allocation_budget()),
        outer_reason_(detail::thread_allocation_budget_reason()),
        reason_(std::move(reason)) {
    int64_t& left = detail::thread_allocation_budget();
    left = outer_ < 0 ? bytes : std::min(outer_, bytes);
    initial_ = left;
    detail::thread_allocation_budget_reason() = &reason_;
  }
  ~AllocationBudget() {
    int64_t& left = detail::thread_allocation_budget();
    // What was used here is charged to the outer budget.
    left = outer_ < 0 ? -1 : std::max<int64_t>(0, outer_ - (initial_ - left));
    detail::thread_allocation_budget_reason() = outer_reason_;
  }
  AllocationBudget(const AllocationBudget&) = delete;
  AllocationBudget& operator=(const AllocationBudget&) = delete;

 private:
  int64_t outer_, initial_ = 0;
  const std::string* outer_reason_;
  std::string reason_;
};

class Shape {
 public:
  Shape() = default;
  Shape(std::initializer_list<int64_t> dims) { assign(dims.begin(), static_cast<int>(dims.size())); }
  explicit Shape(const std::vector<int64_t>& dims) { assign(dims.data(), static_cast<int>(dims.size())); }
  Shape(const int64_t* dims, int rank) { assign(dims, rank); }

  int rank() const { return rank_; }
  int64_t operator[](int i) const { return d_[i]; }
  int64_t& operator[](int i) { return d_[i]; }
  const int64_t* data() const { return d_; }
  int64_t numel() const {
    int64_t n = 1;
    for (int i = 0; i < rank_; ++i) n *= d_[i];
    return n;
  }
  std::vector<int64_t> vec() const { return std::vector<int64_t>(d_, d_ + rank_); }
  std::string str() const { return shape_str(d_, rank_); }
  bool operator==(const Shape& o) const {
    if (rank_ != o.rank_) return false;
    for (int i = 0; i < rank_; ++i)
      if (d_[i] != o.d_[i]) return false;
    return true;
  }
  bool operator!=(const Shape& o) const { return !(*this == o); }

 private:
  void assign(const int64_t* dims, int rank) {
    PIXFORGE_CHECK(rank >= 0 && rank <= kMaxRank, ErrorCode::invalid_argument, "Shape: rank ", rank,
                   " exceeds the maximum of ", kMaxRank);
    rank_ = rank;
    for (int i = 0; i < rank; ++i) {
      PIXFORGE_CHECK(dims[i] >= 0, ErrorCode::invalid_argument, "Shape: negative dimension in ",
                     shape_str(dims, rank));
      d_[i] = dims[i];
    }
  }
  int64_t d_[kMaxRank] = {0, 0, 0, 0, 0, 0};
  int rank_ = 0;
};

namespace detail {
// Process-wide counters of TensorMemoryTracker; `on` is checked once per allocation.
struct TensorBytes {
  std::atomic<bool> on{false};
  std::atomic<int64_t> live{0}, peak{0};
};
inline TensorBytes& tensor_bytes() {
  static TensorBytes t;
  return t;
}
// `counted` = the bytes this buffer added to the live counter (0 when tracking was off at allocation), so a buffer
// freed after tracking ends still balances the counter.
struct AlignedFree {
  int64_t counted = 0;
  size_t mapped = 0;  // > 0: an mmap'ed region of this many bytes
  void operator()(void* p) const {
    if (counted != 0) tensor_bytes().live.fetch_sub(counted, std::memory_order_relaxed);
#if defined(__unix__) || defined(__APPLE__)
    if (mapped > 0) {
      MapCache::instance().release(p, mapped, limits().tensor_map_cache);
      return;
    }
#endif
    std::free(p);
  }
};
#if (defined(__unix__) || defined(__APPLE__)) && !defined(__SANITIZE_ADDRESS__)
constexpr bool kTensorMmap = true;
#else
constexpr bool kTensorMmap = false;
#endif
inline int64_t count_tensor_bytes(int64_t bytes) {
  TensorBytes& t = tensor_bytes();
  if (!t.on.load(std::memory_order_relaxed)) return 0;
  const int64_t now = t.live.fetch_add(bytes, std::memory_order_relaxed) + bytes;
  int64_t peak = t.peak.load(std::memory_order_relaxed);
  while (now > peak && !t.peak.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
  }
  return bytes;
}
// 64-byte aligned, size rounded up to a multiple of 64 (aligned_alloc requires it). Checks the memory limit.
inline std::shared_ptr<void> aligned_buffer(int64_t bytes) {
  PIXFORGE_CHECK(bytes <= limits().max_tensor_bytes, ErrorCode::limit_exceeded, "allocation of ", bytes,
                 " bytes exceeds limits().max_tensor_bytes = ", limits().max_tensor_bytes);
  int64_t& budget = thread_allocation_budget();
  if (budget >= 0) {
    const std::string* reason = thread_allocation_budget_reason();
    PIXFORGE_CHECK(bytes <= budget, ErrorCode::limit_exceeded, reason ? *reason + ": " : std::string(),
                   "allocation of ", bytes, " bytes exceeds the remaining allocation budget of ", budget, " bytes");
    budget -= bytes;
  }
  size_t rounded = (static_cast<size_t>(bytes) + 63) & ~size_t(63);
  if (rounded == 0) rounded = 64;
#if (defined(__unix__) || defined(__APPLE__)) && !defined(__SANITIZE_ADDRESS__)
  const int64_t mmap_min = limits().tensor_mmap_min_bytes;
  if (mmap_min > 0 && bytes >= mmap_min) {  // page-aligned, so 64-byte aligned too
    size_t mapped = 0;
    void* m = MapCache::instance().acquire(rounded, limits().tensor_map_cache, limits().tensor_huge_pages, &mapped);
    PIXFORGE_CHECK(m != nullptr, ErrorCode::limit_exceeded, "out of memory mapping ", bytes, " bytes");
    return std::shared_ptr<void>(m, AlignedFree{count_tensor_bytes(int64_t(rounded)), mapped});
  }
#endif
  void* p = std::aligned_alloc(64, rounded);
  PIXFORGE_CHECK(p != nullptr, ErrorCode::limit_exceeded, "out of memory allocating ", bytes, " bytes");
  return std::shared_ptr<void>(p, AlignedFree{count_tensor_bytes(int64_t(rounded))});
}
// Overflow-checked element count of a shape before allocation.
inline int64_t checked_numel(const Shape& s, int64_t elem_size) {
  int64_t n = 1;
  const int64_t cap = limits().max_tensor_bytes / elem_size;
  for (int i = 0; i < s.rank(); ++i) {
    if (s[i] != 0 && n > cap / s[i])
      fail(ErrorCode::limit_exceeded, msg("tensor of shape ", s.str(), " exceeds limits().max_tensor_bytes = ",
                                         limits().max_tensor_bytes));
    n *= s[i];
  }
  return n;
}
}  // namespace detail

// Counts the bytes of owned tensor storage allocated while it lives (not Tensor::view memory, not std::vector
// scratch inside ops): live_bytes() now, peak_bytes() the most alive at once since construction, both relative to
// what was alive at construction (buffers allocated earlier are not counted at all). One at a time per process.
//
//     TensorMemoryTracker mem;
//     Tensor<float> y = net.forward(x);
//     mem.peak_bytes();   // the forward pass's high-water mark of activations and per-call op buffers
class TensorMemoryTracker {
 public:
  TensorMemoryTracker() {
    detail::TensorBytes& t = detail::tensor_bytes();
    PIXFORGE_CHECK(!t.on.exchange(true), ErrorCode::invalid_argument,
                   "TensorMemoryTracker: another tracker is already active");
    base_ = t.live.load();
    t.peak.store(base_);
  }
  ~TensorMemoryTracker() { detail::tensor_bytes().on.store(false); }
  TensorMemoryTracker(const TensorMemoryTracker&) = delete;
  TensorMemoryTracker& operator=(const TensorMemoryTracker&) = delete;

  int64_t live_bytes() const { return detail::tensor_bytes().live.load() - base_; }
  int64_t peak_bytes() const { return detail::tensor_bytes().peak.load() - base_; }
  // Restarts the high-water mark at what is alive now.
  void reset_peak() { detail::tensor_bytes().peak.store(detail::tensor_bytes().live.load()); }

 private:
  int64_t base_ = 0;
};

template <class T = float>
class Tensor {
 public:
  using value_type = T;

  Tensor() = default;

  // Uninitialised owned storage.
  static Tensor empty(const Shape& shape) {
    Tensor t;
    const int64_t n = detail::checked_numel(shape, sizeof(T));
    t.storage_ = detail::aligned_buffer(n * int64_t(sizeof(T)));
    t.data_ = static_cast<T*>(t.storage_.get());
    t.set_shape_contiguous(shape);
    return t;
  }
  static Tensor zeros(const Shape& shape) { return full(shape, T(0.0f)); }
  static Tensor full(const Shape& shape, T value) {
    Tensor t = empty(shape);
    std::fill(t.data_, t.data_ + t.numel(), value);
    return t;
  }
  static Tensor from_vector(const Shape& shape, const std::vector<T>& values) {
    PIXFORGE_CHECK(int64_t(values.size()) == shape.numel(), ErrorCode::shape_mismatch, "Tensor::from_vector: ",
                   values.size(), " values for shape ", shape.str());
    Tensor t = empty(shape);
    std::copy(values.begin(), values.end(), t.data_);
    return t;
  }
  // A non-owning view of caller memory laid out contiguously in `shape`.
  static Tensor view(T* data, const Shape& shape) {
    Tensor t;
    t.data_ = data;
    t.set_shape_contiguous(shape);
    return t;
  }

  bool defined() const { return data_ != nullptr || shape_.rank() > 0; }
  bool owns_data() const { return storage_ != nullptr; }
  // True when no other tensor or view shares this storage: an op may then write its result into it (the caller
  // gave the buffer away with std::move). Single-threaded use only, like shared_ptr::use_count.
  bool is_sole_owner() const { return storage_ != nullptr && storage_.use_count() == 1; }
  int dim() const { return shape_.rank(); }
  const Shape& shape() const { return shape_; }
  int64_t size(int i) const { return shape_[wrap_dim(i)]; }
  int64_t stride(int i) const { return strides_[wrap_dim(i)]; }
  const int64_t* strides() const { return strides_; }
  int64_t numel() const { return shape_.numel(); }
  T* data() { return data_; }
  const T* data() const { return data_; }

  bool is_contiguous() const {
    int64_t expect = 1;
    for (int i = shape_.rank() - 1; i >= 0; --i) {
      if (shape_[i] != 1 && strides_[i] != expect) return false;
      expect *= shape_[i];
    }
    return true;
  }

  // Unchecked element access by full index (rank must match; checked only in debug builds).
  template <class... I>
  T& operator()(I... idx) {
    return data_[offset_of(idx...)];
  }
  template <class... I>
  const T& operator()(I... idx) const {
    return data_[offset_of(idx...)];
  }
  // Checked element access.
  T& at(std::initializer_list<int64_t> idx) { return data_[checked_offset(idx)]; }
  const T& at(std::initializer_list<int64_t> idx) const { return data_[checked_offset(idx)]; }

  // A view with a new shape; one dimension may be -1. Requires contiguous data (call contiguous() first).
  Tensor reshape(std::initializer_list<int64_t> dims) const { return reshape(std::vector<int64_t>(dims)); }
  Tensor reshape(std::vector<int64_t> dims) const {
    PIXFORGE_CHECK(is_contiguous(), ErrorCode::invalid_argument, "reshape: tensor of shape ", shape_.str(),
                   " is not contiguous; call contiguous() first");
    int infer = -1;
    int64_t known = 1;
    for (size_t i = 0; i < dims.size(); ++i) {
      if (dims[i] == -1) {
        PIXFORGE_CHECK(infer < 0, ErrorCode::invalid_argument, "reshape: more than one -1 in ", shape_str(dims));
        infer = int(i);
      } else {
        PIXFORGE_CHECK(dims[i] >= 0, ErrorCode::invalid_argument, "reshape: invalid size in ", shape_str(dims));
        known *= dims[i];
      }
    }
    if (infer >= 0) {
      PIXFORGE_CHECK(known > 0 && numel() % known == 0, ErrorCode::shape_mismatch, "reshape: cannot view ",
                     shape_.str(), " as ", shape_str(dims));
      dims[size_t(infer)] = numel() / known;
      known *= dims[size_t(infer)];
    }
    PIXFORGE_CHECK(known == numel(), ErrorCode::shape_mismatch, "reshape: ", shape_.str(), " has ", numel(),
                   " elements, ", shape_str(dims), " has ", known);
    Tensor t = *this;
    t.set_shape_contiguous(Shape(dims));
    return t;
  }

  // A view of [start, start+length) along dim (like torch.narrow).
  Tensor narrow(int dim, int64_t start, int64_t length) const {
    const int d = wrap_dim(dim);
    PIXFORGE_CHECK(start >= 0 && length >= 0 && start + length <= shape_[d], ErrorCode::invalid_argument,
                   "narrow: range [", start, ", ", start + length, ") out of bounds for dim ", dim, " of ",
                   shape_.str());
    Tensor t = *this;
    t.data_ = data_ + start * strides_[d];
    t.shape_[d] = length;
    return t;
  }

  // A view with dimensions reordered (like torch.permute).
  Tensor permute(std::initializer_list<int> order) const {
    PIXFORGE_CHECK(int(order.size()) == dim(), ErrorCode::invalid_argument, "permute: ", order.size(),
                   " dims given for a tensor of shape ", shape_.str());
    Tensor t = *this;
    bool seen[kMaxRank] = {};
    int i = 0;
    for (int o : order) {
      const int d = wrap_dim(o);
      PIXFORGE_CHECK(!seen[d], ErrorCode::invalid_argument, "permute: repeated dim ", o);
      seen[d] = true;
      t.shape_[i] = shape_[d];
      t.strides_[i] = strides_[d];
      ++i;
    }
    return t;
  }

  // Packed copy if strided, else this same tensor (shares storage, like torch.contiguous).
  Tensor contiguous() const {
    if (is_contiguous()) return *this;
    return clone();
  }

  // Always a fresh, owned, contiguous copy.
  Tensor clone() const {
    Tensor out = empty(shape_);
    copy_strided(out.data_);
    return out;
  }

  // Element type conversion (float <-> half/bfloat16), always a fresh contiguous tensor.
  template <class U>
  Tensor<U> to() const {
    Tensor<T> src = contiguous();
    Tensor<U> out = Tensor<U>::empty(shape_);
    const int64_t n = numel();
    const T* s = src.data();
    U* d = out.data();
    for (int64_t i = 0; i < n; ++i) d[i] = U(static_cast<float>(s[i]));
    return out;
  }

  void fill(T value) {
    PIXFORGE_CHECK(is_contiguous(), ErrorCode::invalid_argument, "fill: tensor must be contiguous");
    std::fill(data_, data_ + numel(), value);
  }

  // Copies values from `src` (same shape, any strides) into this tensor's memory.
  void copy_from(const Tensor& src) {
    PIXFORGE_CHECK(src.shape() == shape_, ErrorCode::shape_mismatch, "copy_from: source ", src.shape().str(),
                   " vs destination ", shape_.str());
    if (is_contiguous()) {
      src.copy_strided(data_);
      return;
    }
    Tensor packed = src.contiguous();
    int64_t idx[kMaxRank] = {};
    const int64_t n = numel();
    for (int64_t i = 0; i < n; ++i) {
      data_[offset_from(idx)] = packed.data_[i];
      advance(idx);
    }
  }

 private:
  template <class U>
  friend class Tensor;

  int wrap_dim(int i) const {
    const int r = shape_.rank();
    PIXFORGE_CHECK(i >= -r && i < r, ErrorCode::invalid_argument, "dimension ", i, " out of range for shape ",
                   shape_.str());
    return i < 0 ? i + r : i;
  }
  void set_shape_contiguous(const Shape& s) {
    shape_ = s;
    int64_t st = 1;
    for (int i = s.rank() - 1; i >= 0; --i) {
      strides_[i] = st;
      st *= s[i];
    }
  }
  template <class... I>
  int64_t offset_of(I... idx) const {
    static_assert(sizeof...(I) <= kMaxRank, "too many indices");
    const int64_t ids[] = {static_cast<int64_t>(idx)...};
    int64_t off = 0;
    for (size_t i = 0; i < sizeof...(I); ++i) off += ids[i] * strides_[i];
    return off;
  }
  int64_t checked_offset(std::initializer_list<int64_t> idx) const {
    PIXFORGE_CHECK(int(idx.size()) == dim(), ErrorCode::invalid_argument, "at: ", idx.size(),
                   " indices for a tensor of shape ", shape_.str());
    int64_t off = 0;
    int i = 0;
    for (int64_t v : idx) {
      PIXFORGE_CHECK(v >= 0 && v < shape_[i], ErrorCode::invalid_argument, "at: index ", v, " out of range for dim ",
                     i, " of ", shape_.str());
      off += v * strides_[i++];
    }
    return off;
  }
  int64_t offset_from(const int64_t* idx) const {
    int64_t off = 0;
    for (int i = 0; i < dim(); ++i) off += idx[i] * strides_[i];
    return off;
  }
  void advance(int64_t* idx) const {
    for (int i = dim() - 1; i >= 0; --i) {
      if (++idx[i] < shape_[i]) return;
      idx[i] = 0;
    }
  }
  void copy_strided(T* dst) const {
    const int64_t n = numel();
    if (n == 0) return;
    if (is_contiguous()) {
      std::memcpy(static_cast<void*>(dst), data_, size_t(n) * sizeof(T));
      return;
    }
    // Copy row by row along the innermost dimension.
    const int r = dim();
    const int64_t inner = shape_[r - 1], inner_stride = strides_[r - 1];
    int64_t idx[kMaxRank] = {};
    for (int64_t row = 0; row < n / inner; ++row) {
      const T* s = data_ + offset_from(idx);
      for (int64_t j = 0; j < inner; ++j) dst[j] = s[j * inner_stride];
      dst += inner;
      for (int i = r - 2; i >= 0; --i) {
        if (++idx[i] < shape_[i]) break;
        idx[i] = 0;
      }
    }
  }

  std::shared_ptr<void> storage_;
  T* data_ = nullptr;
  Shape shape_;
  int64_t strides_[kMaxRank] = {0, 0, 0, 0, 0, 0};
};

// Shape checks used at op entry.
template <class T>
void check_rank(const Tensor<T>& t, int rank, const char* op, const char* name) {
  PIXFORGE_CHECK(t.dim() == rank, ErrorCode::shape_mismatch, op, ": ", name, " must have ", rank,
                 " dimensions, got ", t.shape().str());
}

}  // namespace pixforge
