// peer_pixforge — the pixforge side of the side-by-side peer benchmark (bench/peers/run_peers.py).
//
//   peer_pixforge WEIGHTS.safetensors INPUT.f32 N,C,H,W THREADS [OUTPUT.f32]
//
// Loads the network a converted weight file describes (not timed), reads the network input as raw little-endian
// float32 (already pre-padded: exactly what the other runtimes get), runs the network ONCE with THREADS threads and
// prints one JSON line {"run_ms": ..., "dims": [...], "vmhwm_kb": ..., "tiles": ...}. The run is the first one of
// the process (cold, like every peer driver here), so lazy allocations are part of it in every runtime alike. The
// output tensor is written as raw float32 when OUTPUT is given, so the harness can compare it with the peers'.
//
// What runs is what the library's users run: Pipeline::run_tensor (pipeline.hpp) with the default RunOptions, as
// `pixforge run` does: the automatic tile plan (memory budget 1 GiB; tiles also where their exact context costs
// <= 10 % extra work, RunOptions::max_tile_overhead), the model's own padding (pre_pad, border mode). It gets the
// image, i.e. the network input with the harness's padding cut off again (the same reflect/replicate padding as
// the reference apps, so the pipeline re-pads it to the very same tensor). "tiles" reports the plan (rows x
// columns @ edge; 1x1@0 = untiled). Environment: PEER_PIXFORGE_PAD=P is the harness's padding per side (default:
// the model's pre_pad); where it is not the model's pre_pad (RRDBNet: the harness pads 0 like Real-ESRGAN's CLI,
// the pipeline 10 like its RealESRGANer class) the pipeline would feed the network another tensor than the peers
// get, so the driver runs forward() on the harness's tensor instead and says so in "tiles".
// PEER_PIXFORGE_MEMORY_MIB=N sets the budget; PEER_PIXFORGE_FORWARD=1 runs net->forward() on the padded tensor
// (untiled, no pipeline: the driver of sessions 1-4, whose tables in README.md / bench/NOTES.md were taken so).
//
// Before the timer, every Conv2d that the dispatcher sends to Winograd gets its transformed weights built (its
// ConvWeightCache): pixforge's counterpart of the weight prepacking ONNX Runtime does in session creation and ncnn
// in create_pipeline, both excluded from their timings. That time is printed as "prepare_ms" (0 when skipped);
// PEER_PIXFORGE_COLD=1 skips it, so the timed forward pays the transforms itself (the library's lazy default).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "pixforge/core/parallel.hpp"
#include "pixforge/models/isnet.hpp"
#include "pixforge/models/realcugan.hpp"
#include "pixforge/models/rrdbnet.hpp"
#include "pixforge/models/waifu2x_upconv7.hpp"
#include "pixforge/nn/layers.hpp"
#include "pixforge/pipeline.hpp"

using namespace pixforge;

namespace {

std::vector<int64_t> parse_dims(const std::string& s) {
  std::vector<int64_t> d;
  std::stringstream ss(s);
  for (std::string item; std::getline(ss, item, ',');) d.push_back(std::stoll(item));
  PIXFORGE_CHECK(d.size() == 4, ErrorCode::invalid_argument, "peer_pixforge: dims '", s, "' must be N,C,H,W");
  return d;
}

Tensor<float> read_f32(const std::string& path, const std::vector<int64_t>& dims) {
  Tensor<float> x = Tensor<float>::empty(Shape(dims));
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  PIXFORGE_CHECK(bool(f), ErrorCode::io_error, "peer_pixforge: cannot open '", path, "'");
  const int64_t bytes = int64_t(f.tellg());
  PIXFORGE_CHECK(bytes == x.numel() * 4, ErrorCode::shape_mismatch, "peer_pixforge: '", path, "' holds ", bytes,
                 " bytes, expected ", x.numel() * 4, " for ", x.shape().str());
  f.seekg(0);
  f.read(reinterpret_cast<char*>(x.data()), bytes);
  return x;
}

void write_f32(const std::string& path, const Tensor<float>& y) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(y.data()), std::streamsize(y.numel() * 4));
  PIXFORGE_CHECK(bool(f), ErrorCode::io_error, "peer_pixforge: cannot write '", path, "'");
}

