// Pipeline: tiled == untiled (float and 8-bit), pre-padding, size multiples, valid-conv models, gray / alpha
// handling, automatic tile size, global-context models, progress / cancel, errors.
#include <atomic>
#include <random>

#include "pixforge/models/tiny_sr.hpp"
#include "pixforge/ops/pad.hpp"
#include "pixforge/ops/pixel_shuffle.hpp"
#include "pixforge/pipeline.hpp"
#include "test_util.hpp"

using namespace pixforge;

namespace {

// A randomly initialised test network with a big receptive field: 3×3 convs with dilation 1, 2, 4 and 1
// (radius 8), optionally a stride-2 conv + nearest ×2 upsample (needs even sizes), a pixel-shuffle upscale, a
// valid (unpadded) first conv that shrinks the output by one pixel per side, or a whole-image mean.
struct TestNetOptions {
  int64_t scale = 1;
  int64_t halo = 8;
  int64_t pre_pad = 0;
  PaddingMode border = PaddingMode::zeros;
  bool down = false;    // stride-2 conv + nearest upsample: size_multiple 2
  bool valid = false;   // first conv without padding
  bool global = false;  // adds the mean of the input: global context
  int64_t in_channels = 3, out_channels = 3;
};

class TestNet : public ImageModel {
 public:
  explicit TestNet(const TestNetOptions& o, uint32_t seed = 1) : o_(o) {
    const int64_t nf = 8;
    w1 = test::random_tensor({nf, o.in_channels, 3, 3}, seed, -0.4f, 0.4f);
    w2 = test::random_tensor({nf, nf, 3, 3}, seed + 1, -0.2f, 0.2f);
    wd = test::random_tensor({nf, nf, 3, 3}, seed + 2, -0.2f, 0.2f);
    w3 = test::random_tensor({nf, nf, 3, 3}, seed + 3, -0.2f, 0.2f);
    w4 = test::random_tensor({o.out_channels * o.scale * o.scale, nf, 3, 3}, seed + 4, -0.2f, 0.2f);
    b1 = test::random_tensor({nf}, seed + 5, -0.1f, 0.1f);
    b4 = test::random_tensor({o.out_channels * o.scale * o.scale}, seed + 6, 0.3f, 0.6f);
    info_.arch = "test_net";
    info_.scale = o.scale;
    info_.in_channels = o.in_channels;
    info_.out_channels = o.out_channels;
    info_.halo = o.halo;
    info_.pre_pad = o.pre_pad;
    info_.border_mode = o.border;
    info_.size_multiple = o.down ? 2 : 1;
    info_.global_context = o.global;
  }
  const ImageModelInfo& info() const override { return info_; }
  Tensor<float> forward(const Tensor<float>& x) const override {
    const Act t = Act::tanh();
    Tensor<float> h = conv2d(x, w1, b1, Conv2dParams{}.with_padding(o_.valid ? 0 : 1).with_act(t));
    h = conv2d(h, w2, {}, Conv2dParams{}.with_padding(2).with_dilation(2).with_act(t));
    if (o_.down) {
      h = conv2d(h, wd, {}, Conv2dParams{}.with_stride(2).with_padding(1).with_act(t));
      h = interpolate(h, InterpolateParams::by_scale(2, InterpolateMode::nearest));
    }
    h = conv2d(h, w3, {}, Conv2dParams{}.with_padding(4).with_dilation(4).with_act(t));
    Tensor<float> y = conv2d(h, w4, b4, Conv2dParams{}.with_padding(1));
    if (o_.scale > 1) y = pixel_shuffle(y, o_.scale);
    if (o_.global) {
      double s = 0;
      for (int64_t k = 0; k < x.numel(); ++k) s += x.data()[k];
      const float m = float(s / double(x.numel()));
      y = y.contiguous();
      for (int64_t k = 0; k < y.numel(); ++k) y.data()[k] += m;
    }
    return y;
  }
  Tensor<float> w1, w2, wd, w3, w4, b1, b4;

