// pixforge/nn/row_stream.hpp — layer-streamed execution in row bands: every map of a network is computed top to
// bottom in steps of rows and keeps only the rows that its readers still need.
//
// Why: tiling a deep network exactly needs, around every tile, a context as deep as its receptive field
// (RRDBNet anime_6B on the Winograd grid: 186 px per side), so the tiles of a large image recompute most of their
// area. Streamed in rows, each layer computes each of its rows once and holds a window of them: memory is about
// width × Σ over maps (kept rows × channels), whatever the height.
//
// How: a Map is pulled. ensure(upto) computes its next rows [done, r1), r1 = min(H, round_up(upto, kRowAlign),
// done + step), its make() first pulling from its sources the rows it needs (a 3×3 conv: one more above and
// below). Every band starts on a multiple of kRowAlign = conv2d_grid_tile() rows from the map's origin, so
// Winograd's 4×4 tiles fall where the whole-map conv puts them and each band equals those rows of the whole-map
// layer bit for bit (conv3x3_rows). Each reader of a map says from which row on it still needs it (release); the
// map drops the rows above the lowest of these before it appends. A conv needing one row of the band below makes
// its source run kRowAlign rows ahead, so a map read by a layer N convs later (a skip, a dense-concat input, a
// residual input) keeps about N·kRowAlign rows. Rows are held in a ring buffer (row r at slot r mod capacity):
// nothing is moved as the window slides; the capacity only grows, to the widest window seen. Maps read together
// (an RDB's dense inputs x, x1..x4) can share one ring of their summed channels (Graph::share), as forward() keeps
// one dense buffer: a conv over the leading channels of such a ring reads its rows in place, as a view with the
// ring's plane stride (conv2d_winograd reads it so), whenever they do not wrap around the ring's end; only then
// are they gathered into a packed band.
// A dry run (Graph::dry) walks the same schedule without computing anything, to size the windows in advance.
// The row copies (gathering a conv's input, appending its output) run on the calling thread: a band is a few MiB
// at most, memory-bound, and there are thousands of bands per image; a parallel region per copy cost far more
// than it saved on the loaded 2-core machine, where each region's barrier can wait for a descheduled partner
// (bench/NOTES.md, "stream").
#pragma once

#include <algorithm>
#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "pixforge/core/error.hpp"
#include "pixforge/core/parallel.hpp"
#include "pixforge/core/tensor.hpp"
#include "pixforge/nn/layers.hpp"
#include "pixforge/ops/conv2d.hpp"

