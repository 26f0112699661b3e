// pixforge/ops/elementwise.hpp — add, sub, mul, div with NumPy/PyTorch broadcasting; scaled add; scalar affine.
//
//     y = a ∘ b,   ∘ ∈ {+, −, ×, ÷}            add(a, b, alpha): y = a + alpha·b       affine(x, s, t): y = s·x + t
//
// Broadcasting (NumPy / torch): align the shapes at their last dimension; each pair of sizes must be equal or one
// of them 1 (a missing leading dim counts as 1); the output takes the larger size and a size-1 operand is repeated:
//
//     [1, 64, 32, 32] + [1, 64, 1, 1] -> [1, 64, 32, 32]     (per-channel: channel attention, SE, bias)
//     [2, 1, 32, 32]  × [1, 3, 1, 1]  -> [2, 3, 32, 32]      (both sides repeat)
//     [1, 64, 32, 32] + [64, 32, 31]  -> error: 32 vs 31 in the last dim
//
// Who uses it: residual adds everywhere (ResNet blocks, SRResNet, DnCNN's x − noise), RRDB's scaled residual
// x + 0.2·out (ESRGAN / Real-ESRGAN: `out * 0.2 + x`, i.e. add(x, out, 0.2f)), attention gates and channel
// attention (x × sigmoid(w) with w [N, C, 1, 1]), mask compositing (x·(1 − m) + y·m), value-range mapping
// ((x + 1)·0.5 as affine(x, 0.5, 0.5); ImageNet normalisation as sub/div by [1, 3, 1, 1] tensors).
//
// Pitfalls: broadcasting silently accepts [N, C, 1, 1] × [N, 1, H, W] and produces [N, C, H, W] — make sure that is
// the intent; a [C] vector broadcasts against the *last* dim (W), not C: reshape it to [C, 1, 1] first. add with
// alpha computes a + alpha·b in float, like torch.add(a, b, alpha=...) (which uses a fused multiply-add); with or
// without fusion (GCC fuses by default for C++ when FMA is available) results differ from PyTorch's by at most 1 ulp.
//
// Implementations (one op per element; memory-bound):
//   elementwise_ref          unravel each output index, map it to both inputs with broadcast rules.
//   elementwise_same_shape   equal shapes: one flat loop (vectorised by the compiler), chunks over threads.
//   elementwise_per_channel  [N, C, H, W] ∘ [1, C, 1, 1] (either side): one scalar per plane.
//   elementwise_broadcast    general case: output rows with zero strides on repeated dims.
// The dispatcher elementwise() picks the first that applies. In-place variants (add_, mul_, ...) write into `a`,
// which must already have the broadcast shape; a `b` of that same shape is read through its strides (no copy).
#pragma once

#include <algorithm>
#include <cstdint>

#include "pixforge/core/error.hpp"
#include "pixforge/core/parallel.hpp"
#include "pixforge/core/tensor.hpp"

namespace pixforge {

enum class BinaryOp { add, sub, mul, div };

inline const char* binary_op_name(BinaryOp op) {
  switch (op) {
    case BinaryOp::add: return "add";
    case BinaryOp::sub: return "sub";
    case BinaryOp::mul: return "mul";
    case BinaryOp::div: return "div";
  }
  return "?";
}

// The shape a ∘ b broadcasts to; raises shape_mismatch naming `op` when they do not broadcast.
inline Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op = "broadcast") {
  const int r = std::max(a.rank(), b.rank());
  Shape out(std::vector<int64_t>(size_t(r), 1));
  for (int i = 0; i < r; ++i) {
    const int ia = a.rank() - r + i, ib = b.rank() - r + i;
    const int64_t sa = ia >= 0 ? a[ia] : 1, sb = ib >= 0 ? b[ib] : 1;
    PIXFORGE_CHECK(sa == sb || sa == 1 || sb == 1, ErrorCode::shape_mismatch, op, ": shapes ", a.str(), " and ",
                   b.str(), " do not broadcast (size ", sa, " vs ", sb, " in dim ", i - r, ")");
    out[i] = sa == 1 ? sb : sa;
  }
  return out;
}

