// cli/cmd_trace.hpp — `pixforge trace`: one forward pass with the per-layer tracer of nn/trace.hpp, for learners.
//
//   pixforge trace MODEL.safetensors IN [--dump PATTERN] [--dump-dir DIR] [--channels N] [--threads N] [--warmup N]
//
// Prints one line per layer call (dotted PyTorch name, torch.nn type, output shape, wall time, FLOPs) and the
// totals; with --dump, writes the feature maps of the layers whose names match PATTERN ('*' and '?' wildcards) as
// gray PNGs, the first N channels tiled into one picture (nn/trace.hpp feature_map_grid), to DIR/<name>.png.
// The image is prepared as `pixforge run` prepares it (model channels and range, pre-padding, size multiple) and
// run untiled, so the shapes are those of one whole-image forward pass.
//
// Included by cli/pixforge.cpp after its helpers (UsageError, parse_int, is_help, kOk), outside any namespace.
#pragma once

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "pixforge/io/image.hpp"
#include "pixforge/models/model.hpp"
#include "pixforge/nn/trace.hpp"
#include "pixforge/pipeline.hpp"

namespace {

const char* const kTraceHelp =
    "Usage: pixforge trace MODEL.safetensors IN [options]\n"
    "\n"
    "Runs the model once on the image IN (untiled) and prints, for every layer call, its dotted PyTorch name\n"
    "(the prefix of its keys in the weight file), its type, output shape, time and FLOPs, then the totals.\n"
    "Only weight-owning layers (Conv2d, ConvTranspose2d, BatchNorm2d, InstanceNorm2d, Linear, PReLU) are traced;\n"
    "activations, pooling, resampling and padding run between them and appear as the untraced remainder.\n"
    "FLOPs count a multiply and an add as two; bias and fused activations are not counted.\n"
    "\n"
    "Options:\n"
    "  --dump PATTERN   write the feature maps of the layers whose names match PATTERN ('*' any characters,\n"
    "                   '?' one character; e.g. 'conv1', 'body.*', '*'): gray PNGs, each channel stretched to\n"
    "                   its own min..max, the first channels tiled into one picture\n"
    "  --dump-dir DIR   where to write them (default: trace; created if missing); files are DIR/<name>.png\n"
    "                   (a layer called k > 1 times: DIR/<name>-k.png)\n"
    "  --channels N     channels per picture (default 16)\n"
    "  --threads N      worker threads (default: all cores, or OMP_NUM_THREADS)\n"
    "  --warmup N       untraced forward passes first (default 0): the traced pass then leaves out one-time\n"
    "                   work (Winograd weight transforms, first-touch page faults of new feature maps)\n"
    "  --help           this text\n";

std::string trace_human_flops(double f) {
  char buf[32];
  if (f >= 1e9)
    std::snprintf(buf, sizeof buf, "%.2f G", f / 1e9);
  else if (f >= 1e6)
    std::snprintf(buf, sizeof buf, "%.2f M", f / 1e6);
  else
    std::snprintf(buf, sizeof buf, "%.0f ", f);
  return buf;
}

int cmd_trace(const std::vector<std::string>& args) {
  std::string pattern, dump_dir = "trace";
  int64_t channels = 16;
  int threads = 0;
  int64_t warmup = 0;
  ArgParser p("trace", kTraceHelp);
  p.text("--dump", pattern).text("--dump-dir", dump_dir).integer("--channels", channels, 1, 4096);
  p.integer("--threads", threads, 1, 1024).integer("--warmup", warmup, 0, 100);
  if (!p.parse(args)) return kOk;
  p.expect_positional(2, "MODEL.safetensors IN");
  const std::vector<std::string>& pos = p.positional();
  if (threads > 0) pf::set_num_threads(threads);

  pf::Pipeline pipe = pf::Pipeline::load(pos[0]);
  const pf::ImageModelInfo& info = pipe.info();
  if (info.in_channels != 1 && info.in_channels != 3)
    pf::fail(pf::ErrorCode::unsupported, pf::msg("trace: '", info.arch, "' takes ", info.in_channels,
                                                 " channels; images give 1 (gray) or 3 (RGB)"));
  const pf::Image image = pf::load_image(pos[1], int(info.in_channels));
  const pf::Tensor<float> x = pf::image_to_tensor(image, info.range);  // [1, Cin, H, W] in the model's range

  pf::RunOptions opt;
  opt.tile = 0;
  for (int64_t i = 0; i < warmup; ++i) pipe.run_tensor(x, opt);

  pf::TraceRecorder rec(pipe.model());
  std::map<std::string, int> calls;
  int dumped = 0;
  double dump_s = 0;  // PNG writing happens inside the forward pass: measured, and left out of its time
  if (!pattern.empty()) {
    std::filesystem::create_directories(dump_dir);
    rec.on_event = [&](const pf::TraceEvent& e, const pf::Tensor<float>& y) {
      if (!pf::trace_name_matches(pattern, e.name) || y.dim() != 4) return;
      const auto d0 = std::chrono::steady_clock::now();
      const int k = ++calls[e.name];
      const std::string file = (std::filesystem::path(dump_dir) /
                                (e.name + (k > 1 ? "-" + std::to_string(k) : std::string()) + ".png"))
                                   .string();
      pf::save_image(file, pf::tensor_to_image(pf::feature_map_grid(y, channels)));
      ++dumped;
      dump_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - d0).count();
    };
  }
  const auto t0 = std::chrono::steady_clock::now();
  {
    pf::TraceScope scope(rec);
    pipe.run_tensor(x, opt);
  }
  const double forward_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() - dump_s;

  std::printf("%s (task %s) on %s, %dx%d, %d threads\n", info.arch.c_str(), info.task.c_str(), pos[1].c_str(),
              image.width, image.height, pf::get_num_threads());
  std::printf("%-40s %-16s %-22s %10s %12s\n", "layer", "type", "output", "ms", "FLOPs");
  for (const pf::TraceEvent& e : rec.events())
    std::printf("%-40s %-16s %-22s %10.3f %11sFLOP\n", e.name.c_str(), e.type, e.output.str().c_str(),
                e.seconds * 1e3, trace_human_flops(e.flops).c_str());
  const double traced_s = rec.total_seconds();
  std::printf("total: %zu layer calls, %.3f ms, %sFLOP (%.2f GFLOP/s); whole forward pass %.3f ms "
              "(%.3f ms outside the traced layers: activations, pooling, resampling, padding, copies)\n",
              rec.events().size(), traced_s * 1e3, trace_human_flops(rec.total_flops()).c_str(),
              traced_s > 0 ? rec.total_flops() / traced_s / 1e9 : 0.0, forward_s * 1e3,
              (forward_s - traced_s) * 1e3);
  if (!pattern.empty()) {
    if (dumped == 0)
      pf::fail(pf::ErrorCode::invalid_argument,
               "trace: no layer name matches --dump '" + pattern + "' (the names are listed above)");
    std::printf("wrote %d feature map(s) to %s (%.3f s, not included above)\n", dumped, dump_dir.c_str(), dump_s);
  }
  return kOk;
}

}  // namespace