namespace pixforge {
namespace row_stream {

// Rows of every band start on multiples of this (the Winograd output tile, or 1 without a grid-dependent path).
constexpr int64_t kRowAlign = conv2d_grid_tile() > 0 ? conv2d_grid_tile() : 1;

inline int64_t round_up(int64_t v, int64_t m) { return (v + m - 1) / m * m; }

// Storage reused for a sequence of band tensors: `capacity` floats, allocated on first use.
struct Scratch {
  int64_t capacity = 0;
  Tensor<float> buf;
};

// A packed tensor of shape s in the storage of `scratch` when given and large enough (a view: valid while the
// scratch lives and is not reused), else a new one. Every new mapping of ≥ 1 MiB costs a page fault per 4 KiB on
// first touch (core/tensor.hpp maps them from the OS), so band inputs reuse one buffer.
inline Tensor<float> rows_buffer(Scratch* scratch, const Shape& s) {
  if (scratch == nullptr || s.numel() > scratch->capacity) return Tensor<float>::empty(s);
  if (!scratch->buf.defined()) scratch->buf = Tensor<float>::empty({scratch->capacity});
  return Tensor<float>::view(scratch->buf.data(), s);
}

// Rows [r0, r1) of a 3×3, padding-1 conv over a map of height H, from rows [max(r0 − 1, 0), min(r1 + 1, H)) of
// its input (`rows(i0, i1)` makes them): the conv's own zero padding is used only at the map's top and bottom.
// Winograd's bits depend on where its 4-row tiles start and end, so with r0 and r1 multiples of
// conv2d_grid_tile() (or r1 = H) the band equals those rows of the whole-map conv bit for bit. Traced like
// Conv2d::operator() (one event per band), so `pixforge trace` times and counts streamed layers too.
// `prepared` (optional): the layer's Winograd weights, taken from its cache once for all bands of a run — the
// cache re-hashes the weights on every call to stay fresh (3.5 % of a streamed RRDBNet's time at 512²: one call
// per band); they are the weights conv2d() would take from it, so the bits are the same.
template <class Rows>
Tensor<float> conv3x3_rows(const Conv2d& conv, int64_t H, int64_t r0, int64_t r1, Rows rows,
                           std::shared_ptr<const WinogradWeights>* prepared = nullptr) {
  const int64_t i0 = std::max<int64_t>(r0 - 1, 0), i1 = std::min(r1 + 1, H);
  Conv2dParams p = conv.params;
  p.pad_top = r0 == 0 ? 1 : 0;
  p.pad_bottom = r1 == H ? 1 : 0;
  const Tensor<float> x = rows(i0, i1);
  const auto run = [&] {
    // conv2d()'s dispatch: Winograd with the cache's weights (unless they are streamed, see conv2d_winograd).
    if (prepared != nullptr && !detail::conv2d_is_depthwise(x, conv.weight, p) &&
        detail::conv2d_winograd_preferred(x, conv.weight, p) && !detail::winograd_streams_weights(conv.weight.shape())) {
      if (*prepared == nullptr) *prepared = conv.weight_cache.winograd(conv.weight);
      detail::count_macs(conv2d_output_shape(x.shape(), conv.weight.shape(), p).numel() *
                         (conv.weight.numel() / conv.weight.size(0)));
      return conv2d_winograd(x, conv.weight, conv.bias, p, prepared->get());
    }
    return conv2d(x, conv.weight, conv.bias, p, &conv.weight_cache);
  };
  if (current_tracer() == nullptr) return run();
  return detail::traced_call(
      conv, "Conv2d", x, run,
      [&](const Tensor<float>& y) {
        return 2.0 * double(conv.weight.size(1) * conv.weight.size(2) * conv.weight.size(3)) * double(y.numel());
      });
}

class Map;

// A ring buffer [N, C, cap, W] shared by maps that occupy consecutive channel ranges of it: row r of every member
// at slot r mod cap, so that rows of several members are one strided view.
struct Ring {
  int64_t C = 0, cap = 0;
  Tensor<float> buf;
  std::vector<Map*> members;
};

// One map [N, C, H, W] of a streamed network: a window of rows [first(), done()) in a ring buffer (its own, or
// channels [c0, c0 + C) of one shared with other maps).
class Map {
 public:
  // Rows [r0, r1) of the map, packed [N, C, r1 − r0, W] (undefined in a dry run).
  using Make = std::function<Tensor<float>(int64_t r0, int64_t r1)>;

  Map(std::string name, int64_t n, int64_t c, int64_t h, int64_t w, int64_t step, const bool* dry)
      : name_(std::move(name)), N_(n), C_(c), H_(h), W_(w), step_(step), dry_(dry), ring_(std::make_shared<Ring>()) {
    PIXFORGE_CHECK(n > 0 && c > 0 && h > 0 && w > 0 && step > 0 && step % kRowAlign == 0,
                   ErrorCode::invalid_argument, "row_stream: map '", name_, "' [", n, ",", c, ",", h, ",", w,
                   "] with step ", step, " (a positive multiple of ", kRowAlign, ")");
    ring_->C = c;
    ring_->members = {this};
  }
  Map(const Map&) = delete;  // the ring points at its members
  Map& operator=(const Map&) = delete;
  void set_make(Make make) { make_ = std::move(make); }

  const std::string& name() const { return name_; }
  int64_t channels() const { return C_; }
  int64_t height() const { return H_; }
  int64_t first() const { return lo_; }
  int64_t done() const { return hi_; }
  int64_t capacity() const { return cap_; }  // rows this map's window needed (the widest so far)
  const std::shared_ptr<Ring>& ring() const { return ring_; }
  int64_t ring_channel() const { return c0_; }  // this map's first channel in its ring
  // Sizes the ring for `rows` before the first row (a dry run's capacity): a ring grown step by step would copy
  // its window at every step while the pipeline fills (the feat skip of RRDBNet: ~370 rows, 4 at a time).
  void reserve(int64_t rows) {
    PIXFORGE_CHECK(hi_ == 0, ErrorCode::invalid_argument, "row_stream: reserve on map '", name_, "' after row ", hi_);
    cap_ = std::max(cap_, rows);
    ring_->cap = std::max(ring_->cap, rows);
  }
  // Moves this map (no row computed yet) into channels [c0, c0 + C) of `ring` (Graph::share).
  void share(const std::shared_ptr<Ring>& ring, int64_t c0) {
    PIXFORGE_CHECK(hi_ == 0 && c0 + C_ <= ring->C, ErrorCode::invalid_argument, "row_stream: map '", name_,
                   "' cannot join a ring of ", ring->C, " channels at channel ", c0, " after row ", hi_);
    ring_ = ring, c0_ = c0;
    ring_->members.push_back(this);
    ring_->cap = std::max(ring_->cap, cap_);
  }
  // Rows [i0, i1) (held) of channels [0, c) of this map's ring as a view (valid until the ring's next append), or
  // an undefined tensor if they wrap around the ring's end.
  Tensor<float> ring_view(int64_t i0, int64_t i1, int64_t c) const {
    check_held(i0, i1);
    const int64_t cap = ring_->cap, slot = i0 % cap;
    if (slot + (i1 - i0) > cap || *dry_) return Tensor<float>();
    return Tensor<float>::view(ring_->buf.data(), {N_, ring_->C, cap, W_}).narrow(1, 0, c).narrow(2, slot, i1 - i0);
  }

