// pixforge/imgproc/augment.hpp — seeded random augmentations (flips, rotations, crops, scales) of an 8-bit image,
// for making training or test variants; deterministic for a given seed on every platform.
//
//     std::mt19937_64 rng(seed);
//     for (int k = 0; k < n; ++k) {
//       const Augmentation a = random_augmentation(rng, img.width, img.height);
//       save_image(stem + "_" + a.name() + ".png", apply_augmentation(img, a));
//     }
//
// One Augmentation is applied in this order (each step optional):
//   fliph / flipv         flip.hpp (exact)
//   rot90/rot180/rot270   rotate.hpp exact quarter turns (expand: the whole image, sides swapped)
//   rotA                  rotate.hpp by A degrees, |A| in [0.5, 30] in steps of 0.5, bilinear, same size, black fill
//   cropWxH+X+Y           a window of 60..95 % of each side at a random position (exact copy)
//   scaleP                resize to P % (50..200 in steps of 5, P != 100; sides rounded, at least 1 px) with
//                         ops/upsample.hpp's bilinear interpolate (PyTorch F.interpolate, align_corners=False, no
//                         antialiasing: a downscale aliases like torch's does), rounded to 8 bits
// If no step was drawn, the augmentation is fliph, so every variant differs from the input by construction.
// name() lists the steps, e.g. "fliph_rot-12.5_crop41x30+3+5_scale75", so a file name says what was done.
//
// Determinism: only raw std::mt19937_64 outputs are used (their sequence is fixed by the C++ standard), mapped with
// `% n`; the std:: distributions are not (their algorithms differ between standard libraries).
#ifndef PIXFORGE_IMGPROC_AUGMENT_HPP
#define PIXFORGE_IMGPROC_AUGMENT_HPP

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <sstream>
#include <string>

#include "pixforge/imgproc/flip.hpp"
#include "pixforge/imgproc/rotate.hpp"
#include "pixforge/io/image.hpp"
#include "pixforge/ops/upsample.hpp"

namespace pixforge {

struct Augmentation {
  bool flip_h = false, flip_v = false;
  int quarter_turns = 0;     // 0..3, counter-clockwise
  double angle = 0;          // small rotation in degrees (0 = none)
  int crop_w = 0, crop_h = 0, crop_x = 0, crop_y = 0;  // crop_w == 0: no crop
  int scale_percent = 100;   // 100 = no scale

  std::string name() const {
    std::ostringstream s;
    auto sep = [&]() -> std::ostringstream& {
      if (s.tellp() > 0) s << '_';
      return s;
    };
    if (flip_h) sep() << "fliph";
    if (flip_v) sep() << "flipv";
    if (quarter_turns) sep() << "rot" << 90 * quarter_turns;
    if (angle != 0) sep() << "rot" << angle;
    if (crop_w) sep() << "crop" << crop_w << 'x' << crop_h << '+' << crop_x << '+' << crop_y;
    if (scale_percent != 100) sep() << "scale" << scale_percent;
    return s.str();
  }
};

// Draws one augmentation for a width x height image.
inline Augmentation random_augmentation(std::mt19937_64& rng, int width, int height) {
  PIXFORGE_CHECK(width > 0 && height > 0, ErrorCode::invalid_argument, "random_augmentation: invalid size ", width,
                 "x", height);
  auto below = [&](uint64_t n) { return int(rng() % n); };
  Augmentation a;
  a.flip_h = below(2) == 1;
  a.flip_v = below(4) == 0;
  const int rot = below(4);  // 0, 3: none; 1: quarter turns; 2: small angle
  if (rot == 1) a.quarter_turns = 1 + below(3);
  if (rot == 2) a.angle = (below(2) ? 1 : -1) * 0.5 * (1 + below(60));
  int w = a.quarter_turns % 2 ? height : width, h = a.quarter_turns % 2 ? width : height;
  if (below(2) == 1) {
    a.crop_w = std::max(1, w * (60 + below(36)) / 100);
    a.crop_h = std::max(1, h * (60 + below(36)) / 100);
    a.crop_x = below(uint64_t(w - a.crop_w + 1));
    a.crop_y = below(uint64_t(h - a.crop_h + 1));
  }
  if (below(3) == 0) {
    a.scale_percent = 50 + 5 * below(30);  // 50..195
    if (a.scale_percent >= 100) a.scale_percent += 5;  // skip 100: 50..95, 105..200
  }
  if (!a.flip_h && !a.flip_v && !a.quarter_turns && a.angle == 0 && !a.crop_w && a.scale_percent == 100)
    a.flip_h = true;
  return a;
}

// The window [x, x + w) x [y, y + h) of img, exactly.
inline Image crop_image(const Image& img, int x, int y, int w, int h) {
  check_image(img, "crop_image");
  PIXFORGE_CHECK(w > 0 && h > 0 && x >= 0 && y >= 0 && x + w <= img.width && y + h <= img.height,
                 ErrorCode::invalid_argument, "crop_image: window ", w, "x", h, "+", x, "+", y, " is not inside the ",
                 img.width, "x", img.height, " image");
  Image out = Image::blank(w, h, img.channels);
  const size_t row = size_t(w) * size_t(img.channels);
  for (int r = 0; r < h; ++r)
    std::memcpy(&out.pixels[out.index(0, r, 0)], &img.pixels[img.index(x, y + r, 0)], row);
  return out;
}

inline Image apply_augmentation(const Image& img, const Augmentation& a) {
  check_image(img, "apply_augmentation");
  Image out = img;
  if (a.flip_h) out = flip(out, FlipAxis::horizontal);
  if (a.flip_v) out = flip(out, FlipAxis::vertical);
  if (a.quarter_turns || a.angle != 0) {
    RotateParams p;
    p.angle = a.quarter_turns ? 90.0 * a.quarter_turns : a.angle;
    p.expand = a.quarter_turns != 0;
    out = rotate(out, p);
  }
  if (a.crop_w) out = crop_image(out, a.crop_x, a.crop_y, a.crop_w, a.crop_h);
  if (a.scale_percent != 100) {
    const int64_t h = std::max<int64_t>(1, std::lround(out.height * a.scale_percent / 100.0));
    const int64_t w = std::max<int64_t>(1, std::lround(out.width * a.scale_percent / 100.0));
    const Tensor<float> x = image_to_tensor(out, Range::byte);
    out = tensor_to_image(interpolate(x, InterpolateParams::to_size(h, w, InterpolateMode::bilinear)), Range::byte,
                          Rounding::round);
  }
  return out;
}

}  // namespace pixforge

#endif  // PIXFORGE_IMGPROC_AUGMENT_HPP
