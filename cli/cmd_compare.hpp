// cli/cmd_compare.hpp — `pixforge compare A B [--crop-border N]`: PSNR, SSIM, PSNR-Y, SSIM-Y (imgproc/metrics.hpp).
// Included by cli/pixforge.cpp after cmd_batch.hpp.
#pragma once

#include <cmath>

#include "pixforge/imgproc/augment.hpp"  // crop_image
#include "pixforge/imgproc/metrics.hpp"

namespace {

const char* const kCompareHelp =
    "Usage: pixforge compare A B [--crop-border N]\n"
    "\n"
    "Prints the quality of image A against the reference B (the order only matters for reading):\n"
    "  PSNR    10 log10(255^2 / MSE) over R, G and B (inf when identical)\n"
    "  SSIM    mean structural similarity of R, G, B (skimage: Gaussian window sigma 1.5, population covariance)\n"
    "  PSNR-Y, SSIM-Y   the same on BT.601 luma Y = 16 + 65.481 R + 128.553 G + 24.966 B (R, G, B in [0, 1]),\n"
    "          as tools/eval_sr.py and SR papers use it\n"
    "Images are compared as RGB: gray is replicated, alpha is ignored. Both must have the same size; SSIM needs at\n"
    "least 11x11 pixels (n/a below).\n"
    "\n"
    "Options:\n"
    "  --crop-border N   ignore N pixels on every side first (SR evaluation crops the scale factor, as\n"
    "                    tools/eval_sr.py and BasicSR's crop_border do)\n";

std::string format_db(double v) {
  if (std::isinf(v)) return "inf dB (identical)";
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.4f dB", v);
  return buf;
}

std::string format_ssim(double v, bool defined) {
  if (!defined) return "n/a (needs at least 11x11 pixels)";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6f", v);
  return buf;
}

int cmd_compare(const std::vector<std::string>& args) {
  int64_t border = 0;
  ArgParser p("compare", kCompareHelp);
  p.integer("--crop-border", border, 0, 1 << 20);
  if (!p.parse(args)) return kOk;
  p.expect_positional(2, "two images A B");
  const std::vector<std::string>& pos = p.positional();
  const pf::Image a = pf::load_image(pos[0]), b = pf::load_image(pos[1]);
  if (a.width != b.width || a.height != b.height)
    pf::fail(pf::ErrorCode::shape_mismatch, "compare: sizes differ: '" + pos[0] + "' is " + std::to_string(a.width) +
                                                "x" + std::to_string(a.height) + ", '" + pos[1] + "' is " +
                                                std::to_string(b.width) + "x" + std::to_string(b.height));
  if (2 * border >= a.width || 2 * border >= a.height)
    throw UsageError("compare: --crop-border " + std::to_string(border) + " leaves nothing of a " +
                     std::to_string(a.width) + "x" + std::to_string(a.height) + " image");
  const int c = int(border), w = a.width - 2 * c, h = a.height - 2 * c;
  const pf::ImageQuality q = pf::image_quality(pf::crop_image(a, c, c, w, h), pf::crop_image(b, c, c, w, h));
  std::printf("size:    %dx%d%s (compared as RGB%s)\n", w, h,
              border ? (" after cropping " + std::to_string(border) + " px per side").c_str() : "",
              a.channels % 2 == 0 || b.channels % 2 == 0 ? "; alpha ignored" : "");
  std::printf("PSNR:    %s\n", format_db(q.psnr).c_str());
  std::printf("SSIM:    %s\n", format_ssim(q.ssim, q.ssim_defined).c_str());
  std::printf("PSNR-Y:  %s\n", format_db(q.psnr_y).c_str());
  std::printf("SSIM-Y:  %s\n", format_ssim(q.ssim_y, q.ssim_defined).c_str());
  return kOk;
}

}  // namespace
