// pixforge/ops/concat.hpp — concat (torch.cat), split / split_with_sizes / chunk, narrow_copy and slice.
//
// concat(xs, dim) joins tensors that agree in every dimension except `dim`:
//
//     y[..., o_k + i, ...] = xs[k][..., i, ...]      o_k = sum of xs[0..k-1].size(dim);  y.size(dim) = sum of sizes
//
// split(x, split_size, dim) cuts `dim` into pieces of split_size (the last may be smaller), split_with_sizes(x,
// sizes, dim) into the given sizes (they must add up to x.size(dim)), chunk(x, chunks, dim) into `chunks` pieces of
// ceil(size / chunks) (fewer pieces when that does not divide evenly — torch.chunk's rule). narrow_copy(x, dim,
// start, length) and slice(x, dim, start, end, step) copy a range (x.narrow / x[..., start:end:step, ...]).
// Unlike PyTorch, which returns views for split/chunk/narrow, these return fresh contiguous tensors (every pixforge
// op returns a new tensor); Tensor::narrow() is the zero-copy view when that is what you want.
//
// Who uses it: U-Net skip connections (pix2pix, R2AttU-Net, U²-Net, Real-CUGAN: [decoder, skip] — the order
// decides which weights see which features), RRDB dense blocks (concat of x, x1, ..., x4 on channels), gated
// convolution (split a conv's output into feature and gate halves), DeepFill (concat of image, ones and mask).
//
// Pitfalls: the channel order of a concat must match the PyTorch module exactly — a swapped [skip, up] silently
// gives garbage with correctly shaped weights. Negative dims count from the end (dim -3 of NCHW is C).
//
// Implementations: concat_ref walks the output elements and finds their source (one index at a time); concat_memcpy
// views every tensor as [outer, size(dim)·inner] and copies whole contiguous blocks (outer·K memcpy calls, split
// over threads). Split-type ops are a narrow view plus a contiguous copy.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "pixforge/core/error.hpp"
#include "pixforge/core/parallel.hpp"
#include "pixforge/core/tensor.hpp"

namespace pixforge {

namespace detail {
inline int wrap_dim_for(const char* op, int dim, const Shape& s) {
  const int r = s.rank();
  PIXFORGE_CHECK(dim >= -r && dim < r, ErrorCode::invalid_argument, op, ": dim ", dim, " out of range for ",
                 s.str());
  return dim < 0 ? dim + r : dim;
}

inline std::string shapes_str(const std::vector<Tensor<float>>& xs) {
  std::string s;
  for (size_t k = 0; k < xs.size(); ++k) s += (k ? ", " : "") + xs[k].shape().str();
  return s;
}

// Checks the inputs of concat and returns the wrapped dim.
inline int check_concat_args(const std::vector<Tensor<float>>& xs, int dim) {
  PIXFORGE_CHECK(!xs.empty(), ErrorCode::invalid_argument, "concat: no tensors given");
  const Shape& s0 = xs[0].shape();
  const int d = wrap_dim_for("concat", dim, s0);
  for (size_t k = 1; k < xs.size(); ++k) {
    const Shape& s = xs[k].shape();
    bool ok = s.rank() == s0.rank();
    for (int i = 0; ok && i < s.rank(); ++i) ok = i == d || s[i] == s0[i];
    PIXFORGE_CHECK(ok, ErrorCode::shape_mismatch, "concat: tensor ", k, " has shape ", s.str(),
                   ", which does not match tensor 0 outside dim ", dim, " (shapes: ", shapes_str(xs), ")");
  }
  return d;
}
}  // namespace detail

inline Shape concat_output_shape(const std::vector<Tensor<float>>& xs, int dim) {
  const int d = detail::check_concat_args(xs, dim);
  Shape s = xs[0].shape();
  s[d] = 0;
  for (const auto& x : xs) s[d] += x.size(d);
  return s;
}

// ---- concat -------------------------------------------------------------------------------------------------

inline Tensor<float> concat_ref(const std::vector<Tensor<float>>& xs, int dim = 1) {
  const Shape out_shape = concat_output_shape(xs, dim);
  const int d = detail::wrap_dim_for("concat", dim, out_shape);
  Tensor<float> y = Tensor<float>::empty(out_shape);
  std::vector<Tensor<float>> packed;
  for (const auto& x : xs) packed.push_back(x.contiguous());
  // For every output element: unravel its index, find the input k whose range along d holds it, read it there.
  const int r = out_shape.rank();
  for (int64_t flat = 0; flat < y.numel(); ++flat) {
    int64_t idx[kMaxRank] = {};
    int64_t rest = flat;
    for (int i = r - 1; i >= 0; --i) {
      idx[i] = rest % out_shape[i];
      rest /= out_shape[i];
    }
    size_t k = 0;
    while (idx[d] >= packed[k].size(d)) idx[d] -= packed[k++].size(d);
    int64_t src = 0;
    for (int i = 0; i < r; ++i) src = src * packed[k].size(i) + idx[i];
    y.data()[flat] = packed[k].data()[src];
  }
  return y;
}

inline Tensor<float> concat_memcpy(const std::vector<Tensor<float>>& xs, int dim = 1) {
  const Shape out_shape = concat_output_shape(xs, dim);
  const int d = detail::wrap_dim_for("concat", dim, out_shape);
  Tensor<float> y = Tensor<float>::empty(out_shape);
  std::vector<Tensor<float>> packed;
  for (const auto& x : xs) packed.push_back(x.contiguous());
  int64_t outer = 1, inner = 1;
  for (int i = 0; i < d; ++i) outer *= out_shape[i];
  for (int i = d + 1; i < out_shape.rank(); ++i) inner *= out_shape[i];
  const int64_t K = int64_t(packed.size()), out_block = out_shape[d] * inner;
  std::vector<int64_t> offset(size_t(K), 0);  // where input k's block starts inside an output block
  for (int64_t k = 1; k < K; ++k) offset[size_t(k)] = offset[size_t(k - 1)] + packed[size_t(k - 1)].size(d) * inner;
  float* yp = y.data();
  parallel_for(0, outer * K, [&](int64_t unit) {
    const int64_t o = unit / K, k = unit % K;
    const Tensor<float>& x = packed[size_t(k)];
    const int64_t block = x.size(d) * inner;
    if (block > 0) std::memcpy(yp + o * out_block + offset[size_t(k)], x.data() + o * block, size_t(block) * 4);
  });
  return y;
}

// torch.cat(xs, dim)
inline Tensor<float> concat(const std::vector<Tensor<float>>& xs, int dim = 1) { return concat_memcpy(xs, dim); }

// ---- narrow / slice / split ---------------------------------------------------------------------------------

// x.narrow(dim, start, length), copied.
inline Tensor<float> narrow_copy(const Tensor<float>& x, int dim, int64_t start, int64_t length) {
  const int d = detail::wrap_dim_for("narrow_copy", dim, x.shape());
  PIXFORGE_CHECK(start >= 0 && length >= 0 && start + length <= x.size(d), ErrorCode::invalid_argument,
                 "narrow_copy: range [", start, ", ", start + length, ") out of bounds for dim ", dim, " of ",
                 x.shape().str());
  return x.narrow(d, start, length).clone();
}

// x[..., start:end:step, ...] along dim, copied. Python rules for start/end: negative counts from the end,
// out-of-range values are clamped; step must be >= 1.
inline Tensor<float> slice(const Tensor<float>& x_in, int dim, int64_t start, int64_t end, int64_t step = 1) {
  const int d = detail::wrap_dim_for("slice", dim, x_in.shape());
  PIXFORGE_CHECK(step >= 1, ErrorCode::invalid_argument, "slice: step must be >= 1, got ", step, " (x=",
                 x_in.shape().str(), ")");
  const int64_t n = x_in.size(d);
  auto wrap = [n](int64_t i) { return std::clamp<int64_t>(i < 0 ? i + n : i, 0, n); };
  start = wrap(start);
  end = std::max(wrap(end), start);
  const int64_t count = (end - start + step - 1) / step;
  const Tensor<float> x = x_in.contiguous();
  Shape s = x.shape();
  s[d] = count;
  Tensor<float> y = Tensor<float>::empty(s);
  int64_t outer = 1, inner = 1;
  for (int i = 0; i < d; ++i) outer *= s[i];
  for (int i = d + 1; i < s.rank(); ++i) inner *= s[i];
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t k = 0; k < count; ++k)
      std::memcpy(y.data() + (o * count + k) * inner, x.data() + (o * n + start + k * step) * inner,
                  size_t(inner) * 4);
  return y;
}

