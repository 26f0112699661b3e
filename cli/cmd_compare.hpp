// cli/cmd_compare.hpp — `pixforge compare A B`: PSNR, SSIM, PSNR-Y, SSIM-Y (imgproc/metrics.hpp).
// Included by cli/pixforge.cpp after cmd_batch.hpp.
#pragma once

#include <cmath>

#include "pixforge/imgproc/metrics.hpp"

namespace {

const char* const kCompareHelp =
    "Usage: pixforge compare A B\n"
    "\n"
    "Prints the quality of image A against the reference B (the order only matters for reading):\n"
    "  PSNR    10 log10(255^2 / MSE) over R, G and B (inf when identical)\n"
    "  SSIM    mean structural similarity of R, G, B (skimage: Gaussian window sigma 1.5, population covariance)\n"
    "  PSNR-Y, SSIM-Y   the same on BT.601 luma Y = 16 + 65.481 R + 128.553 G + 24.966 B (R, G, B in [0, 1]),\n"
    "          as tools/eval_sr.py and SR papers use it (no border is cropped here)\n"
    "Images are compared as RGB: gray is replicated, alpha is ignored. Both must have the same size; SSIM needs at\n"
    "least 11x11 pixels (n/a below).\n";

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
  std::vector<std::string> pos;
  for (const auto& a : args) {
    if (is_help(a)) {
      std::fputs(kCompareHelp, stdout);
      return kOk;
    }
    if (a.size() > 1 && a[0] == '-') throw UsageError("compare: unknown option '" + a + "' (see pixforge compare --help)");
    pos.push_back(a);
  }
  if (pos.size() != 2)
    throw UsageError("compare: expected two images A B, got " + std::to_string(pos.size()) +
                     " argument(s) (see pixforge compare --help)");
  const pf::Image a = pf::load_image(pos[0]), b = pf::load_image(pos[1]);
  if (a.width != b.width || a.height != b.height)
    pf::fail(pf::ErrorCode::shape_mismatch, "compare: sizes differ: '" + pos[0] + "' is " + std::to_string(a.width) +
                                                "x" + std::to_string(a.height) + ", '" + pos[1] + "' is " +
                                                std::to_string(b.width) + "x" + std::to_string(b.height));
  const pf::ImageQuality q = pf::image_quality(a, b);
  std::printf("size:    %dx%d (compared as RGB%s)\n", a.width, a.height,
              a.channels % 2 == 0 || b.channels % 2 == 0 ? "; alpha ignored" : "");
  std::printf("PSNR:    %s\n", format_db(q.psnr).c_str());
  std::printf("SSIM:    %s\n", format_ssim(q.ssim, q.ssim_defined).c_str());
  std::printf("PSNR-Y:  %s\n", format_db(q.psnr_y).c_str());
  std::printf("SSIM-Y:  %s\n", format_ssim(q.ssim_y, q.ssim_defined).c_str());
  return kOk;
}

}  // namespace
