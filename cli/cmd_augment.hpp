// cli/cmd_augment.hpp — `pixforge augment IN OUTDIR -n N [--seed S]`: N seeded random variants of IN
// (imgproc/augment.hpp). Included by cli/pixforge.cpp after cmd_batch.hpp.
#pragma once

#include <random>

#include "pixforge/imgproc/augment.hpp"

namespace {

const char* const kAugmentHelp =
    "Usage: pixforge augment IN OUTDIR -n N [--seed S] [--quiet]\n"
    "\n"
    "Writes N random variants of IN to OUTDIR (created if missing) as PNG files named\n"
    "<stem>_<k>_<steps>.png, the steps being what was done, in this order:\n"
    "  fliph, flipv            mirror left-right / top-bottom\n"
    "  rot90, rot180, rot270   exact quarter turns (counter-clockwise)\n"
    "  rotA                    rotate by A degrees (|A| <= 30), bilinear, same size, black corners\n"
    "  cropWxH+X+Y             a window of 60..95 % of each side\n"
    "  scaleP                  resize to P % (50..200), bilinear\n"
    "e.g. photo_007_fliph_rot-12.5_crop41x30+3+5.png. The same IN, N and seed always give the same files.\n"
    "\n"
    "Options:\n"
    "  -n N        number of variants, 1..10000 (required)\n"
    "  --seed S    random seed, 0..2^63 (default 0)\n"
    "  --quiet     no progress bar\n";

int cmd_augment(const std::vector<std::string>& args) {
  bool quiet = false;
  int64_t n = 0, seed = 0;
  ArgParser p("augment", kAugmentHelp);
  p.integer("-n", n, 1, 10000).integer("--seed", seed, 0, INT64_MAX).flag({"--quiet", "-q"}, quiet);
  if (!p.parse(args)) return kOk;
  p.expect_positional(2, "IN OUTDIR");
  if (n == 0) throw UsageError("augment: -n N (the number of variants) is required");
  const std::string &in = p.positional()[0], &outdir = p.positional()[1];
  std::error_code ec;
  if (fs::is_directory(in, ec)) throw UsageError("augment: IN '" + in + "' is a folder; give one image");
  if (fs::exists(outdir, ec) && !fs::is_directory(outdir, ec))
    throw UsageError("augment: OUTDIR '" + outdir + "' exists and is not a folder");
  const pf::Image img = pf::load_image(in);
  fs::create_directories(outdir, ec);
  if (ec) pf::fail(pf::ErrorCode::io_error, "augment: cannot create OUTDIR '" + outdir + "': " + ec.message());

  const std::string stem = fs::path(in).stem().string();
  const int digits = int(std::to_string(n - 1).size());
  std::mt19937_64 rng{static_cast<uint64_t>(seed)};
  ProgressBar bar("images");
  for (int64_t k = 0; k < n; ++k) {
    if (!quiet) bar.update(k, n);
    const pf::Augmentation aug = pf::random_augmentation(rng, img.width, img.height);
    char idx[24];
    std::snprintf(idx, sizeof idx, "%0*lld", digits, (long long)k);
    const fs::path out = fs::path(outdir) / (stem + "_" + idx + "_" + aug.name() + ".png");
    if (same_file(in, out.string()))
      throw UsageError("augment: '" + out.string() + "' would overwrite the input");
    pf::save_image(out.string(), pf::apply_augmentation(img, aug));
  }
  if (!quiet) bar.update(n, n);
  std::fprintf(stderr, "pixforge: augment: %lld variants of %s written to %s (seed %lld)\n", (long long)n, in.c_str(),
               outdir.c_str(), (long long)seed);
  return kOk;
}

}  // namespace
