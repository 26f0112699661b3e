// DeOldify NoGAN artistic generator (models/deoldify_unet.hpp) against the PyTorch reference
// tools/reference/deoldify.py (tests/golden/deoldify_unet.safetensors, tools/golden/gen_deoldify_unet.py):
//   - UnetBlockDeep with the ICNR shuffle + blur, the nearest resize-to-skip branch and the fastai SelfAttention,
//     and a final-width block (rtol 1e-4 / atol 1e-5);
//   - the FULL-SIZE network (ResNet-34, 63.6 M parameters) on 48×80 (block 0 resizes 4×6 → 3×5) and 40×56 (block 0
//     resizes 4×4 → 3×4, block 1 6×8 → 5×7 before the self-attention), rtol 1e-3 /
//     atol 1e-4; weights and inputs are deterministic functions of the state_dict keys (u2net_fill.hpp hash; a key
//     is a BatchNorm key when its owner has a running_mean; `gamma` uses the BN-weight rule so it is non-zero);
//   - parameter count, key names (self-attention placement), config/shape errors, the YUV post-process.
#include "pixforge/models/deoldify_unet.hpp"

#include <set>

#include "test_util.hpp"
#include "u2net_fill.hpp"

using namespace pixforge;

namespace {

void deoldify_fill(Module& m) {
  std::set<std::string> bn_owners;
  for (const auto& p : m.named_parameters())
    if (test::key_ends_with(p.name, ".running_mean")) bn_owners.insert(p.name.substr(0, p.name.rfind('.')));
  for (const auto& p : m.named_parameters()) {
    const std::string& k = p.name;
    const size_t dot = k.rfind('.');
    const std::string owner = dot == std::string::npos ? "" : k.substr(0, dot);
    const std::string leaf = dot == std::string::npos ? k : k.substr(dot + 1);
    test::DetKind kind;
    if (leaf == "gamma") kind = test::DetKind::bn_weight;
    else if (bn_owners.count(owner)) {
      if (leaf == "weight") kind = test::DetKind::bn_weight;
      else if (leaf == "bias") kind = test::DetKind::bn_bias;
      else if (leaf == "running_mean") kind = test::DetKind::running_mean;
      else kind = test::DetKind::running_var;
    } else if (leaf == "weight") kind = test::DetKind::conv_weight;
    else kind = test::DetKind::conv_bias;
    test::det_fill(*p.tensor, k, kind);
  }
}

using test::max_abs_diff;

Tensor<float> det_tensor(const Shape& shape, const std::string& key) {
  Tensor<float> t = Tensor<float>::empty(shape);
  test::det_fill(t, key, test::DetKind::input);
  return t;
}

}  // namespace

TEST_CASE("deoldify_unet: UnetBlockDeep (ICNR shuffle + blur, resize-to-skip, self-attention) matches PyTorch") {
  test::Golden g("deoldify_unet");
  int n = 0;
  for (const auto& c : g.cases()) {
    if (c.params["kind"].as_string() != "block") continue;
    const int64_t up_c = c.params["up_in_c"].as_int64(), x_c = c.params["x_in_c"].as_int64();
    const bool final_block = c.params["final"].as_bool(), sa = c.params["self_attention"].as_bool();
    deoldify::UnetBlockDeep blk(up_c, x_c, !final_block, sa, 1.5);
    deoldify_fill(blk);
    const Tensor<float> up = det_tensor(test::shape_of(c.params["up_shape"]), "input");
    const Tensor<float> skip = det_tensor(test::shape_of(c.params["skip_shape"]), "skip");
    const Tensor<float> y = blk(up, skip);
    test::check_close(y, g.tensor(c, "y"), 1e-4, 1e-5, "block " + up.shape().str() + " " + skip.shape().str());
    if (sa) {
      // The attention matters in this case: with gamma = 0 the output differs from the golden.
      blk.conv2.sa->w.gamma.data()[0] = 0.0f;
      CHECK(max_abs_diff(blk(up, skip), g.tensor(c, "y")) > 1e-3);
    }
    ++n;
  }
  CHECK(n == 2);
}

TEST_CASE("deoldify_unet: full-size network matches PyTorch (48x80 and 40x56: resize-to-skip in blocks 0, 1)") {
  test::Golden g("deoldify_unet");
  DeoldifyUnet net;
  CHECK(net.parameter_count() == 63645681);
  deoldify_fill(net);
  int n = 0;
  for (const auto& c : g.cases()) {
    if (c.params["kind"].as_string() != "net") continue;
    const Tensor<float> x = test::det_input(test::shape_of(c.params["shape"]));
    test::check_close(net.forward(x), g.tensor(c, "y"), 1e-3, 1e-4, "net " + x.shape().str());
    ++n;
  }
  CHECK(n == 2);
}

