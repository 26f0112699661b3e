// pixforge/ops/matte.hpp — background removal and replacement with a soft matte (U²-Net, IS-Net: models/u2net.hpp,
// models/isnet.hpp).
//
// A matte α ∈ [0, 1] says per pixel how much belongs to the foreground. With I the image and B the new background
// (all on the 0…255 sRGB scale, as the reference apps do — no linearisation):
//
//     composite   out[c] = α·I[c] + (1 − α)·B[c]      rounded (half to even) and saturated to uint8
//     cutout      RGBA with RGB = I and A = α·255     (rounded); an image that already has alpha keeps A·α
//
// The network's matte has the network's input size (e.g. 1024²); resize_matte resizes it back to the image size
// bilinearly (align_corners=False, PyTorch F.interpolate / IS-Net's Inference.py); composite and cutout do that
// themselves when the sizes differ. normalize_matte is the reference scripts' per-image min-max normalisation
// (u2net_test.py, IS-Net Inference.py; @imgly/background-removal does not normalise). predict_matte runs a matte
// model end to end: image → [0, 1] tensor → bilinear resize to resolution² → forward → resize back.
//
// Shapes: a matte is a Tensor [1, 1, h, w] (values clamped to [0, 1] where they are used). Images: 1 (gray),
// 2 (gray + alpha), 3 (RGB) or 4 (RGBA) channels; outputs are RGB (composite) or RGBA (cutout), gray images are
// replicated to RGB. A background image must have the image's size (1–4 channels; its alpha is ignored).
//
// Pitfalls: a background of another size is an error, never silently stretched (resize it first if you mean to);
// resizing the 8-bit matte PNG (what u2net_test.py saves) instead of the float matte costs up to ½ LSB; compositing
// in linear light would look different from every reference app.
//
//     Tensor<> m = pixforge::predict_matte(*isnet, img, {1024});          // [1, 1, H, W]
//     Image rgba = pixforge::cutout(img, m);
//     Image green = pixforge::composite_color(img, m, {0, 255, 0});
//     Image beach = pixforge::composite(img, m, load_image("beach.png"));  // same size as img
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "pixforge/core/error.hpp"
#include "pixforge/core/parallel.hpp"
#include "pixforge/core/tensor.hpp"
#include "pixforge/io/image.hpp"
#include "pixforge/models/model.hpp"
#include "pixforge/ops/upsample.hpp"

namespace pixforge {

namespace matte_detail {
inline void check_matte(const Tensor<float>& m, const char* op) {
  PIXFORGE_CHECK(m.dim() == 4 && m.size(0) == 1 && m.size(1) == 1 && m.size(2) >= 1 && m.size(3) >= 1,
                 ErrorCode::shape_mismatch, op, ": matte must be [1,1,H,W], got ", m.shape().str());
}
inline float clamp01(float v) { return v > 0.0f ? (v < 1.0f ? v : 1.0f) : 0.0f; }  // NaN -> 0
}  // namespace matte_detail

// Bilinear (align_corners=False) resize of a [1,1,h,w] matte to [1,1,height,width]; the same size is a copy.
inline Tensor<float> resize_matte(const Tensor<float>& matte, int64_t height, int64_t width) {
  matte_detail::check_matte(matte, "resize_matte");
  PIXFORGE_CHECK(height >= 1 && width >= 1, ErrorCode::invalid_argument, "resize_matte: target size ", height, "x",
                 width, " must be positive");
  if (matte.size(2) == height && matte.size(3) == width) return matte.contiguous();
  return interpolate(matte, InterpolateParams::to_size(height, width, InterpolateMode::bilinear));
}

// Per-image min-max normalisation (d − min)/(max − min) of a [1,1,h,w] matte; a constant matte becomes all zeros
// (the reference scripts would divide by zero).
inline Tensor<float> normalize_matte(const Tensor<float>& matte) {
  matte_detail::check_matte(matte, "normalize_matte");
  const Tensor<float> m = matte.contiguous();
  float lo = std::numeric_limits<float>::infinity(), hi = -lo;
  for (int64_t i = 0; i < m.numel(); ++i) {
    lo = std::min(lo, m.data()[i]);
    hi = std::max(hi, m.data()[i]);
  }
  Tensor<float> out = Tensor<float>::zeros(m.shape());
  if (!(hi > lo)) return out;
  const float range = hi - lo;
  for (int64_t i = 0; i < m.numel(); ++i) out.data()[i] = (m.data()[i] - lo) / range;
  return out;
}

// A [1,1,H,W] matte as a 1-channel 8-bit image (α·255, rounded, clamped).
inline Image matte_to_image(const Tensor<float>& matte) {
  matte_detail::check_matte(matte, "matte_to_image");
  const Tensor<float> m = matte.contiguous();
  Image img = Image::blank(int(m.size(3)), int(m.size(2)), 1);
  for (int64_t i = 0; i < m.numel(); ++i)
    img.pixels[size_t(i)] = quantize(matte_detail::clamp01(m.data()[i]) * 255.0f, Rounding::round);
  return img;
}

// RGBA cut-out: colour from `image` (gray replicated), alpha = matte·255 (times the image's own alpha, if any).
// The matte is resized to the image size when it differs.
inline Image cutout(const Image& image, const Tensor<float>& matte) {
  check_image(image, "cutout");
  matte_detail::check_matte(matte, "cutout");
  const Tensor<float> m = resize_matte(matte, image.height, image.width);
  const Image rgba = convert_channels(image, 4);
  Image out = rgba;
  const bool had_alpha = image.channels == 2 || image.channels == 4;
  const int64_t n = int64_t(image.width) * image.height;
  parallel_for_chunked(0, n, 1 << 14, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      float a = matte_detail::clamp01(m.data()[i]) * 255.0f;
      if (had_alpha) a *= float(rgba.pixels[size_t(i) * 4 + 3]) / 255.0f;
      out.pixels[size_t(i) * 4 + 3] = quantize(a, Rounding::round);
    }
  });
  return out;
}

