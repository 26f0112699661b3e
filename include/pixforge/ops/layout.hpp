// pixforge/ops/layout.hpp — NCHW16c, the channel-blocked layout of conv2d_direct_blocked
// (ops/conv2d_direct_blocked.hpp), and the conversions to and from NCHW.
//
// An Nchw16c map of C channels, H × W pixels and a zero border of b pixels holds
//
//     data[n, c / 16, y + b, x + b, c % 16] = x[n, c, y, x]          data: [N, ceil(C / 16), H + 2b, W + 2b, 16]
//
// and zeros everywhere else: the border (a conv's zero padding, read in place instead of copied into a panel)
// and the channels past C of the last block (so a 16-channel block is always full). One output row of one block
// is a single run of 16·(W + 2b) floats, and consecutive rows follow each other: the input rows a band of a conv
// needs are one contiguous stream per block (bench/NOTES.md, "direct2").
//
// Nothing in the models uses this layout yet: the conversions are what a caller pays to try it on one layer.
//   to_nchw16c_ref / from_nchw16c_ref   one loop per element, formula order; the ground truth for tests.
//   to_nchw16c / from_nchw16c           one (n, block, row) per work unit, threaded; pure copies, same values.
//   to_nchw16c_into / from_nchw16c_into the same into a map / tensor made before (no fresh pages per call).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "pixforge/core/error.hpp"
#include "pixforge/core/parallel.hpp"
#include "pixforge/core/tensor.hpp"

namespace pixforge {

// Channels per block of the NCHW16c layout (one zmm of floats).
constexpr int64_t kNchw16cBlock = 16;

struct Nchw16c {
  Tensor<float> data;  // [N, blocks(), height + 2·border, width + 2·border, 16]
  int64_t channels = 0, height = 0, width = 0, border = 0;

  int64_t batch() const { return data.defined() ? data.size(0) : 0; }
  int64_t blocks() const { return (channels + kNchw16cBlock - 1) / kNchw16cBlock; }
  int64_t rows() const { return height + 2 * border; }     // stored rows per block, border included
  int64_t pitch() const { return width + 2 * border; }     // stored pixels per row, border included
  // The first float of stored row `r` (0 = the top border row) of block `cb` of image `n`.
  float* row(int64_t n, int64_t cb, int64_t r) {
    return data.data() + ((n * blocks() + cb) * rows() + r) * pitch() * kNchw16cBlock;
  }
  const float* row(int64_t n, int64_t cb, int64_t r) const {
    return data.data() + ((n * blocks() + cb) * rows() + r) * pitch() * kNchw16cBlock;
  }

