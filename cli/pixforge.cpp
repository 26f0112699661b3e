// pixforge — command-line front end of the Pipeline API (include/pixforge/pipeline.hpp).
//
//   pixforge run MODEL.safetensors IN OUT [--tile N] [--threads N] [--memory MIB] [--halo N]
//                [--max-pixels N] [--max-memory MIB] [--mask M] [--quiet] [--verbose]
//   pixforge info MODEL.safetensors
//   pixforge archs
//   pixforge trace MODEL.safetensors IN [--dump PATTERN --dump-dir DIR]   (cli/cmd_trace.hpp)
//   pixforge flip|rotate|adjust IN OUT ..., augment IN OUTDIR -n N, compare A B   (cli/cmd_<name>.hpp)
//   pixforge run|flip|rotate|adjust ... INDIR OUTDIR ...   folder mode (cli/cmd_batch.hpp)
//   pixforge upscale|denoise|restore IN OUT ...   task shortcuts: pick a weight file, then run (cli/cmd_shortcuts.hpp)
//   pixforge --help | pixforge <command> --help | pixforge --version
//
// Exit codes: 0 success, 1 runtime error (unreadable/corrupt file, unknown architecture, image above the limits,
// ...), 2 usage error (unknown command or option, bad number, OUT == IN, unsupported output extension).
// The output is written by save_image(): encoded in memory, written to a temporary file in the target directory
// and renamed over OUT, so a failed run leaves no partial file and never touches an existing OUT.
// run's task modes (colorize, stylize, enhance, deblur, segment, remove-bg, replace-bg) are the library's task layer,
// include/pixforge/tasks/run_task.hpp: this file only parses --task, --render-factor, --threshold, --background.
#define PIXFORGE_IMPLEMENTATION
#include "pixforge/io/image.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "pixforge/models/all.hpp"
#include "pixforge/pipeline.hpp"
#include "pixforge/tasks/run_task.hpp"

namespace pf = pixforge;
namespace fs = std::filesystem;

