// pixforge/pipeline.hpp — image in, image out: a model's pre/post-processing and exact tiled inference.
//
//     #define PIXFORGE_IMPLEMENTATION                      // in one .cpp (load_image/save_image, io/image.hpp)
//     #include "pixforge/models/all.hpp"
//     #include "pixforge/pipeline.hpp"
//
//     pixforge::Pipeline pipe = pixforge::Pipeline::load("weights/tiny-sr-2x.safetensors");
//     pixforge::RunOptions opt;                            // tile = -1: automatic from opt.memory_budget
//     opt.progress = [](int64_t done, int64_t total) { std::fprintf(stderr, "%lld/%lld\r", (long long)done,
//                                                                 (long long)total); };
//     pixforge::Image out = pipe.run(pixforge::load_image("in.png"), opt);
//     pixforge::save_image("out.png", out);
//
// What run() does, in order (only ImageModel::info() is consulted, so every registered model works):
//   1. Channels. The alpha channel of a 2/4-channel image is split off. The colour part is fed as the model's
//      in_channels: gray -> RGB by replication for RGB models (and the RGB output is turned back into gray with
//      Pillow's luma when the input was gray, except for task "colorize"), RGB -> gray with Pillow's luma for
//      1-channel models (a 1 -> 3 channel model gives RGB). Values are
//      normalised to info().range (io/image.hpp's table).
//   2. Padding, in "padded coordinates": the image gets info().pre_pad pixels on every side with
//      info().border_mode (the reference app's F.pad), plus extra rows/columns at the bottom/right, with the same
//      mode, up to a multiple of info().size_multiple. Reflect padding wider than the image keeps mirroring
//      (period 2(n-1)) where PyTorch would raise.
//   3. Tiles. The image region of the padded input is cut into tiles of `tile` × `tile` input pixels (the last
//      row/column of tiles is smaller). Each tile is extended by info().halo pixels of real context on every side,
//      rounded outwards to a multiple of size_multiple, and clamped to the padded input. Where a tile touches the
//      border of the padded input it therefore ends exactly where the whole-image run ends, so the model's own
//      border handling (zero-padded convs, clamped bicubic taps) sees the same thing; inside, the halo covers the
//      receptive field. Result: a tiled run gives the very bits of the untiled run, for any tile size and thread
//      count (see "Bit-identical tiles" below). An axis that fits in one tile is not cut at all. opt.halo < the
//      exact halo makes tiles approximate (for RRDBNet, whose exact radius is hundreds of pixels; opt.notice says
//      so).
//   4. Each tile's output (scale × its input, or smaller by an even number of pixels for models whose valid
//      convolutions shrink it symmetrically) is cropped to the tile's core × scale and written straight into the
//      8-bit output image (denormalised, clamped, rounded), so peak memory ≈ input image + output image + one
//      tile's activations, independent of the image size.
//   5. Alpha: carried through untouched for 1× models, resized by `scale` with opt.alpha_mode (bilinear by
//      default; a fully opaque alpha stays 255 without a resize) for SR models, then merged back.
//
// Tile size: opt.tile > 0 is the tile edge in input pixels; 0 runs the whole image at once; -1 (default) first
// looks for cheap tiles: full-width bands or square tiles whose summed input area is at most (1 +
// opt.max_tile_overhead) × the untiled one (10 % by default), the one with the least activation estimate, taken
// if it saves at least a quarter of the untiled estimate (models with a small exact context: upconv_7 256² runs
// as 2 bands, 512² as 2×2 tiles; never SE/mean_pools models, whose tiles cost whole extra passes). Otherwise it
// picks the largest tile whose extended area × activation_bytes_per_pixel() fits opt.memory_budget (1 GiB by
// default), and no tiling at all if the whole image fits (tiles never go below 32 px, so a tiny budget can be
// exceeded); the budget is capped by limits().max_tensor_bytes, so a run that limit would refuse untiled is tiled
// instead. The activation estimate is info().activation_bytes_per_pixel when the model sets it, else a
// conservative guess from the widest layer (activation_bytes_per_pixel() below; ~7× the measured peak for
// TinySR). Measured with the CLI (`pixforge run ... --verbose`; session 2: 512 MiB budget, no cheap tiles),
// TinySR 2×: 2048² untiled 1394 MiB peak RSS, automatic (5×5 tiles) 203 MiB; 4096² -> 8192² automatic (9×9
// tiles) 631 MiB, RGBA 808 MiB (the PNG encoder's buffer included).
// Row streaming: a model that implements ImageModel::forward_rows (RRDBNet) and would be tiled by that rule runs
// layer-streamed instead (opt.stream, TilePlan::stream): the whole padded height at once, each layer computing
// each of its rows once and keeping only the rows its readers still need (nn/row_stream.hpp), so memory grows with
// the width only; when even that exceeds the budget, in column strips with the exact horizontal context (each
// strip's rows still computed once). The output bands are written straight into the output as they come, and the
// bits are those of the untiled run (tests/pipeline/test_pipeline_stream.cpp).
// Models with info().global_context depend on the whole image. When that dependence is only per-channel means
// listed in info().mean_pools (the SE blocks of Real-CUGAN and waifu2x CUNet), tiling stays exact in several
// passes over the same tiles (detail::MeanPasses): pass k runs every tile up to SE block k, with the whole-image
// means of the earlier blocks fixed, and adds the channel sums over the part of block k's map the tile owns (the
// owned parts partition the untiled map; the tile grid is aligned to size_multiple, which makes the maps' strides
// line up); means = sums / the untiled map's area. The last pass runs every tile with all means fixed and writes
// the output. Nothing whole-image is cached (each pass recomputes the tiles), so memory stays that of one tile;
// the price is time: K partial passes before the full one. Tiled and untiled runs then give identical bits like
// any other model (tests/pipeline/test_pipeline_se.cpp, test_pipeline_bitwise.cpp). Measured (bench/models/bench_pipeline_se.cpp, 2 threads on
// a shared, loaded machine), Real-CUGAN 2× on 256²: untiled 10.6 s and 413 MiB peak; exact 128-px tiles (2×2,
// five passes) 30.3 s and 134 MiB; naive one-pass tiles (wrong seams) 11.5 s and 134 MiB. With the CLI
// (`/usr/bin/time -v pixforge run weights/realcugan-se-up2x-conservative.safetensors` on a 4096² photo, automatic
// 15×15 tiles of 288 px): 763 MiB max RSS, 1 h 17 min wall at 27% of the 2 cores (the machine was shared). Other global_context models (instance norm, attention, ...) are
// run untiled in automatic mode (opt.notice says so) and an explicit tile size is refused with an error.
//
// Bit-identical tiles (issue #5: "identical output bytes for 1 and 2 threads and for any tile size";
// tests/pipeline/test_pipeline_bitwise.cpp). A tile's maps are windows of the untiled maps shifted by in0·r (r: a
// map's resolution relative to the input), and its outputs equal the untiled ones bit for bit when
//   * every conv sums each output in an order fixed by the shapes, not by the map's width or origin or the thread
//     count: conv2d_direct, conv_transpose2d_direct, conv2d_winograd (the GEMM paths do not, and conv2d() no longer
//     takes them for these models);
//   * grid-dependent algorithms see the same grid: Winograd F(4×4,3×3) cuts every 3×3 layer's output into 4×4
//     tiles anchored at the map's origin, so tile starts in0 are multiples of g·size_multiple (g = 4 =
//     conv2d_grid_tile(); size_multiple is the deepest downsampling, so in0·r is a multiple of 4 at every layer)
//     — for models with a weight conv2d() may run that way (3×3, ≥ 16 channels in and out), others keep g = 0;
//   * the context covers what each kept output's bits depend on (and each SE-map row a tile owns): the receptive
//     radius info().halo, plus, per Winograd layer, the rows of its 4×4 tile's 6×6 input patch the output reads
//     beyond its 3×3 window. Models that derive it from their layer geometry (models/tile_reach.hpp) set
//     info().grid_halo_before / _after: exact and minimal for this tile placement, per side, e.g. Real-CUGAN 2×
//     18 / 47 and upconv_7 7 / 17 input px (tests/pipeline/test_pipeline_halo.cpp: one pixel less differs).
//     Otherwise g·info().halo (4× the radius) on both sides bounds it whatever subset of the 3×3 layers is
//     Winograd (each adds at most 3 pixels to the 1 of its radius at its resolution);
//   * the SE means (MeanPasses) are the same numbers: exact per-exponent bucket sums (add_exact), identical however
//     the map is cut; an untiled run computes them the same way (one pass), so it matches any tiled run. (The
//     model's own forward(), global_avg_pool2d, may differ from the pipeline in the last bit of a mean.)

