// cli/cmd_shortcuts.hpp — task shortcuts (issue #6): front ends of `pixforge run` that pick the weight file.
//
//   pixforge upscale IN OUT [--scale 2|3|4] [--noise -1|0|1|2|3] [--model NAME] [--weights-dir DIR] [run options]
//   pixforge denoise IN OUT [--noise 0..3] [--model NAME] [--weights-dir DIR] [run options]
//   pixforge restore IN OUT [--model NAME] [--render-factor N] [--weights-dir DIR] [run options]
//
// Each resolves a weight file in the weights directory (--weights-dir, else $PIXFORGE_WEIGHTS, else weights/ in the
// current directory) under the names tools/fetch_weights writes, then calls cmd_run with it and the remaining
// arguments, so tiling, task handling and folder mode (INDIR OUTDIR) are exactly run's. A missing weight file is a
// runtime error (exit 1) naming the file and how to get it.
//
// Included by cli/pixforge.cpp after cmd_run.
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

// The arguments common to the shortcuts: their own options are parsed by own(a, value) (returns false if a is not
// one of them); the run options and the positional arguments are collected for cmd_run.
struct ShortcutArgs {
  std::vector<std::string> pos, run_options;
  std::string weights_dir, model;
  bool help = false;
};

template <class Own>
ShortcutArgs parse_shortcut(const std::string& cmd, const std::vector<std::string>& args, bool render_factor,
                            Own own) {
  ShortcutArgs r;
  r.weights_dir = weights_dir_default();
  for (size_t k = 0; k < args.size(); ++k) {
    const std::string& a = args[k];
    auto value = [&]() -> std::string {
      if (k + 1 >= args.size()) throw UsageError(cmd + ": " + a + " needs a value");
      return args[++k];
    };
    if (is_help(a)) {
      r.help = true;
      return r;
    } else if (a == "--weights-dir") {
      r.weights_dir = value();
    } else if (a == "--model") {
      r.model = value();
      if (r.model.empty()) throw UsageError(cmd + ": --model needs a non-empty NAME");
    } else if (a == "--tile" || a == "--threads" || a == "--memory" || a == "--halo" || a == "--max-pixels" ||
               a == "--max-memory" || (render_factor && a == "--render-factor")) {
      r.run_options.push_back(a);
      r.run_options.push_back(value());  // checked by run
    } else if (a == "--quiet" || a == "-q" || a == "--verbose" || a == "-v") {
      r.run_options.push_back(a);
    } else if (own(a, value)) {
    } else if (a.size() > 1 && a[0] == '-') {
      throw UsageError(cmd + ": unknown option '" + a + "' (see pixforge " + cmd + " --help)");
    } else {
      r.pos.push_back(a);
    }
  }
  if (r.pos.size() != 2)
    throw UsageError(cmd + ": expected IN OUT (or INDIR OUTDIR), got " + std::to_string(r.pos.size()) +
                     " argument(s) (see pixforge " + cmd + " --help)");
  return r;
}

// run WEIGHTS IN OUT [run options]: the same code path as `pixforge run`.
int run_with(const std::string& weights, const ShortcutArgs& a) {
  std::vector<std::string> run_args{weights, a.pos[0], a.pos[1]};
  run_args.insert(run_args.end(), a.run_options.begin(), a.run_options.end());
  return cmd_run(run_args);
}

bool is_family(const std::string& m) {
  return m == "cunet" || m == "upconv7" || m == "realcugan" || m == "vgg7";
}

int cmd_upscale(const std::vector<std::string>& args) {
  int64_t scale = 2, noise = -1;
  const ShortcutArgs a = parse_shortcut("upscale", args, false, [&](const std::string& o, auto& value) {
    if (o == "--scale") {
      const std::string v = value();
      if (v != "2" && v != "3" && v != "4") throw UsageError("upscale: --scale expects 2, 3 or 4, got '" + v + "'");
      scale = v[0] - '0';
    } else if (o == "--noise") {
      noise = parse_int("upscale: --noise", value(), -1, 3);
    } else {
      return false;
    }
    return true;
  });
  if (a.help) {
    std::fputs(kUpscaleHelp, stdout);
    std::fputs(kRunPassThroughHelp, stdout);
    return kOk;
  }
  std::string model = a.model.empty() ? (scale == 2 ? "cunet" : "realcugan") : a.model;
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
  return run_with(find_weight_file("upscale", a.weights_dir, name, fetch_hint(name)), a);
}

int cmd_denoise(const std::vector<std::string>& args) {
  int64_t noise = 1;
  const ShortcutArgs a = parse_shortcut("denoise", args, false, [&](const std::string& o, auto& value) {
    if (o != "--noise") return false;
    noise = parse_int("denoise: --noise", value(), 0, 3);
    return true;
  });
  if (a.help) {
    std::fputs(kDenoiseHelp, stdout);
    std::fputs(kRunPassThroughHelp, stdout);
    return kOk;
  }
  const std::string model = a.model.empty() ? "cunet" : a.model;
  std::string name = model;
  if (model == "cunet" || model == "vgg7")
    name = "waifu2x-" + model + "-noise" + std::to_string(noise);
  else if (is_family(model))
    throw UsageError("denoise: --model " + model + " is not a denoiser (cunet, vgg7)");
  return run_with(find_weight_file("denoise", a.weights_dir, name, fetch_hint(name)), a);
}

int cmd_restore(const std::vector<std::string>& args) {
  const ShortcutArgs a = parse_shortcut("restore", args, true, [](const std::string&, auto&) { return false; });
  if (a.help) {
    std::fputs(kRestoreHelp, stdout);
    std::fputs(kRunPassThroughHelp, stdout);
    return kOk;
  }
  const std::string name = a.model.empty() ? "deoldify" : a.model;
  const std::string weights = find_weight_file(
      "restore", a.weights_dir, name,
      "restore needs a DeOldify weight file, which is not downloaded: convert ColorizeArtistic_gen.pth with "
      "/usr/bin/python3 tools/convert_deoldify.py ColorizeArtistic_gen.pth " +
          (fs::path(a.weights_dir) / "deoldify.safetensors").string() + " (or pass --model FILE)");
  {
    const pf::SafeTensors st = pf::SafeTensors::open(weights);
    const std::string arch = st.has_metadata("pixforge.arch") ? st.metadata_value("pixforge.arch") : "";
    if (arch != "deoldify_unet")
      pf::fail(pf::ErrorCode::unsupported, "restore: '" + weights + "' is a '" + arch +
                                               "' model, not DeOldify (deoldify_unet); use pixforge run for it");
  }
  return run_with(weights, a);
}

}  // namespace
