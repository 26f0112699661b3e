// cli/cmd_run.hpp — `pixforge run MODEL IN OUT` and `pixforge run MODEL INDIR OUTDIR`, and the same run for the
// task shortcuts (cli/cmd_shortcuts.hpp), which only pick MODEL.
//
// The weight file is loaded once (load_run) and every image of a folder goes through that one Pipeline (run_image);
// --verbose says "loaded weights ..." once per process, which tests/cli/test_cli_ops.cpp counts.
// run's task modes (colorize, stylize, enhance, deblur, segment, remove-bg, replace-bg) are the library's task layer,
// include/pixforge/tasks/run_task.hpp: this file only parses --task, --render-factor, --threshold, --background.
//
// Included by cli/pixforge.cpp after its helpers and cmd_batch.hpp.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "pixforge/pipeline.hpp"
#include "pixforge/tasks/run_task.hpp"

namespace {

const char* const kRunHelp =
    "Usage: pixforge run MODEL.safetensors IN OUT [options]\n"
    "       pixforge run MODEL.safetensors INDIR OUTDIR [options]\n"
    "\n"
    "Runs the network described by the weight file's metadata (pixforge.arch, pixforge.config) on the image IN\n"
    "(PNG, JPEG, BMP, TGA) and writes OUT (.png, .jpg/.jpeg, .bmp, .tga by extension). The task (upscale, denoise,\n"
    "...) comes from the weight file. Gray images stay gray, the alpha channel is carried through (resized\n"
    "bilinearly for upscalers). OUT is written atomically (temporary file + rename); OUT must differ from IN.\n"
    "Folder mode: every image of INDIR (.png .jpg .jpeg .bmp .tga) is written to OUTDIR under the same name; the\n"
    "model is loaded once for all of them. A file that fails is reported and skipped, a progress bar with ETA and a\n"
    "summary listing each failed file and why go to stderr, and the exit code is 1 if any file failed.\n"
    "\n"
    "Options:\n"
    "  --tile N      tile edge in input pixels; 0 = no tiling; default: automatic from the memory budget.\n"
    "                Tiles overlap by the network's receptive field, so the result equals an untiled run.\n"
    "                Models with SE blocks (Real-CUGAN, waifu2x CUNet) take 5 passes over the tiles: four\n"
    "                gather the whole-image SE means, the last writes the output (exact, but slower).\n"
    "  --memory MIB  activation memory budget for the automatic tile size (default 1024)\n"
    "  --halo N      context per tile side in input pixels (default: the network's receptive radius, exact);\n"
    "                smaller values make tiles approximate but cheaper (RRDBNet's exact radius is ~350 px)\n"
    "  --threads N   worker threads (default: all cores, or OMP_NUM_THREADS)\n"
    "  --max-pixels N   refuse input or output images of more than N pixels (default 268435456 = 2^28)\n"
    "  --max-memory MIB refuse any single tensor larger than MIB (default 8192); the automatic tile size\n"
    "                keeps under it, so a large image is tiled rather than refused (untiled models fail)\n"
    "  --mask M      mask image, for models whose task needs one (inpainting; none is built in yet)\n"
    "  --quiet       no progress bar\n"
    "  --verbose     print the model, the tiling, timings and the peak memory (RSS) to stderr\n"
    "  --help        this text\n"
    "\n"
    "Task modes (the weight file's task; --task overrides it where that makes sense):\n"
    "  colorize      gray in, colour out; a colour input is converted to gray (luma) with a notice. DeOldify\n"
    "                runs on a square of render factor x 16 px and keeps the input's luminance; pix2pix-style\n"
    "                models (Lab or RGB) are padded (reflect) to their size multiple (256, 512) and cropped back\n"
    "  stylize, enhance, deblur   image in, image out in each model's value range (padded to its size multiple)\n"
    "  segment       the mask as a gray image (0..255); isnet, u2net, u2netp, r2attunet\n"
    "  remove-bg     RGBA cut-out, alpha = the matte (OUT must be .png, .tga or .bmp); IS-Net runs at 1024x1024,\n"
    "                U2-Net at 320x320, the matte is resized back bilinearly\n"
    "  replace-bg    matte*image + (1-matte)*background, RGB (implied by --background)\n"
    "  others (upscale, denoise, ...)   the tiled pipeline\n"
    "Task options:\n"
    "  --task NAME         segment | remove-bg | replace-bg for matte networks; other models run their own task\n"
    "  --render-factor N   DeOldify only: the network runs on an (N*16)^2 square (default 35; 1..256)\n"
    "  --threshold T       segment only: binary mask, 255 where the matte > T (T in [0, 1])\n"
    "  --background B      remove-bg/replace-bg: '#rrggbb', or an image of exactly IN's size (never resized;\n"
    "                      another size is an error)\n";

// Tasks whose models take a mask besides the image.
bool task_needs_mask(const std::string& task) { return task == "inpaint" || task == "inpainting"; }

// What a run was asked for: parsed once, used for every image of a folder.
struct RunRequest {
  pf::RunOptions opt;
  pf::TaskOptions topt;
  int threads = 0;
  std::string mask, background;
  bool quiet = false, verbose = false;
};

// Declares run's options on p. The shortcuts take the pipeline options only (task_options false) and restore
// also --render-factor.
void add_run_options(ArgParser& p, RunRequest& r, bool task_options, bool render_factor) {
  const std::string cmd = p.command() + ": ";
  p.integer("--tile", r.opt.tile, 0, int64_t(1) << 30)
      .integer("--threads", r.threads, 1, 1024)
      .integer("--halo", r.opt.halo, 0, int64_t(1) << 20)
      .custom("--memory",
              [&r, cmd](const std::string& v) {
                r.opt.memory_budget = parse_int(cmd + "--memory", v, 1, int64_t(1) << 30) << 20;
              })
      .custom("--max-pixels",
              [cmd](const std::string& v) {
                pf::limits().max_image_pixels = parse_int(cmd + "--max-pixels", v, 1, int64_t(1) << 40);
              })
      .custom("--max-memory",
              [cmd](const std::string& v) {
                pf::limits().max_tensor_bytes = parse_int(cmd + "--max-memory", v, 1, int64_t(1) << 30) << 20;
              })
      .flag({"--quiet", "-q"}, r.quiet)
      .flag({"--verbose", "-v"}, r.verbose);
  if (render_factor || task_options) p.integer("--render-factor", r.topt.render_factor, 1, 256);
  if (task_options)
    p.text("--task", r.topt.task)
        .number("--threshold", r.topt.threshold, 0.0, 1.0)
        .text("--background", r.background)
        .text("--mask", r.mask);
}

// The model of a run, loaded once.
struct LoadedRun {
  pf::Pipeline pipe;
  std::string task;
  bool own_sizing;  // the task resizes or pads to the network's resolution itself: no tile plan
};

LoadedRun load_run(const std::string& cmd, const std::string& model_path, RunRequest& r) {
  const auto t0 = std::chrono::steady_clock::now();
  if (!r.background.empty()) r.topt.background = pf::parse_background(r.background);  // fails before the run
  pf::Pipeline pipe = pf::Pipeline::load(model_path);
  const pf::ImageModelInfo& info = pipe.info();
  if (!r.mask.empty() && !task_needs_mask(info.task))
    throw UsageError(cmd + ": --mask given, but '" + info.arch + "' (task " + info.task + ") takes no mask");
  if (task_needs_mask(info.task)) {
    if (r.mask.empty()) throw UsageError(cmd + ": '" + info.arch + "' (task " + info.task + ") needs --mask M");
    pf::fail(pf::ErrorCode::unsupported, cmd + ": masked tasks are not supported by the pipeline yet");
  }
  std::string task;
  try {
    task = pf::resolve_task(pipe.model(), r.topt);
  } catch (const pf::Error& e) {
    throw UsageError(cmd + ": " + e.message());
  }
  if (r.verbose)
    std::fprintf(stderr, "loaded weights '%s' in %.3f s: %s (task %s), %lld parameters\n", model_path.c_str(),
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), info.arch.c_str(),
                 task.c_str(), (long long)pipe.model().parameter_count());
  const bool own_sizing = task == "colorize" || task == "segment" || task == "remove-bg" || task == "replace-bg";
  return LoadedRun{std::move(pipe), task, own_sizing};
}