namespace {

constexpr int kOk = 0, kRuntimeError = 1, kUsageError = 2;
bool g_bar_open = false;  // a progress line is on stderr without its newline yet

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

const char* const kMainHelp =
    "pixforge — run image generators (super-resolution, denoising, ...) on images.\n"
    "\n"
    "Usage:\n"
    "  pixforge run MODEL.safetensors IN OUT [options]   run the model the weight file describes on IN\n"
    "  pixforge info MODEL.safetensors                    architecture, config, parameters, licence, source\n"
    "  pixforge archs                                     architectures this program can build\n"
    "  pixforge trace MODEL.safetensors IN [options]      per-layer names, shapes, time, FLOPs, feature maps\n"
    "  pixforge upscale IN OUT [--scale S] [--noise N]    upscale (waifu2x CUNet 2x; Real-CUGAN 3x, 4x)\n"
    "  pixforge denoise IN OUT [--noise 0..3]             denoise at the same size (waifu2x CUNet)\n"
    "  pixforge restore IN OUT                            old photo: DeOldify colourise, keep the luminance\n"
    "  pixforge flip IN OUT --horizontal|--vertical       mirror (exact)\n"
    "  pixforge rotate IN OUT --angle A [--expand]        rotate counter-clockwise (PIL's bilinear rotate)\n"
    "  pixforge adjust IN OUT --brightness F --contrast F brightness/contrast (PIL ImageEnhance)\n"
    "  pixforge augment IN OUTDIR -n N [--seed S]         N seeded random flips/rotations/crops/scales\n"
    "  pixforge compare A B                               PSNR, SSIM, PSNR-Y, SSIM-Y\n"
    "  run, upscale, denoise, restore, flip, rotate and adjust also take a folder: INDIR OUTDIR (every image;\n"
    "  failures skipped, exit 1)\n"
    "  pixforge <command> --help                          help on one command\n"
    "  pixforge --version\n"
    "\n"
    "Exit codes: 0 success, 1 runtime error, 2 usage error.\n";

const char* const kRunHelp =
    "Usage: pixforge run MODEL.safetensors IN OUT [options]\n"
    "\n"
    "Runs the network described by the weight file's metadata (pixforge.arch, pixforge.config) on the image IN\n"
    "(PNG, JPEG, BMP, TGA) and writes OUT (.png, .jpg/.jpeg, .bmp, .tga by extension). The task (upscale, denoise,\n"
    "...) comes from the weight file. Gray images stay gray, the alpha channel is carried through (resized\n"
    "bilinearly for upscalers). OUT is written atomically (temporary file + rename); OUT must differ from IN.\n"
    "Folder mode: pixforge run MODEL INDIR OUTDIR [options] runs every image of INDIR (.png .jpg .jpeg .bmp .tga)\n"
    "into OUTDIR under the same name (the model is loaded once per image); a file that fails is reported and\n"
    "skipped, a progress bar with ETA and a summary go to stderr, and the exit code is 1 if any file failed.\n"
    "\n"
    "Options:\n"
    "  --tile N      tile edge in input pixels; 0 = no tiling; default: automatic from the memory budget.\n"
    "                Tiles overlap by the network's receptive field, so the result equals an untiled run.\n"
    "                Models with SE blocks (Real-CUGAN, waifu2x CUNet) take 5 passes over the tiles: four\n"
    "                gather the whole-image SE means, the last writes the output (exact, but slower).\n"
    "  --memory MIB  activation memory budget for the automatic tile size (default 512)\n"
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

const char* const kInfoHelp =
    "Usage: pixforge info MODEL.safetensors\n"
    "\n"
    "Prints what a weight file holds: architecture (and whether this program can build it), its config, task,\n"
    "scale, value range, padding, halo, parameter count, tensor dtypes, licence, source and converter.\n";

const char* const kArchsHelp =
    "Usage: pixforge archs\n"
    "\n"
    "Lists every architecture this program can build from a weight file's pixforge.arch metadata.\n";

bool is_help(const std::string& a) { return a == "--help" || a == "-h"; }

int64_t parse_int(const std::string& opt, const std::string& value, int64_t lo, int64_t hi) {
  size_t used = 0;
  long long v = 0;
  try {
    v = std::stoll(value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != value.size() || v < lo || v > hi)
    throw UsageError(opt + " expects an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) +
                     "], got '" + value + "'");
  return v;
}

double peak_rss_mib() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return double(ru.ru_maxrss) / 1024.0;  // Linux: KiB
}

std::string format_seconds(double s) {
  const long t = long(s + 0.5);
  char buf[32];
  if (t >= 3600)
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", t / 3600, (t / 60) % 60, t % 60);
  else
    std::snprintf(buf, sizeof buf, "%ld:%02ld", t / 60, t % 60);
  return buf;
}

// "[##########..........]  12/40 tiles  30%  ETA 0:12" on stderr, redrawn in place.
class ProgressBar {
 public:
  explicit ProgressBar(const char* unit = "tiles") : unit_(unit) {}
  void update(int64_t done, int64_t total) {
    if (total <= 1) return;
    const auto now = std::chrono::steady_clock::now();
    if (done == 0) start_ = now;
    // Not a terminal (a log file): one line per 10 %, no carriage returns.
    const bool tty = ::isatty(STDERR_FILENO) != 0;
    const int64_t decile = 10 * done / total;
    if (!tty && done != 0 && done != total && decile == last_decile_) return;
    last_decile_ = decile;
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const int width = 30, fill = int(width * done / total);
    std::string bar(size_t(fill), '#');
    bar.append(size_t(width - fill), '.');
    std::string eta = done > 0 ? "ETA " + format_seconds(elapsed / double(done) * double(total - done)) : "ETA ?";
    if (done == total) eta = "took " + format_seconds(elapsed);
    std::fprintf(stderr, "%s[%s] %lld/%lld %s %3d%%  %s%s", tty ? "\r" : "", bar.c_str(), (long long)done,
                 (long long)total, unit_, int(100 * done / total), eta.c_str(), tty ? "   " : "\n");
    g_bar_open = tty && done != total;
    if (tty && done == total) std::fputc('\n', stderr);
    std::fflush(stderr);
  }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  int64_t last_decile_ = -1;
  const char* unit_;
};

bool same_file(const std::string& a, const std::string& b) {
  std::error_code ec;
  if (fs::exists(b, ec) && fs::equivalent(a, b, ec)) return true;
  return fs::weakly_canonical(fs::absolute(a), ec) == fs::weakly_canonical(fs::absolute(b), ec);
}

bool supported_output(const std::string& path) {
  std::string ext = fs::path(path).extension().string();
  for (char& c : ext) c = char(std::tolower(static_cast<unsigned char>(c)));
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp" || ext == ".tga";
}

// Tasks whose models take a mask besides the image.
bool task_needs_mask(const std::string& task) { return task == "inpaint" || task == "inpainting"; }

}  // namespace

#include "cmd_batch.hpp"  // folder mode (INDIR OUTDIR) for run and the image operations

