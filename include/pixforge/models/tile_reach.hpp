// pixforge/models/tile_reach.hpp — which input pixels the *bits* of a model's outputs depend on, along one axis:
// the exact context a pipeline tile needs on each side when 3×3 convs run by Winograd (pipeline.hpp, "Bit-identical
// tiles"), derived from the layer geometry instead of the safe bound conv2d_grid_tile() × the receptive radius.
//
// A Span is a closed interval of positions of one map (untiled coordinates). Each function maps the span of a
// layer's outputs to the span of its inputs their bits depend on. Plain convs: the window. A 3×3 stride-1 conv that
// conv2d() may run by Winograd F(4×4,3×3) (conv2d_grid_dependent_weight) computes its outputs in 4×4 tiles anchored
// at output 0, each from the 6×6 input patch at 4·tile (padded coordinates), through Bᵀ (input) and Aᵀ (output)
// with one FMA per *non-zero* entry (ops/conv2d_winograd_kernel.hpp, WinoOps). So output row q of a tile reads the
// patch rows {i : Aᵀ[q][ξ] ≠ 0 and Bᵀ[ξ][i] ≠ 0 for some ξ} — with the points 0, ±1, 2, −1/2, ∞: rows 0–4, 1–4,
// 1–4, 1–5 for q = 0..3, not the whole patch; rows and columns separately (the 2-D transforms are products).
// winograd_rows() reads that pattern from the kernel's own matrices, so other points stay covered; a kernel that
// multiplied by the zero entries would break it (tests/pipeline/test_pipeline_halo.cpp would then fail).
//
// exact_context() turns a model's dependency function into the context before / after a tile's core (input
// pixels) that makes every kept output — and every row of an SE map the tile owns (pipeline.hpp MeanPasses) —
// depend only on input inside the tile, for the tile starts the pipeline uses (multiples of `align`) and ends
// (multiples of size_multiple), by checking every phase of the core edges: minimal for that placement rule.
// Why not 4× the radius on both sides: the Winograd grid follows each layer's output origin, which valid convs
// move by one pixel per layer, so the extra reach piles up on one side, and most outputs read less than the patch.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <vector>

#include "pixforge/core/error.hpp"
#include "pixforge/nn/layers.hpp"
#include "pixforge/ops/conv2d.hpp"
#include "pixforge/ops/conv2d_winograd_kernel.hpp"

