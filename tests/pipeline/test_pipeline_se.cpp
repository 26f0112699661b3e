// Pipeline: exact multi-pass tiling of the SE-block models (info().mean_pools): Real-CUGAN 2×/3×/4× and waifu2x
// CUNet 1×/2×. Tiled == untiled before quantisation (max abs ≤ 1e-5) for narrow (nf 16) networks with seeded
// hashed weights at odd sizes, sizes that are not multiples of the tile, several tile sizes and grids (the last
// row/column of tiles smaller), automatic tiling, and the bundled real weights. Also: naive tiles (each with its
// own SE means) are visibly wrong, so the comparison can fail; progress counts every pass.
#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include "models/cunet_test_util.hpp"
#include "pixforge/models/realcugan.hpp"
#include "pixforge/models/waifu2x_cunet.hpp"
#include "pixforge/ops/elementwise.hpp"
#include "pixforge/ops/pool.hpp"
#include "pixforge/ops/upsample.hpp"
#include "pixforge/pipeline.hpp"
#include "test_util.hpp"

using namespace pixforge;

namespace {

std::unique_ptr<ImageModel> narrow_realcugan(int64_t scale, uint32_t seed) {
  RealCUGAN::Config c;
  c.scale = scale;
  c.nf = 16;
  auto net = std::make_unique<RealCUGAN>(c);
  test::cunet_hash_fill_he(*net, seed);
  return net;
}

std::unique_ptr<ImageModel> narrow_cunet(int64_t scale, uint32_t seed) {
  Waifu2xCUNet::Config c;
  c.scale = scale;
  c.nf = 16;
  auto net = std::make_unique<Waifu2xCUNet>(c);
  test::cunet_hash_fill_he(*net, seed);
  return net;
}

// grid_tile 0: these cases check the multi-pass means (to 1e-5) on small images, which the Winograd alignment and
// its 4× halo would leave uncut; bit-identity with them is test_pipeline_bitwise.cpp's.
RunOptions with_tile(int64_t tile) {
  RunOptions o;
  o.tile = tile;
  o.grid_tile = 0;
  return o;
}

using test::max_abs_diff;

// An input in [0, 1] with smooth structure plus noise.
Tensor<float> test_image(int64_t h, int64_t w, uint32_t seed) {
  Tensor<float> x = test::random_tensor({1, 3, h, w}, seed, -0.15f, 0.15f);
  for (int64_t c = 0; c < 3; ++c)
    for (int64_t y = 0; y < h; ++y)
      for (int64_t v = 0; v < w; ++v) {
        const float base = 0.5f + 0.3f * std::sin(0.21f * float(y) + 0.13f * float(v) + float(c));
        x(0, c, y, v) = std::clamp(base + x(0, c, y, v), 0.0f, 1.0f);
      }
  return x;
}

// The same model seen by the pipeline as an ordinary local one: tiles run single-pass with their own SE means.
class NaiveTiles : public ImageModel {
 public:
  explicit NaiveTiles(const ImageModel& m) : m_(m), info_(m.info()) {
    info_.global_context = false;
    info_.mean_pools.clear();
  }
  const ImageModelInfo& info() const override { return info_; }
  Tensor<float> forward(const Tensor<float>& x) const override { return m_.forward(x); }

 private:
  const ImageModel& m_;
  ImageModelInfo info_;
};

// A minimal SE model with zero-padded ("same") convolutions, so its map does not shrink (the ownership rule's
// s = 0 case) and its map at 1/2 resolution (a stride-2 conv):  h = tanh(conv3x3 s2 p1 (x)),
// y = conv3x3 p1 (nearest×2 (h · mean_hw(h))). With `skip_hook` it never calls the hook (a broken model).
class ToySE : public ImageModel {
 public:
  explicit ToySE(bool skip_hook = false) : skip_hook_(skip_hook) {
    w1 = test::random_tensor({4, 3, 3, 3}, 31, -0.5f, 0.5f);
    w2 = test::random_tensor({3, 4, 3, 3}, 32, -0.5f, 0.5f);
    info_.arch = "toy_se";
    info_.halo = 6;  // 2 px before the pool, 1 px of the final conv at half resolution, rounded up generously
    info_.size_multiple = 2;
    info_.global_context = true;
    info_.mean_pools = {{1, 2}};
  }
  const ImageModelInfo& info() const override { return info_; }
  Tensor<float> forward(const Tensor<float>& x) const override { return forward_with_means(x, nullptr); }
  Tensor<float> forward_with_means(const Tensor<float>& x, ChannelMeansHook* hook) const override {
    const Tensor<float> h =
        conv2d(x, w1, {}, Conv2dParams{}.with_stride(2).with_padding(1).with_act(Act::tanh()));  // [1, 4, H/2, W/2]
    const Tensor<float> m = hook != nullptr && !skip_hook_ ? hook->means(h) : global_avg_pool2d(h);
    if (hook_stopped(hook)) return {};
    const Tensor<float> u = interpolate(mul(h, m), InterpolateParams::by_scale(2, InterpolateMode::nearest));
    return conv2d(u, w2, {}, Conv2dParams{}.with_padding(1));  // [1, 3, H, W]
  }
  Tensor<float> w1, w2;

