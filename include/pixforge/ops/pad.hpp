// pixforge/ops/pad.hpp — spatial padding (constant / reflect / replicate / circular, negative = crop) and crops.
//
// pad(x, {left, right, top, bottom, mode, value}) is F.pad(x, (left, right, top, bottom), mode, value) on the last
// two dims of an [N, C, H, W] tensor:
//
//     y[n, c, oy, ox] = x[n, c, src(oy - top, H), src(ox - left, W)]     y: [N, C, H + top + bottom, W + left + right]
//
// where, for a position p relative to the input (p < 0 or p >= n lies in the border):
//     constant   value outside [0, n)                        ... v v | x0 x1 x2 ...
//     reflect    mirror without repeating the edge           ... x2 x1 | x0 x1 x2 ...   (ReflectionPad2d, np 'reflect')
//     replicate  clamp to [0, n-1]                           ... x0 x0 | x0 x1 x2 ...   (ReplicationPad2d)
//     circular   p mod n                                     ... x(n-2) x(n-1) | x0 x1 ...  (see below for crops)
// A negative amount removes that many rows/columns instead (F.pad semantics; "crop(x, c)" of the waifu2x and
// Real-CUGAN papers is pad with -c on every side). Mixed signs on one axis: reflect and replicate mirror/clamp at the
// *original* edges, circular (like torch's _pad_circular) crops first and wraps around the *cropped* range.
//
// Example:
//     auto y = pad(x, PadParams::all(18, PadMode::reflect));     // Real-CUGAN: F.pad(x, (18,)*4, 'reflect')
//     PadParams tf_same;  tf_same.right = tf_same.bottom = 1;     // TF 'SAME' stride 2: 0 before, 1 after
//
// Who uses it: ReflectionPad2d in DeblurGAN/pix2pix ResNet blocks, EdgeConnect, Deep Image Prior and Real-CUGAN
// (18/19 px reflect pad of the whole image, then valid convs and crops); ReplicationPad2d in waifu2x and SRCNN
// (MATLAB's imfilter 'replicate'); zero pads for TF 'SAME' asymmetric padding (0 before, 1 after for stride 2).
//
// Pitfalls: the tuple order is (left, right, top, bottom), last dim first. reflect needs pad < size on that axis
// (PyTorch raises; Real-CUGAN on an image smaller than 20 px fails) — we raise a clear error too. circular needs
// pad <= size. TF 'SYMMETRIC' (edge repeated) is *not* reflect; scipy's 'reflect' is TF 'SYMMETRIC'.
//
// crop(x, top, left, height, width) copies a window (torchvision.transforms.functional.crop without its implicit
// zero fill: the window must lie inside the image). center_crop(x, height, width) uses torchvision's offsets
// top = round((H - height) / 2), left = round((W - width) / 2) with Python's round-half-to-even.
//
// Implementations (pure copies, N·C·OH·OW elements):
//   pad_ref   one loop per output index, formula order, the border rule per element.
//   pad_rows  per output row: a column table built once for the border columns, memcpy for the interior run;
//             rows are independent work units split over threads.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "pixforge/core/error.hpp"
#include "pixforge/core/parallel.hpp"
#include "pixforge/core/tensor.hpp"

namespace pixforge {

enum class PadMode { constant, reflect, replicate, circular };

inline const char* pad_mode_name(PadMode m) {
  switch (m) {
    case PadMode::constant: return "constant";
    case PadMode::reflect: return "reflect";
    case PadMode::replicate: return "replicate";
    case PadMode::circular: return "circular";
  }
  return "?";
}

struct PadParams {
  int64_t left = 0, right = 0, top = 0, bottom = 0;  // negative = crop
  PadMode mode = PadMode::constant;
  float value = 0.0f;  // fill for PadMode::constant

