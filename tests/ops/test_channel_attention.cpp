// Tests for ops/channel_attention.hpp: squeeze-excitation, CBAM channel gate, FcaNet multi-spectral attention —
// parallel paths vs references, the FcaNet DCT basis (spec check values and the PyTorch buffer), PyTorch goldens,
// bad arguments, thread-count independence.
#include "pixforge/ops/channel_attention.hpp"

#include <functional>

#include "test_util.hpp"

using namespace pixforge;
using test::check_close;
using test::random_tensor;

namespace {
std::string err_msg(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.message();
  }
  return "";
}

Conv1x1Weights random_fc(int64_t out, int64_t in, bool bias, uint32_t seed, bool conv_shape = true) {
  const float r = 1.0f / std::sqrt(float(in));
  Conv1x1Weights l;
  l.weight = conv_shape ? random_tensor({out, in, 1, 1}, seed, -r, r) : random_tensor({out, in}, seed, -r, r);
  if (bias) l.bias = random_tensor({out}, seed + 1, -r, r);
  return l;
}
}  // namespace

TEST_CASE("squeeze_excitation and cbam_channel_attention: parallel path matches reference") {
  struct Case {
    Shape x;
    int64_t r;
    bool bias;
  };
  const std::vector<Case> cases = {{{1, 8, 1, 1}, 8, true},   {{2, 16, 5, 7}, 8, true},  {{1, 24, 3, 11}, 4, false},
                                   {{2, 64, 17, 9}, 8, true}, {{1, 20, 8, 3}, 4, false}, {{3, 6, 2, 2}, 2, true}};
  uint32_t seed = 1;
  for (const Case& c : cases) {
    const int64_t C = c.x[1];
    const Tensor<float> x = random_tensor(c.x, seed++, -2.0f, 3.0f);
    SqueezeExcitationWeights se{random_fc(C / c.r, C, c.bias, seed), random_fc(C, C / c.r, c.bias, seed + 2)};
    seed += 4;
    const std::string label = " x=" + c.x.str() + " r=" + std::to_string(c.r) + (c.bias ? " bias" : " nobias");
    const Tensor<float> ref = squeeze_excitation_ref(x, se);
    check_close(squeeze_excitation_parallel(x, se), ref, 1e-5, 1e-6, "squeeze_excitation" + label);
    check_close(squeeze_excitation(x, se), ref, 1e-5, 1e-6, "squeeze_excitation (dispatch)" + label);

    CbamChannelWeights cb{random_fc(C / c.r, C, true, seed, false), random_fc(C, C / c.r, true, seed + 2, false)};
    seed += 4;
    for (const auto& [avg, mx] : std::vector<std::pair<bool, bool>>{{true, true}, {true, false}, {false, true}}) {
      CbamChannelParams p;
      p.avg_pool = avg;
      p.max_pool = mx;
      check_close(cbam_channel_attention(x, cb, p), cbam_channel_attention_ref(x, cb, p), 1e-5, 1e-6,
                  "cbam_channel_attention" + label + (avg ? " avg" : "") + (mx ? " max" : ""));
    }
  }
}

TEST_CASE("FcaNet DCT basis: spec check values and frequency scaling") {
  MultiSpectralAttentionParams p;  // 7×7, top16
  const Tensor<float> b7 = multi_spectral_dct_filter(16, p);
  CHECK(b7(0, 3, 4) == doctest::Approx(1.0 / 7.0).epsilon(1e-7));   // DC = 1/sqrt(HW)
  CHECK(b7(1, 0, 0) == doctest::Approx(0.196965).epsilon(1e-5));     // (0,1)
  p.dct_h = p.dct_w = 16;
  CHECK(multi_spectral_dct_filter(16, p)(1, 0, 0) == doctest::Approx(0.086690).epsilon(1e-5));  // (0,1)·2 = (0,2)
  p.dct_h = p.dct_w = 4;  // below 7: every frequency collapses to DC
  const Tensor<float> b4 = multi_spectral_dct_filter(16, p);
  for (int64_t i = 0; i < b4.numel(); ++i) REQUIRE(b4.data()[i] == doctest::Approx(0.25f));
  const auto [u, v] = get_freq_indices("top16");
  REQUIRE(u.size() == 16);
  CHECK(u[2] == 6);
  CHECK(v[2] == 0);  // (6, 0): u indexes height
  CHECK(u[15] == 2);
  CHECK(v[15] == 2);
  CHECK(get_freq_indices("low32").first.size() == 32);
  CHECK_THROWS_AS(get_freq_indices("top3"), Error);
  CHECK_THROWS_AS(get_freq_indices("mid16"), Error);
}

