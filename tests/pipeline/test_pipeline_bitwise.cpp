// Pipeline determinism (issue #5: "identical output bytes for 1 and 2 threads and for any tile size"): narrow
// networks with seeded random weights — Real-CUGAN 2× (SE blocks: multi-pass tiling), waifu2x upconv_7 (transposed
// conv) and RRDBNet 4× (dense blocks) — run untiled with 1 thread, then with several tile sizes (grids with a
// smaller last row/column of tiles) and 1 or 2 threads; the float outputs must be equal bit for bit, not merely
// close. This holds because every conv kernel on these paths sums each output in an order fixed by the shapes
// (ops/conv2d_direct_kernel.hpp, conv2d_winograd.hpp), tiles start on the grid of size_multiple × the Winograd
// tile, the halo covers the receptive radius plus the Winograd margin, and the SE means are exact bucket sums
// (pipeline.hpp, "Bit-identical tiles"), the same whether the map is cut or not.
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "models/cunet_test_util.hpp"
#include "pixforge/core/parallel.hpp"
#include "pixforge/models/realcugan.hpp"
#include "pixforge/models/rrdbnet.hpp"
#include "pixforge/models/waifu2x_upconv7.hpp"
#include "pixforge/pipeline.hpp"
#include "test_util.hpp"

using namespace pixforge;

namespace {

template <class Net>
std::unique_ptr<ImageModel> seeded(typename Net::Config c, uint32_t seed) {
  auto net = std::make_unique<Net>(c);
  test::cunet_hash_fill_he(*net, seed);
  return net;
}

// Number of floats whose bit patterns differ (so -0 vs +0 and NaN payloads count too).
int64_t bit_differences(const Tensor<float>& a, const Tensor<float>& b) {
  if (a.shape() != b.shape()) return -1;
  const Tensor<float> ac = a.contiguous(), bc = b.contiguous();
  int64_t n = 0;
  for (int64_t i = 0; i < ac.numel(); ++i) n += std::memcmp(ac.data() + i, bc.data() + i, sizeof(float)) != 0;
  return n;
}

RunOptions with_tile(int64_t tile) {
  RunOptions o;
  o.tile = tile;
  return o;
}

struct Case {
  int64_t h, w;
  std::vector<int64_t> tiles;
};

void check_bitwise(const Pipeline& pipe, const std::vector<Case>& cases, const std::string& what) {
  for (const Case& c : cases) {
    const Tensor<float> x = test::random_tensor({1, 3, c.h, c.w}, uint32_t(c.h * 131 + c.w), 0.0f, 1.0f);
    set_num_threads(1);
    const Tensor<float> whole = pipe.run_tensor(x, with_tile(0));
    for (const int threads : {1, 2}) {
      set_num_threads(threads);
      if (threads == 2) {
        const int64_t d = bit_differences(pipe.run_tensor(x, with_tile(0)), whole);
        INFO(what, " ", c.w, "x", c.h, " untiled, 2 threads vs 1: ", d, " floats differ");
        CHECK(d == 0);
      }
      for (const int64_t tile : c.tiles) {
        const TilePlan plan = pipe.plan(c.h, c.w, with_tile(tile));
        const int64_t d = bit_differences(pipe.run_tensor(x, with_tile(tile)), whole);
        INFO(what, " ", c.w, "x", c.h, " tile ", tile, " (", plan.tiles_x, "x", plan.tiles_y, " tiles), ", threads,
             " threads: ", d, " of ", whole.numel(), " floats differ from untiled");
        CHECK(plan.count() > 1);
        CHECK(d == 0);
      }
    }
  }
  set_num_threads(0);
}

}  // namespace

TEST_CASE("bitwise tiling: narrow Real-CUGAN 2x (SE, multi-pass) — tiled == untiled, 1 and 2 threads") {
  RealCUGAN::Config c;
  c.scale = 2;
  c.nf = 16;
  check_bitwise(Pipeline(seeded<RealCUGAN>(c, 41)), {{40, 300, {64}}, {250, 36, {80}}}, "realcugan 2x");
}

TEST_CASE("bitwise tiling: narrow waifu2x upconv_7 — tiled == untiled, 1 and 2 threads") {
  Waifu2xUpConv7::Config c;
  c.base = 8;  // widths 8…128: the layers from 16 channels up take conv2d()'s Winograd path
  check_bitwise(Pipeline(seeded<Waifu2xUpConv7>(c, 42)), {{87, 101, {24, 40}}, {123, 70, {32}}}, "upconv_7");
}

TEST_CASE("bitwise tiling: narrow RRDBNet 4x — tiled == untiled, 1 and 2 threads") {
  RRDBNet::Config c;
  c.scale = 4;
  c.num_block = 1;
  c.num_feat = 16;
  c.num_grow_ch = 16;
  check_bitwise(Pipeline(seeded<RRDBNet>(c, 43)), {{36, 260, {48}}, {230, 30, {64}}}, "rrdbnet 4x");
}

// The comparison can fail: tiles with too small a halo differ; so do tiles that ignore the Winograd grid
// (grid_tile 0: unaligned starts, halo without the Winograd margin) when conv2d() uses Winograd.
TEST_CASE("bitwise tiling: a wrong tiling is detected") {
  RRDBNet::Config r;
  r.scale = 4;
  r.num_block = 1;
  r.num_feat = 16;
  r.num_grow_ch = 16;
  const Pipeline rrdb(seeded<RRDBNet>(r, 43));
  const Tensor<float> xr = test::random_tensor({1, 3, 30, 90}, 7, 0.0f, 1.0f);
  RunOptions approx = with_tile(30);
  approx.halo = 4;  // below the receptive radius
  CHECK(rrdb.plan(30, 90, approx).count() > 1);
  CHECK(bit_differences(rrdb.run_tensor(xr, approx), rrdb.run_tensor(xr, with_tile(0))) > 0);

  Waifu2xUpConv7::Config c;
  c.base = 8;
  const Pipeline pipe(seeded<Waifu2xUpConv7>(c, 42));
  const Tensor<float> x = test::random_tensor({1, 3, 90, 90}, 8, 0.0f, 1.0f);
  if (conv2d_grid_tile() > 0) {
    RunOptions no_grid = with_tile(30);
    no_grid.grid_tile = 0;
    CHECK(pipe.plan(90, 90, no_grid).count() > 1);
    CHECK(bit_differences(pipe.run_tensor(x, no_grid), pipe.run_tensor(x, with_tile(0))) > 0);
  }
}