// run_tensor() is the same engine on a float tensor already in the model's range and channels ([1, Cin, H, W] ->
// [1, Cout, H·s, W·s]): what the tests use to compare tiled and untiled runs before quantisation.
//
// Errors: an image above limits().max_image_pixels (input or output), a model whose output size does not match
// its declared scale, an explicit tile size for a global_context model without mean_pools, cancellation (opt.cancel set: the run
// stops before the next tile with ErrorCode::invalid_argument and "cancelled" in the message).
#pragma once

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "pixforge/core/error.hpp"
#include "pixforge/core/parallel.hpp"
#include "pixforge/core/tensor.hpp"
#include "pixforge/io/image.hpp"
#include "pixforge/models/model.hpp"
#include "pixforge/ops/conv2d.hpp"
#include "pixforge/ops/upsample.hpp"

namespace pixforge {

static_assert(kConv2dGridMinChannels == detail::kWinoMinChannels,
              "conv2d_grid_dependent_weight must cover every layer conv2d() may run with Winograd");

struct RunOptions {
  int64_t tile = -1;                          // tile edge in input pixels; 0 = untiled; -1 = automatic
  // Context added to each side of a tile, in input pixels. -1 = info().halo, the receptive radius: exact. A
  // smaller value (Real-ESRGAN's tile_pad 10, say) trades exactness for memory and speed on models with huge
  // receptive fields (RRDBNet: hundreds of pixels); the seams are then only approximately invisible.
  int64_t halo = -1;
  // Output tile edge of a grid-dependent conv algorithm the model's layers use (Winograd F(4×4,3×3): 4): -1 =
  // conv2d_grid_tile() (ops/conv2d.hpp) if a weight of the model may take that path of conv2d()
  // (conv2d_grid_dependent_weight), else 0; 0 = none. With g > 0 tiles start on multiples of g·size_multiple and
  // the exact halo is g·info().halo (see "Bit-identical tiles" above).
  int64_t grid_tile = -1;
  // Bytes of activations one tile may use (automatic tile size). 1 GiB: at 512 MiB, Real-CUGAN 512² (~690 MiB
  // estimated, 648 MiB peak RSS untiled) was cut into 2×2 tiles whose exact SE means take 5 passes: 3× the time
  // of the untiled run (bench/NOTES.md "lowmem"), while ONNX Runtime and OpenCV use 1.7–2.1 GiB there.
  int64_t memory_budget = int64_t(1024) << 20;
  // Extra work the automatic tile size may spend to save memory (context rows/columns computed by two tiles),
  // as a fraction of the untiled work: among full-width bands and square tiles whose summed input area is at most
  // (1 + this) × the untiled input and whose estimate fits the budget, it takes the one with the smallest
  // activation estimate, if that saves at least a quarter of the untiled estimate (or the image does not fit).
  // That only happens where the exact context is small next to the image (upconv_7: 7/17 px), never for
  // mean_pools models (each tiling adds whole passes) nor global_context ones. 0 = tile only when the budget
  // requires it.
  double max_tile_overhead = 0.10;
  // Models that stream rows (ImageModel::stream_bytes > 0: RRDBNet) run layer-streamed (forward_rows: every row
  // computed once, memory ∝ width) instead of in tiles when the automatic plan would tile them: the whole height
  // at once, in full-width or, for very wide images, column strips with the exact horizontal context. false: tiles.
  bool stream = true;
  // Called with (0, total) before the first tile and (k, total) after the k-th; total = number of tiles (times
  // 1 + info().mean_pools.size() passes for SE models cut into several tiles).
  std::function<void(int64_t done, int64_t total)> progress;
  // Informational messages (e.g. "tiling disabled for ..."); nothing is printed by the library.
  std::function<void(const std::string&)> notice;
  const std::atomic<bool>* cancel = nullptr;  // checked before each tile
  Rounding rounding = Rounding::round;        // quantisation of the 8-bit output
  InterpolateMode alpha_mode = InterpolateMode::bilinear;  // resize of the alpha channel for scale > 1
};

// How an image of a given size will be cut (Pipeline::plan).
struct TilePlan {
  int64_t tile = 0;                  // tile edge used (0 = whole image)
  int64_t tiles_y = 1, tiles_x = 1;  // number of tile rows / columns (an axis is not cut when a tile plus its
                                     // context would span all of it anyway)
  int64_t padded_h = 0, padded_w = 0;  // size of the padded input (pre_pad + size_multiple padding)
  int64_t halo = 0;                  // context before each tile's core used (input pixels)
  int64_t halo_after = 0;            // context after each tile's core used (= halo unless the model derived both)
  int64_t align = 1;                 // tile inputs start at multiples of this (padded coordinates)
  int64_t bytes_per_pixel = 0;       // activation estimate used
  int64_t bytes_fixed = 0;           // the part of the estimate that does not grow with the tile
  int64_t tile_bytes = 0;            // estimated activation bytes of the largest tile (or the whole image)
  bool stream = false;               // rows streamed through the model (forward_rows), each of the tiles_x column
                                     // strips top to bottom once (tiles_y = 1)
  int64_t count() const { return tiles_y * tiles_x; }
};

namespace detail {

inline int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }
inline int64_t ceil_div(int64_t a, int64_t b) { return -floor_div(-a, b); }

// Source index in [0, n) of padded coordinate p (the image starts at `before`), or -1 for a zero.
inline int64_t border_source(int64_t p, int64_t before, int64_t n, PaddingMode mode) {
  const int64_t q = p - before;
  if (q >= 0 && q < n) return q;
  switch (mode) {
    case PaddingMode::zeros: return -1;
    case PaddingMode::replicate: return q < 0 ? 0 : n - 1;
    case PaddingMode::reflect: {
      if (n == 1) return 0;
      const int64_t period = 2 * (n - 1);
      int64_t r = q % period;
      if (r < 0) r += period;
      return r < n ? r : period - r;
    }
  }
  return -1;
}

// One tile along one axis, in padded input coordinates: the core [core0, core1) whose output is kept, and the
// extended input [in0, in1) that is fed to the model.
struct TileSpan {
  int64_t core0, core1, in0, in1;
};

// n: image size; pre: pre_pad; padded: padded size; m: size_multiple; align: a multiple of m where tiles start;
// before / after: context on each side of the core; tile: 0 = one span over everything.
inline std::vector<TileSpan> plan_axis(int64_t n, int64_t pre, int64_t padded, int64_t m, int64_t align,
                                       int64_t before, int64_t after, int64_t tile) {
  std::vector<TileSpan> spans;
  if (tile <= 0 || tile >= n) {
    spans.push_back(TileSpan{pre, pre + n, 0, padded});
    return spans;
  }
  for (int64_t c0 = pre; c0 < pre + n; c0 += tile) {
    const int64_t c1 = std::min(c0 + tile, pre + n);
    const int64_t a = std::max<int64_t>(0, floor_div(c0 - before, align) * align);
    const int64_t b = std::min<int64_t>(padded, ceil_div(c1 + after, m) * m);
    spans.push_back(TileSpan{c0, c1, a, b});
  }
  return spans;
}

// Where a tile's output lands: tile output rows [src0, src0 + len) go to final output rows [dst0, dst0 + len).
struct OutSpan {
  int64_t src0, dst0, len;
};

inline OutSpan output_span(const TileSpan& t, int64_t out_size, int64_t scale, int64_t pre, const char* axis,
                           const std::string& arch) {
  const int64_t full = (t.in1 - t.in0) * scale;
  const int64_t shrink = full - out_size;
  const int64_t origin = t.in0 * scale + shrink / 2;  // padded-output coordinate of the tile output's first row
  const OutSpan o{t.core0 * scale - origin, (t.core0 - pre) * scale, (t.core1 - t.core0) * scale};
  PIXFORGE_CHECK(shrink >= 0 && shrink % 2 == 0 && o.src0 >= 0 && o.src0 + o.len <= out_size,
                 ErrorCode::shape_mismatch, "pipeline '", arch, "': the model's ", axis, " output is ", out_size,
                 " for an input of ", t.in1 - t.in0, " at scale ", scale, " (expected ", full,
                 ", or smaller by an even amount for valid convolutions, at most ",
                 2 * std::min(t.core0 - t.in0, t.in1 - t.core1) * scale, " here)");
  return o;
}

// Channel sums whose bits do not depend on how the map is cut into tiles, nor on the order of the pixels: one
// double per float exponent. All floats with biased exponent e are integer multiples of 2^(e − 150) below
// 2^(e − 126), so up to 2^29 of them sum *exactly* in a double (53-bit mantissa); sums of bucket sums from
// several tiles are exact too. The total adds the 256 buckets in exponent order. Under tiling the owned parts of
// a map partition it, so tiled and untiled runs get identical sums, hence identical SE means and output bits.
constexpr int kExponentBuckets = 256;
constexpr int64_t kMaxExactSumCount = int64_t(1) << 29;

// Adds the n floats at x into buckets[kExponentBuckets] (two interleaved bucket arrays keep neighbouring equal
// exponents off one dependency chain; both are exact, and they are combined exactly).
inline void add_exact(const float* x, int64_t n, double* buckets) {
  double b0[kExponentBuckets] = {}, b1[kExponentBuckets] = {};
  auto bucket = [](float v) {
    uint32_t u;
    std::memcpy(&u, &v, sizeof u);
    return (u >> 23) & 0xffu;
  };
  int64_t i = 0;
  for (; i + 1 < n; i += 2) {
    b0[bucket(x[i])] += double(x[i]);
    b1[bucket(x[i + 1])] += double(x[i + 1]);
  }
  if (i < n) b0[bucket(x[i])] += double(x[i]);
  for (int e = 0; e < kExponentBuckets; ++e) buckets[e] += b0[e] + b1[e];
}

inline double exact_total(const double* buckets) {
  double t = 0;
  for (int e = 0; e < kExponentBuckets; ++e) t += buckets[e];
  return t;
}

// Multi-pass exact tiling of models with info().mean_pools (SE blocks): the hook of one pass over the tiles.
// Pass k < K (K pools) runs every tile up to pool k with the whole-image means of pools < k already fixed, adds
// each channel's sum over the part of pool k's map that the tile owns, and stops the forward there; after the
// pass, means[k] = sums / area of the untiled map. The last pass (k = K) returns all K means to every pool.
//
// Ownership. All maps shift with the input (MeanPool): a tile whose input starts at padded coordinate in0 has map
// row j at untiled map row j + in0·r (r = num/den; in0 is a multiple of size_multiple, which makes that an
// integer for these models; checked). A map of a tile of L input rows has m = L·r − s rows, s the model's
// constant shrink up to the pool (0 for zero-padded convs, > 0 for valid ones); the untiled map has P·r − s.
// A tile boundary at padded coordinate c (a core edge) cuts the untiled map at floor(c·r − s/2): the map row
// "centred" on c. The first tile of an axis owns from row 0, the last up to the end, so the owned parts
// partition the untiled map exactly; each lies inside its tile's map as long as the halo covers the pool's
// receptive radius (checked), and the tile computes those rows exactly as the untiled run (the halo covers
// their context).
class MeanPasses : public ChannelMeansHook {
 public:
  MeanPasses(const ImageModelInfo& info, int64_t padded_h, int64_t padded_w)
      : info_(info), pools_(info.mean_pools), padded_h_(padded_h), padded_w_(padded_w), means_(pools_.size()) {}

