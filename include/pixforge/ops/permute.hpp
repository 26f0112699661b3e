// pixforge/ops/permute.hpp — permute with a contiguous copy, NCHW <-> NHWC, reshape / flatten / (un)squeeze.
//
// permute(x, dims) is x.permute(dims).contiguous():
//
//     y[i_0, ..., i_{r-1}] = x[j]   with j[dims[k]] = i_k         y.size(k) = x.size(dims[k])
//
// nchw_to_nhwc(x) = permute(x, {0, 2, 3, 1}) and nhwc_to_nchw(x) = permute(x, {0, 3, 1, 2}).
// reshape(x, dims) / flatten(x, start_dim, end_dim) / unsqueeze / squeeze follow torch: they return a view sharing
// x's storage when x is contiguous, else a packed copy (one dimension of reshape may be -1).
//
// Who uses it: converting images and TF/Keras tensors (NHWC) to NCHW; Keras Reshape((h, w, c)) after a Dense
// layer is channels-last and needs an NHWC->NCHW permute (part-b §0.8); self-attention (SAGAN, DeepFill's
// contextual attention, PEN-Net) flattens [N, C, H, W] to [N, C, H·W] and transposes it to [N, H·W, C].
//
// Pitfalls: torch.permute's argument says, for each *output* dim, which input dim it comes from (not where an input
// dim goes) — {0, 2, 3, 1} turns NCHW into NHWC. A view (Tensor::permute) is free but strided; ops that need packed
// data call contiguous(), so pay for the copy once with permute() when the result is used many times.
//
// Implementations (pure copies):
//   permute_ref         one loop over output elements, unravel the index, gather from the input.
//   permute_transpose   merges runs of dims that stay adjacent; when the result is a batched 2-D transpose
//                       ([B, M, K] -> [B, K, M], which is what NCHW <-> NHWC is) it copies 32×32 tiles so both
//                       reads and writes stay in cache; any other permutation falls back to a row-wise gather.
//                       Work units are tiles or output rows, independent of the thread count.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "pixforge/core/error.hpp"
#include "pixforge/core/parallel.hpp"
#include "pixforge/core/tensor.hpp"

