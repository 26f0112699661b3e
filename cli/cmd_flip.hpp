// cli/cmd_flip.hpp — `pixforge flip IN OUT --horizontal | --vertical` (imgproc/flip.hpp); IN may be a folder.
// Included by cli/pixforge.cpp after cmd_batch.hpp.
#pragma once

#include "pixforge/imgproc/flip.hpp"

namespace {

const char* const kFlipHelp =
    "Usage: pixforge flip IN OUT (--horizontal | --vertical) [--quiet]\n"
    "       pixforge flip INDIR OUTDIR (--horizontal | --vertical) [--quiet]\n"
    "\n"
    "Mirrors the image left-right (--horizontal, PIL FLIP_LEFT_RIGHT) or top-bottom (--vertical, FLIP_TOP_BOTTOM).\n"
    "Exact (pixels are only moved); alpha is kept. With a folder, every image in INDIR is written to OUTDIR under\n"
    "the same name; failures are reported and skipped (exit code 1 if any). OUT is written atomically and never\n"
    "overwrites IN.\n";

int cmd_flip(const std::vector<std::string>& args) {
  bool quiet = false, horizontal = false, vertical = false;
  ArgParser p("flip", kFlipHelp);
  p.flag({"--horizontal"}, horizontal).flag({"--vertical"}, vertical).flag({"--quiet", "-q"}, quiet);
  if (!p.parse(args)) return kOk;
  p.expect_positional(2, "IN OUT");
  if (horizontal == vertical)
    throw UsageError("flip: give exactly one of --horizontal and --vertical (both = pixforge rotate --angle 180)");
  const pf::FlipAxis axis = horizontal ? pf::FlipAxis::horizontal : pf::FlipAxis::vertical;
  return run_image_op("flip", p.positional()[0], p.positional()[1], quiet,
                      [&](const pf::Image& img) { return pf::flip(img, axis); });
}

}  // namespace