  int64_t passes() const { return int64_t(pools_.size()) + 1; }
  bool final_pass() const { return pass_ == int64_t(pools_.size()); }

  void begin_pass(int64_t pass) {
    pass_ = pass;
    sums_.clear();
    area_ = -1;
  }
  // A single tile covering the whole image: one pass in which every pool's means are computed on the spot with
  // the same exact sums as the multi-pass run, so an untiled run gives the bits of any tiled one.
  void begin_single(const TileSpan& ty, const TileSpan& tx) {
    begin_pass(passes() - 1);
    single_ = true;
    begin_tile(ty, tx, true, true, true, true);
  }
  // Before each tile: its spans and whether it is the first / last along each axis.
  void begin_tile(const TileSpan& ty, const TileSpan& tx, bool first_y, bool last_y, bool first_x, bool last_x) {
    ty_ = ty, tx_ = tx;
    first_y_ = first_y, last_y_ = last_y, first_x_ = first_x, last_x_ = last_x;
    calls_ = 0;
  }
  // After each tile's forward: every pool up to this pass was seen.
  void end_tile() const {
    const int64_t want = final_pass() ? int64_t(pools_.size()) : pass_ + 1;
    PIXFORGE_CHECK(calls_ == want, ErrorCode::invalid_argument, "pipeline '", info_.arch, "': the model called its ",
                   "means hook ", calls_, " times in pass ", pass_, ", its info().mean_pools expects ", want);
  }
  // After the last tile of a statistics pass: the whole-image means of pool `pass`.
  void end_pass() {
    if (final_pass()) return;
    means_[size_t(pass_)] = finish_means();
  }

