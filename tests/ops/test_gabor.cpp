// Gabor filter bank (ops/gabor.hpp, part-a.md §1(e)) against a numpy transcription of the spec and against
// OpenCV 4.6 (getGaborKernel, filter2D) where tools/golden/gen_gabor.py could run it; the spec's check values.
#include "pixforge/ops/gabor.hpp"
#include "test_util.hpp"

using namespace pixforge;

namespace {
// Number of pixels that differ, and the largest difference.
std::pair<int64_t, float> diff_count(const Tensor<float>& a, const Tensor<float>& b) {
  REQUIRE(a.shape().str() == b.shape().str());
  int64_t n = 0;
  float worst = 0;
  for (int64_t i = 0; i < a.numel(); ++i) {
    const float d = std::fabs(a.data()[i] - b.data()[i]);
    n += d > 0;
    worst = std::max(worst, d);
  }
  return {n, worst};
}
}  // namespace

TEST_CASE("gabor: kernels match the numpy transcription and OpenCV getGaborKernel; spec check values") {
  test::Golden g("gabor");
  const auto& c = g.cases()[0];
  const Pix2PixGaborConfig cfg;
  const auto bank = gabor_bank(cfg);
  REQUIRE(bank.size() == 24);
  const auto& sums = c.params["sums"].items();
  for (size_t t = 0; t < 4; ++t)
    for (size_t s = 0; s < 6; ++s) {
      const int64_t ks = cfg.ksizes[s];
      const std::string key = std::to_string(t) + "_" + std::to_string(ks);
      const Tensor<float> raw = gabor_kernel(cfg.kernel(ks, cfg.thetas[t]));
      test::check_close(raw, g.tensor(c, "raw." + key), 1e-6, 1e-7, "raw " + key);
      if (c.params["opencv"].as_bool()) test::check_close(raw, g.tensor(c, "raw_cv." + key), 1e-6, 1e-7, "cv " + key);
      test::check_close(bank[t * 6 + s], g.tensor(c, "k." + key), 1e-6, 1e-7, "normalised " + key);
      double sum = 0, nsum = 0;
      for (int64_t i = 0; i < raw.numel(); ++i) sum += raw.data()[i], nsum += bank[t * 6 + s].data()[i];
      CHECK(sum == doctest::Approx(sums[t * 6 + s].as_double()).epsilon(1e-6));
      // Sums to 2/3, up to the float32 sum the recipe divides by: a cancellation for the diagonal kernels (~1e-4).
      CHECK(nsum == doctest::Approx(2.0 / 3.0).epsilon(t % 2 == 0 ? 1e-5 : 2e-4));
    }
  // part-a.md §1(e): pre-normalisation sums and the centre tap of the normalised 7x7, θ = 0 kernel.
  const double expect0[6] = {0.86280, 0.91012, 0.92647, 0.93059, 0.93141, 0.93153};
  const double expect45[6] = {0.02699, 0.00681, 0.00447, 0.00431, 0.00430, 0.00430};
  for (int s = 0; s < 6; ++s) {
    CHECK(std::fabs(sums[s].as_double() - expect0[s]) < 5e-6);
    CHECK(std::fabs(sums[12 + s].as_double() - expect0[s]) < 5e-6);
    CHECK(std::fabs(sums[6 + s].as_double() - expect45[s]) < 5e-6);
    CHECK(std::fabs(sums[18 + s].as_double() - expect45[s]) < 5e-6);
  }
  CHECK(std::fabs(bank[0](3, 3) - 0.772677f) < 5e-7f);
}

TEST_CASE("gabor: filter2d_u8 maps equal the numpy transcription exactly; OpenCV within 1 LSB on a few pixels") {
  test::Golden g("gabor");
  Pix2PixGaborConfig cfg;
  cfg.maps = Pix2PixGaborConfig::Maps::bank;
  for (const auto& c : g.cases()) {
    const Tensor<float> img = g.tensor(c, "img");
    const Tensor<float> maps = c.name == "c00" ? gabor_filter_bank_maps(img, cfg)
                                               : filter2d_u8(img, gabor_kernel_normalized(GaborKernelParams()));
    const auto np = diff_count(maps, g.tensor(c, "map_np"));
    CHECK_MESSAGE(np.first == 0, c.params["what"].as_string(), ": ", np.first, " pixels differ, max ", np.second);
    if (c.params["opencv"].as_bool()) {
      const auto cv = diff_count(maps, g.tensor(c, "map_cv"));
      MESSAGE(c.params["what"].as_string(), ": vs OpenCV filter2D ", cv.first, " of ", maps.numel(),
              " pixels differ, max ", cv.second, " LSB");
      CHECK(cv.second <= 1.0f);
      CHECK(cv.first * 1000 <= maps.numel());  // at most 0.1 % (float vs double accumulation at .5 ties)
    }
  }
}

TEST_CASE("gabor: pix2pix variants (single map, max over scales, bank) and input scaling") {
  test::Golden g("gabor");
  const auto& c = g.cases()[0];
  const Tensor<float> img = g.tensor(c, "img");
  const Tensor<float> bank = g.tensor(c, "map_np");
  const int64_t HW = img.numel();
  Pix2PixGaborConfig single;
  CHECK(single.num_maps() == 1);
  const Tensor<float> m1 = gabor_filter_bank_maps(img, single);
  for (int64_t i = 0; i < HW; ++i) REQUIRE(m1.data()[i] == bank.data()[i]);  // θ=0, ksize 7 is bank map 0
  Pix2PixGaborConfig mx = Pix2PixGaborConfig::from_json(Json::parse(R"({"maps":"max_over_scales"})", "cfg"));
  CHECK(mx.num_maps() == 4);
  const Tensor<float> m4 = gabor_filter_bank_maps(img, mx);
  for (int64_t t = 0; t < 4; ++t)
    for (int64_t i = 0; i < HW; ++i) {
      float e = 0;
      for (int64_t s = 0; s < 6; ++s) e = std::max(e, bank.data()[(t * 6 + s) * HW + i]);
      REQUIRE(m4.data()[t * HW + i] == e);
    }
  const Tensor<float> a = gabor_to_pix2pix_input(m1);
  CHECK(a.data()[0] == doctest::Approx(m1.data()[0] / 127.5 - 1.0));
  CHECK(Pix2PixGaborConfig::from_json(Json::parse(R"({"maps":"bank"})", "cfg")).num_maps() == 24);
}

TEST_CASE("gabor: clear errors") {
  CHECK_THROWS_WITH_AS(filter2d_u8(Tensor<float>::full({4, 4}, 1.5f), gabor_kernel(GaborKernelParams())),
                       doctest::Contains("filter2d_u8: the image must hold 8-bit values 0..255, found 1.5"), Error);
  CHECK_THROWS_WITH_AS(filter2d_u8(Tensor<float>::zeros({1, 3, 4, 4}), gabor_kernel(GaborKernelParams())),
                       doctest::Contains("filter2d_u8: expected a grey image [H,W] or [1,1,H,W], got [1,3,4,4]"), Error);
  GaborKernelParams p;
  p.sigma = 0;
  CHECK_THROWS_WITH_AS(gabor_kernel(p), doctest::Contains("gabor_kernel: sigma, gamma and lambd must be > 0"), Error);
  CHECK_THROWS_WITH_AS(Pix2PixGaborConfig::from_json(Json::parse(R"({"maps":"all"})", "cfg")),
                       doctest::Contains("maps='all'"), Error);
}
