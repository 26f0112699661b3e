// pixforge/io/color.hpp — colour-space conversions on float tensors [N,C,H,W], matching the reference code the
// generators were trained with.
//
//     auto rgb = pixforge::image_to_tensor(img, pixforge::Range::unit);    // [1,3,H,W] in [0,1]
//     auto lab = pixforge::rgb_to_lab(rgb);                                // L in [0,100], a,b about [-110,110]
//     auto x = pixforge::lab_to_pix2pix(lab).narrow(1, 0, 1);              // pix2pix colorization input L/50 - 1
//     auto ab = colorizer.forward(x);                                      // [1,2,H,W], ab/110
//     auto out = pixforge::lab_to_rgb(pixforge::pix2pix_to_lab(x, ab));    // [1,3,H,W] in [0,1], clipped
//     save_image("color.png", tensor_to_image(out, Range::unit, Rounding::truncate));   // pix2pix truncates
//
// Every function takes any strides, validates its input once and returns a new contiguous tensor. Pixels are
// independent, so the work is split over N·H·W with parallel_for (bit-identical for any thread count).
//
// CIE Lab, exactly as scikit-image's rgb2lab / lab2rgb (skimage/color/colorconv.py; D65 white, 2° observer):
//   RGB in [0,1] (not clipped):  lin(c) = c > 0.04045 ? ((c + 0.055) / 1.055)^2.4 : c / 12.92
//   XYZ = M · lin(RGB),  M = [[0.412453, 0.357580, 0.180423], [0.212671, 0.715160, 0.072169],
//                             [0.019334, 0.119193, 0.950227]]
//   X /= 0.95047, Z /= 1.08883;  f(t) = t > 0.008856 ? cbrt(t) : 7.787 t + 16/116
//   L = 116 f(Y) − 16,  a = 500 (f(X) − f(Y)),  b = 200 (f(Y) − f(Z))
//   Inverse: y = (L + 16)/116, x = a/500 + y, z = y − b/200; z < 0 is set to 0 (skimage warns "Z < 0" and does
//   the same); finv(t) = t > 0.2068966 ? t³ : (t − 16/116)/7.787 (so a clipped z still becomes a small negative
//   Z, as in skimage); XYZ *= white; RGB_lin = M⁻¹ · XYZ (M⁻¹ computed in double, like numpy's linalg.inv);
//   c > 0.0031308 ? 1.055 c^(1/2.4) − 0.055 : 12.92 c; finally clipped to [0,1] (skimage's xyz2rgb clips).
//   The thresholds are skimage's rounded ones, not the exact CIE 216/24389 and 841/108: matching the training
//   code matters more than colorimetry. Computed in double per pixel; NaN stays NaN.
//
// pix2pix colorization scaling (junyanz/pytorch-CycleGAN-and-pix2pix, colorization_dataset.py and
// colorization_model.py), in float32 like the torch code: in L/50 − 1, ab/110; out (L + 1)·50, ab·110.
//
// OpenCV YUV, BT.601, the 8-bit COLOR_RGB2YUV / COLOR_YUV2RGB formulas used by DeOldify's post-processing. Values
// on the 0..255 scale (Range::byte):
//   Y = 0.299 R + 0.587 G + 0.114 B,  U = 0.492 (B − Y) + 128,  V = 0.877 (R − Y) + 128
//   R = Y + 1.140 (V − 128),  G = Y − 0.395 (U − 128) − 0.581 (V − 128),  B = Y + 2.032 (U − 128)
//   Both directions saturate to [0,255] as the 8-bit path does (V overflows for saturated reds). OpenCV's 8-bit
//   path uses 14-bit fixed-point versions of these constants and rounds, so after quantising with
//   tensor_to_image(.., Range::byte) expect ±1 LSB against cv2.
//
// YCbCr, ITU-R BT.601 studio swing, the MATLAB rgb2ycbcr form used for PSNR-Y/SSIM-Y by SR papers (BasicSR's
// rgb2ycbcr, waifu2x's benchmark, skimage's rgb2ycbcr / 255). RGB in [0,1], YCbCr returned on the same [0,1]
// scale (divide the 8-bit form by 255), exactly as MATLAB and BasicSR return it for floating-point input:
//   Y  = (16  +  65.481 R + 128.553 G +  24.966 B) / 255      in [16/255, 235/255]
//   Cb = (128 −  37.797 R −  74.203 G + 112.000 B) / 255      in [16/255, 240/255]
//   Cr = (128 + 112.000 R −  93.786 G −  18.214 B) / 255
//   (in 8-bit terms Y8 = 16 + (65.481 R8 + 128.553 G8 + 24.966 B8) / 255.) The inverse uses the exact inverse
//   matrix (MATLAB ycbcr2rgb, skimage ycbcr2rgb); BasicSR's ycbcr2rgb uses constants rounded to 8 digits, which
//   differ by < 1e-5 on [0,1]. rgb_to_y() returns only Y, [N,1,H,W]. No clipping in either direction.
//
// Gray (luma) on tensors: rgb_to_gray() = 0.299 R + 0.587 G + 0.114 B, the BT.601 luma weights that PIL's
// convert('L') uses (PIL rounds in 16-bit fixed point on 8-bit data: see pil_luma() in io/image.hpp);
// gray_to_rgb() replicates the channel.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <string>

