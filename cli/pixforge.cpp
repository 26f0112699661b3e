// pixforge — command-line front end of the Pipeline API (include/pixforge/pipeline.hpp).
//
//   pixforge run MODEL.safetensors IN OUT [--tile N] [--threads N] [--memory MIB] [--halo N]
//                [--max-pixels N] [--max-memory MIB] [--mask M] [--quiet] [--verbose]
//   pixforge info MODEL.safetensors
//   pixforge archs
//   pixforge trace MODEL.safetensors IN [--dump PATTERN --dump-dir DIR]   (cli/cmd_trace.hpp)
//   pixforge flip|rotate|adjust IN OUT ..., augment IN OUTDIR -n N, compare A B   (cli/cmd_<name>.hpp)
//   pixforge run|flip|rotate|adjust ... INDIR OUTDIR ...   folder mode (cli/cmd_batch.hpp)
//   pixforge upscale|denoise|restore|remove-bg|... IN OUT ...   task shortcuts: pick a weight file, then run
//                                                              (cli/cmd_shortcuts.hpp)
//   pixforge --help | pixforge <command> --help | pixforge --version
//
// Exit codes: 0 success, 1 runtime error (unreadable/corrupt file, unknown architecture, image above the limits,
// ...), 2 usage error (unknown command or option, bad number, OUT == IN, unsupported output extension).
// The output is written by save_image(): encoded in memory, written to a temporary file in the target directory
// and renamed over OUT, so a failed run leaves no partial file and never touches an existing OUT.
// Every command parses its arguments with cli/args.hpp; run is cli/cmd_run.hpp, the others cli/cmd_<name>.hpp.
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

#include "args.hpp"  // ArgParser, UsageError, exit codes

namespace pf = pixforge;
namespace fs = std::filesystem;

namespace {

bool g_bar_open = false;  // a progress line is on stderr without its newline yet

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
    "  pixforge remove-bg | replace-bg | segment IN OUT   background removal / replacement / mask (IS-Net)\n"
    "  pixforge colorize | stylize | enhance | deblur IN OUT --model NAME   run's task modes (no public weights)\n"
    "  pixforge flip IN OUT --horizontal|--vertical       mirror (exact)\n"
    "  pixforge rotate IN OUT --angle A [--expand]        counter-clockwise; 90/180/270 exact, others bilinear\n"
    "  pixforge adjust IN OUT --brightness F --contrast F factors 0.2..100, 1 = unchanged (PIL ImageEnhance)\n"
    "  pixforge augment IN OUTDIR -n N [--seed S]         N seeded random flips/rotations/crops/scales\n"
    "  pixforge compare A B                               PSNR, SSIM, PSNR-Y, SSIM-Y\n"
    "  Every command but info, archs, trace, augment and compare also takes a folder: INDIR OUTDIR (every image;\n"
    "  the model loaded once; failures listed with the reason and skipped; progress bar with ETA; exit 1 if any)\n"
    "  pixforge <command> --help                          help on one command\n"
    "  pixforge --version\n"
    "\n"
    "Exit codes: 0 success, 1 runtime error, 2 usage error.\n";

const char* const kInfoHelp =
    "Usage: pixforge info MODEL.safetensors\n"
    "\n"
    "Prints what a weight file holds: architecture (and whether this program can build it), its config, task,\n"
    "scale, value range, padding, halo, parameter count, tensor dtypes, licence, source and converter.\n";

const char* const kArchsHelp =
    "Usage: pixforge archs\n"
    "\n"
    "Lists every architecture this program can build from a weight file's pixforge.arch metadata.\n";

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

}  // namespace

#include "cmd_batch.hpp"  // folder mode (INDIR OUTDIR) for run and the image operations
#include "cmd_run.hpp"    // pixforge run: one model load for a file or a whole folder

namespace {

int cmd_info(const std::vector<std::string>& args) {
  ArgParser p("info", kInfoHelp);
  if (!p.parse(args)) return kOk;
  p.expect_positional(1, "one MODEL.safetensors");
  const pf::SafeTensors st = pf::SafeTensors::open(p.positional()[0]);
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
  ArgParser p("archs", kArchsHelp);
  if (!p.parse(args)) return kOk;
  if (!p.positional().empty()) throw UsageError("archs: unexpected argument '" + p.positional()[0] + "'");
  for (const auto& kv : pf::model_registry())
    std::printf("%-20s %s\n", kv.first.c_str(), kv.second.description.c_str());
  return kOk;
}

}  // namespace

#include "cmd_trace.hpp"  // pixforge trace (uses the helpers above)
#include "cmd_shortcuts.hpp"  // upscale, denoise, restore: pick the weight file, then run_model
#include "cmd_flip.hpp"     // image operations (issue #6), each in its own file
#include "cmd_rotate.hpp"
#include "cmd_adjust.hpp"
#include "cmd_augment.hpp"
#include "cmd_compare.hpp"

namespace {

// The commands, in the order pixforge --help lists them.
struct Command {
  const char* name;
  int (*run)(const std::vector<std::string>&);
};
const Command kCommands[] = {
    {"run", cmd_run},         {"info", cmd_info},       {"archs", cmd_archs},     {"trace", cmd_trace},
    {"upscale", cmd_upscale}, {"denoise", cmd_denoise}, {"restore", cmd_restore}, {"flip", cmd_flip},
    {"rotate", cmd_rotate},   {"adjust", cmd_adjust},   {"augment", cmd_augment}, {"compare", cmd_compare},
};

std::string command_list() {
  std::string s;
  for (const Command& c : kCommands) s += (s.empty() ? "" : ", ") + std::string(c.name);
  for (const TaskCommand& t : kTaskCommands) s += ", " + std::string(t.name);
  return s + "; see pixforge --help";
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    if (args.empty()) throw UsageError("missing command (" + command_list() + ")");
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
    for (const Command& c : kCommands)
      if (cmd == c.name) return c.run(rest);
    for (const TaskCommand& t : kTaskCommands)
      if (cmd == t.name) return run_task_command(t, rest);
    throw UsageError("unknown command '" + cmd + "' (" + command_list() + ")");
  } catch (const UsageError& e) {
    std::fprintf(stderr, "pixforge: %s\n", e.what());
    return kUsageError;
  } catch (const std::exception& e) {  // pixforge::Error and anything else (std::bad_alloc, ...)
    std::fprintf(stderr, "%spixforge: error: %s\n", g_bar_open ? "\n" : "", e.what());
    return kRuntimeError;
  }
}