  // An all-zero map (border and padded channels included), ready to be written.
  static Nchw16c zeros(int64_t n, int64_t channels, int64_t height, int64_t width, int64_t border) {
    PIXFORGE_CHECK(n >= 1 && channels >= 1 && height >= 1 && width >= 1 && border >= 0, ErrorCode::invalid_argument,
                   "Nchw16c: needs N, C, H, W >= 1 and border >= 0, got N=", n, " C=", channels, " H=", height,
                   " W=", width, " border=", border);
    Nchw16c m;
    m.channels = channels, m.height = height, m.width = width, m.border = border;
    m.data = Tensor<float>::zeros({n, m.blocks(), m.rows(), m.pitch(), kNchw16cBlock});
    return m;
  }
};

namespace detail {
inline void check_nchw_for_blocking(const Tensor<float>& x, int64_t border, const char* op) {
  check_rank(x, 4, op, "input");
  PIXFORGE_CHECK(border >= 0, ErrorCode::invalid_argument, op, ": border must be >= 0, got ", border,
                 " (x=", x.shape().str(), ")");
}
inline void check_nchw16c(const Nchw16c& m, const char* op) {
  PIXFORGE_CHECK(m.data.defined() && m.data.dim() == 5 && m.data.size(1) == m.blocks() &&
                     m.data.size(2) == m.rows() && m.data.size(3) == m.pitch() && m.data.size(4) == kNchw16cBlock &&
                     m.data.is_contiguous(),
                 ErrorCode::shape_mismatch, op, ": Nchw16c of C=", m.channels, " H=", m.height, " W=", m.width,
                 " border=", m.border, " needs contiguous data [N, ", m.blocks(), ", ", m.rows(), ", ", m.pitch(),
                 ", 16], got ", m.data.defined() ? m.data.shape().str() : std::string("(none)"));
}
}  // namespace detail

inline Nchw16c to_nchw16c_ref(const Tensor<float>& x_in, int64_t border) {
  detail::check_nchw_for_blocking(x_in, border, "to_nchw16c_ref");
  const Tensor<float> x = x_in.contiguous();
  Nchw16c m = Nchw16c::zeros(x.size(0), x.size(1), x.size(2), x.size(3), border);
  for (int64_t n = 0; n < x.size(0); ++n)
    for (int64_t c = 0; c < x.size(1); ++c)
      for (int64_t y = 0; y < x.size(2); ++y)
        for (int64_t xx = 0; xx < x.size(3); ++xx)
          m.row(n, c / kNchw16cBlock, y + border)[(xx + border) * kNchw16cBlock + c % kNchw16cBlock] = x(n, c, y, xx);
  return m;
}

inline Tensor<float> from_nchw16c_ref(const Nchw16c& m) {
  detail::check_nchw16c(m, "from_nchw16c_ref");
  Tensor<float> x = Tensor<float>::empty({m.batch(), m.channels, m.height, m.width});
  for (int64_t n = 0; n < m.batch(); ++n)
    for (int64_t c = 0; c < m.channels; ++c)
      for (int64_t y = 0; y < m.height; ++y)
        for (int64_t xx = 0; xx < m.width; ++xx)
          x(n, c, y, xx) =
              m.row(n, c / kNchw16cBlock, y + m.border)[(xx + m.border) * kNchw16cBlock + c % kNchw16cBlock];
  return x;
}

// Per (n, block, row): each channel's row is read once, contiguously, and scattered 16 floats apart (the 16
// destination streams of a row are 64-byte lines written whole over 16 channels, so they stay in L1). Into a map of
// x's shape made before (Nchw16c::zeros; its border and padded lanes are not written, so they stay zero): a caller
// converting every call then pays no fresh pages (≈ 4k page faults for a 16 MiB map on this VM).
inline void to_nchw16c_into(const Tensor<float>& x_in, Nchw16c& m) {
  check_rank(x_in, 4, "to_nchw16c_into", "input");
  detail::check_nchw16c(m, "to_nchw16c_into");
  PIXFORGE_CHECK(m.batch() == x_in.size(0) && m.channels == x_in.size(1) && m.height == x_in.size(2) &&
                     m.width == x_in.size(3),
                 ErrorCode::shape_mismatch, "to_nchw16c_into: map of N=", m.batch(), " C=", m.channels, " H=",
                 m.height, " W=", m.width, " does not match x ", x_in.shape().str());
  const Tensor<float> x = x_in.contiguous();
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3), blocks = m.blocks();
  parallel_for_work(0, N * blocks * H, double(kNchw16cBlock * W), [&](int64_t u) {
    const int64_t n = u / (blocks * H), cb = u / H % blocks, y = u % H;
    float* dst = m.row(n, cb, y + m.border) + m.border * kNchw16cBlock;
    const int64_t c1 = std::min(C, (cb + 1) * kNchw16cBlock);
    for (int64_t c = cb * kNchw16cBlock; c < c1; ++c) {
      const float* src = x.data() + ((n * C + c) * H + y) * W;
      float* d = dst + c % kNchw16cBlock;
      for (int64_t xx = 0; xx < W; ++xx) d[xx * kNchw16cBlock] = src[xx];
    }
  });
}

inline Nchw16c to_nchw16c(const Tensor<float>& x, int64_t border) {
  detail::check_nchw_for_blocking(x, border, "to_nchw16c");
  Nchw16c m = Nchw16c::zeros(x.size(0), x.size(1), x.size(2), x.size(3), border);
  to_nchw16c_into(x, m);
  return m;
}

// Into a contiguous [N, C, H, W] tensor made before.
inline void from_nchw16c_into(const Nchw16c& m, Tensor<float>& x) {
  detail::check_nchw16c(m, "from_nchw16c_into");
  const int64_t N = m.batch(), C = m.channels, H = m.height, W = m.width, blocks = m.blocks();
  PIXFORGE_CHECK(x.defined() && x.is_contiguous() && x.shape() == Shape({N, C, H, W}), ErrorCode::shape_mismatch,
                 "from_nchw16c_into: output must be a contiguous [", N, ",", C, ",", H, ",", W, "] tensor, got ",
                 x.defined() ? x.shape().str() : std::string("(none)"));
  parallel_for_work(0, N * blocks * H, double(kNchw16cBlock * W), [&](int64_t u) {
    const int64_t n = u / (blocks * H), cb = u / H % blocks, y = u % H;
    const float* src = m.row(n, cb, y + m.border) + m.border * kNchw16cBlock;
    const int64_t c1 = std::min(C, (cb + 1) * kNchw16cBlock);
    for (int64_t c = cb * kNchw16cBlock; c < c1; ++c) {
      float* d = x.data() + ((n * C + c) * H + y) * W;
      const float* s = src + c % kNchw16cBlock;
      for (int64_t xx = 0; xx < W; ++xx) d[xx] = s[xx * kNchw16cBlock];
    }
  });
}

inline Tensor<float> from_nchw16c(const Nchw16c& m) {
  detail::check_nchw16c(m, "from_nchw16c");
  Tensor<float> x = Tensor<float>::empty({m.batch(), m.channels, m.height, m.width});
  from_nchw16c_into(m, x);
  return x;
}

}  // namespace pixforge