#include "pixforge/core/error.hpp"
#include "pixforge/core/parallel.hpp"
#include "pixforge/core/tensor.hpp"

namespace pixforge {

namespace detail {

// Checks [N, channels, H, W] at the entry of a colour conversion.
inline void check_color_input(const Tensor<float>& x, int channels, const char* op) {
  PIXFORGE_CHECK(x.dim() == 4 && x.size(1) == channels, ErrorCode::shape_mismatch, op, ": expected [N,", channels,
                 ",H,W], got ", x.shape().str());
}

// Applies fn(in_pixel[cin], out_pixel[cout]) to every pixel of x [N,cin,H,W]; returns [N,cout,H,W].
template <int cin, int cout, class F>
Tensor<float> map_pixels(const Tensor<float>& x, const char* op, F fn) {
  check_color_input(x, cin, op);
  const Tensor<float> src = x.contiguous();
  const int64_t N = x.size(0), HW = x.size(2) * x.size(3);
  Tensor<float> out = Tensor<float>::empty({N, cout, x.size(2), x.size(3)});
  const float* in = src.data();
  float* o = out.data();
  parallel_for_chunked(0, N * HW, 4096, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      const int64_t n = i / HW, p = i % HW;
      float a[cin], b[cout];
      for (int c = 0; c < cin; ++c) a[c] = in[(n * cin + c) * HW + p];
      fn(a, b);
      for (int c = 0; c < cout; ++c) o[(n * cout + c) * HW + p] = b[c];
    }
  });
  return out;
}

// skimage's xyz_from_rgb (its inverse is computed once, below) and the D65 2° white point.
constexpr double kXyzFromRgb[3][3] = {
    {0.412453, 0.357580, 0.180423}, {0.212671, 0.715160, 0.072169}, {0.019334, 0.119193, 0.950227}};
constexpr double kD65White[3] = {0.95047, 1.0, 1.08883};

using Mat3 = std::array<std::array<double, 3>, 3>;

// The inverse of a 3x3 matrix by the adjugate formula, in double (agrees with numpy's linalg.inv to ~1e-16).
inline Mat3 inverse3(const double (&m)[3][3]) {
  Mat3 r{};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) {
      const int r0 = (j + 1) % 3, r1 = (j + 2) % 3, c0 = (i + 1) % 3, c1 = (i + 2) % 3;
      r[size_t(i)][size_t(j)] = m[r0][c0] * m[r1][c1] - m[r0][c1] * m[r1][c0];  // cofactor of m[j][i]
    }
  const double det = m[0][0] * r[0][0] + m[0][1] * r[1][0] + m[0][2] * r[2][0];
  for (auto& row : r)
    for (double& v : row) v /= det;
  return r;
}

inline const Mat3& rgb_from_xyz() {
  static const Mat3 inv = inverse3(kXyzFromRgb);
  return inv;
}

inline double srgb_to_linear(double c) { return c > 0.04045 ? std::pow((c + 0.055) / 1.055, 2.4) : c / 12.92; }
inline double linear_to_srgb(double c) { return c > 0.0031308 ? 1.055 * std::pow(c, 1.0 / 2.4) - 0.055 : c * 12.92; }
inline double lab_f(double t) { return t > 0.008856 ? std::cbrt(t) : 7.787 * t + 16.0 / 116.0; }
inline double lab_finv(double t) { return t > 0.2068966 ? t * t * t : (t - 16.0 / 116.0) / 7.787; }
inline double clip01(double v) { return v < 0.0 ? 0.0 : (v > 1.0 ? 1.0 : v); }  // NaN passes, like np.clip
inline float clip255(float v) { return v < 0.0f ? 0.0f : (v > 255.0f ? 255.0f : v); }

}  // namespace detail