// One image through the loaded model. quiet: no tile progress bar and no notices (a folder's images).
void run_image(const std::string& cmd, const LoadedRun& m, const std::string& in_path, const std::string& out_path,
               const RunRequest& r, bool quiet) {
  std::string ext = fs::path(out_path).extension().string();
  for (char& c : ext) c = char(std::tolower(static_cast<unsigned char>(c)));
  if (m.task == "remove-bg" && (ext == ".jpg" || ext == ".jpeg"))
    throw UsageError(cmd + ": remove-bg writes RGBA (alpha = the matte) and '" + out_path +
                     "' cannot store alpha: use .png, .tga or .bmp (or --background for an RGB result)");
  const auto t0 = std::chrono::steady_clock::now();
  const pf::Image image = pf::load_image(in_path);
  const auto t1 = std::chrono::steady_clock::now();

  const pf::ImageModelInfo& info = m.pipe.info();
  pf::RunOptions opt = r.opt;
  pf::TaskOptions topt = r.topt;
  opt.notice = [quiet](const std::string& s) {
    if (!quiet) std::fprintf(stderr, "pixforge: %s\n", s.c_str());
  };
  topt.notice = opt.notice;
  if (r.verbose && m.own_sizing)
    std::fprintf(stderr, "model: %s (task %s); image %dx%dx%d\n", info.arch.c_str(), m.task.c_str(), image.width,
                 image.height, image.channels);
  const pf::TilePlan plan = m.own_sizing ? pf::TilePlan{} : m.pipe.plan(image.height, image.width, opt);
  if (r.verbose && !m.own_sizing)
    std::fprintf(stderr,
                 "model: %s (task %s, scale %lld, receptive radius %lld, ~%lld B/px); image %dx%dx%d; tile %lld, "
                 "halo %lld/%lld -> %lldx%lld tiles%s, ~%lld MiB of activations each\n",
                 info.arch.c_str(), info.task.c_str(), (long long)info.scale, (long long)info.halo,
                 (long long)plan.bytes_per_pixel, image.width, image.height, image.channels, (long long)plan.tile,
                 (long long)plan.halo, (long long)plan.halo_after, (long long)plan.tiles_x, (long long)plan.tiles_y,
                 plan.stream ? " (rows streamed)" : "", (long long)(plan.tile_bytes >> 20));
  ProgressBar bar;
  if (!quiet && plan.count() > 1) opt.progress = [&](int64_t done, int64_t total) { bar.update(done, total); };
  if (!m.own_sizing) opt.notice = nullptr;  // already reported by plan()
  topt.run = opt;
  const pf::Image out = pf::run_task(m.pipe, image, topt);
  const auto t2 = std::chrono::steady_clock::now();
  pf::save_image(out_path, out);
  const auto t3 = std::chrono::steady_clock::now();
  if (r.verbose) {
    auto sec = [](auto a, auto b) { return std::chrono::duration<double>(b - a).count(); };
    std::fprintf(stderr, "%s: image load %.3f s, run %.3f s, save %.3f s; output %dx%dx%d; peak RSS %.1f MiB\n",
                 fs::path(in_path).filename().string().c_str(), sec(t0, t1), sec(t1, t2), sec(t2, t3), out.width,
                 out.height, out.channels, peak_rss_mib());
  }
}

