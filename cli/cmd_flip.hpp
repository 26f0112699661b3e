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
  std::vector<std::string> pos;
  bool quiet = false, horizontal = false, vertical = false;
  const bool go = parse_op_args("flip", kFlipHelp, args, pos, quiet, [&](const std::string& a, const auto&) {
    if (a == "--horizontal") return horizontal = true;
    if (a == "--vertical") return vertical = true;
    return false;
  });
  if (!go) return kOk;
  if (pos.size() != 2)
    throw UsageError("flip: expected IN OUT, got " + std::to_string(pos.size()) +
                     " argument(s) (see pixforge flip --help)");
  if (horizontal == vertical)
    throw UsageError("flip: give exactly one of --horizontal and --vertical (both = pixforge rotate --angle 180)");
  const pf::FlipAxis axis = horizontal ? pf::FlipAxis::horizontal : pf::FlipAxis::vertical;
  return run_image_op("flip", pos[0], pos[1], quiet, [&](const pf::Image& img) { return pf::flip(img, axis); });
}

}  // namespace
