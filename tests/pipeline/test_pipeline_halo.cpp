// The exact tile context on the Winograd grid (models/tile_reach.hpp, info().grid_halo_before / _after) is both
// sufficient and minimal: with it, tiles whose edges fall on every phase of the grid give the untiled bits; with
// one pixel less on either side, some tile edge phase gives different bits. Narrow seeded nets (their Winograd
// layers: 3×3 with ≥ 16 channels in and out), and the values of the full-width nets.
#include <cstring>
#include <memory>
#include <string>
#include <utility>

#include "models/cunet_test_util.hpp"
#include "pixforge/core/parallel.hpp"
#include "pixforge/models/realcugan.hpp"
#include "pixforge/models/rrdbnet.hpp"
#include "pixforge/models/waifu2x_cunet.hpp"
#include "pixforge/models/waifu2x_upconv7.hpp"
#include "pixforge/pipeline.hpp"
#include "test_util.hpp"

using namespace pixforge;

namespace {

// A model with another's layers and a changed tile context (to run tiles one pixel short).
class Recontext : public ImageModel {
 public:
  Recontext(std::shared_ptr<ImageModel> inner, int64_t before, int64_t after)
      : inner_(std::move(inner)), info_(inner_->info()) {
    register_module("inner", *inner_);  // the pipeline reads the weights' shapes for the Winograd grid
    info_.grid_halo_before = before;
    info_.grid_halo_after = after;
  }
  const ImageModelInfo& info() const override { return info_; }
  Tensor<float> forward(const Tensor<float>& x) const override { return inner_->forward(x); }
  Tensor<float> forward_with_means(const Tensor<float>& x, ChannelMeansHook* hook) const override {
    return inner_->forward_with_means(x, hook);
  }

 private:
  std::shared_ptr<ImageModel> inner_;
  ImageModelInfo info_;
};

bool bit_equal(const Tensor<float>& a, const Tensor<float>& b) {
  if (a.shape() != b.shape()) return false;
  const Tensor<float> ac = a.contiguous(), bc = b.contiguous();
  return std::memcmp(ac.data(), bc.data(), size_t(ac.numel()) * sizeof(float)) == 0;
}

// Tiles of `period` consecutive sizes cut a w-wide image (h fits one tile) with edges on every phase of the grid.
// Returns how many of those tilings differ from `ref` (the untiled run) with the context changed by (db, da),
// stopping at the first one when `first` is set. A context too short for a valid-conv model's core to fit in the
// tile's output is refused by the pipeline (counted as differing too).
int tilings_differing(const std::shared_ptr<ImageModel>& net, const Tensor<float>& x, const Tensor<float>& ref,
                      int64_t tile0, int64_t period, int64_t db, int64_t da, bool first) {
  const ImageModelInfo& i = net->info();
  const Pipeline pipe(std::make_unique<Recontext>(net, i.grid_halo_before + db, i.grid_halo_after + da));
  const int64_t h = x.size(2), w = x.size(3);
  int differing = 0;
  for (int64_t t = tile0; t < tile0 + period && !(first && differing > 0); ++t) {
    RunOptions o;
    o.tile = t;
    const TilePlan plan = pipe.plan(h, w, o);
    REQUIRE(plan.tiles_x > 1);
    REQUIRE(plan.halo == i.grid_halo_before + db);
    REQUIRE(plan.halo_after == i.grid_halo_after + da);
    try {
      differing += bit_equal(pipe.run_tensor(x, o), ref) ? 0 : 1;
    } catch (const Error& e) {
      INFO(e.what());
      CHECK(std::string(e.what()).find("output is") != std::string::npos);
      ++differing;
    }
  }
  return differing;
}

// Exactness only (no minimality), over `n` tile sizes from tile0: for the other U-Net cascades' geometry.
void check_exact(const std::shared_ptr<ImageModel>& net, int64_t h, int64_t w, int64_t tile0, int64_t n) {
  set_num_threads(2);
  const Tensor<float> x = test::random_tensor({1, net->info().in_channels, h, w}, uint32_t(w * 5 + h), 0.0f, 1.0f);
  RunOptions whole;
  whole.tile = 0;
  const Tensor<float> ref = Pipeline(std::make_unique<Recontext>(net, 0, 0)).run_tensor(x, whole);
  CHECK(tilings_differing(net, x, ref, tile0, n, 0, 0, false) == 0);
  set_num_threads(0);
}

void check_context(const std::shared_ptr<ImageModel>& net, int64_t h, int64_t w, int64_t tile0) {
  set_num_threads(2);
  const Tensor<float> x = test::random_tensor({1, net->info().in_channels, h, w}, uint32_t(w * 7 + h), 0.0f, 1.0f);
  RunOptions whole;
  whole.tile = 0;
  const Tensor<float> ref = Pipeline(std::make_unique<Recontext>(net, 0, 0)).run_tensor(x, whole);
  const int64_t period = conv2d_grid_tile() * net->info().size_multiple;  // tile edges on every phase
  CHECK(tilings_differing(net, x, ref, tile0, period, 0, 0, false) == 0);
  CHECK(tilings_differing(net, x, ref, tile0, period, -1, 0, true) > 0);
  CHECK(tilings_differing(net, x, ref, tile0, period, 0, -1, true) > 0);
  set_num_threads(0);
}

}  // namespace

