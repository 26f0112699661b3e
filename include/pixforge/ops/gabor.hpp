// pixforge/ops/gabor.hpp — Gabor filter bank pre-processing (part-a.md §1(e)): OpenCV getGaborKernel kernels,
// the "k / (1.5·Σk)" normalisation of the common tutorial recipe, and filter2D on an 8-bit grey image.
//
// Kernel (OpenCV cv::getGaborKernel, float32): σx = σ, σy = σ/γ, xmax = ymax = ksize/2 (integer division); for
// integer x ∈ [−xmax, xmax], y ∈ [−ymax, ymax]
//     xr = x·cosθ + y·sinθ,   yr = −x·sinθ + y·cosθ
//     g  = exp(−xr²/(2σx²) − yr²/(2σy²)) · cos(2π·xr/λ + ψ)          (computed in double, stored as float)
// stored at row ymax − y, column xmax − x (both axes flipped; irrelevant for ψ = 0, the kernel is then symmetric).
// gabor_kernel_normalized() divides by 1.5·Σk (every kernel then sums to 2/3; Σk as numpy's float32 sum). The diagonal kernels (θ = π/4, 3π/4)
// sum to ~0.004–0.03 before that, so they are amplified 25–155× and their maps saturate: inherent to the recipe.
//
// Bank (gabor_bank): 6 scales = ksize 7, 9, 11, 13, 15, 17 × 4 orientations θ = 0, π/4, π/2, 3π/4, with σ = 1,
// λ = π/2, γ = 0.5, ψ = 0; order θ-major, then ksize (ASSUMPTION of the spec for stacked maps).
//
// Filtering (filter2d_u8): OpenCV filter2D(gray_u8, CV_8U, kernel): correlation (no kernel flip), anchor at the
// centre, BORDER_REFLECT_101 (… x2 x1 | x0 x1 x2 …), the sum rounded to nearest with ties to even (cvRound) and
// saturated to [0, 255]:
//     y[r, c] = sat_u8(rint(Σ_{i,j} k[i, j] · x[reflect101(r + i − ksize/2), reflect101(c + j − ksize/2)]))
// We accumulate in double. OpenCV accumulates in float (and switches to a DFT for large kernels), so a sum that
// lands within ~1e-4 of a .5 may round the other way there: expect rare ±1 LSB differences against OpenCV.
//
// Inputs: `gray` is [H, W] or [1, 1, H, W] holding integer values 0..255 (an 8-bit luma image, e.g. PIL
// convert('L')); outputs have the same integer values as float, [1, K, H, W] for K kernels.
//
// pix2pix Gabor-input variant (Pix2PixGaborConfig): the map(s) become pix2pix image A as map/127.5 − 1
// (gabor_to_pix2pix_input), fed to a pix2pix_unet with input_nc = number of maps (1 for the single 7×7 θ=0 map that
// the case study found best; 4 for the per-orientation max over scales; 24 for the whole bank) and output_nc = 3
// (RGB in [−1, 1]; spec's recommendation). A model trained on a 3× replicated single map equals a 1-channel model
// whose first conv weights are summed over the input channels.
//
//   Tensor<float> map = gabor_filter_bank_maps(gray, Pix2PixGaborConfig());  // [1,1,H,W], 0..255
//   Tensor<float> a = gabor_to_pix2pix_input(map);                           // [1,1,H,W], [-1,1]
#pragma once

#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "pixforge/core/error.hpp"
#include "pixforge/core/json.hpp"
#include "pixforge/core/parallel.hpp"
#include "pixforge/core/tensor.hpp"

namespace pixforge {

struct GaborKernelParams {
  int64_t ksize = 7;                     // square kernel side (odd)
  double sigma = 1.0;                    // σ of the Gaussian envelope
  double theta = 0.0;                    // orientation (radians)
  double lambd = 1.5707963267948966;     // wavelength λ (π/2 px)
  double gamma = 0.5;                    // spatial aspect ratio
  double psi = 0.0;                      // phase offset
};

namespace detail {
inline void check_gabor(const GaborKernelParams& p) {
  PIXFORGE_CHECK(p.ksize >= 1 && p.ksize <= 255, ErrorCode::invalid_argument, "gabor_kernel: ksize=", p.ksize,
                 " out of range (1..255)");
  PIXFORGE_CHECK(p.sigma > 0 && p.gamma > 0 && p.lambd > 0, ErrorCode::invalid_argument,
                 "gabor_kernel: sigma, gamma and lambd must be > 0 (sigma=", p.sigma, " gamma=", p.gamma,
                 " lambd=", p.lambd, ")");
}
// numpy's float32 sum of a contiguous array (pairwise_sum in numpy/core/src/umath/loops_utils.h): below 8
// elements a plain loop, up to 128 eight interleaved float accumulators, above that a split at a multiple of 8.
inline float numpy_pairwise_sum(const float* a, int64_t n) {
  if (n < 8) {
    float res = 0.0f;
    for (int64_t i = 0; i < n; ++i) res += a[i];
    return res;
  }
  if (n <= 128) {
    float r[8];
    for (int k = 0; k < 8; ++k) r[k] = a[k];
    int64_t i = 8;
    for (; i < n - (n % 8); i += 8)
      for (int k = 0; k < 8; ++k) r[k] += a[i + k];
    float res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) res += a[i];
    return res;
  }
  int64_t n2 = n / 2;
  n2 -= n2 % 8;
  return numpy_pairwise_sum(a, n2) + numpy_pairwise_sum(a + n2, n - n2);
}

inline int64_t reflect101(int64_t i, int64_t n) {
  if (n == 1) return 0;
  while (i < 0 || i >= n) i = i < 0 ? -i : 2 * (n - 1) - i;
  return i;
}
}  // namespace detail