  Tensor<float> means(const Tensor<float>& map) override {
    const int64_t k = calls_++;
    PIXFORGE_CHECK(k < int64_t(pools_.size()), ErrorCode::invalid_argument, "pipeline '", info_.arch,
                   "': the model called its means hook more often than its ", pools_.size(), " mean_pools");
    if (k < pass_ && !single_) return means_[size_t(k)];
    if (single_) sums_.clear();
    accumulate(k, map.contiguous());
    if (single_) return finish_means();
    return Tensor<float>::zeros({1, map.size(1), 1, 1});  // unused: the forward stops after this pool
  }
  bool stop() const override { return !final_pass() && calls_ > pass_; }

 private:
  // One axis of the owned region of pool k's map in the current tile's map coordinates [lo, hi), and the untiled
  // map size along that axis.
  struct Owned {
    int64_t lo, hi, full;
  };
  Owned owned(const MeanPool& r, const TileSpan& t, bool first, bool last, int64_t padded, int64_t m,
              const char* axis, int64_t k) const {
    auto scaled = [&](int64_t v) { return v * r.num; };  // v·r = scaled(v) / den
    const int64_t L = t.in1 - t.in0;
    const bool aligned = scaled(t.in0) % r.den == 0 && scaled(L) % r.den == 0 && scaled(padded) % r.den == 0;
    PIXFORGE_CHECK(aligned, ErrorCode::invalid_argument, "pipeline '", info_.arch, "': mean pool ", k, " (", r.num,
                   "/", r.den, " of the input resolution) does not align with the tile input ", axis, " [", t.in0,
                   ", ", t.in1, ") of ", padded, "; size_multiple must make in0·", r.num, "/", r.den, " whole");
    const int64_t offset = scaled(t.in0) / r.den, shrink = scaled(L) / r.den - m;
    const int64_t full = scaled(padded) / r.den - shrink;
    auto cut = [&](int64_t c) { return floor_div(2 * scaled(c) - r.den * shrink, 2 * r.den); };
    const int64_t lo = first ? 0 : cut(t.core0), hi = last ? full : cut(t.core1);
    PIXFORGE_CHECK(shrink >= 0 && lo >= offset && hi <= offset + m && lo <= hi, ErrorCode::invalid_argument,
                   "pipeline '", info_.arch, "': mean pool ", k, ": the tile with input ", axis, " [", t.in0, ", ",
                   t.in1, ") has a map of ", m, " covering [", offset, ", ", offset + m, ") of ", full,
                   ", but owns [", lo, ", ", hi, "); the halo is too small for this pool");
    return Owned{lo - offset, hi - offset, full};
  }

  // means = exact sums / the untiled map's area, rounded once to float.
  Tensor<float> finish_means() const {
    const int64_t C = int64_t(sums_.size()) / kExponentBuckets;
    Tensor<float> m = Tensor<float>::empty({1, C, 1, 1});
    for (int64_t c = 0; c < C; ++c) m.data()[c] = float(exact_total(&sums_[size_t(c * kExponentBuckets)]) / double(area_));
    return m;
  }

  void accumulate(int64_t k, const Tensor<float>& map) {
    PIXFORGE_CHECK(map.dim() == 4 && map.size(0) == 1, ErrorCode::shape_mismatch, "pipeline '", info_.arch,
                   "': mean pool ", k, " got a map ", map.shape().str(), ", expected [1,C,h,w]");
    const MeanPool& r = pools_[size_t(k)];
    const int64_t C = map.size(1), h = map.size(2), w = map.size(3);
    const Owned oy = owned(r, ty_, first_y_, last_y_, padded_h_, h, "rows", k);
    const Owned ox = owned(r, tx_, first_x_, last_x_, padded_w_, w, "columns", k);
    const int64_t area = oy.full * ox.full;
    PIXFORGE_CHECK(area <= kMaxExactSumCount, ErrorCode::limit_exceeded, "pipeline '", info_.arch, "': mean pool ",
                   k, " averages a ", oy.full, "x", ox.full, " map, more than the ", kMaxExactSumCount,
                   " pixels its exact sums support");
    if (sums_.empty()) sums_.assign(size_t(C * kExponentBuckets), 0.0), area_ = area;
    PIXFORGE_CHECK(int64_t(sums_.size()) == C * kExponentBuckets && area_ == area, ErrorCode::shape_mismatch,
                   "pipeline '", info_.arch, "': mean pool ", k, " has ", C, " channels and a whole-image map of ",
                   oy.full, "x", ox.full, " in this tile, ", int64_t(sums_.size()) / kExponentBuckets,
                   " channels and area ", area_, " in an earlier one");
    parallel_for(0, C, [&](int64_t c) {  // one channel per work unit; exact, so order and threads do not matter
      for (int64_t y = oy.lo; y < oy.hi; ++y)
        add_exact(map.data() + (c * h + y) * w + ox.lo, ox.hi - ox.lo, &sums_[size_t(c * kExponentBuckets)]);
    });
  }

  const ImageModelInfo& info_;
  const std::vector<MeanPool>& pools_;
  int64_t padded_h_, padded_w_;
  std::vector<Tensor<float>> means_;  // whole-image means of the pools gathered so far, [1, C, 1, 1]
  std::vector<double> sums_;          // [C][kExponentBuckets] exact channel sums of the pool being gathered
  int64_t area_ = -1;
  int64_t pass_ = 0, calls_ = 0;
  bool single_ = false;               // begin_single(): means computed on the spot, one pass
  TileSpan ty_{}, tx_{};
  bool first_y_ = true, last_y_ = true, first_x_ = true, last_x_ = true;
};

inline std::vector<int64_t> source_table(const TileSpan& t, int64_t pre, int64_t n, PaddingMode mode) {
  std::vector<int64_t> s(size_t(t.in1 - t.in0));
  for (int64_t p = t.in0; p < t.in1; ++p) s[size_t(p - t.in0)] = border_source(p, pre, n, mode);
  return s;
}

}  // namespace detail