namespace detail {
// alpha scales b (only used by add/sub, like torch.add / torch.sub's alpha).
inline float apply_binary(BinaryOp op, float a, float b, float alpha) {
  switch (op) {
    case BinaryOp::add: return a + alpha * b;  // alpha·b is exact for alpha = 1
    case BinaryOp::sub: return a - alpha * b;
    case BinaryOp::mul: return a * b;
    case BinaryOp::div: return a / b;
  }
  return 0.0f;
}

// Strides of `t` (packed) seen through the broadcast output shape `out`: 0 where t repeats.
inline void broadcast_strides(const Shape& t, const Shape& out, int64_t* st) {
  int64_t acc = 1;
  for (int i = out.rank() - 1; i >= 0; --i) {
    const int it = t.rank() - out.rank() + i;
    const int64_t size = it >= 0 ? t[it] : 1;
    st[i] = size == 1 ? 0 : acc;
    acc *= size;
  }
}

// The loop body shared by all fast paths: y[i] = a[i·sa] ∘ b[i·sb] for i < n, with the op fixed at compile time
// so the compiler vectorises each case.
template <BinaryOp Op>
inline void binary_run(const float* a, int64_t sa, const float* b, int64_t sb, float* y, int64_t n, float alpha) {
  if (sa == 1 && sb == 1) {
    for (int64_t i = 0; i < n; ++i) y[i] = apply_binary(Op, a[i], b[i], alpha);
  } else if (sa == 1 && sb == 0) {
    const float bv = b[0];
    for (int64_t i = 0; i < n; ++i) y[i] = apply_binary(Op, a[i], bv, alpha);
  } else if (sa == 0 && sb == 1) {
    const float av = a[0];
    for (int64_t i = 0; i < n; ++i) y[i] = apply_binary(Op, av, b[i], alpha);
  } else {
    for (int64_t i = 0; i < n; ++i) y[i] = apply_binary(Op, a[i * sa], b[i * sb], alpha);
  }
}
inline void binary_run(BinaryOp op, const float* a, int64_t sa, const float* b, int64_t sb, float* y, int64_t n,
                       float alpha) {
  switch (op) {
    case BinaryOp::add: return binary_run<BinaryOp::add>(a, sa, b, sb, y, n, alpha);
    case BinaryOp::sub: return binary_run<BinaryOp::sub>(a, sa, b, sb, y, n, alpha);
    case BinaryOp::mul: return binary_run<BinaryOp::mul>(a, sa, b, sb, y, n, alpha);
    case BinaryOp::div: return binary_run<BinaryOp::div>(a, sa, b, sb, y, n, alpha);
  }
}

// Whether the memory spanned by b (any strides, non-negative) overlaps a's (contiguous) other than exactly: b == a
// element for element (same start, packed) is fine for an in-place op, a shifted view of a is not.
inline bool overlaps(const Tensor<float>& a, const Tensor<float>& b) {
  if (a.numel() == 0 || b.numel() == 0) return false;
  if (b.data() == a.data() && b.is_contiguous()) return false;
  int64_t b_extent = 1;
  for (int i = 0; i < b.dim(); ++i) b_extent += (b.size(i) - 1) * b.stride(i);
  const float *a0 = a.data(), *a1 = a0 + a.numel(), *b0 = b.data(), *b1 = b0 + b_extent;
  return b0 < a1 && a0 < b1;
}

constexpr int64_t kElementwiseGrain = 16384;  // elements per work unit: large enough to amortise scheduling

// If one operand is [N, C, H, W] (rank 4, packed) and the other broadcasts as [1, C, 1, 1] / [C, 1, 1], returns C.
inline bool is_per_channel(const Shape& full, const Shape& small) {
  if (full.rank() != 4 || small.rank() < 3 || small.rank() > 4) return false;
  const int off = 4 - small.rank();
  for (int i = 0; i < small.rank(); ++i) {
    const int d = i + off;
    const int64_t expect = d == 1 ? full[1] : 1;
    if (small[i] != expect) return false;
  }
  return true;
}
}  // namespace detail