// ---- CIE Lab (skimage) ------------------------------------------------------------------------------------------

// RGB [N,3,H,W] in [0,1] -> Lab [N,3,H,W] (L in [0,100]).
inline Tensor<float> rgb_to_lab(const Tensor<float>& rgb) {
  return detail::map_pixels<3, 3>(rgb, "rgb_to_lab", [](const float* in, float* out) {
    const double lin[3] = {detail::srgb_to_linear(in[0]), detail::srgb_to_linear(in[1]),
                           detail::srgb_to_linear(in[2])};
    double f[3];
    for (int i = 0; i < 3; ++i) {
      const auto& m = detail::kXyzFromRgb[i];
      f[i] = detail::lab_f((m[0] * lin[0] + m[1] * lin[1] + m[2] * lin[2]) / detail::kD65White[i]);
    }
    out[0] = float(116.0 * f[1] - 16.0);
    out[1] = float(500.0 * (f[0] - f[1]));
    out[2] = float(200.0 * (f[1] - f[2]));
  });
}

// Lab [N,3,H,W] -> RGB [N,3,H,W] clipped to [0,1] (skimage's lab2rgb, including its z < 0 handling).
inline Tensor<float> lab_to_rgb(const Tensor<float>& lab) {
  const auto& minv = detail::rgb_from_xyz();
  return detail::map_pixels<3, 3>(lab, "lab_to_rgb", [&minv](const float* in, float* out) {
    const double y = (double(in[0]) + 16.0) / 116.0;
    const double x = double(in[1]) / 500.0 + y;
    double z = y - double(in[2]) / 200.0;
    if (z < 0.0) z = 0.0;
    const double xyz[3] = {detail::lab_finv(x) * detail::kD65White[0], detail::lab_finv(y) * detail::kD65White[1],
                           detail::lab_finv(z) * detail::kD65White[2]};
    for (int i = 0; i < 3; ++i) {
      const double lin = minv[size_t(i)][0] * xyz[0] + minv[size_t(i)][1] * xyz[1] + minv[size_t(i)][2] * xyz[2];
      out[i] = float(detail::clip01(detail::linear_to_srgb(lin)));
    }
  });
}

// ---- pix2pix colorization scaling -------------------------------------------------------------------------------

// Lab [N,3,H,W] -> [N,3,H,W] with channel 0 = L/50 − 1 (the generator input, narrow(1, 0, 1)) and channels 1..2 =
// ab/110 (the training target).
inline Tensor<float> lab_to_pix2pix(const Tensor<float>& lab) {
  return detail::map_pixels<3, 3>(lab, "lab_to_pix2pix", [](const float* in, float* out) {
    out[0] = in[0] / 50.0f - 1.0f;
    out[1] = in[1] / 110.0f;
    out[2] = in[2] / 110.0f;
  });
}

// Inverse of lab_to_pix2pix for one [N,3,H,W] tensor.
inline Tensor<float> pix2pix_to_lab(const Tensor<float>& x) {
  return detail::map_pixels<3, 3>(x, "pix2pix_to_lab", [](const float* in, float* out) {
    out[0] = (in[0] + 1.0f) * 50.0f;
    out[1] = in[1] * 110.0f;
    out[2] = in[2] * 110.0f;
  });
}

// The generator's L input [N,1,H,W] and ab output [N,2,H,W] -> Lab [N,3,H,W] (colorization_model.lab2rgb).
inline Tensor<float> pix2pix_to_lab(const Tensor<float>& L, const Tensor<float>& ab) {
  detail::check_color_input(L, 1, "pix2pix_to_lab (L)");
  detail::check_color_input(ab, 2, "pix2pix_to_lab (ab)");
  PIXFORGE_CHECK(L.size(0) == ab.size(0) && L.size(2) == ab.size(2) && L.size(3) == ab.size(3),
                 ErrorCode::shape_mismatch, "pix2pix_to_lab: L is ", L.shape().str(), ", ab is ", ab.shape().str());
  const int64_t N = L.size(0), H = L.size(2), W = L.size(3);
  Tensor<float> x = Tensor<float>::empty({N, 3, H, W});
  x.narrow(1, 0, 1).copy_from(L);
  x.narrow(1, 1, 2).copy_from(ab);
  return pix2pix_to_lab(x);
}

