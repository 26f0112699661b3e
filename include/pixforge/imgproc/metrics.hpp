// pixforge/imgproc/metrics.hpp — image quality metrics: PSNR and SSIM, on RGB and on luma (Y), as scikit-image
// and tools/eval_sr.py define them.
//
//     ImageQuality q = pixforge::image_quality(load_image("out.png"), load_image("ground_truth.png"));
//     std::printf("%.4f dB  SSIM %.6f  PSNR-Y %.4f dB  SSIM-Y %.6f\n", q.psnr, q.ssim, q.psnr_y, q.ssim_y);
//
// Inputs: two 8-bit images of the same size, compared as RGB (gray is replicated, alpha is ignored), in double.
//   PSNR   = 10 log10(R^2 / MSE), R = data range (255), MSE over every value of every channel;
//            +inf for identical images (skimage.metrics.peak_signal_noise_ratio(data_range=255)).
//   SSIM   = skimage.metrics.structural_similarity(gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
//            data_range=255, channel_axis=2): per channel, with G the 11x11 Gaussian window (sigma 1.5, radius
//            int(3.5 * 1.5 + 0.5) = 5, weights normalised to sum 1, separable):
//              ux = G*x, uy = G*y, vx = G*(x^2) - ux^2, vy = G*(y^2) - uy^2, vxy = G*(xy) - ux uy
//              S  = (2 ux uy + C1)(2 vxy + C2) / ((ux^2 + uy^2 + C1)(vx + vy + C2)),  C1 = (0.01 R)^2, C2 = (0.03 R)^2
//            averaged over the pixels whose window lies inside the image (skimage crops 5 pixels per side, so its
//            'reflect' border never matters), then over channels.
//   Y      = 16 + 65.481 r + 128.553 g + 24.966 b, r = R / 255 ... (BT.601 studio swing as MATLAB's rgb2ycbcr,
//            kept as float, not rounded); PSNR-Y and SSIM-Y are the two metrics on Y with R = 255 (eval_sr.py).
// Pitfalls: SSIM needs both sides >= 11 pixels (skimage raises too): ssim is NaN and ssim_defined false below that.
// PSNR-Y of SR papers usually also crops a border of `scale` pixels first: crop the images before calling this
// (tools/eval_sr.py does); no border is cropped here.
// Implementations: structural_similarity_ref (the 11x11 window summed directly at every pixel) and
// structural_similarity (separable: a horizontal then a vertical 11-tap pass over the five products).
#ifndef PIXFORGE_IMGPROC_METRICS_HPP
#define PIXFORGE_IMGPROC_METRICS_HPP

#include <array>
#include <cmath>
#include <limits>
#include <vector>

#include "pixforge/io/image.hpp"