namespace pixforge {
namespace reach {

struct Span {
  int64_t lo, hi;  // closed
};

inline int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }
inline int64_t ceil_div(int64_t a, int64_t b) { return -floor_div(-a, b); }

inline Span join(Span a, Span b) { return Span{std::min(a.lo, b.lo), std::max(a.hi, b.hi)}; }
inline Span shift(Span s, int64_t c) { return Span{s.lo + c, s.hi + c}; }  // crop by c at the start

// The patch rows [lo[q], hi[q]] that output row q of a Winograd F(4×4,3×3) tile reads (see the top).
struct WinogradRows {
  int64_t lo[4], hi[4];
};
inline WinogradRows winograd_rows() {
  static_assert(sizeof(detail::kWinoATf) == sizeof(float) * 4 * 6 && sizeof(detail::kWinoBTf) == sizeof(float) * 36,
                "tile_reach: Winograd F(4x4,3x3) matrices expected");
  WinogradRows w;
  for (int q = 0; q < 4; ++q) {
    w.lo[q] = 6, w.hi[q] = -1;
    for (int x = 0; x < 6; ++x)
      for (int i = 0; i < 6; ++i)
        if (detail::kWinoATf[q][x] != 0.0f && detail::kWinoBTf[x][i] != 0.0f)
          w.lo[q] = std::min<int64_t>(w.lo[q], i), w.hi[q] = std::max<int64_t>(w.hi[q], i);
  }
  return w;
}

// Conv with kernel k, stride s, padding p; g > 0: computed in g-wide tiles anchored at output 0 (Winograd, k = 3,
// s = 1): for g = 4 the rows winograd_rows() gives, for another g the tile's whole (g + 2)-row patch.
inline Span conv(Span out, int64_t k, int64_t s, int64_t p, int64_t g) {
  if (g > 0) {
    const int64_t ta = floor_div(out.lo, g) * g, tb = floor_div(out.hi, g) * g;
    if (g != 4) return Span{ta - p, tb + g + k - 2 - p};
    static const WinogradRows w = winograd_rows();
    return Span{ta + w.lo[out.lo - ta] - p, tb + w.hi[out.hi - tb] - p};
  }
  return Span{out.lo * s - p, out.hi * s - p + k - 1};
}
// Transposed conv (output o = i·s − p + j, j < k): the inputs i that reach an output of the span.
inline Span conv_transpose(Span out, int64_t k, int64_t s, int64_t p) {
  return Span{ceil_div(out.lo + p - k + 1, s), floor_div(out.hi + p, s)};
}

// The grid tile conv2d() may use for this layer (weights as Pipeline decides grid_tile_, and the Winograd shape
// conditions), else 0.
inline int64_t grid_of(const Conv2d& c) {
  return conv2d_grid_dependent_weight(c.weight.shape()) && detail::conv2d_winograd_applicable(c.weight, c.params)
             ? conv2d_grid_tile()
             : 0;
}
inline Span conv(Span out, const Conv2d& c) {
  return conv(out, c.weight.size(2), c.params.stride_h, c.params.pad_top, grid_of(c));
}
inline Span conv_transpose(Span out, const ConvTranspose2d& c) {
  return conv_transpose(out, c.weight.size(2), c.params.stride_h, c.params.padding_h);
}

// A map whose rows a tile must reproduce bit for bit, at num/den of the input resolution, `shrink` rows smaller
// than padded·num/den (valid convs): row q is "centred" on input coordinate (q + shrink/2)·den/num. The tile with
// core [c0, c1) keeps rows [cut(c0), cut(c1)) (pipeline.hpp: the output, and MeanPasses' owned rows of an SE map).
// dep: the span of padded-input positions a span of its rows depends on.
struct Target {
  int64_t num, den, shrink;
  std::function<Span(Span)> dep;
  int64_t cut(int64_t c) const { return floor_div(2 * c * num - den * shrink, 2 * den); }
};

struct Context {
  int64_t before = 0, after = 0;
};

// The least context before / after a core such that tiles placed as the pipeline places them (input start
// floor((c0 − before)/align)·align, end ceil((c1 + after)/m)·m) contain the dependencies of every target row
// they keep, over every phase of c0 and c1 (the geometry repeats with a period dividing align·den).
inline Context exact_context(const std::vector<Target>& targets, int64_t align, int64_t m) {
  PIXFORGE_CHECK(align > 0 && m > 0 && align % m == 0, ErrorCode::invalid_argument, "exact_context: align ", align,
                 " must be a positive multiple of size_multiple ", m);
  Context ctx;
  int64_t period = align;
  for (const Target& t : targets) period = std::max(period, align * t.den);
  const int64_t base = 1024 * period;  // far from any border: the spans are not clamped
  for (int64_t c = base; c < base + 4 * period; ++c) {
    for (const Target& t : targets) {
      const Span first = t.dep(Span{t.cut(c), t.cut(c)});          // first row kept by a tile starting at c
      const Span last = t.dep(Span{t.cut(c) - 1, t.cut(c) - 1});    // last row kept by a tile ending at c
      int64_t before = std::max<int64_t>(0, c - first.lo);
      while (before > 0 && floor_div(c - (before - 1), align) * align <= first.lo) --before;
      int64_t after = std::max<int64_t>(0, last.hi + 1 - c);
      while (after > 0 && ceil_div(c + after - 1, m) * m >= last.hi + 1) --after;
      ctx.before = std::max(ctx.before, before);
      ctx.after = std::max(ctx.after, after);
    }
  }
  return ctx;
}

}  // namespace reach
}  // namespace pixforge
