// pixforge/core/op_counter.hpp — an opt-in count of the multiply-accumulates (MACs) the convolution dispatchers
// conv2d() and conv_transpose2d() perform, so a benchmark can report a whole network's effective GFLOP/s
// (bench/models/) without a hand-written cost formula per model.
//
//     MacCounter count;                 // counting is on while a counter is alive (counters nest)
//     net.forward(x);
//     double gflop = 2e-9 * double(count.macs());
//
// Counted (bias and fused activation not counted, the same formulas as the ops' doc comments):
//   conv2d            N · Cout · Hout · Wout · (Cin/groups) · kH · kW
//   conv_transpose2d  N · Cin · H · W · (Cout/groups) · kH · kW        (every input pixel scatters a kH×kW patch)
// Everything else (norms, activations, pooling, attention matmuls) is not counted: the figure is "conv MACs".
// Unlike nn/trace.hpp, which reports per nn layer, this sees every call of the two dispatchers — also the functional
// conv2d() calls a model makes without an nn::Conv2d — but not the *_ref or *_<algorithm> variants called directly.
//
// Cost when no counter is alive: one relaxed atomic load and a predictable branch per conv call.
#pragma once

#include <atomic>
#include <cstdint>

namespace pixforge {

namespace detail {
inline std::atomic<std::atomic<int64_t>*>& active_mac_counter() {
  static std::atomic<std::atomic<int64_t>*> counter{nullptr};
  return counter;
}

// Called by the dispatchers with the MACs of one call (a relaxed add: ops may be called from several threads).
inline void count_macs(int64_t macs) {
  if (std::atomic<int64_t>* c = active_mac_counter().load(std::memory_order_relaxed))
    c->fetch_add(macs, std::memory_order_relaxed);
}
}  // namespace detail

// Counts while alive; on destruction hands its count on to the counter it replaced, so an outer counter still sees
// everything. Create and destroy counters on one thread (they are a process-wide stack, not per thread).
class MacCounter {
 public:
  MacCounter() : previous_(detail::active_mac_counter().exchange(&macs_)) {}
  ~MacCounter() {
    detail::active_mac_counter().store(previous_);
    if (previous_) previous_->fetch_add(macs_.load());
  }
  MacCounter(const MacCounter&) = delete;
  MacCounter& operator=(const MacCounter&) = delete;

  int64_t macs() const { return macs_.load(); }

 private:
  std::atomic<int64_t> macs_{0};
  std::atomic<int64_t>* previous_;
};

}  // namespace pixforge
