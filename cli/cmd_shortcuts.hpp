// cli/cmd_shortcuts.hpp — task shortcuts (issue #6): front ends of `pixforge run` that pick the weight file.
//
//   pixforge upscale IN OUT [--scale 2|3|4] [--noise -1|0|1|2|3] [--model NAME] [--weights-dir DIR] [run options]
//   pixforge denoise IN OUT [--noise 0..3] [--model NAME] [--weights-dir DIR] [run options]
//   pixforge restore IN OUT [--model NAME] [--render-factor N] [--weights-dir DIR] [run options]
//
// Each resolves a weight file in the weights directory (--weights-dir, else $PIXFORGE_WEIGHTS, else weights/ in the
// current directory) under the names tools/fetch_weights writes, then runs it through run_model (cli/cmd_run.hpp)
// with run's options, so tiling, task handling and folder mode (INDIR OUTDIR) are exactly run's. A missing weight
// file is a runtime error (exit 1) naming the file and how to get it.
//
// Included by cli/pixforge.cpp after cmd_run.hpp.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace {

const char* const kRunPassThroughHelp =
    "Run options passed through to pixforge run: --tile N, --threads N, --memory MIB, --halo N, --max-pixels N,\n"
    "  --max-memory MIB, --quiet, --verbose (see pixforge run --help).\n"
    "--weights-dir DIR   where weight files are looked up (default: $PIXFORGE_WEIGHTS, else weights/ in the\n"
    "                    current directory); tools/fetch_weights writes them to the repository's weights/\n"
    "--model NAME        a family (see above), a weight file name in the weights directory (with or without\n"
    "                    .safetensors), or a path containing a '/' (./my.safetensors)\n"
    "Folder mode: IN and OUT may be INDIR OUTDIR, as for pixforge run.\n";

const char* const kUpscaleHelp =
    "Usage: pixforge upscale IN OUT [--scale 2|3|4] [--noise -1|0|1|2|3] [--model NAME] [options]\n"
    "\n"
    "Upscales IN by --scale (default 2) with an optional denoise level --noise (-1 = none, the default).\n"
    "Models (--model): cunet (waifu2x CUNet, the default for 2x; bundled: waifu2x-cunet-scale2x), upconv7\n"
    "(waifu2x UpConv7, 2x only), realcugan (Real-CUGAN SE, the default for 3x and 4x).\n"
    "Weight file by model, scale and noise:\n"
    "  cunet, upconv7   noise -1: waifu2x-<model>-scale2x, noise N: waifu2x-<model>-noiseN-scale2x\n"
    "  realcugan        realcugan-se-up<S>x-<conservative (noise -1) | no-denoise (0) | denoiseNx (1..3)>;\n"
    "                   3x and 4x have only noise -1, 0 and 3\n"
    "\n";

const char* const kDenoiseHelp =
    "Usage: pixforge denoise IN OUT [--noise 0..3] [--model NAME] [options]\n"
    "\n"
    "Removes JPEG-like noise at the image's size; --noise is the level, 0 (light) to 3 (strong), default 1.\n"
    "Models (--model): cunet (waifu2x CUNet, the default: waifu2x-cunet-noiseN), vgg7 (waifu2x VGG7:\n"
    "waifu2x-vgg7-noiseN).\n"
    "\n";

const char* const kRestoreHelp =
    "Usage: pixforge restore IN OUT [--model NAME] [--render-factor N] [options]\n"
    "\n"
    "Old photo restoration: DeOldify colourises IN (run as gray) at a (N*16)^2 render size (--render-factor N,\n"
    "default 35) and the result keeps IN's luminance (pixforge run's colorize task for a deoldify_unet file).\n"
    "The weight file is not fetched: convert DeOldify's ColorizeArtistic_gen.pth once with\n"
    "  /usr/bin/python3 tools/convert_deoldify.py ColorizeArtistic_gen.pth weights/deoldify.safetensors\n"
    "(default --model deoldify, i.e. deoldify.safetensors in the weights directory).\n"
    "\n";