TEST_CASE("deoldify_unet: parameter count and fastai key names") {
  DeoldifyUnet net;
  std::set<std::string> keys;
  int64_t enc = 0;
  for (const auto& p : net.named_parameters()) {
    keys.insert(p.name);
    if (!p.is_buffer && p.name.rfind("layers.0.", 0) == 0) enc += p.tensor->numel();
  }
  // Spec part-a §8: 63,646,881 = encoder 21,284,672 + decoder 42,362,209 counted on the checkpoint, whose
  // weight-normed PixelShuffle_ICNR conv also has weight_g [1200,1,1,1]; folded, those 1,200 go away.
  CHECK(enc == 21284672);
  CHECK(net.parameter_count() == 63646881 - 1200);
  for (const char* k :
       {"layers.0.0.weight", "layers.0.1.running_var", "layers.0.5.0.downsample.0.weight", "layers.0.7.2.bn2.bias",
        "layers.1.weight", "layers.3.0.0.weight", "layers.3.1.2.running_mean", "layers.4.shuf.conv.0.weight",
        "layers.4.shuf.conv.1.running_var", "layers.4.bn.weight", "layers.4.conv1.0.weight", "layers.4.conv2.2.bias",
        "layers.5.conv2.3.gamma", "layers.5.conv2.3.query.weight", "layers.5.conv2.3.key.weight",
        "layers.5.conv2.3.value.weight", "layers.7.conv2.2.weight", "layers.8.conv.0.weight", "layers.8.conv.0.bias",
        "layers.10.layers.0.0.weight", "layers.10.layers.1.0.bias", "layers.11.0.weight", "layers.11.0.bias"})
    CHECK_MESSAGE(keys.count(k) == 1, k);
  // Self-attention only in block 1 (fastai: i == len(sfs_idxs) - 3), C = 768.
  int sa = 0;
  for (const auto& k : keys)
    if (k.find(".gamma") != std::string::npos) ++sa;
  CHECK(sa == 1);
  CHECK(net.blocks[1]->conv2.sa->w.value.weight.shape() == Shape{768, 768, 1});
  CHECK(net.blocks[0]->nf == 768);
  CHECK(net.blocks[2]->nf == 672);
  CHECK(net.blocks[3]->nf == 300);
  CHECK(keys.count("layers.0.5.0.downsample.0.weight_orig") == 0);
}

TEST_CASE("deoldify_unet: errors") {
  DeoldifyUnet net;
  CHECK_THROWS_WITH_AS(net.forward(Tensor<float>::zeros({1, 1, 32, 32})),
                       doctest::Contains("deoldify_unet: expected an ImageNet-normalised grey-as-RGB tensor [N,3,H,W], "
                                         "got [1,1,32,32]"),
                       Error);
  CHECK_THROWS_WITH_AS(net.forward(Tensor<float>::zeros({1, 3, 33, 32})),
                       doctest::Contains("H and W must be even"), Error);
  CHECK_THROWS_WITH_AS(DeoldifyUnet::Config::from_json(Json::parse("{\"encoder\":\"resnet101\"}", "cfg")),
                       doctest::Contains("encoder 'resnet101' is not supported"), Error);
  CHECK_THROWS_WITH_AS(net.blocks[0]->operator()(Tensor<float>::zeros({1, 512, 2, 2}),
                                                Tensor<float>::zeros({1, 128, 4, 4})),
                       doctest::Contains("skip [N,256,H,W], got [1,512,2,2] and [1,128,4,4]"), Error);
  // A checkpoint with unfolded spectral norm is refused (the loader names the keys).
  SafeTensorsWriter w;
  for (const auto& p : net.named_parameters())
    w.add(p.name == "layers.11.0.weight" ? std::string("layers.11.0.weight_orig") : p.name, *p.tensor);
  w.set_metadata("pixforge.arch", "deoldify_unet");
  const std::string path = test::temp_path("deoldify_unfolded.safetensors");
  w.save(path);
  CHECK_THROWS_WITH_AS(DeoldifyUnet::load(path), doctest::Contains("layers.11.0.weight"), Error);
  std::remove(path.c_str());
  const auto archs = registered_archs();
  CHECK(std::find(archs.begin(), archs.end(), "deoldify_unet") != archs.end());
}