// Conservative peak activation bytes per input pixel of a model: info().activation_bytes_per_pixel if set, else
// 4 bytes × (4 live tensors of the widest layer's channels + input and output channels twice) × scale², the
// widest layer found among the 4-D (conv) weights.
inline int64_t activation_bytes_per_pixel(const ImageModel& model) {
  const ImageModelInfo& info = model.info();
  if (info.activation_bytes_per_pixel > 0) return info.activation_bytes_per_pixel;
  int64_t cmax = std::max(info.in_channels, info.out_channels);
  for (const NamedTensor& p : model.named_parameters())
    if (p.tensor->dim() == 4) cmax = std::max({cmax, p.tensor->size(0), p.tensor->size(1)});
  const int64_t s2 = std::max<int64_t>(1, info.scale * info.scale);
  return int64_t(sizeof(float)) * (4 * cmax + 2 * (info.in_channels + info.out_channels)) * s2;
}

class Pipeline {
 public:
  explicit Pipeline(std::unique_ptr<ImageModel> model) : model_(std::move(model)) {
    PIXFORGE_CHECK(model_ != nullptr, ErrorCode::invalid_argument, "Pipeline: null model");
    const ImageModelInfo& i = model_->info();
    PIXFORGE_CHECK(i.scale >= 1 && i.halo >= 0 && i.pre_pad >= 0 && i.size_multiple >= 1 && i.in_channels >= 1 &&
                       i.out_channels >= 1,
                   ErrorCode::invalid_argument, "Pipeline '", i.arch, "': invalid model info (scale ", i.scale,
                   ", halo ", i.halo, ", pre_pad ", i.pre_pad, ", size_multiple ", i.size_multiple, ", channels ",
                   i.in_channels, " -> ", i.out_channels, ")");
    for (const NamedTensor& w : model_->named_parameters())
      if (conv2d_grid_dependent_weight(w.tensor->shape())) grid_tile_ = conv2d_grid_tile();
  }
  // load_model(path) (models/model.hpp): the architecture must be compiled in (include models/all.hpp).
  static Pipeline load(const std::string& path) { return Pipeline(load_model(path)); }

  const ImageModel& model() const { return *model_; }
  const ImageModelInfo& info() const { return model_->info(); }

  // How an H × W input will be tiled with these options (also validates them).
  TilePlan plan(int64_t h, int64_t w, const RunOptions& opt = {}) const {
    const ImageModelInfo& i = info();
    PIXFORGE_CHECK(h > 0 && w > 0, ErrorCode::invalid_argument, "pipeline '", i.arch, "': empty input ", h, "x", w);
    PIXFORGE_CHECK(opt.tile >= -1, ErrorCode::invalid_argument, "pipeline '", i.arch, "': tile size ", opt.tile,
                   " (use > 0, 0 = untiled, -1 = automatic)");
    PIXFORGE_CHECK(opt.halo >= -1, ErrorCode::invalid_argument, "pipeline '", i.arch, "': halo ", opt.halo,
                   " (use >= 0, or -1 for the model's receptive radius ", i.halo, ")");
    TilePlan p;
    p.padded_h = padded_size(h);
    p.padded_w = padded_size(w);
    p.bytes_per_pixel = activation_bytes_per_pixel(*model_);
    p.bytes_fixed = std::max<int64_t>(0, i.activation_bytes_fixed);
    const int64_t m = i.size_multiple;
    const int64_t g = opt.grid_tile >= 0 ? opt.grid_tile : grid_tile_;
    // Exact context: the receptive radius; on the Winograd grid the model's derived before/after context when it
    // has one for this grid (models/tile_reach.hpp), else g × the radius on both sides.
    const bool derived = g > 0 && g == conv2d_grid_tile() && i.grid_halo_before + i.grid_halo_after > 0;
    const int64_t exact_before = derived ? i.grid_halo_before : g > 0 ? g * i.halo : i.halo;
    const int64_t exact_after = derived ? i.grid_halo_after : g > 0 ? g * i.halo : i.halo;
    p.align = g > 0 ? g * m : m;
    p.halo = opt.halo >= 0 ? opt.halo : exact_before;
    p.halo_after = opt.halo >= 0 ? opt.halo : exact_after;
    // The most context a tile gets on both sides: plan_axis rounds its start down to `align`, its end up to m.
    const int64_t extra = p.halo + p.halo_after + p.align + m - 2;
    int64_t tile = opt.tile;
    bool bands = false;  // full-width bands: the columns are not cut
    if (i.global_context && i.mean_pools.empty() && tile != 0) {
      PIXFORGE_CHECK(tile < 0, ErrorCode::unsupported, "pipeline '", i.arch, "': tiling is not exact for this "
                     "model (its output depends on whole-image statistics); run it untiled (tile 0)");
      if (opt.notice)
        opt.notice("tiling disabled: '" + i.arch + "' uses whole-image statistics, so tiles would not be exact");
      tile = 0;
    }
    // The automatic tile also keeps under limits().max_tensor_bytes: the estimate covers every live activation
    // of a tile, so no single tensor of it can exceed the limit, and a run the limit would refuse untiled is tiled.
    const int64_t budget = std::min(opt.memory_budget, limits().max_tensor_bytes);
    if (tile < 0) {
      PIXFORGE_CHECK(opt.memory_budget > 0, ErrorCode::invalid_argument, "pipeline '", i.arch,
                     "': memory budget ", opt.memory_budget, " bytes");
      PIXFORGE_CHECK(opt.max_tile_overhead >= 0, ErrorCode::invalid_argument, "pipeline '", i.arch,
                     "': max_tile_overhead ", opt.max_tile_overhead, " (use >= 0)");
      const double whole = double(p.padded_h) * double(p.padded_w) * double(p.bytes_per_pixel) + double(p.bytes_fixed);
      const CheapTiles cheap = i.mean_pools.empty() ? cheap_tiles(p, h, w, opt.max_tile_overhead, budget)
                                                    : CheapTiles{};
      int64_t strip = -1;  // > 0: stream column strips of this core width; 0: stream the whole width
      if (opt.stream && whole > double(budget) && !(cheap.tile > 0)) strip = stream_strip(p, w, extra, budget);
      if (strip >= 0) {
        p.stream = true;
        tile = strip;
      } else if (cheap.tile > 0 && (whole > double(budget) || double(cheap.bytes) <= 0.75 * whole)) {
        tile = cheap.tile;
        bands = cheap.bands;
      } else if (whole <= double(budget)) {
        tile = 0;
      } else {
        const int64_t side =
            int64_t(std::sqrt(double(std::max<int64_t>(0, budget - p.bytes_fixed)) / double(p.bytes_per_pixel)));
        // A core narrower than the context would recompute most of every tile (RRDBNet's exact context of 186 px
        // with a 57 px core: 57× the untiled work at 512²): the core is at least the context (≤ 9× the work, ≤ 4×
        // with the whole context on one side), and the budget is then exceeded (reported below).
        tile = std::max<int64_t>(side - extra, std::max<int64_t>({32, m, std::max(p.halo, p.halo_after)}));
        tile = std::max<int64_t>(m, tile / m * m);
      }
    }
    p.tile = tile;
    p.tiles_y = !p.stream && tile > 0 && tile < h && tile + extra < p.padded_h ? detail::ceil_div(h, tile) : 1;
    p.tiles_x = !bands && tile > 0 && tile < w && tile + extra < p.padded_w ? detail::ceil_div(w, tile) : 1;
    if (p.count() == 1) p.tile = 0;
    const int64_t eh = p.tiles_y == 1 ? p.padded_h : std::min(p.padded_h, p.tile + extra);
    const int64_t ew = p.tiles_x == 1 ? p.padded_w : std::min(p.padded_w, p.tile + extra);
    p.tile_bytes = p.stream ? model_->stream_bytes(eh, ew) : eh * ew * p.bytes_per_pixel + p.bytes_fixed;
    if (opt.notice) {
      if (p.count() > 1 && (p.halo < exact_before || p.halo_after < exact_after))
        opt.notice(msg("approximate tiles: halo ", p.halo, " < the exact context ", exact_before, "/", exact_after,
                       g > 0 ? " (on the Winograd grid)" : "", " of '", i.arch,
                       "', so tile seams may differ from an untiled run"));
      if (opt.tile < 0 && p.tile_bytes > budget)
        opt.notice(msg("the memory budget of ", budget >> 20, " MiB is too small for '", i.arch,
                       "' (halo ", p.halo, "/", p.halo_after, ", ~", p.bytes_per_pixel, " B/px): a ", eh, "x", ew,
                       " tile needs an estimated ", p.tile_bytes >> 20, " MiB; raise the budget or use a smaller "
                       "halo (approximate tiles)"));
    }
    return p;
  }