// ---- reference ----------------------------------------------------------------------------------------------

inline Tensor<float> elementwise_ref(const Tensor<float>& a, const Tensor<float>& b, BinaryOp op,
                                     float alpha = 1.0f) {
  const Shape out = broadcast_shapes(a.shape(), b.shape(), binary_op_name(op));
  Tensor<float> y = Tensor<float>::empty(out);
  const int r = out.rank();
  for (int64_t flat = 0; flat < y.numel(); ++flat) {
    // Output index -> input index: the same index, with 0 where the input has size 1 (aligned at the right).
    int64_t idx[kMaxRank] = {};
    int64_t rest = flat;
    for (int i = r - 1; i >= 0; --i) {
      idx[i] = rest % out[i];
      rest /= out[i];
    }
    int64_t ia = 0, ib = 0;
    for (int i = 0; i < a.dim(); ++i) ia += (a.size(i) == 1 ? 0 : idx[r - a.dim() + i]) * a.stride(i);
    for (int i = 0; i < b.dim(); ++i) ib += (b.size(i) == 1 ? 0 : idx[r - b.dim() + i]) * b.stride(i);
    y.data()[flat] = detail::apply_binary(op, a.data()[ia], b.data()[ib], alpha);
  }
  return y;
}

// ---- fast paths ---------------------------------------------------------------------------------------------

inline Tensor<float> elementwise_same_shape(const Tensor<float>& a_in, const Tensor<float>& b_in, BinaryOp op,
                                            float alpha = 1.0f) {
  PIXFORGE_CHECK(a_in.shape() == b_in.shape(), ErrorCode::shape_mismatch, binary_op_name(op),
                 "_same_shape: shapes ", a_in.shape().str(), " and ", b_in.shape().str(), " differ");
  const Tensor<float> a = a_in.contiguous(), b = b_in.contiguous();
  Tensor<float> y = Tensor<float>::empty(a.shape());
  parallel_for_chunked(0, y.numel(), detail::kElementwiseGrain, [&](int64_t lo, int64_t hi) {
    detail::binary_run(op, a.data() + lo, 1, b.data() + lo, 1, y.data() + lo, hi - lo, alpha);
  });
  return y;
}

// [N, C, H, W] ∘ [1, C, 1, 1] or [1, C, 1, 1] ∘ [N, C, H, W]; one work unit = one (n, c) plane.
inline Tensor<float> elementwise_per_channel(const Tensor<float>& a_in, const Tensor<float>& b_in, BinaryOp op,
                                             float alpha = 1.0f) {
  const bool a_full = detail::is_per_channel(a_in.shape(), b_in.shape());
  PIXFORGE_CHECK(a_full || detail::is_per_channel(b_in.shape(), a_in.shape()), ErrorCode::shape_mismatch,
                 binary_op_name(op), "_per_channel: shapes ", a_in.shape().str(), " and ", b_in.shape().str(),
                 " are not [N,C,H,W] and [1,C,1,1]");
  const Tensor<float> a = a_in.contiguous(), b = b_in.contiguous();
  const Tensor<float>& full = a_full ? a : b;
  const Tensor<float>& chan = a_full ? b : a;
  Tensor<float> y = Tensor<float>::empty(full.shape());
  const int64_t C = full.size(1), HW = full.size(2) * full.size(3);
  parallel_for(0, full.size(0) * C, [&](int64_t plane) {
    const float* f = full.data() + plane * HW;
    const float* s = chan.data() + plane % C;
    float* dst = y.data() + plane * HW;
    if (a_full)
      detail::binary_run(op, f, 1, s, 0, dst, HW, alpha);
    else
      detail::binary_run(op, s, 0, f, 1, dst, HW, alpha);
  });
  return y;
}

