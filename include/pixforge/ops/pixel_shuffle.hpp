// pixforge/ops/pixel_shuffle.hpp — moving values between channels and space: pixel_shuffle / pixel_unshuffle
// (PyTorch) and depth_to_space / space_to_depth (TensorFlow's DCR channel order).
//
// pixel_shuffle(x, r) ("sub-pixel convolution" output, torch.nn.PixelShuffle):
//
//     y[n, c, h·r + i, w·r + j] = x[n, c·r² + i·r + j, h, w]          x: [N, C·r², H, W] -> y: [N, C, H·r, W·r]
//
// pixel_unshuffle(x, r) is its exact inverse (torch.nn.PixelUnshuffle; BasicSR's pixel_unshuffle agrees):
//
//     y[n, c·r² + i·r + j, h, w] = x[n, c, h·r + i, w·r + j]          x: [N, C, H·r, W·r] -> y: [N, C·r², H, W]
//
// depth_to_space(x, r) is tf.nn.depth_to_space written for NCHW tensors. TensorFlow stores the r×r offsets
// *outside* the channel index ("DCR": depth, column, row; ONNX DepthToSpace mode="DCR"):
//
//     y[n, c, h·r + i, w·r + j] = x[n, (i·r + j)·C + c, h, w]
//
// and space_to_depth is its inverse. Same shapes as pixel_shuffle / pixel_unshuffle.
//
// Who uses it: SRGAN/SRResNet, ESRGAN-style heads, Real-ESRGAN SRVGGNetCompact (conv to 3·r² channels, then
// pixel_shuffle(r), r = 4), DeOldify's PixelShuffle_ICNR (r = 2); Real-ESRGAN x2plus/x1 feed pixel_unshuffle(2 or 4)
// before the RRDB trunk; Keras/TF super-resolution models use depth_to_space.
//
// Pitfalls: the two channel orders differ only by which factor of the channel index varies fastest. Weights
// converted from TensorFlow to PyTorch pixel_shuffle need the preceding conv's output channels permuted
// (c·r² + k  <->  k·C + c); mixing them up gives a plausible-looking but scrambled, blocky image.
//
// Implementations (no arithmetic, pure copies, N·C·H·W·r² elements moved):
//   *_ref   one loop per output index, formula order.
//   *_rows  one output row at a time: each row is r strided copies from r input rows (shuffle) or a strided
//           gather from one input row (unshuffle). Rows are independent work units, split over threads.
// The dispatchers pixel_shuffle(), pixel_unshuffle(), depth_to_space(), space_to_depth() use the _rows variants.
#pragma once

#include <cstdint>

#include "pixforge/core/error.hpp"
#include "pixforge/core/parallel.hpp"
#include "pixforge/core/tensor.hpp"

