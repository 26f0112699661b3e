// cli/cmd_adjust.hpp — `pixforge adjust IN OUT --brightness F --contrast F` (imgproc/adjust.hpp); IN may be a
// folder. Included by cli/pixforge.cpp after cmd_batch.hpp.
#pragma once

#include "pixforge/imgproc/adjust.hpp"

namespace {

const char* const kAdjustHelp =
    "Usage: pixforge adjust IN OUT [--brightness F] [--contrast F] [--quiet]\n"
    "       pixforge adjust INDIR OUTDIR [--brightness F] [--contrast F] [--quiet]\n"
    "\n"
    "Brightness and contrast exactly as PIL's ImageEnhance (brightness first, then contrast on its result):\n"
    "  brightness F:  v' = F * v                    (1 = unchanged, 0.5 = half as bright)\n"
    "  contrast F:    v' = m + F * (v - m)          m = the image's mean gray level, rounded (1 = unchanged)\n"
    "computed in float32, truncated to 8 bits and clipped to 0..255; alpha is never changed.\n"
    "\n"
    "Options:\n"
    "  --brightness F  factor in [0.2, 100] (default 1)\n"
    "  --contrast F    factor in [0.2, 100] (default 1)\n"
    "  --quiet         no progress bar (folders)\n"
    "At least one factor must differ from 1 (a request that changes nothing is an error). With a folder, every\n"
    "image in INDIR is written to OUTDIR under the same name; failures are reported and skipped (exit code 1 if\n"
    "any). OUT is written atomically and never overwrites IN.\n";

int cmd_adjust(const std::vector<std::string>& args) {
  bool quiet = false;
  pf::AdjustParams a;
  ArgParser p("adjust", kAdjustHelp);
  p.number("--brightness", a.brightness, 0.2, 100).number("--contrast", a.contrast, 0.2, 100);
  p.flag({"--quiet", "-q"}, quiet);
  if (!p.parse(args)) return kOk;
  p.expect_positional(2, "IN OUT");
  if (a.brightness == 1.0 && a.contrast == 1.0)
    throw UsageError("adjust: nothing to do: --brightness and --contrast are both 1 (unchanged); give a factor "
                     "other than 1");
  return run_image_op("adjust", p.positional()[0], p.positional()[1], quiet,
                      [&](const pf::Image& img) { return pf::adjust(img, a); });
}

}  // namespace
