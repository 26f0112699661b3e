// pixforge/imgproc/rotate.hpp — rotate an 8-bit image by any angle, exactly as Pillow's Image.rotate does.
//
//     RotateParams p;  p.angle = 30;  p.expand = true;  p.fill = {255, 255, 255, 255};
//     Image r = pixforge::rotate(img, p);     // == PIL img.rotate(30, Image.BILINEAR, expand=True, fillcolor=white)
//
// Convention: `angle` in degrees, counter-clockwise (PIL, torchvision.transforms.functional.rotate), about the
// image centre (W/2, H/2). Output size: W x H; with `expand` the smallest box holding the whole rotated image:
//   W' = ceil(max x') - floor(min x'),  H' likewise, over the four rotated corners (PIL's rule, which can add a
//   pixel of fill on a side). Pixels that map outside the input get `fill`.
//
// Formula (PIL Geometry.c, affine transform + bilinear filter), for output pixel (x, y):
//   a = -angle in radians; the inverse matrix m = [cos a, sin a, c; -sin a, cos a, f] with cos/sin rounded to 15
//   decimals (PIL's round(., 15), so that cos 90° is exactly 0) and c, f chosen so the centre maps to the centre
//   (and, with expand, the centre of the bigger output to the input centre);
//   (xi, yi) = m * (x + 0.5, y + 0.5)              source position, pixel centres at .5
//   if xi < 0 or xi >= W or yi < 0 or yi >= H: out = fill
//   else xi -= 0.5, yi -= 0.5; x0 = floor(xi), y0 = floor(yi); dx = xi - x0, dy = yi - y0;
//        neighbours clamped to the image (x0 = -1 reads column 0, x0 + 1 = W reads column W - 1, likewise rows);
//        v = lerp(lerp(p00, p10, dx), lerp(p01, p11, dx), dy)   in double;  out = (uint8) v   (TRUNCATED).
// Multiples of 90° are exact pixel moves, as in PIL: 0 copies, 180 reverses, 90 and 270 transpose when `expand`
// is set or the image is square (otherwise a non-square image keeps its W x H frame and goes through the general
// path, which at exact right angles also just moves pixels, with fill in the uncovered part).
//
// Pitfalls:
//   * Truncation, not rounding, of the interpolated value: PIL does this, so the result is on average 0.5 LSB
//     darker than an exactly rounded bilinear. Kept for bit-exact parity with PIL (tested against PIL goldens).
//   * Images with alpha (LA, RGBA) are interpolated premultiplied, as PIL does (convert to La/RGBa, transform,
//     convert back), so transparent pixels do not bleed their colour into the edges. PIL's conversions are
//     reproduced exactly: c' = round(c * a / 255) via ((t >> 8) + t) >> 8 with t = c a + 128, and back
//     c = min(255, 255 c' / a) in integers (c unchanged where a is 0 or 255). The round trip is lossy for low alpha
//     (c = 200, a = 3 comes back as 170), in PIL too, except for 0/90/180/270 moves, which touch no value.
//     One deliberate difference: PIL writes a semi-transparent fill colour into its premultiplied buffer
//     unconverted, so it comes out divided by alpha (brighter); here the fill is written as given. Fills with alpha
//     0 or 255 (the default and any opaque colour) are identical to PIL's.
//   * Repeated rotations blur (each one is a bilinear resampling); rotate once by the sum of the angles.
// Implementations: rotate_ref (the general path for every angle, one pixel and channel at a time, written for
// reading) and rotate (exact moves for right angles, the general path row-parallel with per-channel-count loops).
// Cost: ~4 multiply-adds per output value.
#ifndef PIXFORGE_IMGPROC_ROTATE_HPP
#define PIXFORGE_IMGPROC_ROTATE_HPP

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "pixforge/imgproc/unfused.hpp"
#include "pixforge/io/image.hpp"