namespace {

int cmd_run(const std::vector<std::string>& args) {
  std::vector<std::string> pos;
  std::vector<size_t> pos_at;  // where the positional arguments are in args (folder mode)
  pf::RunOptions opt;
  int threads = 0;
  std::string mask;
  bool quiet = false, verbose = false;
  pf::TaskOptions topt;
  std::string background;
  for (size_t k = 0; k < args.size(); ++k) {
    const std::string& a = args[k];
    auto value = [&]() -> std::string {
      if (k + 1 >= args.size()) throw UsageError(a + " needs a value");
      return args[++k];
    };
    if (is_help(a)) {
      std::fputs(kRunHelp, stdout);
      return kOk;
    } else if (a == "--tile") {
      opt.tile = parse_int(a, value(), 0, int64_t(1) << 30);
    } else if (a == "--threads") {
      threads = int(parse_int(a, value(), 1, 1024));
    } else if (a == "--halo") {
      opt.halo = parse_int(a, value(), 0, int64_t(1) << 20);
    } else if (a == "--memory") {
      opt.memory_budget = parse_int(a, value(), 1, int64_t(1) << 30) << 20;
    } else if (a == "--max-pixels") {
      pf::limits().max_image_pixels = parse_int(a, value(), 1, int64_t(1) << 40);
    } else if (a == "--max-memory") {
      pf::limits().max_tensor_bytes = parse_int(a, value(), 1, int64_t(1) << 30) << 20;
    } else if (a == "--task") {
      topt.task = value();
    } else if (a == "--render-factor") {
      topt.render_factor = parse_int(a, value(), 1, 256);
    } else if (a == "--threshold") {
      const std::string v = value();
      char* end = nullptr;
      const double t = std::strtod(v.c_str(), &end);
      if (v.empty() || end != v.c_str() + v.size() || !(t >= 0.0 && t <= 1.0))
        throw UsageError("--threshold expects a number in [0, 1], got '" + v + "'");
      topt.threshold = float(t);
    } else if (a == "--background") {
      background = value();
    } else if (a == "--mask") {
      mask = value();
    } else if (a == "--quiet" || a == "-q") {
      quiet = true;
    } else if (a == "--verbose" || a == "-v") {
      verbose = true;
    } else if (a.size() > 1 && a[0] == '-') {
      throw UsageError("run: unknown option '" + a + "' (see pixforge run --help)");
    } else {
      pos.push_back(a);
      pos_at.push_back(k);
    }
  }
  if (pos.size() == 3 && fs::is_directory(pos[1])) {  // folder mode: this function once per image, same options
    std::vector<std::string> options;
    for (size_t k = 0; k < args.size(); ++k)
      if (std::find(pos_at.begin(), pos_at.end(), k) == pos_at.end()) options.push_back(args[k]);
    options.push_back("--quiet");  // the folder's progress bar replaces the per-image tile bars
    return for_each_image("run", pos[1], pos[2], quiet, [&](const std::string& in, const std::string& out) {
      std::vector<std::string> one{pos[0], in, out};
      one.insert(one.end(), options.begin(), options.end());
      cmd_run(one);
    });
  }
  if (pos.size() != 3)
    throw UsageError("run: expected MODEL.safetensors IN OUT, got " + std::to_string(pos.size()) +
                     " argument(s) (see pixforge run --help)");
  const std::string &model_path = pos[0], &in_path = pos[1], &out_path = pos[2];
  if (same_file(in_path, out_path))
    throw UsageError("run: OUT '" + out_path + "' is the input file; pixforge never overwrites its input");
  if (same_file(model_path, out_path))
    throw UsageError("run: OUT '" + out_path + "' is the weight file");
  if (!supported_output(out_path))
    throw UsageError("run: cannot write '" + out_path + "': use a .png, .jpg, .jpeg, .bmp or .tga extension");
  if (threads > 0) pf::set_num_threads(threads);

  const auto t0 = std::chrono::steady_clock::now();
  if (!background.empty()) topt.background = pf::parse_background(background);  // a bad one fails before the run
  pf::Pipeline pipe = pf::Pipeline::load(model_path);
  const pf::ImageModelInfo& info = pipe.info();
  if (!mask.empty() && !task_needs_mask(info.task))
    throw UsageError("run: --mask given, but '" + info.arch + "' (task " + info.task + ") takes no mask");
  if (task_needs_mask(info.task)) {
    if (mask.empty()) throw UsageError("run: '" + info.arch + "' (task " + info.task + ") needs --mask M");
    pf::fail(pf::ErrorCode::unsupported, "run: masked tasks are not supported by the pipeline yet");
  }
  std::string task;
  try {
    task = pf::resolve_task(pipe.model(), topt);
  } catch (const pf::Error& e) {
    throw UsageError("run: " + e.message());
  }
  std::string ext = fs::path(out_path).extension().string();
  for (char& c : ext) c = char(std::tolower(static_cast<unsigned char>(c)));
  if (task == "remove-bg" && (ext == ".jpg" || ext == ".jpeg"))
    throw UsageError("run: remove-bg writes RGBA (alpha = the matte) and '" + out_path +
                     "' cannot store alpha: use .png, .tga or .bmp (or --background for an RGB result)");
  const pf::Image image = pf::load_image(in_path);
  const auto t1 = std::chrono::steady_clock::now();

  opt.notice = [&](const std::string& s) {
    if (!quiet) std::fprintf(stderr, "pixforge: %s\n", s.c_str());
  };
  topt.notice = opt.notice;
  // These tasks resize to the network's resolution or pad to its size multiple themselves: no tile plan to show.
  const bool own_sizing = task == "colorize" || task == "segment" || task == "remove-bg" || task == "replace-bg";
  if (verbose && own_sizing)
    std::fprintf(stderr, "model: %s (task %s); image %dx%dx%d\n", info.arch.c_str(), task.c_str(), image.width,
                 image.height, image.channels);
  const pf::TilePlan plan = own_sizing ? pf::TilePlan{} : pipe.plan(image.height, image.width, opt);
  if (verbose && !own_sizing)
    std::fprintf(stderr,
                 "model: %s (task %s, scale %lld, receptive radius %lld, ~%lld B/px); image %dx%dx%d; tile %lld, "
                 "halo %lld -> %lldx%lld tiles, ~%lld MiB of activations each\n",
                 info.arch.c_str(), info.task.c_str(), (long long)info.scale, (long long)info.halo,
                 (long long)plan.bytes_per_pixel, image.width, image.height, image.channels, (long long)plan.tile,
                 (long long)plan.halo, (long long)plan.tiles_x, (long long)plan.tiles_y,
                 (long long)(plan.tile_bytes >> 20));
  ProgressBar bar;
  if (!quiet && plan.count() > 1) opt.progress = [&](int64_t done, int64_t total) { bar.update(done, total); };
  if (!own_sizing) opt.notice = nullptr;  // already reported by plan()
  topt.run = opt;
  const pf::Image out = pf::run_task(pipe, image, topt);
  const auto t2 = std::chrono::steady_clock::now();
  pf::save_image(out_path, out);
  const auto t3 = std::chrono::steady_clock::now();
  if (verbose) {
    auto sec = [](auto a, auto b) { return std::chrono::duration<double>(b - a).count(); };
    std::fprintf(stderr, "load %.3f s, run %.3f s, save %.3f s; output %dx%dx%d; peak RSS %.1f MiB\n", sec(t0, t1),
                 sec(t1, t2), sec(t2, t3), out.width, out.height, out.channels, peak_rss_mib());
  }
  return kOk;
}

int cmd_info(const std::vector<std::string>& args) {
  std::vector<std::string> pos;
  for (const auto& a : args) {
    if (is_help(a)) {
      std::fputs(kInfoHelp, stdout);
      return kOk;
    }
    if (a.size() > 1 && a[0] == '-') throw UsageError("info: unknown option '" + a + "'");
    pos.push_back(a);
  }
  if (pos.size() != 1) throw UsageError("info: expected one MODEL.safetensors (see pixforge info --help)");
  const pf::SafeTensors st = pf::SafeTensors::open(pos[0]);
  auto meta = [&](const std::string& key, const std::string& fallback) {
    return st.has_metadata(key) ? st.metadata_value(key) : fallback;
  };
  int64_t file_params = 0;
  std::map<std::string, int64_t> dtypes;
  for (const auto& ti : st.infos()) {
    file_params += ti.shape.numel();
    dtypes[ti.dtype_name] += 1;
  }
  std::string dtype_list;
  for (const auto& kv : dtypes)
    dtype_list += (dtype_list.empty() ? "" : ", ") + kv.first + " x" + std::to_string(kv.second);
  const std::string arch = meta("pixforge.arch", "");
  std::printf("file:         %s\n", st.path().c_str());
  std::printf("architecture: %s\n", arch.empty() ? "(none: no pixforge.arch in the metadata)" : arch.c_str());
  std::printf("config:       %s\n", meta("pixforge.config", "{} (defaults)").c_str());
  std::printf("tensors:      %zu (%s), %lld values\n", st.size(), dtype_list.c_str(), (long long)file_params);
  std::printf("licence:      %s\n", meta("pixforge.license", "(not recorded)").c_str());
  std::printf("source:       %s\n", meta("pixforge.source", "(not recorded)").c_str());
  if (st.has_metadata("pixforge.converter")) std::printf("converter:    %s\n", meta("pixforge.converter", "").c_str());
  for (const auto& kv : st.metadata())
    if (kv.first.rfind("pixforge.", 0) == 0 && kv.first != "pixforge.arch" && kv.first != "pixforge.config" &&
        kv.first != "pixforge.license" && kv.first != "pixforge.source" && kv.first != "pixforge.converter")
      std::printf("%-13s %s\n", (kv.first.substr(9) + ":").c_str(), kv.second.c_str());
  if (arch.empty()) pf::fail(pf::ErrorCode::format_error, "info '" + st.path() + "': not a pixforge model file");
  const auto it = pf::model_registry().find(arch);
  if (it == pf::model_registry().end())
    pf::fail(pf::ErrorCode::unsupported, "info '" + st.path() + "': architecture '" + arch +
                                             "' is not built into this program (see pixforge archs)");
  std::printf("description:  %s\n", it->second.description.c_str());
  const auto model = pf::load_model(st);  // checks that the weights fit the architecture
  const pf::ImageModelInfo& i = model->info();
  std::printf("task:         %s, scale %lld, %lld -> %lld channels, range %s\n", i.task.c_str(), (long long)i.scale,
              (long long)i.in_channels, (long long)i.out_channels, pf::range_name(i.range));
  std::printf("padding:      pre_pad %lld (%s), halo %lld, size multiple %lld%s\n", (long long)i.pre_pad,
              pf::padding_mode_name(i.border_mode), (long long)i.halo, (long long)i.size_multiple,
              !i.global_context         ? ""
              : i.mean_pools.empty()    ? ", global context (runs untiled)"
                                        : ", global SE means (tiled in several passes)");
  std::printf("parameters:   %lld\n", (long long)model->parameter_count());
  return kOk;
}

int cmd_archs(const std::vector<std::string>& args) {
  for (const auto& a : args) {
    if (is_help(a)) {
      std::fputs(kArchsHelp, stdout);
      return kOk;
    }
    throw UsageError("archs: unexpected argument '" + a + "'");
  }
  for (const auto& kv : pf::model_registry())
    std::printf("%-20s %s\n", kv.first.c_str(), kv.second.description.c_str());
  return kOk;
}

}  // namespace