TEST_CASE("Winograd tile context: Real-CUGAN 2x is exact and one pixel less is not (SE maps included)") {
  if (conv2d_grid_tile() == 0) return;  // no grid-dependent conv path in this build
  RealCUGAN::Config c;
  c.scale = 2;
  c.nf = 16;  // (a quarter of nf 32's cost; its conv1 8 -> 16 is direct, so 2 px less after than nf 32 and 64)
  auto net = std::make_shared<RealCUGAN>(c);
  test::cunet_hash_fill_he(*net, 51);
  CHECK(net->info().grid_halo_before == 18);  // derived; 4 x 19 = 76 on both sides before
  CHECK(net->info().grid_halo_after == 45);
  check_context(net, 20, 130, 56);
}

TEST_CASE("Winograd tile context: upconv_7 is exact and one pixel less is not") {
  if (conv2d_grid_tile() == 0) return;
  Waifu2xUpConv7::Config c;
  c.base = 16;  // widths 16…256: conv2 to conv6 take the Winograd path, as with base 32
  auto net = std::make_shared<Waifu2xUpConv7>(c);
  test::cunet_hash_fill_he(*net, 52);
  CHECK(net->info().grid_halo_before == 7);  // 4 x 7 = 28 on both sides before
  CHECK(net->info().grid_halo_after == 17);
  check_context(net, 20, 90, 30);
}

TEST_CASE("Winograd tile context: Real-CUGAN 3x, 4x and CUNet 1x tiles are exact") {
  if (conv2d_grid_tile() == 0) return;
  RealCUGAN::Config c;
  c.nf = 16;
  c.scale = 3;  // ConvT k5 s3 p2 bottom, size_multiple 4: tiles start on multiples of 16
  auto r3 = std::make_shared<RealCUGAN>(c);
  test::cunet_hash_fill_he(*r3, 53);
  check_exact(r3, 20, 110, 40, 3);
  c.scale = 4;  // conv_final, pixel shuffle and the nearest x4 skip of the input
  auto r4 = std::make_shared<RealCUGAN>(c);
  test::cunet_hash_fill_he(*r4, 54);
  check_exact(r4, 20, 110, 40, 3);
  Waifu2xCUNet::Config u;
  u.scale = 1;
  u.nf = 16;
  auto c1 = std::make_shared<Waifu2xCUNet>(u);
  test::cunet_hash_fill_he(*c1, 55);
  check_exact(c1, 24, 140, 40, 3);
}

TEST_CASE("Winograd tile context: the full-width nets' values") {
  // What the pipeline uses for the released weights (nf 64, base 32); the tests above run narrower nets.
  if (conv2d_grid_tile() == 0) return;
  const RealCUGAN r2;
  CHECK(r2.info().grid_halo_before == 18);
  CHECK(r2.info().grid_halo_after == 47);
  Waifu2xUpConv7::Config u;
  u.base = 32;
  const Waifu2xUpConv7 u7(u);
  CHECK(u7.info().grid_halo_before == 7);
  CHECK(u7.info().grid_halo_after == 17);
}

TEST_CASE("Winograd tile context: RRDBNet 4x is exact and one pixel less is not") {
  if (conv2d_grid_tile() == 0) return;
  RRDBNet::Config c;
  c.num_feat = 16, c.num_grow_ch = 16, c.num_block = 1;  // every 3x3 conv but conv_first / conv_last on Winograd
  auto net = std::make_shared<RRDBNet>(c);
  test::cunet_hash_fill_he(*net, 53);
  CHECK(net->info().halo == 19);
  CHECK(net->info().grid_halo_before == 36);  // 4 x 19 = 76 on both sides before
  CHECK(net->info().grid_halo_after == 36);
  check_context(net, 12, 120, 30);
}