  // Image in, image out (see the top of this file). The result has 1 or 3 colour channels as the input had (or
  // the model's out_channels when they cannot be mapped back), plus the input's alpha.
  Image run(const Image& image, const RunOptions& opt = {}) const {
    const ImageModelInfo& i = info();
    const std::string where = "pipeline '" + i.arch + "'";
    check_image(image, where);
    PIXFORGE_CHECK(i.in_channels == 1 || i.in_channels == 3, ErrorCode::unsupported, where, ": the model takes ",
                   i.in_channels, " channels; images give 1 (gray) or 3 (RGB)");
    PIXFORGE_CHECK(i.out_channels == 1 || i.out_channels == 3, ErrorCode::unsupported, where,
                   ": the model gives ", i.out_channels, " channels; images take 1 (gray) or 3 (RGB)");
    const int W = image.width, H = image.height, C = image.channels;
    const int color_in = (C == 2 || C == 4) ? C - 1 : C;
    const bool has_alpha = color_in != C;
    // Gray was widened to RGB for the model: narrow the result again (not for colourisers, whose point is colour).
    const bool back_to_gray = color_in == 1 && i.in_channels == 3 && i.out_channels == 3 && i.task != "colorize";
    const int color_out = back_to_gray ? 1 : int(i.out_channels);
    const int out_c = color_out + (has_alpha ? 1 : 0);
    const int64_t OH = int64_t(H) * i.scale, OW = int64_t(W) * i.scale;
    check_output_size(OH, OW);
    const TilePlan plan_ = plan(H, W, opt);

    Image out = Image::blank(int(OW), int(OH), out_c);
    const int64_t cin = i.in_channels;
    const Range range = i.range;
    auto gather = [&](const detail::TileSpan& ty, const detail::TileSpan& tx) {
      const std::vector<int64_t> sy = detail::source_table(ty, i.pre_pad, H, i.border_mode);
      const std::vector<int64_t> sx = detail::source_table(tx, i.pre_pad, W, i.border_mode);
      const int64_t th = ty.in1 - ty.in0, tw = tx.in1 - tx.in0;
      Tensor<float> t = Tensor<float>::empty({1, cin, th, tw});
      float* d = t.data();
      parallel_for(0, th, [&](int64_t y) {
        for (int64_t x = 0; x < tw; ++x) {
          const int64_t yy = sy[size_t(y)], xx = sx[size_t(x)];
          const size_t o = size_t(y * tw + x), plane = size_t(th * tw);
          if (yy < 0 || xx < 0) {
            for (int64_t c = 0; c < cin; ++c) d[size_t(c) * plane + o] = 0.0f;
            continue;
          }
          const uint8_t* p = image.pixels.data() + (size_t(yy) * size_t(W) + size_t(xx)) * size_t(C);
          if (cin == 3) {
            for (int c = 0; c < 3; ++c)
              d[size_t(c) * plane + o] = detail::normalize_pixel(color_in == 3 ? p[c] : p[0], c, range);
          } else {
            const uint8_t v = color_in == 3 ? pil_luma(p[0], p[1], p[2]) : p[0];
            d[o] = detail::normalize_pixel(v, 0, range);
          }
        }
      });
      return t;
    };
    auto sink = [&](const Tensor<float>& y, const detail::OutSpan& oy, const detail::OutSpan& ox) {
      const float* s = y.data();
      const int64_t yh = y.size(2), yw = y.size(3);
      const size_t plane = size_t(yh * yw);
      parallel_for(0, oy.len, [&](int64_t r) {
        const float* row = s + size_t(oy.src0 + r) * size_t(yw) + size_t(ox.src0);
        uint8_t* dst = out.pixels.data() + (size_t(oy.dst0 + r) * size_t(OW) + size_t(ox.dst0)) * size_t(out_c);
        for (int64_t x = 0; x < ox.len; ++x) {
          uint8_t q[3];
          for (int c = 0; c < int(i.out_channels); ++c)
            q[c] = quantize(detail::denormalize_value(row[size_t(c) * plane + size_t(x)], c, range), opt.rounding);
          uint8_t* px = dst + size_t(x) * size_t(out_c);
          if (back_to_gray) {
            px[0] = pil_luma(q[0], q[1], q[2]);
          } else {
            for (int c = 0; c < color_out; ++c) px[c] = q[c];
          }
        }
      });
    };
    execute(plan_, H, W, opt, gather, sink);
    if (has_alpha) write_alpha(image, out, opt);
    return out;
  }