 private:
  TestNetOptions o_;
  ImageModelInfo info_;
};

Pipeline test_pipeline(const TestNetOptions& o, uint32_t seed = 1) {
  return Pipeline(std::make_unique<TestNet>(o, seed));
}

Pipeline tiny_sr_pipeline() { return Pipeline::load(test::source_path("weights/tiny-sr-2x.safetensors")); }

// A random image with some smooth structure (so quantisation sees a spread of values).
Image random_image(int w, int h, int channels, uint32_t seed) {
  Image img = Image::blank(w, h, channels);
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> noise(-40, 40);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < channels; ++c) {
        const int base = (x * 255 / std::max(1, w - 1) + y * 97 / std::max(1, h - 1) + c * 60) % 256;
        img.at(x, y, c) = uint8_t(std::clamp(base + noise(rng), 0, 255));
      }
  return img;
}

RunOptions with_tile(int64_t tile) {
  RunOptions o;
  o.tile = tile;
  return o;
}

using test::max_abs_diff;

// Tiled and untiled runs of `pipe` on an image of w × h agree: float ≤ 1e-5, 8-bit identical.
void check_tiling_exact(const Pipeline& pipe, int w, int h, int64_t tile, uint32_t seed) {
  const int64_t cin = pipe.info().in_channels;
  const Image img = random_image(w, h, int(cin), seed);
  const Tensor<float> x = image_to_tensor(img, pipe.info().range);
  const TilePlan plan = pipe.plan(h, w, with_tile(tile));
  const Tensor<float> whole = pipe.run_tensor(x, with_tile(0));
  const Tensor<float> tiled = pipe.run_tensor(x, with_tile(tile));
  const double d = max_abs_diff(tiled, whole);
  INFO(pipe.info().arch, " ", w, "x", h, " tile ", tile, " (", plan.tiles_x, "x", plan.tiles_y, " tiles): max abs ",
       d);
  CHECK(d <= 1e-5);
  // 8 bits: identical, except where float summation order moves a value across a rounding tie (x.5 on the
  // 0..255 scale); such a pixel may differ by 1 LSB, and it must be rare.
  const Image a = pipe.run(img, with_tile(0)), b = pipe.run(img, with_tile(tile));
  REQUIRE(a.pixels.size() == b.pixels.size());
  CHECK(a.width == w * pipe.info().scale);
  int64_t ties = 0, bad = 0;
  const int C = a.channels;
  for (size_t k = 0; k < a.pixels.size(); ++k) {
    if (a.pixels[k] == b.pixels[k]) continue;
    const int64_t px = int64_t(k) / C, c = int64_t(k) % C, ox = px % a.width, oy = px / a.width;
    const float v = whole(0, c, oy, ox) * 255.0f;
    const bool at_tie = std::fabs(v - std::floor(v) - 0.5f) < 1e-3f && std::abs(a.pixels[k] - b.pixels[k]) == 1;
    (at_tie ? ties : bad) += 1;
  }
  CHECK(bad == 0);
  CHECK(ties * 10000 <= int64_t(a.pixels.size()));
}

}  // namespace

TEST_CASE("tiled == untiled: TinySR over awkward sizes and tile sizes") {
  const Pipeline pipe = tiny_sr_pipeline();
  const int sizes[][2] = {{1, 1}, {5, 3}, {37, 53}, {100, 67}};
  uint32_t seed = 10;
  for (const auto& s : sizes)
    for (int64_t t : {2, 16, 33, 64})
      if (t > 2 || s[0] < 10) check_tiling_exact(pipe, s[0], s[1], t, seed++);
}

TEST_CASE("tiled == untiled: dilated test net (halo 8), 1x and 2x, odd sizes, tile smaller than the halo") {
  for (int64_t scale : {1, 2}) {
    TestNetOptions o;
    o.scale = scale;
    const Pipeline pipe = test_pipeline(o);
    const int sizes[][2] = {{3, 2}, {29, 31}, {70, 45}};
    uint32_t seed = 100;
    for (const auto& s : sizes)
      for (int64_t t : {5, 12, 32, 100}) check_tiling_exact(pipe, s[0], s[1], t, seed++);
  }
}

