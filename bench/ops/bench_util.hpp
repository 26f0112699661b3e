// Helpers shared by the op benches (bench/ops/bench_*.cpp).
#pragma once

#include <cstdint>
#include <random>

#include "pixforge/core/tensor.hpp"

namespace pixforge {
namespace bench {

// A tensor of `shape` filled with uniform values in [lo, hi) from a seeded generator (same data every run).
inline Tensor<float> filled(const Shape& shape, uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(lo, hi);
  Tensor<float> t = Tensor<float>::empty(shape);
  for (int64_t i = 0; i < t.numel(); ++i) t.data()[i] = d(rng);
  return t;
}

}  // namespace bench
}  // namespace pixforge