namespace pixforge {

// Which factor of the input channel index varies fastest.
enum class ShuffleOrder {
  CRD,  // c·r² + i·r + j: PyTorch pixel_shuffle / pixel_unshuffle
  DCR,  // (i·r + j)·C + c: TensorFlow depth_to_space / space_to_depth
};

namespace detail {
// Input channel (of the [N, C·r², H, W] side) holding offset (i, j) of output channel c.
inline int64_t packed_channel(ShuffleOrder order, int64_t c, int64_t i, int64_t j, int64_t r, int64_t C) {
  return order == ShuffleOrder::CRD ? c * r * r + i * r + j : (i * r + j) * C + c;
}

// Errors name the op the caller used: the PyTorch name for CRD, the TensorFlow name for DCR.
inline void check_depth_to_space_args(const Tensor<float>& x, int64_t r, ShuffleOrder order) {
  const char* op = order == ShuffleOrder::CRD ? "pixel_shuffle" : "depth_to_space";
  check_rank(x, 4, op, "input");
  PIXFORGE_CHECK(r >= 1, ErrorCode::invalid_argument, op, ": factor must be >= 1, got ", r, " (x=", x.shape().str(),
                 ")");
  PIXFORGE_CHECK(x.size(1) % (r * r) == 0, ErrorCode::shape_mismatch, op, ": input channels ", x.size(1),
                 " are not divisible by r*r = ", r * r, " (x=", x.shape().str(), ", r=", r, ")");
}
inline void check_space_to_depth_args(const Tensor<float>& x, int64_t r, ShuffleOrder order) {
  const char* op = order == ShuffleOrder::CRD ? "pixel_unshuffle" : "space_to_depth";
  check_rank(x, 4, op, "input");
  PIXFORGE_CHECK(r >= 1, ErrorCode::invalid_argument, op, ": factor must be >= 1, got ", r, " (x=", x.shape().str(),
                 ")");
  PIXFORGE_CHECK(x.size(2) % r == 0 && x.size(3) % r == 0, ErrorCode::shape_mismatch, op, ": height ", x.size(2),
                 " and width ", x.size(3), " must be divisible by r = ", r, " (x=", x.shape().str(), ")");
}
}  // namespace detail

// [N, C·r², H, W] -> [N, C, H·r, W·r]
inline Shape pixel_shuffle_output_shape(const Shape& x, int64_t upscale_factor) {
  const int64_t r = upscale_factor;
  return Shape{x[0], x[1] / (r * r), x[2] * r, x[3] * r};
}
// [N, C, H·r, W·r] -> [N, C·r², H, W]
inline Shape pixel_unshuffle_output_shape(const Shape& x, int64_t downscale_factor) {
  const int64_t r = downscale_factor;
  return Shape{x[0], x[1] * r * r, x[2] / r, x[3] / r};
}

// ---- references ---------------------------------------------------------------------------------------------

inline Tensor<float> depth_to_space_ref(const Tensor<float>& x, int64_t r, ShuffleOrder order) {
  detail::check_depth_to_space_args(x, r, order);
  Tensor<float> y = Tensor<float>::empty(pixel_shuffle_output_shape(x.shape(), r));
  const int64_t C = y.size(1);
  for (int64_t n = 0; n < y.size(0); ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t h = 0; h < x.size(2); ++h)
        for (int64_t i = 0; i < r; ++i)
          for (int64_t w = 0; w < x.size(3); ++w)
            for (int64_t j = 0; j < r; ++j)
              y(n, c, h * r + i, w * r + j) = x(n, detail::packed_channel(order, c, i, j, r, C), h, w);
  return y;
}

inline Tensor<float> space_to_depth_ref(const Tensor<float>& x, int64_t r, ShuffleOrder order) {
  detail::check_space_to_depth_args(x, r, order);
  Tensor<float> y = Tensor<float>::empty(pixel_unshuffle_output_shape(x.shape(), r));
  const int64_t C = x.size(1);
  for (int64_t n = 0; n < y.size(0); ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t i = 0; i < r; ++i)
        for (int64_t j = 0; j < r; ++j)
          for (int64_t h = 0; h < y.size(2); ++h)
            for (int64_t w = 0; w < y.size(3); ++w)
              y(n, detail::packed_channel(order, c, i, j, r, C), h, w) = x(n, c, h * r + i, w * r + j);
  return y;
}

inline Tensor<float> pixel_shuffle_ref(const Tensor<float>& x, int64_t upscale_factor) {
  return depth_to_space_ref(x, upscale_factor, ShuffleOrder::CRD);
}
inline Tensor<float> pixel_unshuffle_ref(const Tensor<float>& x, int64_t downscale_factor) {
  return space_to_depth_ref(x, downscale_factor, ShuffleOrder::CRD);
}

// ---- row-wise fast paths ------------------------------------------------------------------------------------

// One work unit = one output row (n, c, oh): oh = h·r + i reads row h of the r channels for offsets (i, 0..r-1).
inline Tensor<float> depth_to_space_rows(const Tensor<float>& x_in, int64_t r, ShuffleOrder order) {
  detail::check_depth_to_space_args(x_in, r, order);
  const Tensor<float> x = x_in.contiguous();
  Tensor<float> y = Tensor<float>::empty(pixel_shuffle_output_shape(x.shape(), r));
  const int64_t N = y.size(0), C = y.size(1), H = x.size(2), W = x.size(3), OH = H * r, OW = W * r;
  const float* xp = x.data();
  float* yp = y.data();
  parallel_for_chunked(0, N * C * OH, 64, [&](int64_t lo, int64_t hi) {
    for (int64_t row = lo; row < hi; ++row) {
      const int64_t oh = row % OH, c = (row / OH) % C, n = row / (OH * C);
      const int64_t h = oh / r, i = oh % r;
      float* dst = yp + row * OW;
      for (int64_t j = 0; j < r; ++j) {
        const float* src = xp + ((n * C * r * r + detail::packed_channel(order, c, i, j, r, C)) * H + h) * W;
        for (int64_t w = 0; w < W; ++w) dst[w * r + j] = src[w];
      }
    }
  });
  return y;
}

// One work unit = one output row (n, oc, h): a stride-r gather from input row h·r + i of channel c.
inline Tensor<float> space_to_depth_rows(const Tensor<float>& x_in, int64_t r, ShuffleOrder order) {
  detail::check_space_to_depth_args(x_in, r, order);
  const Tensor<float> x = x_in.contiguous();
  Tensor<float> y = Tensor<float>::empty(pixel_unshuffle_output_shape(x.shape(), r));
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3), OC = C * r * r, OH = H / r,
                OW = W / r;
  const float* xp = x.data();
  float* yp = y.data();
  parallel_for_chunked(0, N * C * r * r * OH, 64, [&](int64_t lo, int64_t hi) {
    for (int64_t unit = lo; unit < hi; ++unit) {
      // Units are enumerated in input order (n, c, i, j, h) so neighbouring units read neighbouring memory.
      const int64_t h = unit % OH, j = (unit / OH) % r, i = (unit / (OH * r)) % r, c = (unit / (OH * r * r)) % C,
                    n = unit / (OH * r * r * C);
      const float* src = xp + ((n * C + c) * H + h * r + i) * W + j;
      float* dst = yp + ((n * OC + detail::packed_channel(order, c, i, j, r, C)) * OH + h) * OW;
      for (int64_t w = 0; w < OW; ++w) dst[w] = src[w * r];
    }
  });
  return y;
}