  // The same on a tensor in the model's range: x [1, in_channels, H, W] -> [1, out_channels, H·scale, W·scale],
  // float, before any quantisation.
  Tensor<float> run_tensor(const Tensor<float>& x_in, const RunOptions& opt = {}) const {
    const ImageModelInfo& i = info();
    PIXFORGE_CHECK(x_in.dim() == 4 && x_in.size(0) == 1 && x_in.size(1) == i.in_channels, ErrorCode::shape_mismatch,
                   "pipeline '", i.arch, "': expected an input [1,", i.in_channels, ",H,W], got ",
                   x_in.shape().str());
    const Tensor<float> x = x_in.contiguous();
    const int64_t H = x.size(2), W = x.size(3), cin = i.in_channels;
    check_output_size(H * i.scale, W * i.scale);
    const TilePlan plan_ = plan(H, W, opt);
    Tensor<float> out = Tensor<float>::empty({1, i.out_channels, H * i.scale, W * i.scale});
    const int64_t OH = out.size(2), OW = out.size(3);
    auto gather = [&](const detail::TileSpan& ty, const detail::TileSpan& tx) {
      const std::vector<int64_t> sy = detail::source_table(ty, i.pre_pad, H, i.border_mode);
      const std::vector<int64_t> sx = detail::source_table(tx, i.pre_pad, W, i.border_mode);
      const int64_t th = ty.in1 - ty.in0, tw = tx.in1 - tx.in0;
      // One tile that is the image itself (no pre_pad, no alignment padding): x, not a copy of it (IS-Net 1024²:
      // 12 MiB less for the whole pass).
      if (i.pre_pad == 0 && ty.in0 == 0 && tx.in0 == 0 && th == H && tw == W) return x;
      Tensor<float> t = Tensor<float>::empty({1, cin, th, tw});
      parallel_for(0, cin * th, [&](int64_t cy) {
        const int64_t c = cy / th, y = cy % th, yy = sy[size_t(y)];
        float* d = t.data() + cy * tw;
        const float* src = x.data() + (c * H + std::max<int64_t>(yy, 0)) * W;
        for (int64_t xo = 0; xo < tw; ++xo) {
          const int64_t xx = sx[size_t(xo)];
          d[xo] = (yy < 0 || xx < 0) ? 0.0f : src[xx];
        }
      });
      return t;
    };
    auto sink = [&](const Tensor<float>& y, const detail::OutSpan& oy, const detail::OutSpan& ox) {
      const int64_t yh = y.size(2), yw = y.size(3);
      parallel_for(0, i.out_channels * oy.len, [&](int64_t cr) {
        const int64_t c = cr / oy.len, r = cr % oy.len;
        const float* s = y.data() + (c * yh + oy.src0 + r) * yw + ox.src0;
        float* d = out.data() + (c * OH + oy.dst0 + r) * OW + ox.dst0;
        std::copy(s, s + ox.len, d);
      });
    };
    execute(plan_, H, W, opt, gather, sink);
    return out;
  }

 private:
  std::unique_ptr<ImageModel> model_;
  int64_t grid_tile_ = 0;  // conv2d_grid_tile() if a weight of the model may take conv2d()'s Winograd path, else 0

  // The automatic plan with the least activation memory among those costing at most `overhead` extra work
  // (RunOptions::max_tile_overhead): full-width bands of `tile` rows, or square tiles, of `bytes` estimated
  // activations. tile = 0: none qualifies. Work is counted as the summed input area of the tiles, as plan_axis cuts
  // them; candidate edges are the multiples of size_multiple from 32 px (as the budget-driven tiles).
  struct CheapTiles {
    int64_t tile = 0, bytes = 0;
    bool bands = false;
  };
  CheapTiles cheap_tiles(const TilePlan& p, int64_t h, int64_t w, double overhead, int64_t budget) const {
    const ImageModelInfo& i = info();
    const int64_t m = i.size_multiple, extra = p.halo + p.halo_after + p.align + m - 2;
    struct Axis {
      int64_t sum, max;
      bool cut;
    };
    // Summed input extent of the spans of one axis cut at `tile` (not cut where plan() would not), and the bound
    // on one span that plan() reports tile_bytes with.
    auto axis = [&](int64_t n, int64_t padded, int64_t tile) {
      if (tile >= n || tile + extra >= padded) return Axis{padded, padded, false};
      Axis a{0, std::min(padded, tile + extra), true};
      for (const detail::TileSpan& t : detail::plan_axis(n, i.pre_pad, padded, m, p.align, p.halo, p.halo_after, tile))
        a.sum += t.in1 - t.in0;
      return a;
    };
    CheapTiles best;
    const double area = double(p.padded_h) * double(p.padded_w);
    auto consider = [&](int64_t tile, const Axis& y, const Axis& x, bool bands) {
      if (!y.cut && !x.cut) return;
      const int64_t bytes = y.max * x.max * p.bytes_per_pixel + p.bytes_fixed;
      if (double(y.sum) * double(x.sum) > (1 + overhead) * area || bytes > budget) return;
      if (best.tile == 0 || bytes < best.bytes) best = CheapTiles{tile, bytes, bands};
    };
    for (int64_t t = std::max<int64_t>(32, m) / m * m; t < std::max(h, w); t += m) {
      const Axis y = axis(h, p.padded_h, t), x = axis(w, p.padded_w, t);
      if (y.cut) consider(t, y, Axis{p.padded_w, p.padded_w, false}, true);
      consider(t, y, x, false);
    }
    return best;
  }

  // Row streaming for the automatic plan: 0 = the whole width fits `budget` streamed, > 0 = the widest core of
  // column strips whose streamed estimate (core + context) fits, -1 = no streaming (the model does not stream, or
  // not even a strip as wide as its context fits: then 2-D tiles, which recompute, but bound the memory).
  int64_t stream_strip(const TilePlan& p, int64_t w, int64_t extra, int64_t budget) const {
    if (model_->stream_bytes(p.padded_h, p.padded_w) <= 0) return -1;
    if (model_->stream_bytes(p.padded_h, p.padded_w) <= budget) return 0;
    const int64_t m = info().size_multiple, least = std::max<int64_t>({32, m, p.halo, p.halo_after});
    int64_t lo = least / m * m, hi = std::min(w, p.padded_w - extra) / m * m;  // the estimate grows with the core
    if (lo > hi || model_->stream_bytes(p.padded_h, lo + extra) > budget) return -1;
    while (hi - lo > m) {
      const int64_t mid = (lo + hi) / 2 / m * m;
      (model_->stream_bytes(p.padded_h, mid + extra) <= budget ? lo : hi) = mid;
    }
    return model_->stream_bytes(p.padded_h, hi + extra) <= budget ? hi : lo;
  }

  int64_t padded_size(int64_t n) const {
    const ImageModelInfo& i = info();
    const int64_t p = n + 2 * i.pre_pad;
    return detail::ceil_div(p, i.size_multiple) * i.size_multiple;
  }

  void check_output_size(int64_t oh, int64_t ow) const {
    PIXFORGE_CHECK(oh * ow <= limits().max_image_pixels, ErrorCode::limit_exceeded, "pipeline '", info().arch,
                   "': the output of ", ow, "x", oh, " pixels exceeds limits().max_image_pixels = ",
                   limits().max_image_pixels);
  }

