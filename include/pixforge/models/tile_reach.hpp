// pixforge/models/tile_reach.hpp — which input pixels the *bits* of a model's outputs depend on, along one axis:
// the exact context a pipeline tile needs on each side when 3×3 convs run by Winograd (pipeline.hpp, "Bit-identical
// tiles"), derived from the layer geometry instead of the safe bound conv2d_grid_tile() × the receptive radius.
//
// A Span is a closed interval of positions of one map (untiled coordinates). Each function maps the span of a
// layer's outputs to the span of its inputs they depend on. A conv that conv2d() may run grid-dependently
// (conv2d_grid_dependent_weight: Winograd F(4×4,3×3)) computes its outputs in g×g tiles anchored at output 0,
// each from its whole (g+2)×(g+2) input patch (ops/conv2d_winograd.hpp: in float every output of a tile depends
// on all 36 inputs), so its output span is first widened to whole g-tiles. Everything else is the plain window.
//
// exact_context() turns a model's dependency function into the context before / after a tile's core (input
// pixels) that makes every kept output — and every row of an SE map the tile owns (pipeline.hpp MeanPasses) —
// depend only on input inside the tile, for the tile starts the pipeline uses (multiples of `align`) and ends
// (multiples of size_multiple), by checking every phase of the core edges: minimal for that placement rule.
// Why not symmetric 4× the radius: with valid convs the Winograd grid moves with each layer's output origin, so
// the extra reach piles up on one side (Real-CUGAN 2×: 18 before, 48 after, against 76 on both sides).
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <vector>

#include "pixforge/core/error.hpp"
#include "pixforge/nn/layers.hpp"
#include "pixforge/ops/conv2d.hpp"

namespace pixforge {
namespace reach {

struct Span {
  int64_t lo, hi;  // closed
};

inline int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }
inline int64_t ceil_div(int64_t a, int64_t b) { return -floor_div(-a, b); }

inline Span join(Span a, Span b) { return Span{std::min(a.lo, b.lo), std::max(a.hi, b.hi)}; }
inline Span shift(Span s, int64_t c) { return Span{s.lo + c, s.hi + c}; }  // crop by c at the start

// Conv with kernel k, stride s, padding p; g > 0: outputs computed in g-wide tiles anchored at output 0.
inline Span conv(Span out, int64_t k, int64_t s, int64_t p, int64_t g) {
  if (g > 0) out = Span{floor_div(out.lo, g) * g, floor_div(out.hi, g) * g + g - 1};
  return Span{out.lo * s - p, out.hi * s - p + k - 1};
}
// Transposed conv (output o = i·s − p + j, j < k): the inputs i that reach an output of the span.
inline Span conv_transpose(Span out, int64_t k, int64_t s, int64_t p) {
  return Span{ceil_div(out.lo + p - k + 1, s), floor_div(out.hi + p, s)};
}

// The grid tile conv2d() may use for this layer (as Pipeline decides grid_tile_), else 0.
inline int64_t grid_of(const Conv2d& c) {
  return conv2d_grid_dependent_weight(c.weight.shape()) ? conv2d_grid_tile() : 0;
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