// MODEL IN OUT, or MODEL INDIR OUTDIR (every image through the one loaded model).
int run_model(const std::string& cmd, const std::string& model_path, const std::string& in, const std::string& out,
              RunRequest& r) {
  std::error_code ec;
  const bool folder = fs::is_directory(in, ec);
  if (!folder) {  // usage errors first: nothing is loaded for a run that cannot write its output
    if (same_file(in, out))
      throw UsageError(cmd + ": OUT '" + out + "' is the input file; pixforge never overwrites its input");
    if (same_file(model_path, out)) throw UsageError(cmd + ": OUT '" + out + "' is the weight file");
    if (!supported_output(out))
      throw UsageError(cmd + ": cannot write '" + out + "': use a .png, .jpg, .jpeg, .bmp or .tga extension");
  } else {
    check_folders(cmd, in, out);
  }
  if (r.threads > 0) pf::set_num_threads(r.threads);
  const LoadedRun m = load_run(cmd, model_path, r);
  if (!folder) {
    run_image(cmd, m, in, out, r, r.quiet);
    return kOk;
  }
  // The folder's progress bar replaces the per-image tile bars (and per-image notices).
  return for_each_image(cmd, in, out, r.quiet, [&](const std::string& i, const std::string& o) {
    if (same_file(model_path, o)) throw UsageError(cmd + ": OUT '" + o + "' is the weight file");
    run_image(cmd, m, i, o, r, true);
  });
}

int cmd_run(const std::vector<std::string>& args) {
  RunRequest r;
  ArgParser p("run", kRunHelp);
  add_run_options(p, r, true, true);
  if (!p.parse(args)) return kOk;
  p.expect_positional(3, "MODEL.safetensors IN OUT");
  return run_model("run", p.positional()[0], p.positional()[1], p.positional()[2], r);
}

}  // namespace
