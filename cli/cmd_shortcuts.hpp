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
    "--model NAME        a family (where listed above), a weight file name in the weights directory (with or\n"
    "                    without .safetensors), or a path containing a '/' (./my.safetensors)\n"
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
    "default 35) and the result keeps IN's luminance: only the colour comes from the network (pixforge run's\n"
    "colorize task for a deoldify_unet file).\n"
    "Runs on: DeOldify's artistic generator (ColorizeArtistic_gen.pth, a ResNet-34 DynamicUnet), converted to\n"
    "deoldify.safetensors in the weights directory (the default --model deoldify). pixforge neither bundles nor\n"
    "downloads DeOldify weights, and its DeOldify network is checked against the PyTorch reference\n"
    "(tools/reference/deoldify.py) with random weights only, not with the real checkpoint. If you have it:\n"
    "  /usr/bin/python3 tools/convert_deoldify.py ColorizeArtistic_gen.pth weights/deoldify.safetensors\n"
    "(folds spectral and weight norm; --allow-pickle only for a checkpoint you trust whose extra entries are not\n"
    "plain tensors).\n"
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

// Task shortcuts for run's task modes: pixforge <task> IN OUT = pixforge run MODEL IN OUT --task <task>, MODEL from
// --model (or the default file where public weights exist). The task is checked against the model by run's
// resolve_task, so e.g. `pixforge deblur --model isnet` is a usage error naming both.
struct TaskCommand {
  const char* name;           // the command and the --task it sets
  const char* default_model;  // a weight file name, or nullptr: --model is required
  const char* help;
  const char* no_default;     // why --model is required (when default_model is nullptr)
};

const TaskCommand kTaskCommands[] = {
    {"remove-bg", "isnet",
     "Usage: pixforge remove-bg IN OUT [--model NAME] [options]\n\n"
     "Cuts the foreground out: RGBA, alpha = the matte (OUT must be .png, .tga or .bmp). Default model: isnet\n"
     "(IS-Net, AGPL-3.0: './tools/fetch_weights isnet' converts it on your machine; it is never shipped). Any\n"
     "matte network (isnet, u2net, u2netp, r2attunet) works with --model.\n\n",
     nullptr},
    {"replace-bg", "isnet",
     "Usage: pixforge replace-bg IN OUT --background B [--model NAME] [options]\n\n"
     "matte*IN + (1-matte)*B, RGB. B: '#rrggbb' or an image of exactly IN's size (never resized). Default model:\n"
     "isnet, as for pixforge remove-bg.\n\n",
     nullptr},
    {"segment", "isnet",
     "Usage: pixforge segment IN OUT [--threshold T] [--model NAME] [options]\n\n"
     "The foreground mask as a gray image (0..255); --threshold T in [0, 1]: binary, 255 where the matte > T.\n"
     "Default model: isnet, as for pixforge remove-bg.\n\n",
     nullptr},
    {"colorize", nullptr,
     "Usage: pixforge colorize IN OUT --model NAME [--render-factor N] [options]\n\n"
     "Gray in, colour out (a colour IN is converted to gray with a notice). Models: deoldify_unet (keeps IN's\n"
     "luminance, --render-factor N: runs at (N*16)^2, default 35; see pixforge restore), pix2pix-style U-Nets\n"
     "(pix2pix_unet, unet_deep, fca_unet, mfrcnet; Lab or RGB).\n\n",
     "no colorization weights are public (bundled or fetched); give a colorizer you converted (DeOldify: "
     "tools/convert_deoldify.py)"},
    {"stylize", nullptr,
     "Usage: pixforge stylize IN OUT --model NAME [options]\n\n"
     "Fast neural style transfer (transformer_net, Johnson et al.): one style per weight file.\n\n",
     "no style transfer weights are public (bundled or fetched); convert a fast-neural-style .pth with "
     "tools/convert_pth.py"},
    {"enhance", nullptr,
     "Usage: pixforge enhance IN OUT --model NAME [options]\n\n"
     "Photo enhancement with a tf_enhancer (Keras enhancement generator) weight file.\n\n",
     "no enhancement weights are public (bundled or fetched)"},
    {"deblur", nullptr,
     "Usage: pixforge deblur IN OUT --model NAME [options]\n\n"
     "Deblurring with a DeblurGAN ResnetGenerator (deblurgan) weight file.\n\n",
     "no deblurring weights are public (bundled or fetched)"},
};

int run_task_command(const TaskCommand& t, const std::vector<std::string>& args) {
  const std::string cmd = t.name;
  Shortcut s;
  ArgParser p(cmd, std::string(t.help) + kRunPassThroughHelp);
  add_shortcut_options(p, s, cmd == "colorize");
  if (cmd == "segment") p.number("--threshold", s.run.topt.threshold, 0.0, 1.0);
  if (cmd == "replace-bg") p.text("--background", s.run.background);
  if (!p.parse(args)) return kOk;
  p.expect_positional(2, "IN OUT (or INDIR OUTDIR)");
  if (cmd == "replace-bg" && s.run.background.empty())
    throw UsageError("replace-bg: --background B is required ('#rrggbb' or an image of IN's size)");
  if (s.model.empty() && t.default_model == nullptr)
    throw UsageError(cmd + ": --model NAME is required: " + t.no_default);
  s.run.topt.task = cmd;
  const std::string name = s.model.empty() ? t.default_model : s.model;
  std::string hint = fetch_hint(name);
  if (name == "isnet") hint += "; IS-Net is AGPL-3.0: converted on your machine, never shipped";
  return run_shortcut(p, find_weight_file(cmd, s.weights_dir, name, hint), s);
}

}  // namespace