TEST_CASE("a halo smaller than the receptive field is detectably wrong (the exactness test can fail)") {
  TestNetOptions o;
  o.halo = 3;
  const Pipeline pipe = test_pipeline(o);
  const Tensor<float> x = image_to_tensor(random_image(40, 40, 3, 7));
  CHECK(max_abs_diff(pipe.run_tensor(x, with_tile(10)), pipe.run_tensor(x, with_tile(0))) > 1e-4);
}

TEST_CASE("RunOptions::halo: smaller context is approximate and says so; the budget notice") {
  TestNetOptions o;
  const Pipeline pipe = test_pipeline(o);
  const Tensor<float> x = image_to_tensor(random_image(40, 40, 3, 8));
  RunOptions opt = with_tile(10);
  opt.halo = 2;
  std::vector<std::string> notes;
  opt.notice = [&](const std::string& s) { notes.push_back(s); };
  const TilePlan plan = pipe.plan(40, 40, opt);
  CHECK(plan.halo == 2);
  REQUIRE(notes.size() == 1);
  CHECK(notes[0].find("approximate tiles: halo 2 < the exact context 8/8 of 'test_net'") != std::string::npos);
  CHECK(max_abs_diff(pipe.run_tensor(x, opt), pipe.run_tensor(x, with_tile(0))) > 1e-4);
  opt.halo = 8;  // = the model's: exact, no notice
  notes.clear();
  CHECK(max_abs_diff(pipe.run_tensor(x, opt), pipe.run_tensor(x, with_tile(0))) <= 1e-5);
  CHECK(notes.empty());
  opt.halo = -2;
  CHECK_THROWS_WITH_AS(pipe.plan(40, 40, opt), doctest::Contains("halo -2"), Error);
  // A receptive field too big for the budget: tiles about the halo's size, and a notice with the estimate.
  TestNetOptions big;
  big.halo = 300;
  RunOptions auto_opt;
  auto_opt.memory_budget = int64_t(16) << 20;
  auto_opt.notice = [&](const std::string& s) { notes.push_back(s); };
  const TilePlan bp = test_pipeline(big).plan(2000, 2000, auto_opt);
  CHECK(bp.tile == 300);
  CHECK(bp.tile_bytes > auto_opt.memory_budget);
  REQUIRE(notes.size() == 1);
  CHECK(notes[0].find("memory budget of 16 MiB is too small for 'test_net' (halo 300") != std::string::npos);
  // Tiles whose context spans the whole axis anyway do not cut it (no repeated work).
  const TilePlan whole = test_pipeline(big).plan(500, 700, auto_opt);
  CHECK(whole.count() == 1);
  CHECK(pipe.plan(30, 40, with_tile(10)).count() == 12);
  CHECK(pipe.plan(30, 40, with_tile(20)).tiles_y == 1);  // 20 + 2 x 8 >= 30
  CHECK(pipe.plan(30, 40, with_tile(20)).tiles_x == 2);
}

TEST_CASE("size_multiple: stride-2 model, odd sizes padded up and tiles aligned") {
  TestNetOptions o;
  o.down = true;
  o.halo = 8 + 4;
  o.border = PaddingMode::replicate;
  const Pipeline pipe = test_pipeline(o);
  for (int64_t t : {6, 13, 30}) {
    check_tiling_exact(pipe, 41, 27, t, 300);
    check_tiling_exact(pipe, 9, 33, t, 301);
  }
  // The untiled run is the model on the replicate-padded (to even) input, cropped back.
  const Tensor<float> x = image_to_tensor(random_image(41, 27, 3, 302));
  PadParams p;
  p.right = 1;
  p.bottom = 1;
  p.mode = PadMode::replicate;
  const Tensor<float> ref = crop(pipe.model().forward(pad(x, p)), 0, 0, 27, 41);
  test::check_equal(pipe.run_tensor(x, with_tile(0)), ref, "size_multiple padding");
}