TEST_CASE("deoldify_unet: post-process matches deoldify/filters.py with OpenCV exactly") {
  test::Golden g("deoldify_unet");
  int n = 0;
  for (const auto& c : g.cases()) {
    if (c.params["kind"].as_string() != "post") continue;
    const Tensor<float> y = deoldify_postprocess(g.tensor(c, "model_out"), g.tensor(c, "original"));
    const Tensor<float> expected = g.tensor(c, "y");
    test::check_equal(y, expected, "post-process vs OpenCV (bit-exact)");
    ++n;
  }
  CHECK(n == 1);
}

TEST_CASE("deoldify_unet: pre-processing and the luminance-keeping YUV post-process") {
  Tensor<float> rgb = test::random_tensor({1, 3, 4, 6}, 7, 0.0f, 255.0f);
  for (int64_t i = 0; i < rgb.numel(); ++i) rgb.data()[i] = std::round(rgb.data()[i]);  // 8-bit values
  const Tensor<float> x = deoldify_preprocess(rgb);
  // Grey: all three channels hold the same 8-bit PIL luma before normalisation, e.g. (200, 100, 50) -> 124.
  CHECK(pil_luma(200, 100, 50) == 124);
  const float* p = rgb.data();
  for (int i = 0; i < 24; ++i) {
    const float l = float(pil_luma(uint8_t(p[i]), uint8_t(p[24 + i]), uint8_t(p[48 + i]))) / 255.0f;
    CHECK(x.data()[i] == doctest::Approx((l - 0.485f) / 0.229f).epsilon(1e-6));
    CHECK(x.data()[24 + i] == doctest::Approx((l - 0.456f) / 0.224f).epsilon(1e-6));
    CHECK(x.data()[48 + i] == doctest::Approx((l - 0.406f) / 0.225f).epsilon(1e-6));
  }
  // Post-process: Y of the result = Y of the original; U, V = those of the (de-normalised, clamped) model output.
  const Tensor<float> out = test::random_tensor({1, 3, 4, 6}, 8, -1.5f, 1.5f);
  const Tensor<float> res = deoldify_postprocess(out, rgb);
  Tensor<float> color = out.clone();
  const float mean[3] = {0.485f, 0.456f, 0.406f}, stdv[3] = {0.229f, 0.224f, 0.225f};
  for (int c = 0; c < 3; ++c)
    for (int i = 0; i < 24; ++i) {
      float& v = color.data()[c * 24 + i];
      v = std::floor(std::min(255.0f, std::max(0.0f, (v * stdv[c] + mean[c]) * 255.0f)));
    }
  // Y of the result's YUV = the original's (up to the 8-bit round trip), U, V = the model colour's — YUV as
  // filters.py computes it: COLOR_BGR2YUV on RGB arrays, so R and B enter rgb_to_yuv8 swapped.
  int checked = 0;
  for (int i = 0; i < 24; ++i) {
    const float* r = res.data();
    const float* q = color.data();
    int y1, u1, v1, yo, uo, vo, yc, uc, vc;
    deoldify::rgb_to_yuv8(int(r[48 + i]), int(r[24 + i]), int(r[i]), y1, u1, v1);
    deoldify::rgb_to_yuv8(int(p[48 + i]), int(p[24 + i]), int(p[i]), yo, uo, vo);
    deoldify::rgb_to_yuv8(int(q[48 + i]), int(q[24 + i]), int(q[i]), yc, uc, vc);
    const bool clipped = r[i] <= 0 || r[i] >= 255 || r[24 + i] <= 0 || r[24 + i] >= 255 || r[48 + i] <= 0 ||
                         r[48 + i] >= 255;
    if (clipped) continue;  // saturation changes the round trip
    CHECK(std::abs(y1 - yo) <= 1);
    CHECK(std::abs(u1 - uc) <= 2);
    CHECK(std::abs(v1 - vc) <= 2);
    ++checked;
  }
  CHECK(checked > 0);
  CHECK_THROWS_WITH_AS(deoldify_postprocess(out, Tensor<float>::zeros({1, 3, 4, 5})),
                       doctest::Contains("must both be [N,3,H,W] of the same size"), Error);
}

TEST_CASE("deoldify_unet: identical block output for 1 and 2 threads") {
  deoldify::UnetBlockDeep blk(12, 6, true, true, 1.5);
  deoldify_fill(blk);
  const Tensor<float> up = det_tensor({1, 12, 5, 7}, "input"), skip = det_tensor({1, 6, 9, 13}, "skip");
  set_num_threads(1);
  const Tensor<float> a = blk(up, skip);
  set_num_threads(2);
  const Tensor<float> b = blk(up, skip);
  set_num_threads(0);
  test::check_equal(a, b, "threads 1 vs 2");
}