// cv::getGaborKernel(Size(ksize, ksize), sigma, theta, lambd, gamma, psi, CV_32F): [ksize, ksize].
inline Tensor<float> gabor_kernel(const GaborKernelParams& p) {
  detail::check_gabor(p);
  const int64_t xmax = p.ksize / 2, ymax = p.ksize / 2;
  const double sx = p.sigma, sy = p.sigma / p.gamma;
  const double ex = -0.5 / (sx * sx), ey = -0.5 / (sy * sy), cscale = 2.0 * M_PI / p.lambd;
  const double c = std::cos(p.theta), s = std::sin(p.theta);
  Tensor<float> k = Tensor<float>::zeros({2 * ymax + 1, 2 * xmax + 1});
  for (int64_t y = -ymax; y <= ymax; ++y)
    for (int64_t x = -xmax; x <= xmax; ++x) {
      const double xr = x * c + y * s, yr = -x * s + y * c;
      k(ymax - y, xmax - x) = float(std::exp(ex * xr * xr + ey * yr * yr) * std::cos(cscale * xr + p.psi));
    }
  return k;
}

// gabor_kernel(p) / (1.5 · Σk): the tutorial's numpy `kern /= 1.5*kern.sum()` reproduced bit for bit — Σk is
// numpy's float32 pairwise sum, 1.5·Σk is rounded to float32, the division is in float32. This matters for the
// diagonal kernels: their sum is a cancellation (~0.004 from taps up to 1), so a double-precision sum differs from
// numpy's float32 one by up to ~1e-4 relative, which moves the (amplified) taps by as much.
inline Tensor<float> gabor_kernel_normalized(const GaborKernelParams& p) {
  Tensor<float> k = gabor_kernel(p);
  const float sum = detail::numpy_pairwise_sum(k.data(), k.numel());
  PIXFORGE_CHECK(std::fabs(sum) > 1e-12f, ErrorCode::invalid_argument, "gabor_kernel_normalized: kernel (ksize=",
                 p.ksize, " theta=", p.theta, ") sums to ", sum, ", cannot normalise");
  const float d = 1.5f * sum;
  for (int64_t i = 0; i < k.numel(); ++i) k.data()[i] /= d;
  return k;
}

// filter2D(gray_u8, CV_8U, kernel) with BORDER_REFLECT_101: [H,W] or [1,1,H,W] -> [1,1,H,W], values 0..255.
inline Tensor<float> filter2d_u8(const Tensor<float>& gray, const Tensor<float>& kernel) {
  PIXFORGE_CHECK(gray.dim() == 2 || (gray.dim() == 4 && gray.size(0) == 1 && gray.size(1) == 1),
                 ErrorCode::shape_mismatch, "filter2d_u8: expected a grey image [H,W] or [1,1,H,W], got ",
                 gray.shape().str());
  PIXFORGE_CHECK(kernel.dim() == 2 && kernel.size(0) % 2 == 1 && kernel.size(1) % 2 == 1, ErrorCode::shape_mismatch,
                 "filter2d_u8: expected an odd-sized 2-D kernel, got ", kernel.shape().str());
  const int64_t H = gray.size(-2), W = gray.size(-1), kh = kernel.size(0), kw = kernel.size(1);
  PIXFORGE_CHECK(H >= 1 && W >= 1, ErrorCode::shape_mismatch, "filter2d_u8: empty image ", gray.shape().str());
  for (int64_t i = 0; i < gray.numel(); ++i) {
    const float v = gray.data()[i];
    PIXFORGE_CHECK(v >= 0.0f && v <= 255.0f && v == std::floor(v), ErrorCode::invalid_argument,
                   "filter2d_u8: the image must hold 8-bit values 0..255, found ", v, " at flat index ", i);
  }
  const float* src = gray.data();
  const float* kp = kernel.data();
  Tensor<float> out = Tensor<float>::zeros({1, 1, H, W});
  float* dst = out.data();
  parallel_for(0, H, [&](int64_t r) {
    for (int64_t c = 0; c < W; ++c) {
      double acc = 0;
      for (int64_t i = 0; i < kh; ++i) {
        const int64_t rr = detail::reflect101(r + i - kh / 2, H);
        for (int64_t j = 0; j < kw; ++j)
          acc += double(kp[i * kw + j]) * double(src[rr * W + detail::reflect101(c + j - kw / 2, W)]);
      }
      const double v = std::nearbyint(acc);  // ties to even in the default rounding mode, like cvRound
      dst[r * W + c] = float(v < 0 ? 0 : v > 255 ? 255 : v);
    }
  });
  return out;
}