namespace pixforge {

namespace detail {
// Validates dims as a permutation of x's dims and returns it with negative entries wrapped.
inline std::vector<int> check_permutation(const Shape& s, const std::vector<int>& dims) {
  const int r = s.rank();
  PIXFORGE_CHECK(int(dims.size()) == r, ErrorCode::invalid_argument, "permute: ", dims.size(),
                 " dims given for a tensor of shape ", s.str());
  std::vector<int> out(dims.size());
  std::vector<bool> seen(size_t(r), false);
  for (size_t k = 0; k < dims.size(); ++k) {
    const int d = dims[k] < 0 ? dims[k] + r : dims[k];
    PIXFORGE_CHECK(d >= 0 && d < r && !seen[size_t(d)], ErrorCode::invalid_argument, "permute: dims ",
                   shape_str(std::vector<int64_t>(dims.begin(), dims.end())), " are not a permutation of the ", r,
                   " dims of ", s.str());
    seen[size_t(d)] = true;
    out[k] = d;
  }
  return out;
}

inline void contiguous_strides(const Shape& s, int64_t* st) {
  int64_t acc = 1;
  for (int i = s.rank() - 1; i >= 0; --i) {
    st[i] = acc;
    acc *= s[i];
  }
}

// Batched transpose of packed [B, M, K] -> [B, K, M] in tiles of 32 (K) × 32 (M); one work unit = one tile,
// enumerated as (b, k tile, m tile) so consecutive units write consecutive output. A tile keeps both its source
// rows and its destination rows in cache, where a plain loop would stride through memory on one side. For a
// narrow K (NHWC -> NCHW of an RGB image: K = 3) a tile spans more of M so a unit still moves ~1024 values.
inline void transpose_tiled(const float* x, float* y, int64_t B, int64_t M, int64_t K) {
  constexpr int64_t T = 32;
  const int64_t tk = std::min(K, T), tm = std::max(T, T * T / tk);
  const int64_t k_tiles = (K + tk - 1) / tk, m_tiles = (M + tm - 1) / tm;
  parallel_for(0, B * k_tiles * m_tiles, [&](int64_t unit) {
    const int64_t b = unit / (k_tiles * m_tiles), kt = (unit / m_tiles) % k_tiles, mt = unit % m_tiles;
    const int64_t k0 = kt * tk, k1 = std::min(k0 + tk, K), m0 = mt * tm, m1 = std::min(m0 + tm, M);
    const float* xb = x + b * M * K;
    float* yb = y + b * M * K;
    for (int64_t k = k0; k < k1; ++k)
      for (int64_t m = m0; m < m1; ++m) yb[k * M + m] = xb[m * K + k];
  });
}
}  // namespace detail

inline Shape permute_output_shape(const Shape& x, const std::vector<int>& dims) {
  const std::vector<int> p = detail::check_permutation(x, dims);
  Shape s = x;
  for (size_t k = 0; k < p.size(); ++k) s[int(k)] = x[p[k]];
  return s;
}

// ---- reference ----------------------------------------------------------------------------------------------

inline Tensor<float> permute_ref(const Tensor<float>& x_in, const std::vector<int>& dims) {
  const std::vector<int> p = detail::check_permutation(x_in.shape(), dims);
  const Tensor<float> x = x_in.contiguous();
  Tensor<float> y = Tensor<float>::empty(permute_output_shape(x.shape(), dims));
  int64_t xst[kMaxRank];
  detail::contiguous_strides(x.shape(), xst);
  const int r = y.dim();
  for (int64_t flat = 0; flat < y.numel(); ++flat) {
    // Output index i; input offset = sum_k i_k * stride_x[dims[k]].
    int64_t rest = flat, src = 0;
    for (int k = r - 1; k >= 0; --k) {
      src += (rest % y.size(k)) * xst[p[size_t(k)]];
      rest /= y.size(k);
    }
    y.data()[flat] = x.data()[src];
  }
  return y;
}

// ---- fast path ----------------------------------------------------------------------------------------------

inline Tensor<float> permute_transpose(const Tensor<float>& x_in, const std::vector<int>& dims) {
  const std::vector<int> p = detail::check_permutation(x_in.shape(), dims);
  const Tensor<float> x = x_in.contiguous();
  Tensor<float> y = Tensor<float>::empty(permute_output_shape(x.shape(), dims));
  if (y.numel() == 0) return y;

  // Merge output dims k, k+1 whose sources p[k], p[k]+1 are adjacent in the input: they move as one block.
  // groups[g] = {first input dim, number of dims}, in output order.
  std::vector<std::pair<int, int>> groups;
  for (size_t k = 0; k < p.size(); ++k) {
    if (!groups.empty() && groups.back().first + groups.back().second == p[k])
      ++groups.back().second;
    else
      groups.push_back({p[k], 1});
  }
  auto extent = [&](const std::pair<int, int>& g) {
    int64_t e = 1;
    for (int i = g.first; i < g.first + g.second; ++i) e *= x.size(i);
    return e;
  };
  if (groups.size() == 1) {  // identity
    std::copy(x.data(), x.data() + x.numel(), y.data());
    return y;
  }
  // [B, M, K] -> [B, K, M] (B may be empty): groups = (B), (K), (M) with input order B < M < K.
  const size_t n = groups.size();
  const bool batched = n == 3 && groups[0].first == 0 && groups[2].first < groups[1].first;
  if ((n == 2 && groups[1].first == 0) || batched) {
    const int64_t B = batched ? extent(groups[0]) : 1;
    const int64_t K = extent(groups[n - 2]), M = extent(groups[n - 1]);
    detail::transpose_tiled(x.data(), y.data(), B, M, K);
    return y;
  }

  // General case: one unit per output row (all dims but the last), a strided gather along the last dim.
  int64_t xst[kMaxRank];
  detail::contiguous_strides(x.shape(), xst);
  const int r = y.dim();
  const int64_t inner = y.size(r - 1), inner_stride = xst[p[size_t(r - 1)]];
  parallel_for_chunked(0, y.numel() / inner, 16, [&](int64_t lo, int64_t hi) {
    for (int64_t row = lo; row < hi; ++row) {
      int64_t rest = row, src = 0;
      for (int k = r - 2; k >= 0; --k) {
        src += (rest % y.size(k)) * xst[p[size_t(k)]];
        rest /= y.size(k);
      }
      float* dst = y.data() + row * inner;
      for (int64_t i = 0; i < inner; ++i) dst[i] = x.data()[src + i * inner_stride];
    }
  });
  return y;
}

// ---- dispatchers and helpers --------------------------------------------------------------------------------

// x.permute(dims).contiguous()
inline Tensor<float> permute(const Tensor<float>& x, const std::vector<int>& dims) {
  return permute_transpose(x, dims);
}

inline Tensor<float> nchw_to_nhwc(const Tensor<float>& x) {
  check_rank(x, 4, "nchw_to_nhwc", "input");
  return permute(x, {0, 2, 3, 1});
}
inline Tensor<float> nhwc_to_nchw(const Tensor<float>& x) {
  check_rank(x, 4, "nhwc_to_nchw", "input");
  return permute(x, {0, 3, 1, 2});
}

// torch.reshape: a view when x is contiguous, else a packed copy.
inline Tensor<float> reshape(const Tensor<float>& x, const std::vector<int64_t>& dims) {
  return x.contiguous().reshape(dims);
}

// torch.flatten(x, start_dim, end_dim): merges dims start_dim..end_dim into one.
inline Tensor<float> flatten(const Tensor<float>& x, int start_dim = 0, int end_dim = -1) {
  const int r = x.dim();
  const int s = start_dim < 0 ? start_dim + r : start_dim, e = end_dim < 0 ? end_dim + r : end_dim;
  PIXFORGE_CHECK(r == 0 || (s >= 0 && e < r && s <= e), ErrorCode::invalid_argument, "flatten: start_dim ",
                 start_dim, " and end_dim ", end_dim, " do not select a range of dims of ", x.shape().str());
  if (r == 0) return x.contiguous().reshape({1});
  std::vector<int64_t> dims;
  for (int i = 0; i < s; ++i) dims.push_back(x.size(i));
  int64_t merged = 1;
  for (int i = s; i <= e; ++i) merged *= x.size(i);
  dims.push_back(merged);
  for (int i = e + 1; i < r; ++i) dims.push_back(x.size(i));
  return reshape(x, dims);
}

// torch.unsqueeze(x, dim): inserts a dimension of size 1 (dim in [-rank-1, rank]).
inline Tensor<float> unsqueeze(const Tensor<float>& x, int dim) {
  const int r = x.dim();
  const int d = dim < 0 ? dim + r + 1 : dim;
  PIXFORGE_CHECK(d >= 0 && d <= r, ErrorCode::invalid_argument, "unsqueeze: dim ", dim, " out of range for ",
                 x.shape().str());
  std::vector<int64_t> dims = x.shape().vec();
  dims.insert(dims.begin() + d, 1);
  return reshape(x, dims);
}

// torch.squeeze(x, dim): removes dimension dim if it has size 1 (else returns x unchanged, like torch).
inline Tensor<float> squeeze(const Tensor<float>& x, int dim) {
  const int r = x.dim();
  const int d = dim < 0 ? dim + r : dim;
  PIXFORGE_CHECK(d >= 0 && d < r, ErrorCode::invalid_argument, "squeeze: dim ", dim, " out of range for ",
                 x.shape().str());
  if (x.size(d) != 1) return x;
  std::vector<int64_t> dims = x.shape().vec();
  dims.erase(dims.begin() + d);
  return reshape(x, dims);
}

}  // namespace pixforge