namespace pixforge {

struct RotateParams {
  double angle = 0;                     // degrees, counter-clockwise
  bool expand = false;                  // grow the output to hold the whole rotated image
  std::array<uint8_t, 4> fill{0, 0, 0, 0};  // R, G, B, A for uncovered pixels (gray images use PIL's luma of RGB)
};

// The inverse affine map output -> input and the output size, as PIL computes them.
struct RotateGeometry {
  double m[6] = {1, 0, 0, 0, 1, 0};
  int width = 0, height = 0;
  double angle = 0;  // normalised to [0, 360)
};

namespace detail {
// Python's round(v, 15): the exact binary value rounded to 15 decimals (printf rounds exactly, like Python).
inline double round_15_decimals(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.15f", v);
  return std::strtod(buf, nullptr);
}

// PIL's affine_transform: the source position of the centre of output pixel (x, y).
inline double affine_x(const double* m, int x, int y) {
  return unfused_mul(m[0], x + 0.5) + unfused_mul(m[1], y + 0.5) + m[2];
}
inline double affine_y(const double* m, int x, int y) {
  return unfused_mul(m[3], x + 0.5) + unfused_mul(m[4], y + 0.5) + m[5];
}

// PIL's RGBA -> RGBa (LA -> La) for one colour value c with alpha a: round(c * a / 255).
inline uint8_t pil_premultiply(uint8_t c, uint8_t a) {
  const unsigned t = unsigned(c) * unsigned(a) + 128u;
  return uint8_t(((t >> 8) + t) >> 8);
}
// PIL's RGBa -> RGBA: min(255, 255 c / a) in integers; values with alpha 0 or 255 are kept.
inline uint8_t pil_unpremultiply(uint8_t c, uint8_t a) {
  if (a == 0 || a == 255) return c;
  const unsigned v = 255u * unsigned(c) / unsigned(a);
  return uint8_t(v > 255u ? 255u : v);
}
inline bool has_alpha(int channels) { return channels == 2 || channels == 4; }

// The right-angle cases PIL does as pixel moves (transpose), with no premultiplication round trip.
inline bool is_exact_move(const RotateGeometry& g, bool expand, int width, int height) {
  return g.angle == 0 || g.angle == 180 || ((g.angle == 90 || g.angle == 270) && (expand || width == height));
}

// The fill value of channel c of an image with `channels` channels.
inline uint8_t rotate_fill_value(const std::array<uint8_t, 4>& fill, int channels, int c) {
  const bool alpha = (channels == 2 || channels == 4) && c == channels - 1;
  if (alpha) return fill[3];
  return channels <= 2 ? pil_luma(fill[0], fill[1], fill[2]) : fill[size_t(c)];
}
}  // namespace detail

inline RotateGeometry rotate_geometry(int width, int height, const RotateParams& p) {
  PIXFORGE_CHECK(std::isfinite(p.angle), ErrorCode::invalid_argument, "rotate: angle must be finite, got ", p.angle);
  RotateGeometry g;
  g.angle = std::fmod(p.angle, 360.0);
  if (g.angle < 0) g.angle += 360.0;  // Python's angle % 360.0
  const double a = -(g.angle * (3.14159265358979323846 / 180.0));  // -math.radians(angle)
  double* m = g.m;
  m[0] = detail::round_15_decimals(std::cos(a));
  m[1] = detail::round_15_decimals(std::sin(a));
  m[2] = 0.0;
  m[3] = detail::round_15_decimals(-std::sin(a));
  m[4] = detail::round_15_decimals(std::cos(a));
  m[5] = 0.0;
  auto apply = [&](double x, double y, double& ox, double& oy) {
    ox = detail::unfused_mul(m[0], x) + detail::unfused_mul(m[1], y) + m[2];
    oy = detail::unfused_mul(m[3], x) + detail::unfused_mul(m[4], y) + m[5];
  };
  const double cx = width / 2.0, cy = height / 2.0;
  double tx, ty;
  apply(-cx, -cy, tx, ty);
  m[2] = tx + cx;
  m[5] = ty + cy;
  g.width = width;
  g.height = height;
  if (p.expand) {
    double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
    const double corners[4][2] = {{0, 0}, {double(width), 0}, {double(width), double(height)}, {0, double(height)}};
    for (const auto& c : corners) {
      double x, y;
      apply(c[0], c[1], x, y);
      xmin = std::min(xmin, x), xmax = std::max(xmax, x), ymin = std::min(ymin, y), ymax = std::max(ymax, y);
    }
    double nw = std::ceil(xmax) - std::floor(xmin), nh = std::ceil(ymax) - std::floor(ymin);
    // PIL transposes at 90/270 instead: exactly H x W. (The corner rule would add a column of fill to a side of odd
    // parity, because the rotated pixel grid is centred at W/2, H/2.)
    if (g.angle == 90 || g.angle == 270) nw = height, nh = width;
    apply(-(nw - width) / 2.0, -(nh - height) / 2.0, tx, ty);
    m[2] = tx;
    m[5] = ty;
    PIXFORGE_CHECK(nw * nh <= double(limits().max_image_pixels), ErrorCode::limit_exceeded, "rotate: expanded ",
                   nw, "x", nh, " output exceeds limits().max_image_pixels = ", limits().max_image_pixels);
    g.width = int(nw);
    g.height = int(nh);
  }
  return g;
}

// The general path, naive: every output pixel and channel through the formula above.
inline Image rotate_ref(const Image& img, const RotateParams& p) {
  check_image(img, "rotate_ref");
  const RotateGeometry g = rotate_geometry(img.width, img.height, p);
  Image out = Image::blank(g.width, g.height, img.channels);
  const int W = img.width, H = img.height, C = img.channels;
  // At PIL's pixel-move angles the interpolation weights are exactly 0 and 1, so this path moves pixels too; only
  // the premultiplication round trip, which PIL skips there, has to be left out.
  const bool alpha = detail::has_alpha(C) && !detail::is_exact_move(g, p.expand, W, H);
  auto clamp_x = [&](int x) { return x < 0 ? 0 : x >= W ? W - 1 : x; };
  auto clamp_y = [&](int y) { return y < 0 ? 0 : y >= H ? H - 1 : y; };
  // Source value, premultiplied by alpha for the colour channels of LA/RGBA.
  auto src = [&](int x, int y, int c) -> double {
    const uint8_t v = img.at(x, y, c);
    return alpha && c != C - 1 ? detail::pil_premultiply(v, img.at(x, y, C - 1)) : v;
  };
  for (int y = 0; y < g.height; ++y) {
    for (int x = 0; x < g.width; ++x) {
      const double xi = detail::affine_x(g.m, x, y);
      const double yi = detail::affine_y(g.m, x, y);
      if (xi < 0.0 || xi >= W || yi < 0.0 || yi >= H) {
        for (int c = 0; c < C; ++c) out.at(x, y, c) = detail::rotate_fill_value(p.fill, C, c);
        continue;
      }
      const double sx = xi - 0.5, sy = yi - 0.5;
      const int x0 = int(std::floor(sx)), y0 = int(std::floor(sy));
      const double dx = sx - x0, dy = sy - y0;
      for (int c = 0; c < C; ++c) {
        const double p00 = src(clamp_x(x0), clamp_y(y0), c), p10 = src(clamp_x(x0 + 1), clamp_y(y0), c);
        const double top = p00 + detail::unfused_mul(p10 - p00, dx);
        double bottom = top;  // PIL: row y0 + 1 outside the image -> reuse the top row's value
        if (y0 + 1 >= 0 && y0 + 1 < H) {
          const double p01 = src(clamp_x(x0), y0 + 1, c), p11 = src(clamp_x(x0 + 1), y0 + 1, c);
          bottom = p01 + detail::unfused_mul(p11 - p01, dx);
        }
        out.at(x, y, c) = uint8_t(top + detail::unfused_mul(bottom - top, dy));
      }
      if (alpha)
        for (int c = 0; c < C - 1; ++c)
          out.at(x, y, c) = detail::pil_unpremultiply(out.at(x, y, c), out.at(x, y, C - 1));
    }
  }
  return out;
}

namespace detail {
// Exact right-angle moves: out(x, y) = in(src(x, y)) for the output size given.
template <class Src>
Image rotate_move(const Image& img, int out_w, int out_h, Src src) {
  Image out = Image::blank(out_w, out_h, img.channels);
  const size_t C = size_t(img.channels);
  parallel_for_chunked(0, out_h, 32, [&](int64_t lo, int64_t hi) {
    for (int64_t y = lo; y < hi; ++y)
      for (int x = 0; x < out_w; ++x) {
        int sx, sy;
        src(x, int(y), sx, sy);
        std::memcpy(&out.pixels[out.index(x, int(y), 0)], &img.pixels[img.index(sx, sy, 0)], C);
      }
  });
  return out;
}

// A copy of an LA/RGBA image with its colour channels premultiplied (PIL's convert('La' / 'RGBa')).
inline Image premultiply_alpha(const Image& img) {
  Image out = img;
  const size_t C = size_t(img.channels), n = size_t(img.width) * size_t(img.height);
  for (size_t i = 0; i < n; ++i)
    for (size_t c = 0; c + 1 < C; ++c)
      out.pixels[i * C + c] = pil_premultiply(img.pixels[i * C + c], img.pixels[i * C + C - 1]);
  return out;
}

// The general path for a C-channel image (LA/RGBA already premultiplied), rows in parallel.
template <int C>
void rotate_bilinear_rows(const Image& img, const RotateGeometry& g, const std::array<uint8_t, 4>& fill, Image& out) {
  const int W = img.width, H = img.height;
  constexpr bool premultiplied = C == 2 || C == 4;
  uint8_t fv[4];
  for (int c = 0; c < C; ++c) fv[c] = rotate_fill_value(fill, C, c);
  parallel_for_chunked(0, g.height, 8, [&](int64_t lo, int64_t hi) {
    for (int64_t yy = lo; yy < hi; ++yy) {
      const int y = int(yy);
      uint8_t* d = out.pixels.data() + size_t(y) * size_t(g.width) * C;
      for (int x = 0; x < g.width; ++x, d += C) {
        // Same expressions, same order as rotate_ref, so the results are bit-identical.
        const double xi = detail::affine_x(g.m, x, y);
        const double yi = detail::affine_y(g.m, x, y);
        if (xi < 0.0 || xi >= W || yi < 0.0 || yi >= H) {
          for (int c = 0; c < C; ++c) d[c] = fv[c];
          continue;
        }
        const double sx = xi - 0.5, sy = yi - 0.5;
        const int x0 = int(std::floor(sx)), y0 = int(std::floor(sy));
        const double dx = sx - x0, dy = sy - y0;
        const int xa = x0 < 0 ? 0 : x0, xb = x0 + 1 >= W ? W - 1 : x0 + 1, ya = y0 < 0 ? 0 : y0;
        const bool has_bottom = y0 + 1 >= 0 && y0 + 1 < H;
        const uint8_t* r0 = img.pixels.data() + size_t(ya) * size_t(W) * C;
        const uint8_t* r1 = has_bottom ? img.pixels.data() + size_t(y0 + 1) * size_t(W) * C : r0;
        for (int c = 0; c < C; ++c) {
          const double p00 = r0[xa * C + c], p10 = r0[xb * C + c];
          const double top = p00 + detail::unfused_mul(p10 - p00, dx);
          double bottom = top;
          if (has_bottom) {
            const double p01 = r1[xa * C + c], p11 = r1[xb * C + c];
            bottom = p01 + detail::unfused_mul(p11 - p01, dx);
          }
          d[c] = uint8_t(top + detail::unfused_mul(bottom - top, dy));
        }
        if (premultiplied)
          for (int c = 0; c < C - 1; ++c) d[c] = pil_unpremultiply(d[c], d[C - 1]);
      }
    }
  });
}
}  // namespace detail

// Dispatcher: exact pixel moves for 0/90/180/270 (where PIL makes them), else the row-parallel general path.
inline Image rotate(const Image& img, const RotateParams& p) {
  check_image(img, "rotate");
  const RotateGeometry g = rotate_geometry(img.width, img.height, p);
  const int W = img.width, H = img.height;
  if (g.angle == 0) return img;
  if (g.angle == 180)
    return detail::rotate_move(img, W, H, [&](int x, int y, int& sx, int& sy) { sx = W - 1 - x, sy = H - 1 - y; });
  if ((g.angle == 90 || g.angle == 270) && (p.expand || W == H)) {
    if (g.angle == 90)  // counter-clockwise: the right edge becomes the top edge
      return detail::rotate_move(img, H, W, [&](int x, int y, int& sx, int& sy) { sx = W - 1 - y, sy = x; });
    return detail::rotate_move(img, H, W, [&](int x, int y, int& sx, int& sy) { sx = y, sy = H - 1 - x; });
  }
  Image out = Image::blank(g.width, g.height, img.channels);
  switch (img.channels) {
    case 1: detail::rotate_bilinear_rows<1>(img, g, p.fill, out); break;
    case 2: detail::rotate_bilinear_rows<2>(detail::premultiply_alpha(img), g, p.fill, out); break;
    case 3: detail::rotate_bilinear_rows<3>(img, g, p.fill, out); break;
    default: detail::rotate_bilinear_rows<4>(detail::premultiply_alpha(img), g, p.fill, out); break;
  }
  return out;
}

}  // namespace pixforge

#endif  // PIXFORGE_IMGPROC_ROTATE_HPP