  // The same amount on all four sides (nn.ReflectionPad2d(p), ...).
  static PadParams all(int64_t p, PadMode mode = PadMode::constant, float value = 0.0f) {
    PadParams q;
    q.left = q.right = q.top = q.bottom = p;
    q.mode = mode;
    q.value = value;
    return q;
  }
};

inline Shape pad_output_shape(const Shape& x, const PadParams& p) {
  return Shape{x[0], x[1], x[2] + p.top + p.bottom, x[3] + p.left + p.right};
}

namespace detail {
inline void check_pad_axis(const Tensor<float>& x, const PadParams& p, int64_t before, int64_t after, int64_t size,
                           const char* axis) {
  PIXFORGE_CHECK(size + before + after >= 0, ErrorCode::invalid_argument, "pad: ", axis, " padding (", before, ", ",
                 after, ") gives a negative output size for x=", x.shape().str());
  const int64_t most = std::max(before, after);
  if (most <= 0) return;  // pure crop: every mode only reads inside the input
  switch (p.mode) {
    case PadMode::constant: break;
    case PadMode::reflect:
      PIXFORGE_CHECK(most < size, ErrorCode::invalid_argument, "pad: reflect padding (", before, ", ", after,
                     ") must be smaller than the ", axis, " ", size, " (x=", x.shape().str(), ")");
      break;
    case PadMode::replicate:
      PIXFORGE_CHECK(size > 0, ErrorCode::invalid_argument, "pad: replicate padding of an empty ", axis, " (x=",
                     x.shape().str(), ")");
      break;
    case PadMode::circular: {
      const int64_t cropped = size - std::max<int64_t>(-before, 0) - std::max<int64_t>(-after, 0);
      PIXFORGE_CHECK(most <= cropped, ErrorCode::invalid_argument, "pad: circular padding (", before, ", ", after,
                     ") must not exceed the ", axis, " ", cropped, " it wraps around (x=", x.shape().str(), ")");
      break;
    }
  }
}

inline void check_pad_args(const Tensor<float>& x, const PadParams& p) {
  check_rank(x, 4, "pad", "input");
  check_pad_axis(x, p, p.top, p.bottom, x.size(2), "height");
  check_pad_axis(x, p, p.left, p.right, x.size(3), "width");
}

// Source index along an axis of size n for output position o (padding `before` / `after` on that axis), or -1
// for "the constant value".
inline int64_t pad_source_index(int64_t o, int64_t before, int64_t after, int64_t n, PadMode mode) {
  if (mode == PadMode::circular) {  // wrap around the range left after the negative amounts cropped it
    const int64_t lo = std::max<int64_t>(-before, 0), len = n - lo - std::max<int64_t>(-after, 0);
    const int64_t q = o - std::max<int64_t>(before, 0);
    return lo + ((q % len) + len) % len;
  }
  const int64_t p = o - before;  // position relative to the input
  if (p >= 0 && p < n) return p;
  switch (mode) {
    case PadMode::constant: return -1;
    case PadMode::reflect: return p < 0 ? -p : 2 * (n - 1) - p;
    case PadMode::replicate: return p < 0 ? 0 : n - 1;
    case PadMode::circular: break;
  }
  return -1;
}
}  // namespace detail

// ---- reference ----------------------------------------------------------------------------------------------

inline Tensor<float> pad_ref(const Tensor<float>& x, const PadParams& p) {
  detail::check_pad_args(x, p);
  Tensor<float> y = Tensor<float>::empty(pad_output_shape(x.shape(), p));
  const int64_t H = x.size(2), W = x.size(3);
  for (int64_t n = 0; n < y.size(0); ++n)
    for (int64_t c = 0; c < y.size(1); ++c)
      for (int64_t oy = 0; oy < y.size(2); ++oy)
        for (int64_t ox = 0; ox < y.size(3); ++ox) {
          const int64_t sy = detail::pad_source_index(oy, p.top, p.bottom, H, p.mode);
          const int64_t sx = detail::pad_source_index(ox, p.left, p.right, W, p.mode);
          y(n, c, oy, ox) = (sy < 0 || sx < 0) ? p.value : x(n, c, sy, sx);
        }
  return y;
}

// ---- row-wise fast path -------------------------------------------------------------------------------------

inline Tensor<float> pad_rows(const Tensor<float>& x_in, const PadParams& p) {
  detail::check_pad_args(x_in, p);
  const Tensor<float> x = x_in.contiguous();
  Tensor<float> y = Tensor<float>::empty(pad_output_shape(x.shape(), p));
  const int64_t H = x.size(2), W = x.size(3), OH = y.size(2), OW = y.size(3);
  if (y.numel() == 0) return y;

  // Columns [x0, x1) of every output row copy the input run starting at column x0 - left (the interior, where
  // every mode reads x[ox - left]); the border columns use the table.
  const int64_t x0 = std::clamp<int64_t>(p.left, 0, OW), x1 = std::clamp<int64_t>(p.left + W, x0, OW);
  std::vector<int64_t> col(static_cast<size_t>(OW));
  for (int64_t ox = 0; ox < OW; ++ox) col[size_t(ox)] = detail::pad_source_index(ox, p.left, p.right, W, p.mode);

  const float* xp = x.data();
  float* yp = y.data();
  parallel_for_chunked(0, y.size(0) * y.size(1) * OH, 32, [&](int64_t lo, int64_t hi) {
    for (int64_t row = lo; row < hi; ++row) {
      const int64_t plane = row / OH, oy = row % OH;
      float* dst = yp + row * OW;
      const int64_t sy = detail::pad_source_index(oy, p.top, p.bottom, H, p.mode);
      if (sy < 0) {
        std::fill(dst, dst + OW, p.value);
        continue;
      }
      const float* src = xp + (plane * H + sy) * W;
      for (int64_t ox = 0; ox < x0; ++ox) dst[ox] = col[size_t(ox)] < 0 ? p.value : src[col[size_t(ox)]];
      if (x1 > x0) std::memcpy(dst + x0, src + (x0 - p.left), size_t(x1 - x0) * sizeof(float));
      for (int64_t ox = x1; ox < OW; ++ox) dst[ox] = col[size_t(ox)] < 0 ? p.value : src[col[size_t(ox)]];
    }
  });
  return y;
}

// ---- dispatcher ---------------------------------------------------------------------------------------------

// F.pad(x, (left, right, top, bottom), mode, value)
inline Tensor<float> pad(const Tensor<float>& x, const PadParams& p) { return pad_rows(x, p); }

// ---- crops --------------------------------------------------------------------------------------------------

// Copies the window rows [top, top + height) and columns [left, left + width) of an [N, C, H, W] tensor.
inline Tensor<float> crop(const Tensor<float>& x, int64_t top, int64_t left, int64_t height, int64_t width) {
  check_rank(x, 4, "crop", "input");
  PIXFORGE_CHECK(top >= 0 && left >= 0 && height >= 0 && width >= 0 && top + height <= x.size(2) &&
                     left + width <= x.size(3),
                 ErrorCode::invalid_argument, "crop: window top=", top, " left=", left, " height=", height,
                 " width=", width, " does not lie inside x=", x.shape().str());
  return x.narrow(2, top, height).narrow(3, left, width).clone();
}

// torchvision center_crop offsets (Python round: half to even), for crops no larger than the image.
inline Tensor<float> center_crop(const Tensor<float>& x, int64_t height, int64_t width) {
  check_rank(x, 4, "center_crop", "input");
  PIXFORGE_CHECK(height >= 0 && width >= 0 && height <= x.size(2) && width <= x.size(3),
                 ErrorCode::invalid_argument, "center_crop: crop ", height, "x", width, " is larger than x=",
                 x.shape().str());
  const int64_t top = int64_t(std::nearbyint(double(x.size(2) - height) / 2.0));  // default FE mode: half to even
  const int64_t left = int64_t(std::nearbyint(double(x.size(3) - width) / 2.0));
  return crop(x, top, left, height, width);
}

}  // namespace pixforge