 private:
  bool skip_hook_;
  ImageModelInfo info_;
};

struct Case {
  int64_t h, w, tile;
};

// Tiled (explicit tile sizes) and untiled run_tensor agree to 1e-5 and the plans really cut the image.
void check_cases(const Pipeline& pipe, const std::vector<Case>& cases, const std::string& what) {
  for (const Case& c : cases) {
    const Tensor<float> x = test_image(c.h, c.w, uint32_t(c.h * 131 + c.w));
    const TilePlan plan = pipe.plan(c.h, c.w, with_tile(c.tile));
    const Tensor<float> whole = pipe.run_tensor(x, with_tile(0));
    const Tensor<float> tiled = pipe.run_tensor(x, with_tile(c.tile));
    const double d = max_abs_diff(tiled, whole);
    INFO(what, " ", c.w, "x", c.h, " tile ", c.tile, " (", plan.tiles_x, "x", plan.tiles_y, " tiles): max abs ", d);
    CHECK(plan.count() > 1);
    CHECK(d <= 1e-5);
  }
}

}  // namespace

TEST_CASE("SE tiling: narrow Real-CUGAN 2x, 3x, 4x — tiled equals untiled") {
  check_cases(Pipeline(narrow_realcugan(2, 11)), {{38, 45, 16}, {33, 61, 24}, {52, 29, 20}, {30, 90, 32}},
              "realcugan 2x");
  check_cases(Pipeline(narrow_realcugan(3, 12)), {{37, 41, 20}, {44, 27, 16}}, "realcugan 3x");
  check_cases(Pipeline(narrow_realcugan(4, 13)), {{44, 39, 24}, {25, 47, 18}}, "realcugan 4x");
}

TEST_CASE("SE tiling: narrow waifu2x CUNet 1x, 2x — tiled equals untiled") {
  check_cases(Pipeline(narrow_cunet(1, 21)), {{47, 53, 20}, {61, 38, 28}}, "cunet 1x");
  check_cases(Pipeline(narrow_cunet(2, 22)), {{50, 37, 16}, {29, 43, 22}}, "cunet 2x");
}

TEST_CASE("SE tiling: a zero-padded toy SE model — tiled equals untiled; a model that skips its hook is refused") {
  check_cases(Pipeline(std::make_unique<ToySE>()), {{23, 31, 6}, {40, 17, 10}, {9, 26, 4}}, "toy_se");
  const Pipeline broken(std::make_unique<ToySE>(true));
  CHECK_THROWS_WITH_AS(broken.run_tensor(test_image(40, 40, 1), with_tile(8)),
                       doctest::Contains("pipeline 'toy_se': the model called its means hook 0 times in pass 0, its "
                                         "info().mean_pools expects 1"),
                       Error);
}

TEST_CASE("SE tiling: naive tiles with their own SE means differ, so the comparison can fail") {
  const std::unique_ptr<ImageModel> net = narrow_realcugan(2, 11);
  const Pipeline naive(std::make_unique<NaiveTiles>(*net));
  const Tensor<float> x = test_image(38, 45, 5);
  const double d = max_abs_diff(naive.run_tensor(x, with_tile(16)), naive.run_tensor(x, with_tile(0)));
  INFO("naive tiles: max abs ", d);
  CHECK(d > 1e-3);
}

TEST_CASE("SE tiling: automatic tile size, progress over every pass, 8-bit output") {
  const Pipeline pipe(narrow_realcugan(2, 14));
  RunOptions opt = with_tile(-1);
  opt.memory_budget = pipe.info().activation_bytes_per_pixel * 70 * 70;  // tiles of about 30 px
  const TilePlan plan = pipe.plan(41, 57, opt);
  REQUIRE(plan.count() > 1);
  // Cheap tiles (RunOptions::max_tile_overhead) never apply to SE models, whose tiles cost whole extra passes:
  // untiled while the image fits the budget, however much extra work the option would allow.
  RunOptions lavish;
  lavish.max_tile_overhead = 100;
  CHECK(pipe.plan(200, 300, lavish).count() == 1);
  std::vector<std::pair<int64_t, int64_t>> calls;
  opt.progress = [&](int64_t done, int64_t total) { calls.emplace_back(done, total); };
  const Tensor<float> x = test_image(41, 57, 6);
  const double d = max_abs_diff(pipe.run_tensor(x, opt), pipe.run_tensor(x, with_tile(0)));
  INFO(plan.tiles_x, "x", plan.tiles_y, " tiles of ", plan.tile, ": max abs ", d);
  CHECK(d <= 1e-5);
  const int64_t total = plan.count() * 5;  // four SE statistics passes + the output pass
  REQUIRE(calls.size() == size_t(total + 1));
  CHECK(calls.back() == std::make_pair(total, total));
  // 8 bits: the float results agree to 1e-5, so bytes can only differ by a rounding tie.
  Image img = Image::blank(57, 41, 3);
  for (size_t k = 0; k < img.pixels.size(); ++k) img.pixels[k] = uint8_t((k * 37 + k / 171) % 256);
  const Image a = pipe.run(img, with_tile(0)), b = pipe.run(img, with_tile(20));
  REQUIRE(a.pixels.size() == b.pixels.size());
  int max_diff = 0;
  for (size_t k = 0; k < a.pixels.size(); ++k) max_diff = std::max(max_diff, std::abs(a.pixels[k] - b.pixels[k]));
  CHECK(max_diff <= 1);
}

TEST_CASE("SE tiling: bundled real weights (Real-CUGAN up2x conservative, waifu2x CUNet 2x)") {
  for (const char* file : {"weights/realcugan-se-up2x-conservative.safetensors",
                           "weights/waifu2x-cunet-scale2x.safetensors"}) {
    const Pipeline pipe = Pipeline::load(test::source_path(file));
    check_cases(pipe, {{22, 24, 12}}, file);  // 2x2 tiles of a small image (reflect padding needs >= 20 px)
  }
}