namespace pixforge {

// One channel as doubles, row-major.
struct Plane {
  int width = 0, height = 0;
  std::vector<double> v;
  double at(int x, int y) const { return v[size_t(y) * size_t(width) + size_t(x)]; }
};

struct ImageQuality {
  double psnr = 0, ssim = 0, psnr_y = 0, ssim_y = 0;  // dB, [-1, 1], dB, [-1, 1]
  bool ssim_defined = true;                           // false when the image is smaller than the 11x11 window
};

constexpr int kSsimRadius = 5;  // int(truncate 3.5 * sigma 1.5 + 0.5)

namespace detail {
inline void check_same_planes(const std::vector<Plane>& a, const std::vector<Plane>& b, const char* where) {
  PIXFORGE_CHECK(!a.empty() && a.size() == b.size(), ErrorCode::shape_mismatch, where, ": ", a.size(), " vs ",
                 b.size(), " channels");
  for (size_t c = 0; c < a.size(); ++c)
    PIXFORGE_CHECK(a[c].width == b[c].width && a[c].height == b[c].height && a[c].width > 0 && a[c].height > 0,
                   ErrorCode::shape_mismatch, where, ": sizes differ, ", a[c].width, "x", a[c].height, " vs ",
                   b[c].width, "x", b[c].height);
}

// scipy.ndimage._gaussian_kernel1d(sigma 1.5, order 0, radius 5).
inline std::array<double, 2 * kSsimRadius + 1> ssim_window() {
  std::array<double, 2 * kSsimRadius + 1> w{};
  double sum = 0;
  for (int i = -kSsimRadius; i <= kSsimRadius; ++i) {
    w[size_t(i + kSsimRadius)] = std::exp(-0.5 / (1.5 * 1.5) * double(i * i));
    sum += w[size_t(i + kSsimRadius)];
  }
  for (double& v : w) v /= sum;
  return w;
}

inline double ssim_value(double ux, double uy, double uxx, double uyy, double uxy, double R) {
  const double C1 = (0.01 * R) * (0.01 * R), C2 = (0.03 * R) * (0.03 * R);
  const double vx = uxx - ux * ux, vy = uyy - uy * uy, vxy = uxy - ux * uy;
  return ((2 * ux * uy + C1) * (2 * vxy + C2)) / ((ux * ux + uy * uy + C1) * (vx + vy + C2));
}

inline void check_ssim_size(const Plane& a, const char* where) {
  PIXFORGE_CHECK(a.width > 2 * kSsimRadius && a.height > 2 * kSsimRadius, ErrorCode::invalid_argument, where,
                 ": image of ", a.width, "x", a.height, " is smaller than the 11x11 SSIM window");
}
}  // namespace detail

// The channels of an image as RGB planes (gray replicated, alpha dropped), values 0..255.
inline std::vector<Plane> rgb_planes(const Image& img) {
  check_image(img, "rgb_planes");
  const Image rgb = convert_channels(img, 3);
  std::vector<Plane> p(3);
  const size_t n = size_t(img.width) * size_t(img.height);
  for (size_t c = 0; c < 3; ++c) {
    p[c] = Plane{img.width, img.height, std::vector<double>(n)};
    for (size_t i = 0; i < n; ++i) p[c].v[i] = rgb.pixels[i * 3 + c];
  }
  return p;
}

// BT.601 studio-swing luma as tools/eval_sr.py's y_channel (MATLAB rgb2ycbcr), float in [16, 235].
inline Plane y_channel(const Image& img) {
  const std::vector<Plane> p = rgb_planes(img);
  Plane y{img.width, img.height, std::vector<double>(p[0].v.size())};
  for (size_t i = 0; i < y.v.size(); ++i) {
    const double r = p[0].v[i] / 255.0, g = p[1].v[i] / 255.0, b = p[2].v[i] / 255.0;
    y.v[i] = 16.0 + (65.481 * r + 128.553 * g + 24.966 * b);
  }
  return y;
}

// PSNR over all values of all planes; +inf when identical.
inline double peak_signal_noise_ratio(const std::vector<Plane>& a, const std::vector<Plane>& b,
                                      double data_range = 255.0) {
  detail::check_same_planes(a, b, "peak_signal_noise_ratio");
  double sse = 0;
  size_t n = 0;
  for (size_t c = 0; c < a.size(); ++c) {
    for (size_t i = 0; i < a[c].v.size(); ++i) sse += (a[c].v[i] - b[c].v[i]) * (a[c].v[i] - b[c].v[i]);
    n += a[c].v.size();
  }
  const double mse = sse / double(n);
  if (mse == 0) return std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(data_range * data_range / mse);
}

// Mean SSIM of one plane pair, naive: the full 11x11 weighted window at each interior pixel.
inline double structural_similarity_ref(const Plane& a, const Plane& b, double data_range = 255.0) {
  detail::check_same_planes({a}, {b}, "structural_similarity_ref");
  detail::check_ssim_size(a, "structural_similarity_ref");
  const auto w = detail::ssim_window();
  const int r = kSsimRadius;
  double total = 0;
  for (int y = r; y < a.height - r; ++y)
    for (int x = r; x < a.width - r; ++x) {
      double ux = 0, uy = 0, uxx = 0, uyy = 0, uxy = 0;
      for (int j = -r; j <= r; ++j)
        for (int i = -r; i <= r; ++i) {
          const double g = w[size_t(j + r)] * w[size_t(i + r)], p = a.at(x + i, y + j), q = b.at(x + i, y + j);
          ux += g * p, uy += g * q, uxx += g * p * p, uyy += g * q * q, uxy += g * p * q;
        }
      total += detail::ssim_value(ux, uy, uxx, uyy, uxy, data_range);
    }
  return total / (double(a.width - 2 * r) * double(a.height - 2 * r));
}

// Mean SSIM of one plane pair, separable filtering (the same sums in another order).
inline double structural_similarity(const Plane& a, const Plane& b, double data_range = 255.0) {
  detail::check_same_planes({a}, {b}, "structural_similarity");
  detail::check_ssim_size(a, "structural_similarity");
  const auto w = detail::ssim_window();
  const int r = kSsimRadius, W = a.width, H = a.height, ow = W - 2 * r, oh = H - 2 * r;
  // Horizontal pass: for every row, the five products filtered at the ow interior columns.
  std::vector<double> h(size_t(5) * size_t(H) * size_t(ow));
  auto hp = [&](int k, int y, int x) -> double& {
    return h[(size_t(k) * size_t(H) + size_t(y)) * size_t(ow) + size_t(x)];
  };
  parallel_for(0, H, [&](int64_t yy) {
    const int y = int(yy);
    for (int x = 0; x < ow; ++x) {
      double s[5] = {0, 0, 0, 0, 0};
      for (int i = 0; i <= 2 * r; ++i) {
        const double g = w[size_t(i)], p = a.at(x + i, y), q = b.at(x + i, y);
        s[0] += g * p, s[1] += g * q, s[2] += g * p * p, s[3] += g * q * q, s[4] += g * p * q;
      }
      for (int k = 0; k < 5; ++k) hp(k, y, x) = s[k];
    }
  });
  // Vertical pass and the SSIM map, summed per output row (fixed order: thread-count independent).
  std::vector<double> row_sum(size_t(oh), 0.0);
  parallel_for(0, oh, [&](int64_t yy) {
    const int y = int(yy);
    double acc = 0;
    for (int x = 0; x < ow; ++x) {
      double s[5] = {0, 0, 0, 0, 0};
      for (int j = 0; j <= 2 * r; ++j)
        for (int k = 0; k < 5; ++k) s[k] += w[size_t(j)] * hp(k, y + j, x);
      acc += detail::ssim_value(s[0], s[1], s[2], s[3], s[4], data_range);
    }
    row_sum[size_t(y)] = acc;
  });
  double total = 0;
  for (double v : row_sum) total += v;
  return total / (double(ow) * double(oh));
}

// Mean over planes of structural_similarity (skimage's channel_axis behaviour).
inline double structural_similarity(const std::vector<Plane>& a, const std::vector<Plane>& b,
                                    double data_range = 255.0) {
  detail::check_same_planes(a, b, "structural_similarity");
  double s = 0;
  for (size_t c = 0; c < a.size(); ++c) s += structural_similarity(a[c], b[c], data_range);
  return s / double(a.size());
}

// PSNR, SSIM (RGB) and PSNR-Y, SSIM-Y of two images of the same size.
inline ImageQuality image_quality(const Image& a, const Image& b) {
  check_image(a, "image_quality (first image)");
  check_image(b, "image_quality (second image)");
  PIXFORGE_CHECK(a.width == b.width && a.height == b.height, ErrorCode::shape_mismatch,
                 "image_quality: sizes differ: ", a.width, "x", a.height, " vs ", b.width, "x", b.height);
  const std::vector<Plane> pa = rgb_planes(a), pb = rgb_planes(b);
  const std::vector<Plane> ya{y_channel(a)}, yb{y_channel(b)};
  ImageQuality q;
  q.psnr = peak_signal_noise_ratio(pa, pb);
  q.psnr_y = peak_signal_noise_ratio(ya, yb);
  q.ssim_defined = a.width > 2 * kSsimRadius && a.height > 2 * kSsimRadius;
  q.ssim = q.ssim_defined ? structural_similarity(pa, pb) : std::numeric_limits<double>::quiet_NaN();
  q.ssim_y = q.ssim_defined ? structural_similarity(ya, yb) : std::numeric_limits<double>::quiet_NaN();
  return q;
}

}  // namespace pixforge

#endif  // PIXFORGE_IMGPROC_METRICS_HPP