// The pre-processing of the Gabor-input pix2pix variant (part-a.md §1(e)); written to a weight file's
// pixforge.config under "gabor" next to the pix2pix_unet config.
struct Pix2PixGaborConfig {
  enum class Maps { single, max_over_scales, bank };
  Maps maps = Maps::single;                // single: one map with (ksize, theta) below
  int64_t ksize = 7;                       // "scale 7" = the 7×7 kernel (spec's recommended reading)
  double theta = 0.0;                      // "0°"
  double sigma = 1.0, lambd = 1.5707963267948966, gamma = 0.5, psi = 0.0;
  std::array<int64_t, 6> ksizes{{7, 9, 11, 13, 15, 17}};  // the 6 scales
  std::array<double, 4> thetas{{0.0, M_PI / 4, M_PI / 2, 3 * M_PI / 4}};  // the 4 orientations

  // Number of maps = pix2pix input_nc.
  int64_t num_maps() const {
    return maps == Maps::single ? 1 : maps == Maps::max_over_scales ? int64_t(thetas.size())
                                                                     : int64_t(thetas.size() * ksizes.size());
  }
  GaborKernelParams kernel(int64_t ks, double th) const {
    GaborKernelParams p;
    p.ksize = ks;
    p.theta = th;
    p.sigma = sigma;
    p.lambd = lambd;
    p.gamma = gamma;
    p.psi = psi;
    return p;
  }

  static Pix2PixGaborConfig from_json(const Json& j) {
    Pix2PixGaborConfig c;
    const std::string m = j.get_string("maps", "single");
    PIXFORGE_CHECK(m == "single" || m == "max_over_scales" || m == "bank", ErrorCode::invalid_argument,
                   "pix2pix gabor config: maps='", m, "' (supported: single, max_over_scales, bank)");
    c.maps = m == "single" ? Maps::single : m == "bank" ? Maps::bank : Maps::max_over_scales;
    c.ksize = j.get_int("ksize", c.ksize);
    if (j.contains("theta")) c.theta = j["theta"].as_double();
    if (j.contains("sigma")) c.sigma = j["sigma"].as_double();
    if (j.contains("lambd")) c.lambd = j["lambd"].as_double();
    if (j.contains("gamma")) c.gamma = j["gamma"].as_double();
    if (j.contains("psi")) c.psi = j["psi"].as_double();
    detail::check_gabor(c.kernel(c.ksize, c.theta));
    return c;
  }
};

// The 24 normalised kernels of the bank, θ-major then ksize.
inline std::vector<Tensor<float>> gabor_bank(const Pix2PixGaborConfig& c = Pix2PixGaborConfig()) {
  std::vector<Tensor<float>> ks;
  for (double th : c.thetas)
    for (int64_t k : c.ksizes) ks.push_back(gabor_kernel_normalized(c.kernel(k, th)));
  return ks;
}

// The map(s) of the configured variant: [1, num_maps, H, W], values 0..255. max_over_scales is the tutorial's
// np.maximum accumulation over the 6 scales, per orientation.
inline Tensor<float> gabor_filter_bank_maps(const Tensor<float>& gray, const Pix2PixGaborConfig& c) {
  const int64_t H = gray.size(-2), W = gray.size(-1), K = c.num_maps();
  if (c.maps == Pix2PixGaborConfig::Maps::single) return filter2d_u8(gray, gabor_kernel_normalized(c.kernel(c.ksize, c.theta)));
  Tensor<float> out = Tensor<float>::zeros({1, K, H, W});
  int64_t idx = 0;
  for (size_t t = 0; t < c.thetas.size(); ++t)
    for (size_t s = 0; s < c.ksizes.size(); ++s) {
      const Tensor<float> m = filter2d_u8(gray, gabor_kernel_normalized(c.kernel(c.ksizes[s], c.thetas[t])));
      if (c.maps == Pix2PixGaborConfig::Maps::bank) {
        std::copy(m.data(), m.data() + H * W, out.data() + (idx++) * H * W);
      } else {
        float* d = out.data() + int64_t(t) * H * W;
        for (int64_t i = 0; i < H * W; ++i) d[i] = s == 0 ? m.data()[i] : std::max(d[i], m.data()[i]);
      }
    }
  return out;
}

// pix2pix image A from 8-bit map values: map/127.5 − 1 (the aligned dataset's ToTensor + Normalize(0.5, 0.5)).
inline Tensor<float> gabor_to_pix2pix_input(const Tensor<float>& maps) {
  Tensor<float> a = maps.clone();
  for (int64_t i = 0; i < a.numel(); ++i) a.data()[i] = a.data()[i] / 127.5f - 1.0f;
  return a;
}

}  // namespace pixforge