TEST_CASE("pre-padding: border_mode and pre_pad of the reference app, output cropped by pre_pad x scale") {
  for (PaddingMode mode : {PaddingMode::reflect, PaddingMode::replicate, PaddingMode::zeros}) {
    TestNetOptions o;
    o.scale = 2;
    o.pre_pad = 5;
    o.border = mode;
    const Pipeline pipe = test_pipeline(o);
    const Tensor<float> x = image_to_tensor(random_image(23, 18, 3, 400));
    const PadMode pm = mode == PaddingMode::reflect     ? PadMode::reflect
                       : mode == PaddingMode::replicate ? PadMode::replicate
                                                        : PadMode::constant;
    const Tensor<float> ref = crop(pipe.model().forward(pad(x, PadParams::all(5, pm))), 10, 10, 36, 46);
    INFO("border mode ", padding_mode_name(mode));
    test::check_equal(pipe.run_tensor(x, with_tile(0)), ref, "pre-padded run");
    check_tiling_exact(pipe, 23, 18, 7, 401);
    // The pre-padding matters: without it (a model declaring none) the result differs.
    TestNetOptions o2 = o;
    o2.pre_pad = 0;
    CHECK(max_abs_diff(test_pipeline(o2).run_tensor(x, with_tile(0)), ref) > 1e-3);
  }
}

TEST_CASE("valid-conv models: output smaller by an even amount is aligned; tiled == untiled") {
  TestNetOptions o;
  o.valid = true;
  o.pre_pad = 3;
  o.border = PaddingMode::reflect;
  const Pipeline pipe = test_pipeline(o);
  const Tensor<float> x = image_to_tensor(random_image(30, 21, 3, 500));
  // forward(pad 3) is (21+6-2) x (30+6-2); the image starts at 3 - 1 = 2 in it.
  const Tensor<float> ref = crop(pipe.model().forward(pad(x, PadParams::all(3, PadMode::reflect))), 2, 2, 21, 30);
  test::check_equal(pipe.run_tensor(x, with_tile(0)), ref, "valid conv run");
  check_tiling_exact(pipe, 30, 21, 8, 501);
}

TEST_CASE("gray input: RGB model sees replicated gray and gives gray back (Pillow luma)") {
  const Pipeline pipe = tiny_sr_pipeline();
  const Image gray = random_image(31, 22, 1, 600);
  const Image out = pipe.run(gray, with_tile(9));
  CHECK(out.channels == 1);
  CHECK(out.width == 62);
  CHECK(out.height == 44);
  const Image via_rgb = convert_channels(pipe.run(convert_channels(gray, 3), with_tile(0)), 1);
  CHECK(out.pixels == via_rgb.pixels);
  // 1-channel model on an RGB image: Pillow luma in, gray out.
  TestNetOptions o;
  o.in_channels = o.out_channels = 1;
  const Pipeline gp = test_pipeline(o);
  const Image rgb = random_image(17, 19, 3, 601);
  const Image g = gp.run(rgb, with_tile(6));
  CHECK(g.channels == 1);
  CHECK(g.pixels == gp.run(convert_channels(rgb, 1), with_tile(0)).pixels);
  // A 1 -> 3 channel model (a coloriser) gives RGB for gray input.
  TestNetOptions c;
  c.in_channels = 1;
  const Image colored = test_pipeline(c).run(random_image(9, 7, 1, 602), with_tile(4));
  CHECK(colored.channels == 3);
}

TEST_CASE("alpha: untouched for 1x models, resized bilinearly for SR, merged back") {
  const Image rgba = random_image(26, 19, 4, 700);
  const AlphaSplit parts = split_alpha(rgba);
  {
    const Pipeline pipe = test_pipeline(TestNetOptions{});
    const Image out = pipe.run(rgba, with_tile(8));
    REQUIRE(out.channels == 4);
    const AlphaSplit o = split_alpha(out);
    CHECK(o.alpha.pixels == parts.alpha.pixels);
    CHECK(o.color.pixels == pipe.run(parts.color, with_tile(0)).pixels);
  }
  {
    const Pipeline pipe = tiny_sr_pipeline();
    const Image out = pipe.run(rgba, with_tile(8));
    REQUIRE(out.channels == 4);
    CHECK(out.width == 52);
    const AlphaSplit o = split_alpha(out);
    CHECK(o.color.pixels == pipe.run(parts.color, with_tile(0)).pixels);
    const Tensor<float> a = image_to_tensor(parts.alpha, Range::byte);
    const Image expect = tensor_to_image(
        interpolate(a, InterpolateParams::to_size(38, 52, InterpolateMode::bilinear)), Range::byte);
    CHECK(o.alpha.pixels == expect.pixels);
    // Gray + alpha stays gray + alpha.
    const Image la = pipe.run(convert_channels(rgba, 2), with_tile(0));
    CHECK(la.channels == 2);
    // Fully opaque alpha stays opaque.
    const Image opaque = pipe.run(convert_channels(parts.color, 4), with_tile(0));
    const AlphaSplit op = split_alpha(opaque);
    CHECK(std::all_of(op.alpha.pixels.begin(), op.alpha.pixels.end(), [](uint8_t v) { return v == 255; }));
  }
}