inline Tensor<float> pixel_shuffle_rows(const Tensor<float>& x, int64_t upscale_factor) {
  return depth_to_space_rows(x, upscale_factor, ShuffleOrder::CRD);
}
inline Tensor<float> pixel_unshuffle_rows(const Tensor<float>& x, int64_t downscale_factor) {
  return space_to_depth_rows(x, downscale_factor, ShuffleOrder::CRD);
}

// ---- dispatchers --------------------------------------------------------------------------------------------

// torch.nn.functional.pixel_shuffle(x, upscale_factor)
inline Tensor<float> pixel_shuffle(const Tensor<float>& x, int64_t upscale_factor) {
  return pixel_shuffle_rows(x, upscale_factor);
}
// torch.nn.functional.pixel_unshuffle(x, downscale_factor)
inline Tensor<float> pixel_unshuffle(const Tensor<float>& x, int64_t downscale_factor) {
  return pixel_unshuffle_rows(x, downscale_factor);
}
// tf.nn.depth_to_space(x, block_size) on an NCHW tensor (DCR order).
inline Tensor<float> depth_to_space(const Tensor<float>& x, int64_t block_size) {
  return depth_to_space_rows(x, block_size, ShuffleOrder::DCR);
}
// tf.nn.space_to_depth(x, block_size) on an NCHW tensor (DCR order).
inline Tensor<float> space_to_depth(const Tensor<float>& x, int64_t block_size) {
  return space_to_depth_rows(x, block_size, ShuffleOrder::DCR);
}

}  // namespace pixforge
