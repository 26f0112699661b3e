// pixforge/tasks/imgly_resize.hpp — the bilinear resize of @imgly/background-removal(-node) 1.4.5, bit-exact.
//
// The package feeds IS-Net an 8-bit image resized by its own `tensorResizeBilinear` (dist/index.cjs), and that is
// neither PyTorch's interpolate nor Pillow's resize: source coordinates have no half-pixel offset and no
// antialiasing, and the result is rounded back to uint8 before the (p − 128)/256 normalisation:
//
//   sx = in_w / out_w,  sy = in_h / out_h
//   for output (x, y):  fx = x·sx, fy = y·sy
//                       x1 = floor(fx), x2 = min(ceil(fx), in_w − 1), dx = fx − x1      (same for y)
//                       v = (1−dx)(1−dy)·p[y1][x1] + dx(1−dy)·p[y1][x2] + (1−dx)dy·p[y2][x1] + dx·dy·p[y2][x2]
//                       out = Math.round(v)  (= floor(v + 0.5); v ≥ 0)
//
// Pitfall: upsampling 256 → 1024 this way samples the source at 0, 0.25, 0.5, ... instead of PyTorch's −0.375,
// −0.125, 0.125, ...: a shift of 3/8 source pixel. Fed the PyTorch-resized image instead, the converted IS-Net's
// matte differs from ONNX Runtime running the package's model by ~15/255 on average (measured on
// examples/data/sample.png); with this resize the difference is the network's own (tests/cli/test_cli_tasks.cpp).
// The arithmetic is done in double like JavaScript's numbers; for ratios like 256 → 1024 every term is exact, so
// FMA contraction cannot change a result (for other ratios a rounding tie could move by 1). Any channel count.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "pixforge/core/error.hpp"
#include "pixforge/io/image.hpp"

namespace pixforge {

inline Image imgly_resize_bilinear(const Image& img, int out_w, int out_h) {
  check_image(img, "imgly_resize_bilinear");
  PIXFORGE_CHECK(out_w >= 1 && out_h >= 1, ErrorCode::invalid_argument, "imgly_resize_bilinear: target size ", out_w,
                 "x", out_h, " must be positive");
  const int in_w = img.width, in_h = img.height, c = img.channels;
  const double sx = double(in_w) / double(out_w), sy = double(in_h) / double(out_h);
  Image out = Image::blank(out_w, out_h, c);
  for (int y = 0; y < out_h; ++y) {
    const double fy = double(y) * sy;
    const int y1 = int(std::floor(fy)), y2 = std::min(int(std::ceil(fy)), in_h - 1);
    const double dy = fy - double(y1);
    for (int x = 0; x < out_w; ++x) {
      const double fx = double(x) * sx;
      const int x1 = int(std::floor(fx)), x2 = std::min(int(std::ceil(fx)), in_w - 1);
      const double dx = fx - double(x1);
      for (int ch = 0; ch < c; ++ch) {
        const double p1 = img.pixels[img.index(x1, y1, ch)], p2 = img.pixels[img.index(x2, y1, ch)];
        const double p3 = img.pixels[img.index(x1, y2, ch)], p4 = img.pixels[img.index(x2, y2, ch)];
        const double v = (1 - dx) * (1 - dy) * p1 + dx * (1 - dy) * p2 + (1 - dx) * dy * p3 + dx * dy * p4;
        out.pixels[out.index(x, y, ch)] = uint8_t(std::min(255.0, std::floor(v + 0.5)));
      }
    }
  }
  return out;
}

}  // namespace pixforge