TEST_CASE("automatic tile size from the memory budget; progress reports every tile") {
  const Pipeline pipe = tiny_sr_pipeline();
  RunOptions opt;
  opt.memory_budget = int64_t(8) << 20;  // 8 MiB: forces several tiles on 150 x 130
  const TilePlan plan = pipe.plan(130, 150, opt);
  INFO("tile ", plan.tile, ", ", plan.tiles_x, "x", plan.tiles_y, ", ", plan.bytes_per_pixel, " B/px");
  CHECK(plan.count() > 1);
  CHECK(double(plan.tile + 2 * pipe.info().halo) * double(plan.tile + 2 * pipe.info().halo) *
            double(plan.bytes_per_pixel) <=
        double(opt.memory_budget));
  std::vector<std::pair<int64_t, int64_t>> calls;
  opt.progress = [&](int64_t done, int64_t total) { calls.emplace_back(done, total); };
  const Image img = random_image(150, 130, 3, 800);
  const Image tiled = pipe.run(img, opt);
  REQUIRE(calls.size() == size_t(plan.count() + 1));
  for (size_t k = 0; k < calls.size(); ++k) {
    CHECK(calls[k].first == int64_t(k));
    CHECK(calls[k].second == plan.count());
  }
  CHECK(tiled.pixels == pipe.run(img, with_tile(0)).pixels);
  // A generous budget: one tile.
  CHECK(pipe.plan(130, 150, RunOptions{}).count() == 1);
}

TEST_CASE("automatic tiles where the context is cheap: least memory within max_tile_overhead, same bits") {
  const Pipeline pipe = test_pipeline(TestNetOptions{});  // context 8 px per side, ~176 B/px: fits the budget whole
  const int64_t h = 200, w = 300;
  RunOptions opt;  // max_tile_overhead 0.10 by default
  const TilePlan plan = pipe.plan(h, w, opt);
  INFO("tile ", plan.tile, ", ", plan.tiles_y, "x", plan.tiles_x, ", ", plan.tile_bytes, " B");
  // Two full-width bands of 100 rows: 108 + 108 input rows = 216 <= 1.1 x 200; three would need 232.
  CHECK(plan.tiles_y == 2);
  CHECK(plan.tiles_x == 1);
  CHECK(plan.tile == 100);
  CHECK(plan.tile_bytes == (100 + 16) * w * plan.bytes_per_pixel);  // the bound: core + 8 + 8 px
  const Tensor<float> x = image_to_tensor(random_image(int(w), int(h), 3, 810));
  CHECK(max_abs_diff(pipe.run_tensor(x, opt), pipe.run_tensor(x, with_tile(0))) == 0.0f);
  // A looser limit buys less memory (2 x 3 tiles of 100: 216/200 x 332/300 = 1.195); 0 tiles only when the
  // budget requires it.
  opt.max_tile_overhead = 0.2;
  const TilePlan looser = pipe.plan(h, w, opt);
  CHECK(looser.count() == 6);
  CHECK(looser.tile_bytes == 116 * 116 * plan.bytes_per_pixel);
  opt.max_tile_overhead = 0;
  CHECK(pipe.plan(h, w, opt).count() == 1);
  opt.max_tile_overhead = -0.1;
  CHECK_THROWS_WITH_AS(pipe.plan(h, w, opt), doctest::Contains("max_tile_overhead -0.1"), Error);
  // A context as big as the image is never cheap: untiled while the whole image fits the budget.
  TestNetOptions big;
  big.halo = 300;
  CHECK(test_pipeline(big).plan(h, w, RunOptions{}).count() == 1);
}

