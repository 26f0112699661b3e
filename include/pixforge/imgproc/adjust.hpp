// pixforge/imgproc/adjust.hpp — brightness and contrast, defined exactly as Pillow's ImageEnhance.
//
//     AdjustParams p;  p.brightness = 1.2;  p.contrast = 0.8;
//     Image out = pixforge::adjust(img, p);   // == ImageEnhance.Contrast(ImageEnhance.Brightness(im).enhance(1.2))
//                                             //        .enhance(0.8)
//
// Both are Image.blend(degenerate, image, factor) (Haeberli & Voorhies, "Image Processing By Interpolation and
// Extrapolation"): factor 1 gives the image back unchanged, 0 gives the degenerate image, > 1 extrapolates away
// from it. Per 8-bit value p of a colour channel (alpha is never changed):
//   brightness:  degenerate = 0                        out = blend(0, p, f)
//   contrast:    degenerate = m, the mean gray level   out = blend(m, p, f)
//                m = int(mean of PIL's convert('L') + 0.5) over the whole image (luma (19595 R + 38470 G + 7471 B
//                + 0x8000) >> 16 for colour images; the gray channel itself for gray ones) — one value for all
//                channels, so contrast does not shift hue.
//   blend(d, p, f) = t = float(d) + float(f) * float(p - d)     in float32, as PIL's ImagingBlend(float alpha)
//                    0 <= f <= 1: (uint8) t                     (truncation)
//                    else:        t <= 0 -> 0, t >= 255 -> 255, else (uint8) t
// adjust() applies brightness first, then contrast on the 8-bit result (so m is the mean AFTER brightness), i.e.
// chaining the two ImageEnhance calls. Each step is skipped when its factor is 1 (blend with f = 1 is the identity).
//
// Pitfalls: values truncate (a factor of 0.5 maps 255 to 127, not 128); extrapolation clips, so brightness 2 then
// 0.5 does not give the original back; the contrast mean is rounded to an integer first (PIL's `int(mean + 0.5)`).
// Implementations: adjust_ref evaluates the formula for every value; adjust builds one 256-entry lookup table per
// step (both steps are per-value maps once m is known): one lookup per value instead of the float formula.
#ifndef PIXFORGE_IMGPROC_ADJUST_HPP
#define PIXFORGE_IMGPROC_ADJUST_HPP

#include <array>
#include <cmath>

#include "pixforge/imgproc/unfused.hpp"
#include "pixforge/io/image.hpp"

namespace pixforge {

struct AdjustParams {
  double brightness = 1.0;  // 0 = black, 1 = unchanged
  double contrast = 1.0;    // 0 = flat mean gray, 1 = unchanged
};

// Pillow's ImagingBlend for one 8-bit value: degenerate d, image value p, factor f.
inline uint8_t pil_blend(uint8_t d, uint8_t p, float f) {
  const float t = float(int(d)) + detail::unfused_mul(f, float(int(p) - int(d)));
  if (f >= 0.0f && f <= 1.0f) return uint8_t(t);
  if (t <= 0.0f) return 0;
  if (t >= 255.0f) return 255;
  return uint8_t(t);
}

// The contrast pivot: int(mean of convert('L') + 0.5), with the mean as ImageStat computes it (sum / count).
inline int contrast_mean(const Image& img) {
  check_image(img, "contrast_mean");
  const size_t n = size_t(img.width) * size_t(img.height), C = size_t(img.channels);
  uint64_t sum = 0;
  for (size_t i = 0; i < n; ++i) {
    const uint8_t* s = img.pixels.data() + i * C;
    sum += C >= 3 ? pil_luma(s[0], s[1], s[2]) : s[0];
  }
  return int(double(sum) / double(n) + 0.5);
}

namespace detail {
inline void check_adjust_params(const AdjustParams& p, const char* where) {
  PIXFORGE_CHECK(std::isfinite(p.brightness) && p.brightness >= 0, ErrorCode::invalid_argument, where,
                 ": brightness factor must be finite and >= 0, got ", p.brightness);
  PIXFORGE_CHECK(std::isfinite(p.contrast) && p.contrast >= 0, ErrorCode::invalid_argument, where,
                 ": contrast factor must be finite and >= 0, got ", p.contrast);
}
inline bool is_color_channel(int c, int channels) { return !((channels == 2 || channels == 4) && c == channels - 1); }
}  // namespace detail

// Naive: the blend formula for every value of every colour channel.
inline Image adjust_ref(const Image& img, const AdjustParams& p) {
  check_image(img, "adjust_ref");
  detail::check_adjust_params(p, "adjust_ref");
  Image out = img;
  auto step = [&](uint8_t degenerate, double factor) {
    for (int y = 0; y < out.height; ++y)
      for (int x = 0; x < out.width; ++x)
        for (int c = 0; c < out.channels; ++c)
          if (detail::is_color_channel(c, out.channels))
            out.at(x, y, c) = pil_blend(degenerate, out.at(x, y, c), float(factor));
  };
  if (p.brightness != 1.0) step(0, p.brightness);
  if (p.contrast != 1.0) step(uint8_t(contrast_mean(out)), p.contrast);
  return out;
}

// Fast: one 256-entry table per step.
inline Image adjust(const Image& img, const AdjustParams& p) {
  check_image(img, "adjust");
  detail::check_adjust_params(p, "adjust");
  Image out = img;
  auto step = [&](uint8_t degenerate, double factor) {
    std::array<uint8_t, 256> lut;
    for (int v = 0; v < 256; ++v) lut[size_t(v)] = pil_blend(degenerate, uint8_t(v), float(factor));
    const int64_t C = out.channels, n = int64_t(out.width) * out.height;
    const int colour = (C == 2 || C == 4) ? int(C) - 1 : int(C);
    parallel_for_chunked(0, n, 1 << 14, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) {
        uint8_t* px = out.pixels.data() + i * C;
        for (int c = 0; c < colour; ++c) px[c] = lut[px[c]];
      }
    });
  };
  if (p.brightness != 1.0) step(0, p.brightness);
  if (p.contrast != 1.0) step(uint8_t(contrast_mean(out)), p.contrast);
  return out;
}

}  // namespace pixforge

#endif  // PIXFORGE_IMGPROC_ADJUST_HPP