  // Runs every tile: gather(span_y, span_x) -> input tensor, forward, sink(output, out_span_y, out_span_x).
  template <class Gather, class Sink>
  void execute(const TilePlan& plan, int64_t H, int64_t W, const RunOptions& opt, Gather&& gather,
               Sink&& sink) const {
    const ImageModelInfo& i = info();
    const std::vector<detail::TileSpan> ys =
        detail::plan_axis(H, i.pre_pad, plan.padded_h, i.size_multiple, plan.align, plan.halo,
                          plan.halo_after, plan.tiles_y > 1 ? plan.tile : 0);
    const std::vector<detail::TileSpan> xs =
        detail::plan_axis(W, i.pre_pad, plan.padded_w, i.size_multiple, plan.align, plan.halo,
                          plan.halo_after, plan.tiles_x > 1 ? plan.tile : 0);
    if (plan.stream) return execute_streamed(plan, H, xs, opt, gather, sink);
    // Models with mean_pools, cut into several tiles: one statistics pass per pool, then the output pass.
    const bool multipass = !i.mean_pools.empty() && ys.size() * xs.size() > 1;
    detail::MeanPasses hook(i, plan.padded_h, plan.padded_w);
    const int64_t passes = multipass ? hook.passes() : 1;
    const int64_t total = int64_t(ys.size() * xs.size()) * passes;
    if (opt.progress) opt.progress(0, total);
    int64_t done = 0;
    for (int64_t pass = 0; pass < passes; ++pass) {
      hook.begin_pass(multipass ? pass : hook.passes() - 1);
      for (size_t a = 0; a < ys.size(); ++a) {
        for (size_t b = 0; b < xs.size(); ++b) {
          const detail::TileSpan& ty = ys[a];
          const detail::TileSpan& tx = xs[b];
          PIXFORGE_CHECK(opt.cancel == nullptr || !opt.cancel->load(), ErrorCode::invalid_argument, "pipeline '",
                         i.arch, "': cancelled after ", done, " of ", total, " tiles");
          Tensor<float> y;
          if (multipass) {
            hook.begin_tile(ty, tx, a == 0, a + 1 == ys.size(), b == 0, b + 1 == xs.size());
            y = model_->forward_with_means(gather(ty, tx), &hook);
            hook.end_tile();
          } else if (!i.mean_pools.empty()) {  // one tile: the same exact means, computed in this single pass
            hook.begin_single(ty, tx);
            y = model_->forward_with_means(gather(ty, tx), &hook);
            hook.end_tile();
          } else {
            y = model_->forward(gather(ty, tx));
          }
          if (hook.final_pass()) {
            PIXFORGE_CHECK(y.dim() == 4 && y.size(0) == 1 && y.size(1) == i.out_channels, ErrorCode::shape_mismatch,
                           "pipeline '", i.arch, "': the model returned ", y.shape().str(), ", expected [1,",
                           i.out_channels, ",H,W]");
            y = y.contiguous();
            const detail::OutSpan oy = detail::output_span(ty, y.size(2), i.scale, i.pre_pad, "height", i.arch);
            const detail::OutSpan ox = detail::output_span(tx, y.size(3), i.scale, i.pre_pad, "width", i.arch);
            sink(y, oy, ox);
          }
          ++done;
          if (opt.progress) opt.progress(done, total);
        }
      }
      hook.end_pass();
    }
  }

  // Each column strip through forward_rows, top to bottom: the output bands' rows inside the image go to sink.
  template <class Gather, class Sink>
  void execute_streamed(const TilePlan& plan, int64_t H, const std::vector<detail::TileSpan>& xs,
                        const RunOptions& opt, Gather& gather, Sink& sink) const {
    const ImageModelInfo& i = info();
    const detail::TileSpan ty{i.pre_pad, i.pre_pad + H, 0, plan.padded_h};
    const int64_t s = i.scale, keep0 = ty.core0 * s, keep1 = ty.core1 * s, total = int64_t(xs.size());
    if (opt.progress) opt.progress(0, total);
    for (size_t b = 0; b < xs.size(); ++b) {
      PIXFORGE_CHECK(opt.cancel == nullptr || !opt.cancel->load(), ErrorCode::invalid_argument, "pipeline '",
                     i.arch, "': cancelled after ", b, " of ", total, " strips");
      const Tensor<float> x = gather(ty, xs[b]);
      model_->forward_rows(x, [&](const Tensor<float>& band_in, int64_t r0) {
        PIXFORGE_CHECK(opt.cancel == nullptr || !opt.cancel->load(), ErrorCode::invalid_argument, "pipeline '",
                       i.arch, "': cancelled in strip ", b + 1, " of ", total);
        PIXFORGE_CHECK(band_in.dim() == 4 && band_in.size(0) == 1 && band_in.size(1) == i.out_channels && r0 >= 0 &&
                           r0 + band_in.size(2) <= plan.padded_h * s,
                       ErrorCode::shape_mismatch, "pipeline '", i.arch, "': the model streamed rows ",
                       band_in.shape().str(), " at row ", r0, ", expected [1,", i.out_channels, ",rows,W] within ",
                       plan.padded_h * s, " rows");
        const int64_t a = std::max(r0, keep0), e = std::min(r0 + band_in.size(2), keep1);
        if (a >= e) return;
        const Tensor<float> band = band_in.contiguous();
        const detail::OutSpan ox = detail::output_span(xs[b], band.size(3), s, i.pre_pad, "width", i.arch);
        sink(band, detail::OutSpan{a - r0, a - keep0, e - a}, ox);
      });
      if (opt.progress) opt.progress(int64_t(b) + 1, total);
    }
  }

  // Alpha of `image` into the last channel of `out`: untouched at scale 1, resized with opt.alpha_mode otherwise.
  void write_alpha(const Image& image, Image& out, const RunOptions& opt) const {
    const size_t n = size_t(image.width) * size_t(image.height), ci = size_t(image.channels);
    const size_t co = size_t(out.channels), m = size_t(out.width) * size_t(out.height);
    bool opaque = true;
    for (size_t k = 0; k < n && opaque; ++k) opaque = image.pixels[k * ci + ci - 1] == 255;
    if (info().scale == 1 || opaque) {
      if (info().scale == 1) {
        for (size_t k = 0; k < n; ++k) out.pixels[k * co + co - 1] = image.pixels[k * ci + ci - 1];
      } else {
        for (size_t k = 0; k < m; ++k) out.pixels[k * co + co - 1] = 255;
      }
      return;
    }
    Tensor<float> a = Tensor<float>::empty({1, 1, image.height, image.width});
    for (size_t k = 0; k < n; ++k) a.data()[k] = float(image.pixels[k * ci + ci - 1]);
    const Tensor<float> r =
        interpolate(a, InterpolateParams::to_size(out.height, out.width, opt.alpha_mode)).contiguous();
    for (size_t k = 0; k < m; ++k) out.pixels[k * co + co - 1] = quantize(r.data()[k], Rounding::round);
  }
};

}  // namespace pixforge
