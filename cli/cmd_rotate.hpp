// cli/cmd_rotate.hpp — `pixforge rotate IN OUT --angle A [--expand] [--fill COLOR]` (imgproc/rotate.hpp); IN may
// be a folder. Included by cli/pixforge.cpp after cmd_batch.hpp.
#pragma once

#include <array>

#include "pixforge/imgproc/rotate.hpp"

namespace {

const char* const kRotateHelp =
    "Usage: pixforge rotate IN OUT --angle A [--expand] [--fill COLOR] [--quiet]\n"
    "       pixforge rotate INDIR OUTDIR --angle A [--expand] [--fill COLOR] [--quiet]\n"
    "\n"
    "Rotates counter-clockwise by A degrees about the centre, exactly as PIL's Image.rotate(A, BILINEAR, expand,\n"
    "fillcolor). Multiples of 90 are exact pixel moves (90/270 swap width and height with --expand or on a square\n"
    "image); other angles are interpolated bilinearly (PIL truncates the result to 8 bits, and so does this),\n"
    "images with alpha premultiplied as in PIL.\n"
    "\n"
    "Options:\n"
    "  --angle A      degrees, counter-clockwise (negative = clockwise); required\n"
    "  --expand       enlarge the output to hold the whole rotated image (default: keep IN's size, crop corners)\n"
    "  --fill COLOR   colour of the uncovered area: '#rrggbb', '#rrggbbaa', 'R,G,B' or 'R,G,B,A' (0..255; alpha\n"
    "                 defaults to 255 when a colour is given). Default: black, transparent for images with alpha\n"
    "  --quiet        no progress bar (folders)\n"
    "With a folder, every image in INDIR is written to OUTDIR under the same name; failures are reported and\n"
    "skipped (exit code 1 if any). OUT is written atomically and never overwrites IN.\n";

std::array<uint8_t, 4> parse_fill_color(const std::string& s) {
  const std::string bad = "--fill expects '#rrggbb', '#rrggbbaa', 'R,G,B' or 'R,G,B,A' with values 0..255, got '" +
                          s + "'";
  std::array<uint8_t, 4> c{0, 0, 0, 255};
  if (!s.empty() && s[0] == '#') {
    if (s.size() != 7 && s.size() != 9) throw UsageError(bad);
    for (size_t i = 1; i < s.size(); ++i)
      if (!std::isxdigit(static_cast<unsigned char>(s[i]))) throw UsageError(bad);
    for (size_t i = 0; 1 + 2 * i < s.size(); ++i) c[i] = uint8_t(std::stoi(s.substr(1 + 2 * i, 2), nullptr, 16));
    return c;
  }
  std::vector<std::string> parts(1);
  for (char ch : s) {
    if (ch == ',')
      parts.emplace_back();
    else
      parts.back().push_back(ch);
  }
  if (parts.size() != 3 && parts.size() != 4) throw UsageError(bad);
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::string& p = parts[i];
    if (p.empty() || p.size() > 3 || p.find_first_not_of("0123456789") != std::string::npos) throw UsageError(bad);
    const int v = std::stoi(p);
    if (v > 255) throw UsageError(bad);
    c[i] = uint8_t(v);
  }
  return c;
}

int cmd_rotate(const std::vector<std::string>& args) {
  bool quiet = false;
  pf::RotateParams r;
  ArgParser p("rotate", kRotateHelp);
  p.number("--angle", r.angle, -1e6, 1e6)
      .flag({"--expand"}, r.expand)
      .custom("--fill", [&](const std::string& v) { r.fill = parse_fill_color(v); })
      .flag({"--quiet", "-q"}, quiet);
  if (!p.parse(args)) return kOk;
  p.expect_positional(2, "IN OUT");
  if (!p.given("--angle")) throw UsageError("rotate: --angle A is required (degrees, counter-clockwise)");
  return run_image_op("rotate", p.positional()[0], p.positional()[1], quiet,
                      [&](const pf::Image& img) { return pf::rotate(img, r); });
}

}  // namespace