#include "cmd_trace.hpp"  // pixforge trace (uses the helpers above)
#include "cmd_shortcuts.hpp"  // upscale, denoise, restore: pick the weight file, then cmd_run
#include "cmd_flip.hpp"     // image operations (issue #6), each in its own file
#include "cmd_rotate.hpp"
#include "cmd_adjust.hpp"
#include "cmd_augment.hpp"
#include "cmd_compare.hpp"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    if (args.empty()) throw UsageError("missing command (run, info, archs, trace, upscale, denoise, restore, flip, rotate, adjust, augment, compare; see pixforge --help)");
    const std::string cmd = args[0];
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    if (is_help(cmd) || cmd == "help") {
      std::fputs(kMainHelp, stdout);
      return kOk;
    }
    if (cmd == "--version") {
      std::printf("pixforge 0.1.0\n");
      return kOk;
    }
    if (cmd == "run") return cmd_run(rest);
    if (cmd == "info") return cmd_info(rest);
    if (cmd == "archs") return cmd_archs(rest);
    if (cmd == "trace") return cmd_trace(rest);
    if (cmd == "upscale") return cmd_upscale(rest);
    if (cmd == "denoise") return cmd_denoise(rest);
    if (cmd == "restore") return cmd_restore(rest);
    if (cmd == "flip") return cmd_flip(rest);
    if (cmd == "rotate") return cmd_rotate(rest);
    if (cmd == "adjust") return cmd_adjust(rest);
    if (cmd == "augment") return cmd_augment(rest);
    if (cmd == "compare") return cmd_compare(rest);
    throw UsageError("unknown command '" + cmd + "' (run, info, archs, trace, upscale, denoise, restore, flip, rotate, adjust, augment, compare; see pixforge --help)");
  } catch (const UsageError& e) {
    std::fprintf(stderr, "pixforge: %s\n", e.what());
    return kUsageError;
  } catch (const std::exception& e) {  // pixforge::Error and anything else (std::bad_alloc, ...)
    std::fprintf(stderr, "%spixforge: error: %s\n", g_bar_open ? "\n" : "", e.what());
    return kRuntimeError;
  }
}