// ---- OpenCV YUV (BT.601, 0..255 scale) --------------------------------------------------------------------------

inline Tensor<float> rgb_to_yuv(const Tensor<float>& rgb) {
  return detail::map_pixels<3, 3>(rgb, "rgb_to_yuv", [](const float* in, float* out) {
    const float y = 0.299f * in[0] + 0.587f * in[1] + 0.114f * in[2];
    out[0] = detail::clip255(y);
    out[1] = detail::clip255(0.492f * (in[2] - y) + 128.0f);
    out[2] = detail::clip255(0.877f * (in[0] - y) + 128.0f);
  });
}

inline Tensor<float> yuv_to_rgb(const Tensor<float>& yuv) {
  return detail::map_pixels<3, 3>(yuv, "yuv_to_rgb", [](const float* in, float* out) {
    const float u = in[1] - 128.0f, v = in[2] - 128.0f;
    out[0] = detail::clip255(in[0] + 1.140f * v);
    out[1] = detail::clip255(in[0] - 0.395f * u - 0.581f * v);
    out[2] = detail::clip255(in[0] + 2.032f * u);
  });
}

// ---- YCbCr BT.601 studio swing (MATLAB rgb2ycbcr), [0,1] scale ------------------------------------------------

namespace detail {
constexpr double kYcbcrFromRgb[3][3] = {
    {65.481, 128.553, 24.966}, {-37.797, -74.203, 112.0}, {112.0, -93.786, -18.214}};
constexpr double kYcbcrOffset[3] = {16.0, 128.0, 128.0};

inline const Mat3& rgb_from_ycbcr() {
  static const Mat3 inv = inverse3(kYcbcrFromRgb);
  return inv;
}
}  // namespace detail

inline Tensor<float> rgb_to_ycbcr(const Tensor<float>& rgb) {
  return detail::map_pixels<3, 3>(rgb, "rgb_to_ycbcr", [](const float* in, float* out) {
    for (int i = 0; i < 3; ++i) {
      const auto& m = detail::kYcbcrFromRgb[i];
      out[i] = float((detail::kYcbcrOffset[i] + m[0] * in[0] + m[1] * in[1] + m[2] * in[2]) / 255.0);
    }
  });
}

inline Tensor<float> ycbcr_to_rgb(const Tensor<float>& ycbcr) {
  const auto& minv = detail::rgb_from_ycbcr();
  return detail::map_pixels<3, 3>(ycbcr, "ycbcr_to_rgb", [&minv](const float* in, float* out) {
    double d[3];
    for (int i = 0; i < 3; ++i) d[i] = double(in[i]) * 255.0 - detail::kYcbcrOffset[i];
    for (int i = 0; i < 3; ++i)
      out[i] = float(minv[size_t(i)][0] * d[0] + minv[size_t(i)][1] * d[1] + minv[size_t(i)][2] * d[2]);
  });
}

// Y of rgb_to_ycbcr only: [N,3,H,W] -> [N,1,H,W], the channel PSNR-Y and SSIM-Y are computed on.
inline Tensor<float> rgb_to_y(const Tensor<float>& rgb) {
  return detail::map_pixels<3, 1>(rgb, "rgb_to_y", [](const float* in, float* out) {
    const auto& m = detail::kYcbcrFromRgb[0];
    out[0] = float((16.0 + m[0] * in[0] + m[1] * in[1] + m[2] * in[2]) / 255.0);
  });
}

// ---- gray ------------------------------------------------------------------------------------------------------

// [N,3,H,W] -> [N,1,H,W], 0.299 R + 0.587 G + 0.114 B (any value range).
inline Tensor<float> rgb_to_gray(const Tensor<float>& rgb) {
  return detail::map_pixels<3, 1>(rgb, "rgb_to_gray", [](const float* in, float* out) {
    out[0] = 0.299f * in[0] + 0.587f * in[1] + 0.114f * in[2];
  });
}

// [N,1,H,W] -> [N,3,H,W], the channel replicated (DeOldify feeds gray photos this way).
inline Tensor<float> gray_to_rgb(const Tensor<float>& gray) {
  return detail::map_pixels<1, 3>(gray, "gray_to_rgb", [](const float* in, float* out) {
    out[0] = out[1] = out[2] = in[0];
  });
}

}  // namespace pixforge