TEST_CASE("multi_spectral_attention: parallel path matches reference") {
  struct Case {
    Shape x;
    int64_t dh, dw, r;
    const char* method;
  };
  const std::vector<Case> cases = {{{2, 32, 7, 7}, 7, 7, 16, "top16"},  {{1, 16, 14, 14}, 14, 14, 4, "top16"},
                                   {{1, 16, 9, 11}, 7, 7, 4, "top16"},  {{2, 16, 5, 7}, 8, 8, 4, "bot8"},
                                   {{1, 32, 13, 6}, 13, 6, 8, "low32"}, {{1, 8, 3, 3}, 3, 3, 2, "top4"}};
  uint32_t seed = 100;
  for (const Case& c : cases) {
    MultiSpectralAttentionParams p;
    p.dct_h = c.dh, p.dct_w = c.dw, p.freq_sel_method = c.method;
    const int64_t C = c.x[1];
    MultiSpectralAttentionWeights w;
    w.fc_0 = random_fc(C / c.r, C, false, seed, false);
    w.fc_2 = random_fc(C, C / c.r, false, seed + 2, false);
    w.dct_weight = multi_spectral_dct_filter(C, p);
    const Tensor<float> x = random_tensor(c.x, seed + 4, -1.0f, 2.0f);
    seed += 10;
    const std::string label = std::string("multi_spectral_attention x=") + c.x.str() + " dct " +
                              std::to_string(c.dh) + "x" + std::to_string(c.dw) + " " + c.method;
    const Tensor<float> ref = multi_spectral_attention_ref(x, w, p);
    check_close(multi_spectral_attention_parallel(x, w, p), ref, 1e-5, 1e-6, label);
    check_close(multi_spectral_attention(x, w, p), ref, 1e-5, 1e-6, label + " (dispatch)");
  }
}

TEST_CASE("channel attention matches PyTorch goldens") {
  test::Golden g("channel_attention");
  int counts[3] = {0, 0, 0};
  for (const auto& c : g.cases()) {
    auto get = [&](const std::string& key) { return g.tensor(c, key); };
    const Tensor<float> x = g.tensor(c, "x"), y = g.tensor(c, "y");
    const std::string kind = c.params["kind"].as_string();
    std::string label = c.name + " " + kind + " x=" + x.shape().str();
    if (kind == "se") {
      const bool bias = c.params["bias"].as_bool();
      const SqueezeExcitationWeights w = SqueezeExcitationWeights::load(get, "", bias);
      label += bias ? " bias" : " nobias";
      check_close(squeeze_excitation(x, w), y, 1e-4, 1e-5, label);
      check_close(squeeze_excitation_ref(x, w), y, 1e-4, 1e-5, label + " ref");
      ++counts[0];
    } else if (kind == "cbam") {
      const CbamChannelWeights w = CbamChannelWeights::load(get);
      const std::string pools = c.params["pools"].as_string();
      CbamChannelParams p;
      p.avg_pool = pools.find("avg") != std::string::npos;
      p.max_pool = pools.find("max") != std::string::npos;
      label += " " + pools;
      check_close(cbam_channel_attention(x, w, p), y, 1e-4, 1e-5, label);
      check_close(cbam_channel_attention_ref(x, w, p), y, 1e-4, 1e-5, label + " ref");
      ++counts[1];
    } else {
      MultiSpectralAttentionParams p;
      p.dct_h = c.params["dct_h"].as_int64();
      p.dct_w = c.params["dct_w"].as_int64();
      p.freq_sel_method = c.params["method"].as_string();
      const MultiSpectralAttentionWeights w = MultiSpectralAttentionWeights::load(get, p);
      label += " dct " + std::to_string(p.dct_h) + "x" + std::to_string(p.dct_w) + " " + p.freq_sel_method;
      if (g.has(c, "dct_layer.weight"))  // our basis vs the buffer PyTorch built: same doubles, same rounding
        test::check_equal(w.dct_weight, g.tensor(c, "dct_layer.weight"), label + " dct_layer.weight");
      check_close(multi_spectral_attention(x, w, p), y, 1e-4, 1e-5, label);
      check_close(multi_spectral_attention_ref(x, w, p), y, 1e-4, 1e-5, label + " ref");
      ++counts[2];
    }
  }
  CHECK(counts[0] >= 3);
  CHECK(counts[1] >= 3);
  CHECK(counts[2] >= 5);
}