  // Computes rows until at least min(upto, H) are done.
  void ensure(int64_t upto) {
    upto = std::min(upto, H_);
    while (hi_ < upto) {
      const int64_t r1 = std::min({H_, round_up(upto, kRowAlign), hi_ + step_});
      const Tensor<float> band = make_(hi_, r1);
      PIXFORGE_CHECK(*dry_ || (band.dim() == 4 && band.size(0) == N_ && band.size(1) == C_ &&
                               band.size(2) == r1 - hi_ && band.size(3) == W_),
                     ErrorCode::shape_mismatch, "row_stream: map '", name_, "' rows [", hi_, ", ", r1, ") came as ",
                     band.shape().str(), ", expected [", N_, ",", C_, ",", r1 - hi_, ",", W_, "]");
      append(band, r1);
    }
  }

  // A new reader of this map; it needs every row until it says otherwise (release).
  int add_reader() {
    from_.push_back(0);
    return int(from_.size()) - 1;
  }
  // Reader `r` needs no row above `from` any more.
  void release(int r, int64_t from) { from_[size_t(r)] = std::max(from_[size_t(r)], from); }

  // Copies rows [i0, i1) (held) into channels [c0, c0 + C) of dst, packed [N, Cd, i1 − i0, W].
  void copy_to(int64_t i0, int64_t i1, Tensor<float>& dst, int64_t c0) const {
    check_held(i0, i1);
    const int64_t rows = i1 - i0;
    PIXFORGE_CHECK(dst.is_contiguous() && dst.dim() == 4 && dst.size(0) == N_ && c0 + C_ <= dst.size(1) &&
                       dst.size(2) == rows && dst.size(3) == W_,
                   ErrorCode::shape_mismatch, "row_stream: cannot copy rows [", i0, ", ", i1, ") of map '", name_,
                   "' [", N_, ",", C_, ",", H_, ",", W_, "] into channels ", c0, ".. of ", dst.shape().str());
    for (int64_t plane = 0; plane < N_ * C_; ++plane) copy_plane(i0, i1, dst, c0, plane);
  }
  // copy_to() for one plane (n·C + c) only, unchecked.
  void copy_plane(int64_t i0, int64_t i1, Tensor<float>& dst, int64_t c0, int64_t plane) const {
    const int64_t n = plane / C_, c = plane % C_, rows = i1 - i0;
    float* d = dst.data() + ((n * dst.size(1) + c0 + c) * rows) * W_;
    for_segments(i0, i1, [&](int64_t slot, int64_t count, int64_t offset) {
      std::memcpy(d + offset * W_, slot_row(plane, slot), size_t(count * W_) * sizeof(float));
    });
  }
  // Rows [i0, i1) (held) as a new packed tensor.
  Tensor<float> rows(int64_t i0, int64_t i1) const {
    Tensor<float> t = Tensor<float>::empty({N_, C_, i1 - i0, W_});
    copy_to(i0, i1, t, 0);
    return t;
  }

 private:
  void check_held(int64_t i0, int64_t i1) const {
    PIXFORGE_CHECK(i0 >= lo_ && i1 <= hi_ && i0 <= i1, ErrorCode::invalid_argument, "row_stream: rows [", i0, ", ",
                   i1, ") of map '", name_, "' are not held (held: [", lo_, ", ", hi_, "))");
  }
  // Slot `slot` of plane n·C + c of this map in its ring.
  float* slot_row(int64_t plane, int64_t slot) const {
    const int64_t n = plane / C_, c = plane % C_;
    return ring_->buf.data() + ((n * ring_->C + c0_ + c) * ring_->cap + slot) * W_;
  }