inline Tensor<float> elementwise_broadcast(const Tensor<float>& a_in, const Tensor<float>& b_in, BinaryOp op,
                                           float alpha = 1.0f) {
  const Shape out = broadcast_shapes(a_in.shape(), b_in.shape(), binary_op_name(op));
  const Tensor<float> a = a_in.contiguous(), b = b_in.contiguous();
  Tensor<float> y = Tensor<float>::empty(out);
  if (y.numel() == 0) return y;
  if (out.rank() == 0) {
    y.data()[0] = detail::apply_binary(op, a.data()[0], b.data()[0], alpha);
    return y;
  }
  int64_t sa[kMaxRank], sb[kMaxRank];
  detail::broadcast_strides(a.shape(), out, sa);
  detail::broadcast_strides(b.shape(), out, sb);
  const int r = out.rank();
  const int64_t inner = out[r - 1];
  parallel_for_chunked(0, y.numel() / inner, std::max<int64_t>(1, detail::kElementwiseGrain / inner),
                       [&](int64_t lo, int64_t hi) {
                         for (int64_t row = lo; row < hi; ++row) {
                           int64_t rest = row, oa = 0, ob = 0;
                           for (int i = r - 2; i >= 0; --i) {
                             const int64_t k = rest % out[i];
                             rest /= out[i];
                             oa += k * sa[i];
                             ob += k * sb[i];
                           }
                           detail::binary_run(op, a.data() + oa, sa[r - 1], b.data() + ob, sb[r - 1],
                                              y.data() + row * inner, inner, alpha);
                         }
                       });
  return y;
}

// ---- dispatchers --------------------------------------------------------------------------------------------

inline Tensor<float> elementwise(const Tensor<float>& a, const Tensor<float>& b, BinaryOp op, float alpha = 1.0f) {
  if (a.shape() == b.shape()) return elementwise_same_shape(a, b, op, alpha);
  if (detail::is_per_channel(a.shape(), b.shape()) || detail::is_per_channel(b.shape(), a.shape()))
    return elementwise_per_channel(a, b, op, alpha);
  return elementwise_broadcast(a, b, op, alpha);
}

// torch.add(a, b, alpha=alpha): a + alpha·b (RRDB's `out * 0.2 + x` is add(x, out, 0.2f)).
inline Tensor<float> add(const Tensor<float>& a, const Tensor<float>& b, float alpha = 1.0f) {
  return elementwise(a, b, BinaryOp::add, alpha);
}
// torch.sub(a, b, alpha=alpha): a − alpha·b
inline Tensor<float> sub(const Tensor<float>& a, const Tensor<float>& b, float alpha = 1.0f) {
  return elementwise(a, b, BinaryOp::sub, alpha);
}
inline Tensor<float> mul(const Tensor<float>& a, const Tensor<float>& b) { return elementwise(a, b, BinaryOp::mul); }
inline Tensor<float> div(const Tensor<float>& a, const Tensor<float>& b) { return elementwise(a, b, BinaryOp::div); }

// scale·x + shift for every element (x·s alone: shift = 0; x + t alone: scale = 1).
inline Tensor<float> affine(const Tensor<float>& x_in, float scale, float shift = 0.0f) {
  const Tensor<float> x = x_in.contiguous();
  Tensor<float> y = Tensor<float>::empty(x.shape());
  parallel_for_chunked(0, y.numel(), detail::kElementwiseGrain, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) y.data()[i] = scale * x.data()[i] + shift;
  });
  return y;
}

// ---- in place: a ∘= b, where a already has the broadcast shape ----------------------------------------------