namespace matte_detail {
// out = α·I + (1 − α)·B per colour channel; bg(i, c) gives B. I's own alpha (if any) multiplies α.
template <class Bg>
Image composite_impl(const Image& image, const Tensor<float>& matte, Bg bg) {
  const Tensor<float> m = resize_matte(matte, image.height, image.width);
  const Image fg = convert_channels(image, 4);
  const bool had_alpha = image.channels == 2 || image.channels == 4;
  Image out = Image::blank(image.width, image.height, 3);
  const int64_t n = int64_t(image.width) * image.height;
  parallel_for_chunked(0, n, 1 << 14, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      float a = clamp01(m.data()[i]);
      if (had_alpha) a *= float(fg.pixels[size_t(i) * 4 + 3]) / 255.0f;
      for (int c = 0; c < 3; ++c) {
        const float v = a * float(fg.pixels[size_t(i) * 4 + size_t(c)]) + (1.0f - a) * float(bg(i, c));
        out.pixels[size_t(i) * 3 + size_t(c)] = quantize(v, Rounding::round);
      }
    }
  });
  return out;
}
}  // namespace matte_detail

// Replaces the background by a solid RGB colour. Output RGB, the image's size. (Not an overload of composite():
// a braced {r, g, b} would also match Image.)
inline Image composite_color(const Image& image, const Tensor<float>& matte, const std::array<uint8_t, 3>& color) {
  check_image(image, "composite_color");
  matte_detail::check_matte(matte, "composite_color");
  return matte_detail::composite_impl(image, matte, [&](int64_t, int c) { return color[size_t(c)]; });
}

// Replaces the background by another image of the same size (gray replicated, alpha ignored). Output RGB.
inline Image composite(const Image& image, const Tensor<float>& matte, const Image& background) {
  check_image(image, "composite (image)");
  check_image(background, "composite (background)");
  matte_detail::check_matte(matte, "composite");
  PIXFORGE_CHECK(background.width == image.width && background.height == image.height, ErrorCode::shape_mismatch,
                 "composite: background is ", background.width, "x", background.height, ", image is ", image.width,
                 "x", image.height, " — resize the background to the image size first");
  const Image bg = convert_channels(background, 3);
  return matte_detail::composite_impl(image, matte,
                                      [&](int64_t i, int c) { return bg.pixels[size_t(i) * 3 + size_t(c)]; });
}

struct PredictMatteOptions {
  int64_t resolution = 1024;  // the network input is resolution × resolution (aspect ignored); 0 = the image size
  bool normalize = false;     // min-max normalise the network's matte (u2net_test.py, IS-Net Inference.py)
  bool divide_by_max = false;  // divide the resized [0, 1] image by its own maximum first (u2net_test.py)
};

// Runs a matte model (info().out_channels == 1, range unit) on an image: RGB [0, 1] tensor (alpha dropped, gray
// replicated), bilinear resize to the network resolution, optional division by the image's maximum, forward (which
// applies the model's own input normalisation), optional min-max normalisation, bilinear resize back to the image
// size. Returns [1, 1, H, W]. U²-Net as u2net_test.py: {320, true, true}; IS-Net as Inference.py: {1024, true}.
inline Tensor<float> predict_matte(const ImageModel& model, const Image& image, const PredictMatteOptions& opt = {}) {
  check_image(image, "predict_matte");
  PIXFORGE_CHECK(model.info().out_channels == 1 && model.info().in_channels == 3 && model.info().range == Range::unit,
                 ErrorCode::invalid_argument, "predict_matte: model '", model.info().arch,
                 "' is not a 3-channel → 1-channel matte network in [0, 1] (task ", model.info().task, ")");
  PIXFORGE_CHECK(opt.resolution >= 0, ErrorCode::invalid_argument, "predict_matte: resolution ", opt.resolution,
                 " must be >= 0");
  const Tensor<float> x = image_to_tensor(convert_channels(image, 3), Range::unit);  // [1, 3, H, W]
  const Tensor<float> xr =
      opt.resolution > 0 ? interpolate(x, InterpolateParams::to_size(opt.resolution, opt.resolution,
                                                                     InterpolateMode::bilinear))
                         : x;
  Tensor<float> in = xr;
  if (opt.divide_by_max) {
    in = xr.contiguous().clone();
    float mx = 0.0f;
    for (int64_t i = 0; i < in.numel(); ++i) mx = std::max(mx, in.data()[i]);
    if (mx > 0.0f)
      for (int64_t i = 0; i < in.numel(); ++i) in.data()[i] /= mx;
  }
  Tensor<float> m = model.forward(in);  // [1, 1, r, r]
  matte_detail::check_matte(m, "predict_matte (model output)");
  if (opt.normalize) m = normalize_matte(m);
  return resize_matte(m, image.height, image.width);
}

}  // namespace pixforge