std::string weights_dir_default() {
  const char* env = std::getenv("PIXFORGE_WEIGHTS");
  return env != nullptr && *env != '\0' ? std::string(env) : std::string("weights");
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The weight file for NAME (a fetch_weights name or a .safetensors path) in dir; fails (exit 1) if it is missing,
// with how_to_get (the command that makes it).
std::string find_weight_file(const std::string& cmd, const std::string& dir, const std::string& name,
                             const std::string& how_to_get) {
  const bool is_path = name.find('/') != std::string::npos;  // a path as given, else a name in dir
  const std::string file =
      is_path ? name : (fs::path(dir) / (ends_with(name, ".safetensors") ? name : name + ".safetensors")).string();
  std::error_code ec;
  if (fs::is_regular_file(file, ec)) return file;
  pf::fail(pf::ErrorCode::io_error, cmd + ": weight file '" + file + "' not found; " + how_to_get);
}

std::string fetch_hint(const std::string& name) {
  return "get it with: ./tools/fetch_weights " + name +
         " (run in the pixforge repository; it writes weights/" + name +
         ".safetensors — point --weights-dir or PIXFORGE_WEIGHTS at that folder if you run elsewhere)";
}

// The options every shortcut takes: --weights-dir, --model and run's pipeline options (restore: --render-factor).
struct Shortcut {
  RunRequest run;
  std::string weights_dir = weights_dir_default(), model;
};

void add_shortcut_options(ArgParser& p, Shortcut& s, bool render_factor) {
  const std::string cmd = p.command();
  p.text("--weights-dir", s.weights_dir).custom("--model", [&s, cmd](const std::string& v) {
    if (v.empty()) throw UsageError(cmd + ": --model needs a non-empty NAME");
    s.model = v;
  });
  add_run_options(p, s.run, false, render_factor);
}

// IN OUT (or INDIR OUTDIR) through the weight file: the same code path as `pixforge run`.
int run_shortcut(const ArgParser& p, const std::string& weights, Shortcut& s) {
  return run_model(p.command(), weights, p.positional()[0], p.positional()[1], s.run);
}

bool is_family(const std::string& m) {
  return m == "cunet" || m == "upconv7" || m == "realcugan" || m == "vgg7";
}

int cmd_upscale(const std::vector<std::string>& args) {
  int64_t scale = 2, noise = -1;
  Shortcut s;
  ArgParser p("upscale", std::string(kUpscaleHelp) + kRunPassThroughHelp);
  p.custom("--scale", [&](const std::string& v) {
    if (v != "2" && v != "3" && v != "4") throw UsageError("upscale: --scale expects 2, 3 or 4, got '" + v + "'");
    scale = v[0] - '0';
  });
  p.integer("--noise", noise, -1, 3);
  add_shortcut_options(p, s, false);
  if (!p.parse(args)) return kOk;
  p.expect_positional(2, "IN OUT (or INDIR OUTDIR)");
  const std::string model = s.model.empty() ? (scale == 2 ? "cunet" : "realcugan") : s.model;
  std::string name = model;
  if (model == "cunet" || model == "upconv7") {
    if (scale != 2)
      throw UsageError("upscale: waifu2x " + model + " upscales 2x only; use --model realcugan for --scale " +
                       std::to_string(scale));
    name = "waifu2x-" + model + (noise < 0 ? "" : "-noise" + std::to_string(noise)) + "-scale2x";
  } else if (model == "realcugan") {
    if (scale != 2 && (noise == 1 || noise == 2))
      throw UsageError("upscale: Real-CUGAN " + std::to_string(scale) + "x has noise levels -1, 0 and 3 only, got " +
                       std::to_string(noise));
    const std::string level =
        noise < 0 ? "conservative" : noise == 0 ? "no-denoise" : "denoise" + std::to_string(noise) + "x";
    name = "realcugan-se-up" + std::to_string(scale) + "x-" + level;
  } else if (is_family(model)) {
    throw UsageError("upscale: --model " + model + " is not an upscaler (cunet, upconv7, realcugan)");
  }
  // An explicit weight file: its own scale and noise apply; --scale/--noise only select within the families.
  return run_shortcut(p, find_weight_file("upscale", s.weights_dir, name, fetch_hint(name)), s);
}

int cmd_denoise(const std::vector<std::string>& args) {
  int64_t noise = 1;
  Shortcut s;
  ArgParser p("denoise", std::string(kDenoiseHelp) + kRunPassThroughHelp);
  p.integer("--noise", noise, 0, 3);
  add_shortcut_options(p, s, false);
  if (!p.parse(args)) return kOk;
  p.expect_positional(2, "IN OUT (or INDIR OUTDIR)");
  const std::string model = s.model.empty() ? "cunet" : s.model;
  std::string name = model;
  if (model == "cunet" || model == "vgg7")
    name = "waifu2x-" + model + "-noise" + std::to_string(noise);
  else if (is_family(model))
    throw UsageError("denoise: --model " + model + " is not a denoiser (cunet, vgg7)");
  return run_shortcut(p, find_weight_file("denoise", s.weights_dir, name, fetch_hint(name)), s);
}

int cmd_restore(const std::vector<std::string>& args) {
  Shortcut s;
  ArgParser p("restore", std::string(kRestoreHelp) + kRunPassThroughHelp);
  add_shortcut_options(p, s, true);
  if (!p.parse(args)) return kOk;
  p.expect_positional(2, "IN OUT (or INDIR OUTDIR)");
  const std::string name = s.model.empty() ? "deoldify" : s.model;
  const std::string weights = find_weight_file(
      "restore", s.weights_dir, name,
      "restore needs a DeOldify weight file, which is not downloaded: convert ColorizeArtistic_gen.pth with "
      "/usr/bin/python3 tools/convert_deoldify.py ColorizeArtistic_gen.pth " +
          (fs::path(s.weights_dir) / "deoldify.safetensors").string() + " (or pass --model FILE)");
  {
    const pf::SafeTensors st = pf::SafeTensors::open(weights);
    const std::string arch = st.has_metadata("pixforge.arch") ? st.metadata_value("pixforge.arch") : "";
    if (arch != "deoldify_unet")
      pf::fail(pf::ErrorCode::unsupported, "restore: '" + weights + "' is a '" + arch +
                                               "' model, not DeOldify (deoldify_unet); use pixforge run for it");
  }
  return run_shortcut(p, weights, s);
}

}  // namespace