inline void elementwise_(Tensor<float>& a, const Tensor<float>& b_in, BinaryOp op, float alpha = 1.0f) {
  const char* name = binary_op_name(op);
  const Shape out = broadcast_shapes(a.shape(), b_in.shape(), name);
  PIXFORGE_CHECK(out == a.shape(), ErrorCode::shape_mismatch, name, "_: in-place result of shape ", out.str(),
                 " does not fit the destination ", a.shape().str(), " (b=", b_in.shape().str(), ")");
  PIXFORGE_CHECK(a.is_contiguous(), ErrorCode::invalid_argument, name, "_: destination ", a.shape().str(),
                 " must be contiguous");
  // A strided b of a's own shape (a crop: the U-Nets' skip additions) is read in place, without a packed copy,
  // unless its memory overlaps a's at another position.
  const bool read_strided = b_in.shape() == out && !detail::overlaps(a, b_in);
  const Tensor<float> b = read_strided ? b_in : b_in.contiguous();
  if (a.numel() == 0) return;
  if (out.rank() == 0) {
    a.data()[0] = detail::apply_binary(op, a.data()[0], b.data()[0], alpha);
    return;
  }
  // Each output row reads a's row before writing it (same position), so aliasing a == b is also safe.
  int64_t sb[kMaxRank];
  if (read_strided)
    for (int i = 0; i < out.rank(); ++i) sb[i] = b.stride(i);
  else
    detail::broadcast_strides(b.shape(), out, sb);
  const int r = out.rank();
  const int64_t inner = out[r - 1];
  float* ap = a.data();
  parallel_for_chunked(0, a.numel() / inner, std::max<int64_t>(1, detail::kElementwiseGrain / inner),
                       [&](int64_t lo, int64_t hi) {
                         for (int64_t row = lo; row < hi; ++row) {
                           int64_t rest = row, ob = 0;
                           for (int i = r - 2; i >= 0; --i) {
                             ob += (rest % out[i]) * sb[i];
                             rest /= out[i];
                           }
                           float* arow = ap + row * inner;
                           detail::binary_run(op, arow, 1, b.data() + ob, sb[r - 1], arow, inner, alpha);
                         }
                       });
}

inline void add_(Tensor<float>& a, const Tensor<float>& b, float alpha = 1.0f) {
  elementwise_(a, b, BinaryOp::add, alpha);
}
inline void sub_(Tensor<float>& a, const Tensor<float>& b, float alpha = 1.0f) {
  elementwise_(a, b, BinaryOp::sub, alpha);
}
inline void mul_(Tensor<float>& a, const Tensor<float>& b) { elementwise_(a, b, BinaryOp::mul); }
inline void div_(Tensor<float>& a, const Tensor<float>& b) { elementwise_(a, b, BinaryOp::div); }

// y ← x + alpha·y, written over y (whose old value is dead): the residual `x + 0.2·out` of RRDB without a new
// buffer. Each element is the same expression as add(x, y, alpha) computes, so the bits are the same.
inline void add_to_(const Tensor<float>& x_in, Tensor<float>& y, float alpha = 1.0f) {
  PIXFORGE_CHECK(x_in.shape() == y.shape(), ErrorCode::shape_mismatch, "add_to_: shapes ", x_in.shape().str(),
                 " and ", y.shape().str(), " differ");
  PIXFORGE_CHECK(y.is_contiguous(), ErrorCode::invalid_argument, "add_to_: destination ", y.shape().str(),
                 " must be contiguous");
  const Tensor<float> x = x_in.contiguous();
  const float* xp = x.data();
  float* yp = y.data();
  parallel_for_chunked(0, y.numel(), detail::kElementwiseGrain, [&](int64_t lo, int64_t hi) {
    detail::binary_run(BinaryOp::add, xp + lo, 1, yp + lo, 1, yp + lo, hi - lo, alpha);
  });
}

inline void affine_(Tensor<float>& x, float scale, float shift = 0.0f) {
  PIXFORGE_CHECK(x.is_contiguous(), ErrorCode::invalid_argument, "affine_: destination ", x.shape().str(),
                 " must be contiguous");
  float* p = x.data();
  parallel_for_chunked(0, x.numel(), detail::kElementwiseGrain, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) p[i] = scale * p[i] + shift;
  });
}

}  // namespace pixforge
