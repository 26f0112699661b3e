// pixforge/ops/moments.hpp — mean and biased variance of a set of float spans, shared by the norm ops.
//
// batch_norm (batch statistics), instance_norm, group_norm and layer_norm all normalise a set of values by
//
//     mean = (1/n) Σ x_i          var = (1/n) Σ (x_i − mean)²        (biased: divide by n, never n − 1)
//
// and differ only in *which* values form the set: a plane H×W (instance norm), C/G planes (group norm), one
// channel across the batch (N spans of H×W, batch norm), the trailing dims (layer norm).
//
// How (and why):
//   * two passes, both accumulated in double: the first gives the mean, the second sums squared deviations from
//     it. The one-pass form E[x²] − E[x]² cancels catastrophically when |mean| >> std (a plane of 1000 ± 0.01
//     loses every digit in float); the two-pass double form is accurate to float rounding for any realistic size.
//   * moments_ref sums element by element, in order — the reading version.
//   * moments() spreads element i of each span over kLanes = 8 double accumulators (lane i % 8) and adds the
//     lanes in a fixed order at the end. The compiler turns the lanes into SIMD registers (it may not reorder a
//     single scalar sum by itself), and the result depends only on the data, never on the thread count: every
//     span set is reduced by one thread. It differs from moments_ref only by double rounding (~1e-16 relative).
// Cost: 2 reads and ~3 flops per element (convert, add; subtract, multiply-add).
#pragma once

#include <cstdint>

#include "pixforge/core/tensor.hpp"

namespace pixforge {

struct Moments {
  double mean = 0.0;
  double var = 0.0;  // biased
};

// Spans: `count` runs of `len` floats, run i starting at base + i * stride.
inline Moments moments_ref(const float* base, int64_t count, int64_t stride, int64_t len) {
  const int64_t n = count * len;
  double sum = 0.0;
  for (int64_t i = 0; i < count; ++i)
    for (int64_t j = 0; j < len; ++j) sum += double(base[i * stride + j]);
  Moments m;
  m.mean = n > 0 ? sum / double(n) : 0.0;
  double sq = 0.0;
  for (int64_t i = 0; i < count; ++i)
    for (int64_t j = 0; j < len; ++j) {
      const double d = double(base[i * stride + j]) - m.mean;
      sq += d * d;
    }
  m.var = n > 0 ? sq / double(n) : 0.0;
  return m;
}

namespace detail {
constexpr int kMomentLanes = 8;

// Σ f(p[j]) over one span, element j into lane j % 8 of acc (the caller keeps acc across spans).
template <class F>
inline void lane_sum(const float* p, int64_t len, double* acc, F f) {
  int64_t j = 0;
  for (; j + kMomentLanes <= len; j += kMomentLanes)
    for (int l = 0; l < kMomentLanes; ++l) acc[l] += f(double(p[j + l]));
  for (int l = 0; j < len; ++j, ++l) acc[l] += f(double(p[j]));
}
inline double add_lanes(const double* acc) {
  double s = 0.0;
  for (int l = 0; l < kMomentLanes; ++l) s += acc[l];
  return s;
}
}  // namespace detail

inline Moments moments(const float* base, int64_t count, int64_t stride, int64_t len) {
  const int64_t n = count * len;
  Moments m;
  if (n == 0) return m;
  double acc[detail::kMomentLanes] = {};
  for (int64_t i = 0; i < count; ++i) detail::lane_sum(base + i * stride, len, acc, [](double v) { return v; });
  m.mean = detail::add_lanes(acc) / double(n);
  const double mean = m.mean;
  double sq[detail::kMomentLanes] = {};
  for (int64_t i = 0; i < count; ++i)
    detail::lane_sum(base + i * stride, len, sq, [mean](double v) { return (v - mean) * (v - mean); });
  m.var = detail::add_lanes(sq) / double(n);
  return m;
}

// The mean as a pair of floats, hi = float(μ), lo = float(μ − hi). Normalising with (x − hi) − lo keeps the
// precision of the double mean: x − hi is exact for x near μ, while float(μ) alone would shift every output by up
// to half an ulp of μ — for a plane of 10⁴ ± 1 that is 5e-4, or 5e-4 σ. Costs one subtraction per element.
struct SplitMean {
  float hi = 0.0f, lo = 0.0f;
  explicit SplitMean(double mean) : hi(float(mean)), lo(float(mean - double(float(mean)))) {}
};

namespace detail {
// Entry check shared by the norm ops: an optional per-channel vector (weight, bias, running stats) must be
// undefined (when `optional`) or 1-D with `channels` elements.
inline void check_channel_vector(const Tensor<float>& v, int64_t channels, const char* op, const char* name,
                                 const Tensor<float>& x, bool optional, const char* x_name = "x") {
  if (!v.defined()) {
    PIXFORGE_CHECK(optional, ErrorCode::invalid_argument, op, ": ", name, " is required (", x_name, "=",
                   x.shape().str(), ")");
    return;
  }
  PIXFORGE_CHECK(v.dim() == 1 && v.size(0) == channels, ErrorCode::shape_mismatch, op, ": ", name, " has shape ",
                 v.shape().str(), ", expected [", channels, "] (", x_name, "=", x.shape().str(), ")");
}
// Value i of an optional vector, or `fallback` when it is undefined.
inline float value_or(const Tensor<float>& v, int64_t i, float fallback) {
  return v.defined() ? v.data()[i] : fallback;
}
}  // namespace detail

}  // namespace pixforge