TEST_CASE("channel attention rejects bad arguments") {
  const Tensor<float> x = random_tensor({1, 16, 4, 4}, 1);
  SqueezeExcitationWeights se{random_fc(2, 16, true, 2), random_fc(16, 2, true, 4)};
  SqueezeExcitationWeights bad = se;
  bad.conv1 = random_fc(2, 8, true, 6);
  CHECK_THROWS_AS(squeeze_excitation(x, bad), Error);
  const std::string m = err_msg([&] { squeeze_excitation(x, bad); });
  CHECK(m.find("squeeze_excitation") != std::string::npos);
  CHECK(m.find("conv1") != std::string::npos);
  CHECK(m.find("[2,8,1,1]") != std::string::npos);
  bad = se;
  bad.conv2 = random_fc(8, 2, true, 8);  // does not map back to C
  CHECK_THROWS_AS(squeeze_excitation(x, bad), Error);
  bad = se;
  bad.conv2.bias = random_tensor({3}, 9);
  CHECK(err_msg([&] { squeeze_excitation(x, bad); }).find("bias") != std::string::npos);
  CHECK_THROWS_AS(squeeze_excitation(random_tensor({16, 4, 4}, 1), se), Error);

  CbamChannelWeights cb{random_fc(2, 16, true, 2, false), random_fc(16, 2, true, 4, false)};
  CbamChannelParams none;
  none.avg_pool = none.max_pool = false;
  CHECK_THROWS_AS(cbam_channel_attention(x, cb, none), Error);

  MultiSpectralAttentionParams p;
  CHECK_THROWS_AS(multi_spectral_dct_filter(24, p), Error);  // 24 channels, 16 frequencies
  CHECK(err_msg([&] { multi_spectral_dct_filter(24, p); }).find("C=24") != std::string::npos);
  MultiSpectralAttentionWeights w;
  w.fc_0 = random_fc(1, 16, false, 3, false);
  w.fc_2 = random_fc(16, 1, false, 5, false);
  CHECK(err_msg([&] { multi_spectral_attention(x, w, p); }).find("dct_weight") != std::string::npos);
  MultiSpectralAttentionParams p8 = p;
  p8.dct_h = p8.dct_w = 8;
  w.dct_weight = multi_spectral_dct_filter(16, p8);  // built for another size than p says
  CHECK_THROWS_AS(multi_spectral_attention(x, w, p), Error);
}

TEST_CASE("channel attention gives identical bits for 1 and 2 threads") {
  const Tensor<float> x = random_tensor({2, 48, 19, 23}, 1);
  SqueezeExcitationWeights se{random_fc(6, 48, true, 2), random_fc(48, 6, true, 4)};
  CbamChannelWeights cb{random_fc(3, 48, true, 6, false), random_fc(48, 3, true, 8, false)};
  MultiSpectralAttentionParams p;
  p.dct_h = 14, p.dct_w = 14;
  MultiSpectralAttentionWeights fw{random_fc(3, 48, false, 10, false), random_fc(48, 3, false, 12, false),
                                   multi_spectral_dct_filter(48, p)};
  set_num_threads(1);
  const Tensor<float> a1 = squeeze_excitation(x, se), b1 = cbam_channel_attention(x, cb),
                      c1 = multi_spectral_attention(x, fw, p);
  set_num_threads(2);
  const Tensor<float> a2 = squeeze_excitation(x, se), b2 = cbam_channel_attention(x, cb),
                      c2 = multi_spectral_attention(x, fw, p);
  set_num_threads(0);
  test::check_equal(a2, a1, "squeeze_excitation");
  test::check_equal(b2, b1, "cbam_channel_attention");
  test::check_equal(c2, c1, "multi_spectral_attention");
}