  // Calls f(slot, count, offset) for the one or two runs of ring slots that rows [i0, i1) occupy.
  template <class F>
  void for_segments(int64_t i0, int64_t i1, F f) const {
    const int64_t cap = ring_->cap;
    int64_t r = i0;
    while (r < i1) {
      const int64_t slot = r % cap, count = std::min(i1 - r, cap - slot);
      f(slot, count, r - i0);
      r += count;
    }
  }

  // Drops the rows no reader needs, then appends `band` as rows [hi, r1).
  void append(const Tensor<float>& band, int64_t r1) {
    int64_t keep = hi_;
    for (int64_t f : from_) keep = std::min(keep, f);
    keep = std::max(keep, lo_);
    const int64_t need = r1 - keep;
    lo_ = keep;
    cap_ = std::max(cap_, need);
    if (need > ring_->cap) grow(need);
    if (!ring_->buf.defined() && !*dry_) ring_->buf = Tensor<float>::empty({N_, ring_->C, ring_->cap, W_});
    if (!*dry_) {
      const Tensor<float> b = band.contiguous();
      const int64_t rows = r1 - hi_, h0 = hi_;
      for (int64_t plane = 0; plane < N_ * C_; ++plane) {
        const float* s = b.data() + plane * rows * W_;
        for_segments(h0, r1, [&](int64_t slot, int64_t count, int64_t offset) {
          std::memcpy(slot_row(plane, slot), s + offset * W_, size_t(count * W_) * sizeof(float));
        });
      }
    }
    hi_ = r1;
  }

  // The ring at `cap` rows, every member's held rows [first(), done()) moved to their new slots.
  void grow(int64_t cap) {
    Ring& g = *ring_;
    const Tensor<float> old = std::move(g.buf);
    const int64_t old_cap = g.cap;
    g.cap = cap;
    if (*dry_ || !old.defined()) return;
    g.buf = Tensor<float>::empty({N_, g.C, cap, W_});
    for (const Map* m : g.members)
      for (int64_t plane = 0; plane < N_ * m->C_; ++plane) {
        const int64_t ch = (plane / m->C_) * g.C + m->c0_ + plane % m->C_;
        for (int64_t r = m->lo_; r < m->hi_; ++r)
          std::memcpy(g.buf.data() + (ch * cap + r % cap) * W_, old.data() + (ch * old_cap + r % old_cap) * W_,
                      size_t(W_) * sizeof(float));
      }
  }

  std::string name_;
  int64_t N_, C_, H_, W_, step_;
  const bool* dry_;
  Make make_;
  std::vector<int64_t> from_;  // per reader: the first row it still needs
  int64_t lo_ = 0, hi_ = 0, cap_ = 0;
  std::shared_ptr<Ring> ring_;  // [N, ring C, cap, W]: row r of channel c at channel c0 + c, slot r mod cap
  int64_t c0_ = 0;
};

// The maps of one streamed network. Maps are built sources first; pulling the last one runs the network.
class Graph {
 public:
  // n: batch; w: the width of every map; step: the most rows a map computes per make() (a multiple of kRowAlign);
  // dry: walk the schedule only (capacities; nothing computed or allocated).
  Graph(int64_t n, int64_t w, int64_t step, bool dry = false) : N_(n), W_(w), step_(step), dry_(dry) {}
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;

  bool dry() const { return dry_; }
  int64_t width() const { return W_; }

  // A map whose rows `make` produces (typically from a tensor that exists whole, like the network's input).
  Map& source(std::string name, int64_t c, int64_t h, Map::Make make) {
    maps_.emplace_back(std::move(name), N_, c, h, W_, step_, &dry_);
    maps_.back().set_make(std::move(make));
    return maps_.back();
  }

