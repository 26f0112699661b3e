// peer_pixforge — the pixforge side of the side-by-side peer benchmark (bench/peers/run_peers.py).
//
//   peer_pixforge WEIGHTS.safetensors INPUT.f32 N,C,H,W THREADS [OUTPUT.f32]
//
// Loads the network a converted weight file describes (not timed), reads the network input as raw little-endian
// float32 (already pre-padded: exactly what the other runtimes get), runs ONE forward pass with THREADS threads and
// prints one JSON line {"run_ms": ..., "dims": [...], "vmhwm_kb": ...}. The forward is the first one of the process
// (cold, like every peer driver here), so lazy allocations are part of it in every runtime alike. The output tensor
// is written as raw float32 when OUTPUT is given, so the harness can compare it with the peers' outputs.
#include <chrono>
#include <cstdio>
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

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5 && argc != 6) {
    std::fprintf(stderr, "usage: peer_pixforge WEIGHTS.safetensors INPUT.f32 N,C,H,W THREADS [OUTPUT.f32]\n");
    return 2;
  }
  try {
    const std::unique_ptr<ImageModel> net = load_model(argv[1]);
    const Tensor<float> x = read_f32(argv[2], parse_dims(argv[3]));
    set_num_threads(std::stoi(argv[4]));
    const auto t0 = std::chrono::steady_clock::now();
    const Tensor<float> y = net->forward(x);
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (argc == 6) write_f32(argv[5], y);
    std::printf("{\"run_ms\": %.3f, \"dims\": [%lld, %lld, %lld, %lld], \"vmhwm_kb\": %ld}\n", ms,
                (long long)y.size(0), (long long)y.size(1), (long long)y.size(2), (long long)y.size(3), vmhwm_kb());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "peer_pixforge: %s\n", e.what());
    return 1;
  }
}
