// pixforge/tasks/pil_resize.hpp — Pillow's Image.resize(size, Image.BILINEAR) on 8-bit images, bit-exact.
//
// Reference apps written with Pillow (DeOldify's deoldify/filters.py: the render-factor square and the way back)
// resize with it, and it is NOT PyTorch's bilinear interpolate: when shrinking, Pillow widens the triangle filter
// by the scale factor (an antialiasing "support" of 1·scale input pixels each side), and it works in 8-bit fixed
// point with a rounding to uint8 after each of its two passes. Per axis (Pillow src/libImaging/Resample.c,
// precompute_coeffs / normalize_coeffs_8bpc / ResampleHorizontal_8bpc, for the whole-image box):
//
//   scale = in / out,  fs = max(scale, 1),  support = 1·fs
//   for output index i:  center = (i + 0.5)·scale
//                        xmin = max(0, int(center − support + 0.5)),  xmax = min(in, int(center + support + 0.5))
//                        w[x] = tri((x − center + 0.5) / fs) for x in [xmin, xmax),  tri(t) = max(0, 1 − |t|)
//                        w /= Σw;  k[x] = round-half-away(w[x] · 2^22)   (PRECISION_BITS = 32 − 8 − 2)
//                        out = clip8(2^21 + Σ in[x]·k[x]) = sat(· >> 22)
//   Horizontal pass first (into uint8), then vertical; an axis whose size does not change is skipped (copied).
//
// Channels: 1 (L) or 3 (RGB), each channel independently, as Pillow does for modes L and RGB. Pillow premultiplies
// alpha for LA/RGBA; this function refuses alpha (split_alpha() it off). Cost: (ksize_x·H + ksize_y·W')·C
// multiply-adds per output pixel, ksize = 2·ceil(fs) + 1. Checked against Pillow 9.4 by tests/tasks/test_pil_resize.cpp
// (tests/golden/pil_resize.safetensors, tools/golden/gen_pil_resize.py): exact.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "pixforge/core/error.hpp"
#include "pixforge/core/parallel.hpp"
#include "pixforge/io/image.hpp"

namespace pixforge {

namespace pil_detail {
constexpr int kPrecisionBits = 32 - 8 - 2;

// Fixed-point taps of one axis: out index i reads in[start[i] .. start[i] + count[i]) with weights k[i·ksize + j].
struct Taps {
  int ksize = 0;
  std::vector<int> start, count;
  std::vector<int32_t> k;
};

inline Taps bilinear_taps(int in_size, int out_size) {
  const double scale = double(in_size) / double(out_size);
  const double fs = std::max(scale, 1.0);
  const double support = 1.0 * fs;  // the bilinear (triangle) filter has support 1
  Taps t;
  t.ksize = int(std::ceil(support)) * 2 + 1;
  t.start.resize(size_t(out_size));
  t.count.resize(size_t(out_size));
  t.k.assign(size_t(out_size) * size_t(t.ksize), 0);
  std::vector<double> w(size_t(t.ksize));
  for (int i = 0; i < out_size; ++i) {
    const double center = (i + 0.5) * scale;
    const int xmin = std::max(0, int(center - support + 0.5));
    const int xmax = std::min(in_size, int(center + support + 0.5)) - xmin;
    double ww = 0.0;
    for (int x = 0; x < xmax; ++x) {
      const double a = std::abs((x + xmin - center + 0.5) / fs);
      w[size_t(x)] = a < 1.0 ? 1.0 - a : 0.0;
      ww += w[size_t(x)];
    }
    for (int x = 0; x < xmax; ++x) {
      const double v = (ww != 0.0 ? w[size_t(x)] / ww : w[size_t(x)]) * double(1 << kPrecisionBits);
      t.k[size_t(i) * size_t(t.ksize) + size_t(x)] = int32_t(v < 0 ? -0.5 + v : 0.5 + v);
    }
    t.start[size_t(i)] = xmin;
    t.count[size_t(i)] = std::max(0, xmax);
  }
  return t;
}

inline uint8_t clip8(int64_t v) {
  if (v >= (int64_t(1) << kPrecisionBits << 8)) return 255;
  if (v <= 0) return 0;
  return uint8_t(v >> kPrecisionBits);
}
}  // namespace pil_detail

// Pillow's img.resize((width, height), Image.BILINEAR) for a 1- or 3-channel image.
inline Image pil_resize_bilinear(const Image& img, int width, int height) {
  check_image(img, "pil_resize_bilinear");
  PIXFORGE_CHECK(img.channels == 1 || img.channels == 3, ErrorCode::invalid_argument, "pil_resize_bilinear: image has ",
                 img.channels, " channels; expected 1 or 3 (split the alpha off first: Pillow premultiplies it)");
  PIXFORGE_CHECK(width >= 1 && height >= 1 && int64_t(width) * height <= limits().max_image_pixels,
                 ErrorCode::invalid_argument, "pil_resize_bilinear: target size ", width, "x", height,
                 " must be positive and within limits().max_image_pixels");
  const int C = img.channels;
  Image cur = img;
  if (width != img.width) {  // horizontal pass
    const pil_detail::Taps t = pil_detail::bilinear_taps(img.width, width);
    Image out = Image::blank(width, cur.height, C);
    parallel_for(0, cur.height, [&](int64_t y) {
      const uint8_t* row = cur.pixels.data() + size_t(y) * size_t(cur.width) * size_t(C);
      uint8_t* dst = out.pixels.data() + size_t(y) * size_t(width) * size_t(C);
      for (int i = 0; i < width; ++i) {
        const int32_t* k = t.k.data() + size_t(i) * size_t(t.ksize);
        const uint8_t* src = row + size_t(t.start[size_t(i)]) * size_t(C);
        for (int c = 0; c < C; ++c) {
          int64_t ss = int64_t(1) << (pil_detail::kPrecisionBits - 1);
          for (int x = 0; x < t.count[size_t(i)]; ++x) ss += int64_t(src[size_t(x) * size_t(C) + size_t(c)]) * k[x];
          dst[size_t(i) * size_t(C) + size_t(c)] = pil_detail::clip8(ss);
        }
      }
    });
    cur = std::move(out);
  }
  if (height != img.height) {  // vertical pass
    const pil_detail::Taps t = pil_detail::bilinear_taps(img.height, height);
    Image out = Image::blank(cur.width, height, C);
    const size_t stride = size_t(cur.width) * size_t(C);
    parallel_for(0, height, [&](int64_t i) {
      const int32_t* k = t.k.data() + size_t(i) * size_t(t.ksize);
      const uint8_t* src = cur.pixels.data() + size_t(t.start[size_t(i)]) * stride;
      uint8_t* dst = out.pixels.data() + size_t(i) * stride;
      for (size_t p = 0; p < stride; ++p) {
        int64_t ss = int64_t(1) << (pil_detail::kPrecisionBits - 1);
        for (int y = 0; y < t.count[size_t(i)]; ++y) ss += int64_t(src[size_t(y) * stride + p]) * k[y];
        dst[p] = pil_detail::clip8(ss);
      }
    });
    cur = std::move(out);
  }
  return cur;
}

}  // namespace pixforge