TEST_CASE("global-context models: automatic mode runs untiled with a notice, an explicit tile is refused") {
  TestNetOptions o;
  o.global = true;
  const Pipeline pipe = test_pipeline(o);
  const Image img = random_image(40, 30, 3, 900);
  RunOptions opt;
  opt.memory_budget = 1 << 16;
  std::string note;
  opt.notice = [&](const std::string& s) { note += s + "\n"; };
  const TilePlan plan = pipe.plan(30, 40, opt);
  CHECK(plan.count() == 1);
  CHECK(note.find("tiling disabled") != std::string::npos);
  CHECK(pipe.run(img, opt).pixels == pipe.run(img, with_tile(0)).pixels);
  try {
    pipe.run(img, with_tile(16));
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::unsupported);
    CHECK(std::string(e.what()).find("test_net") != std::string::npos);
  }
  // Tiles would indeed be wrong: a pixel's value depends on the extent of the input.
  const Tensor<float> x = image_to_tensor(img);
  auto m = std::make_unique<TestNet>(o);
  const Tensor<float> whole = m->forward(x);
  const Tensor<float> part = m->forward(crop(x, 0, 0, 30, 20));
  CHECK(std::fabs(whole(0, 0, 10, 5) - part(0, 0, 10, 5)) > 1e-4);
}

TEST_CASE("cancel stops before the next tile") {
  const Pipeline pipe = tiny_sr_pipeline();
  std::atomic<bool> cancel{false};
  RunOptions opt = with_tile(16);
  opt.grid_tile = 0;  // 4x4 tiles: TinySR's Winograd margin (4x its halo) would leave the 64-px image less cut
  opt.cancel = &cancel;
  int64_t seen = 0;
  opt.progress = [&](int64_t done, int64_t) {
    seen = done;
    if (done == 2) cancel = true;
  };
  try {
    pipe.run(random_image(64, 64, 3, 1000), opt);
    FAIL("expected cancellation");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find("cancelled after 2 of 16 tiles") != std::string::npos);
  }
  CHECK(seen == 2);
}

TEST_CASE("errors name the model and the problem") {
  const Pipeline pipe = tiny_sr_pipeline();
  CHECK_THROWS_WITH_AS(pipe.run_tensor(Tensor<float>::zeros({1, 1, 8, 8})),
                       doctest::Contains("pipeline 'tiny_sr': expected an input [1,3,H,W], got [1,1,8,8]"), Error);
  CHECK_THROWS_WITH_AS(pipe.run(random_image(8, 8, 3, 1), with_tile(-5)), doctest::Contains("tile size -5"), Error);
  CHECK_THROWS_AS(pipe.run(Image{}), Error);
  {
    const int64_t saved = limits().max_image_pixels;
    limits().max_image_pixels = 1000;  // 20x20 input is fine, its 40x40 output is not
    CHECK_THROWS_WITH_AS(pipe.run(random_image(20, 20, 3, 2)), doctest::Contains("exceeds limits().max_image_pixels"),
                         Error);
    limits().max_image_pixels = saved;
  }
  // A model whose output does not have the declared scale.
  class Liar : public TestNet {
   public:
    Liar() : TestNet(TestNetOptions{}) { info2_ = TestNet::info(), info2_.scale = 2, info2_.arch = "liar"; }
    const ImageModelInfo& info() const override { return info2_; }
    ImageModelInfo info2_;
  };
  const Pipeline liar(std::make_unique<Liar>());
  CHECK_THROWS_WITH_AS(liar.run(random_image(10, 12, 3, 3)),
                       doctest::Contains("pipeline 'liar': the model's height output is 12 for an input of 12 at "
                                         "scale 2 (expected 24"),
                       Error);
  CHECK_THROWS_AS(Pipeline(nullptr), Error);
}