// torch.split(x, list_of_sizes, dim): pieces of the given sizes, which must add up to x.size(dim).
inline std::vector<Tensor<float>> split_with_sizes(const Tensor<float>& x, const std::vector<int64_t>& sizes,
                                                   int dim = 1) {
  const int d = detail::wrap_dim_for("split_with_sizes", dim, x.shape());
  int64_t total = 0;
  for (int64_t s : sizes) {
    PIXFORGE_CHECK(s >= 0, ErrorCode::invalid_argument, "split_with_sizes: negative size in ", shape_str(sizes));
    total += s;
  }
  PIXFORGE_CHECK(total == x.size(d), ErrorCode::shape_mismatch, "split_with_sizes: sizes ", shape_str(sizes),
                 " add up to ", total, ", but dim ", dim, " of x=", x.shape().str(), " has ", x.size(d));
  std::vector<Tensor<float>> out;
  int64_t start = 0;
  for (int64_t s : sizes) {
    out.push_back(x.narrow(d, start, s).clone());
    start += s;
  }
  return out;
}

// torch.split(x, split_size, dim): pieces of split_size along dim, the last one smaller if it does not divide.
inline std::vector<Tensor<float>> split(const Tensor<float>& x, int64_t split_size, int dim = 1) {
  const int d = detail::wrap_dim_for("split", dim, x.shape());
  PIXFORGE_CHECK(split_size >= 1, ErrorCode::invalid_argument, "split: split_size must be >= 1, got ", split_size,
                 " (x=", x.shape().str(), ")");
  std::vector<int64_t> sizes;
  for (int64_t start = 0; start < x.size(d); start += split_size)
    sizes.push_back(std::min(split_size, x.size(d) - start));
  return split_with_sizes(x, sizes, d);
}

// torch.chunk(x, chunks, dim): pieces of ceil(size / chunks); may return fewer than `chunks` pieces.
inline std::vector<Tensor<float>> chunk(const Tensor<float>& x, int64_t chunks, int dim = 1) {
  const int d = detail::wrap_dim_for("chunk", dim, x.shape());
  PIXFORGE_CHECK(chunks >= 1, ErrorCode::invalid_argument, "chunk: chunks must be >= 1, got ", chunks, " (x=",
                 x.shape().str(), ")");
  const int64_t n = x.size(d);
  return split(x, std::max<int64_t>((n + chunks - 1) / chunks, 1), d);
}

}  // namespace pixforge