// Peak resident set of this process so far (Linux /proc/self/status VmHWM), in KiB; -1 where unavailable.
long vmhwm_kb() {
  std::ifstream f("/proc/self/status");
  for (std::string line; std::getline(f, line);)
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

// Builds the Winograd weights of every Conv2d of `net` that conv2d() will send down that path (the dispatcher
// decides from the channel counts and the layer's parameters, not the map: a 1×1 probe of the input channels gives
// the same answer). Returns the milliseconds it took.
double prepare_weights(const Module& net) {
  const auto t0 = std::chrono::steady_clock::now();
  for (const auto& named : net.named_modules()) {
    const auto* conv = dynamic_cast<const Conv2d*>(named.second);
    if (conv == nullptr) continue;
    const Tensor<float> probe = Tensor<float>::empty({1, conv->weight.size(1) * conv->params.groups, 1, 1});
    // Layers whose transformed weights the library does not keep (winograd_streams_weights) transform them per call.
    // Nor those whose model asked for no cache (Conv2d::cache_weights: IS-Net).
    if (conv->cache_weights && detail::conv2d_winograd_preferred(probe, conv->weight, conv->params) &&
        !detail::winograd_streams_weights(conv->weight.shape()))
      conv->weight_cache.winograd(conv->weight);
  }
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

bool env_is(const char* name, const char* value) {
  const char* v = std::getenv(name);
  return v != nullptr && std::string(v) == value;
}

// The image inside the network input x [1, C, H + 2p, W + 2p] (p = the model's pre_pad, which the harness used).
Tensor<float> unpad(const Tensor<float>& x, int64_t p) {
  const int64_t C = x.size(1), H = x.size(2) - 2 * p, W = x.size(3) - 2 * p;
  PIXFORGE_CHECK(H > 0 && W > 0, ErrorCode::shape_mismatch, "peer_pixforge: input ", x.shape().str(),
                 " is smaller than the model's padding of ", p, " px per side");
  Tensor<float> y = Tensor<float>::empty({1, C, H, W});
  for (int64_t c = 0; c < C; ++c)
    for (int64_t r = 0; r < H; ++r) {
      const float* s = x.data() + (c * x.size(2) + r + p) * x.size(3) + p;
      std::copy(s, s + W, y.data() + (c * H + r) * W);
    }
  return y;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5 && argc != 6) {
    std::fprintf(stderr, "usage: peer_pixforge WEIGHTS.safetensors INPUT.f32 N,C,H,W THREADS [OUTPUT.f32]\n");
    return 2;
  }
  try {
    const Pipeline pipe(load_model(argv[1]));
    const char* pad_env = std::getenv("PEER_PIXFORGE_PAD");
    const int64_t pad = pad_env != nullptr ? std::stoll(pad_env) : pipe.info().pre_pad;
    const bool other_pad = pad != pipe.info().pre_pad;
    const bool forward = env_is("PEER_PIXFORGE_FORWARD", "1") || other_pad;
    const Tensor<float> padded = read_f32(argv[2], parse_dims(argv[3]));
    // No padding to cut (IS-Net, pre_pad 0): the image is the harness's tensor itself, not a second copy.
    const Tensor<float> x = forward || pipe.info().pre_pad == 0 ? padded : unpad(padded, pipe.info().pre_pad);
    set_num_threads(std::stoi(argv[4]));
    RunOptions opt;
    if (const char* mib = std::getenv("PEER_PIXFORGE_MEMORY_MIB")) opt.memory_budget = std::stoll(mib) << 20;
    const TilePlan plan = forward ? TilePlan{} : pipe.plan(x.size(2), x.size(3), opt);
    const double prepare_ms = env_is("PEER_PIXFORGE_COLD", "1") ? 0.0 : prepare_weights(pipe.model());
    const auto t0 = std::chrono::steady_clock::now();
    const Tensor<float> y = forward ? pipe.model().forward(x) : pipe.run_tensor(x, opt);
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (argc == 6) write_f32(argv[5], y);
    std::printf("{\"run_ms\": %.3f, \"prepare_ms\": %.3f, \"dims\": [%lld, %lld, %lld, %lld], \"vmhwm_kb\": %ld, "
                "\"tiles\": \"%s\"}\n",
                ms, prepare_ms, (long long)y.size(0), (long long)y.size(1), (long long)y.size(2), (long long)y.size(3),
                vmhwm_kb(),
                other_pad ? msg("forward: harness pad ", pad, " != pre_pad ", pipe.info().pre_pad).c_str()
                : forward ? "forward"
                          : msg(plan.tiles_y, "x", plan.tiles_x, "@", plan.tile).c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "peer_pixforge: %s\n", e.what());
    return 1;
  }
}