  // conv (3×3, stride 1, padding 1) over the channel concatenation of `srcs` (torch.cat(srcs, 1)), all H rows.
  Map& conv(std::string name, const Conv2d& conv, std::vector<Map*> srcs) {
    int64_t cin = 0;
    for (const Map* s : srcs) cin += s->channels();
    const Conv2dParams& p = conv.params;
    PIXFORGE_CHECK(!srcs.empty() && conv.weight.dim() == 4 && conv.weight.size(1) == cin &&
                       conv.weight.size(2) == 3 && conv.weight.size(3) == 3 && p.stride_h == 1 && p.stride_w == 1 &&
                       p.pad_top == 1 && p.pad_bottom == 1 && p.pad_left == 1 && p.pad_right == 1 && p.dilation_h == 1 &&
                       p.dilation_w == 1 && p.groups == 1 && p.padding_mode == PaddingMode::zeros,
                   ErrorCode::unsupported, "row_stream: '", name, "' ", conv.weight.shape().str(),
                   " must be a 3×3 stride-1 padding-1 conv over ", cin, " channels");
    const int64_t H = srcs[0]->height();
    std::vector<int> readers;
    for (Map* s : srcs) readers.push_back(s->add_reader());
    gather_.capacity = std::max(gather_.capacity, N_ * cin * (step_ + 2) * W_);
    Map& m = source(std::move(name), conv.weight.size(0), H, nullptr);
    auto prepared = std::make_shared<std::shared_ptr<const WinogradWeights>>();  // from the first band on
    m.set_make([this, &conv, srcs, readers, cin, H, prepared](int64_t r0, int64_t r1) {
      const int64_t i1 = std::min(r1 + 1, H);
      for (Map* s : srcs) s->ensure(i1);
      Tensor<float> y;
      if (!dry_)
        y = conv3x3_rows(conv, H, r0, r1, [&](int64_t a, int64_t b) {
          if (leading_channels(srcs)) {  // read in place unless the rows wrap around the ring's end
            Tensor<float> v = srcs[0]->ring_view(a, b, cin);
            if (v.defined()) return v;
          }
          Tensor<float> x = rows_buffer(&gather_, {N_, cin, b - a, W_});
          int64_t c0 = 0;
          for (const Map* s : srcs) s->copy_to(a, b, x, c0), c0 += s->channels();
          return x;
        }, prepared.get());
      for (size_t k = 0; k < srcs.size(); ++k) srcs[k]->release(readers[k], r1 == H ? H : r1 - 1);
      return y;
    });
    return m;
  }

  // Puts `maps` (none computed yet) in one ring, in this order: a conv over a leading run of them then reads its
  // input in place (see Map::ring_view).
  void share(const std::vector<Map*>& maps) {
    auto ring = std::make_shared<Ring>();
    for (const Map* m : maps) ring->C += m->channels();
    int64_t c0 = 0;
    for (Map* m : maps) m->share(ring, c0), c0 += m->channels();
  }

  // An element-wise map of c channels: rows [r0, r1) = f(the same rows of each of `srcs`, as packed tensors).
  using Zip = std::function<Tensor<float>(const std::vector<Tensor<float>>&)>;
  Map& zip(std::string name, int64_t c, std::vector<Map*> srcs, Zip f) {
    std::vector<int> readers;
    for (Map* s : srcs) readers.push_back(s->add_reader());
    Map& m = source(std::move(name), c, srcs.at(0)->height(), nullptr);
    m.set_make([this, srcs, readers, f](int64_t r0, int64_t r1) {
      for (Map* s : srcs) s->ensure(r1);
      Tensor<float> y;
      if (!dry_) {
        std::vector<Tensor<float>> in;
        for (const Map* s : srcs) in.push_back(s->rows(r0, r1));
        y = f(in);
      }
      for (size_t k = 0; k < srcs.size(); ++k) srcs[k]->release(readers[k], r1);
      return y;
    });
    return m;
  }

  // Each map's ring sized as in `dry`, a dry run of the same graph (maps built in the same order).
  void reserve_like(const Graph& dry) {
    PIXFORGE_CHECK(dry.maps_.size() == maps_.size(), ErrorCode::invalid_argument, "row_stream: a dry run of ",
                   dry.maps_.size(), " maps for a graph of ", maps_.size());
    for (size_t k = 0; k < maps_.size(); ++k) maps_[k].reserve(dry.maps_[k].capacity());
  }

  // Floats the ring buffers hold (their final capacities: they only grow) plus the gather buffer.
  int64_t held_floats() const {
    int64_t f = gather_.capacity;
    for (const Map& m : maps_)
      if (m.ring()->members.front() == &m) f += N_ * m.ring()->C * m.ring()->cap * W_;  // each ring once
    return f;
  }

 private:
  // Whether `srcs` are channels [0, Σ C) of one ring, in order.
  static bool leading_channels(const std::vector<Map*>& srcs) {
    int64_t c = 0;
    for (const Map* s : srcs) {
      if (s->ring() != srcs[0]->ring() || s->ring_channel() != c) return false;
      c += s->channels();
    }
    return true;
  }

  int64_t N_, W_, step_;
  bool dry_;
  std::deque<Map> maps_;  // stable addresses: maps point at their sources
  Scratch gather_;        // a conv's concatenated input band, shared (each make() gathers after its sources ran)
};

}  // namespace row_stream
}  // namespace pixforge
