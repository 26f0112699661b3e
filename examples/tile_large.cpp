// tile_large — a large image with bounded memory: the Pipeline cuts the image into tiles whose activations fit a
// budget (RunOptions::memory_budget), each extended by the network's receptive radius (halo) so the seams are
// exact; the output is written tile by tile into the final image. Peak memory ≈ input + output image + one tile.
//
//   tile_large MODEL.safetensors IN OUT [--memory MIB] [--verify]
// --verify also runs the image untiled (which needs the full memory) and prints the largest difference of the
// float outputs; exit 1 if it exceeds 1e-5 (tiles are exact up to float summation order).
#define PIXFORGE_IMPLEMENTATION
#include <sys/resource.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "pixforge/models/all.hpp"
#include "pixforge/pipeline.hpp"

using namespace pixforge;

int main(int argc, char** argv) {
  if (argc < 4) return std::fprintf(stderr, "usage: %s MODEL IN OUT [--memory MIB] [--verify]\n", argv[0]), 2;
  RunOptions opt;  // tile -1: pick the largest tile that fits memory_budget
  bool verify = false;
  for (int i = 4; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--memory" && i + 1 < argc) opt.memory_budget = std::atoll(argv[++i]) << 20;
    else if (a == "--verify") verify = true;
    else return std::fprintf(stderr, "tile_large: unknown option '%s'\n", a.c_str()), 2;
  }
  try {
    const Pipeline pipe = Pipeline::load(argv[1]);
    const Image in = load_image(argv[2]);
    opt.notice = [](const std::string& s) { std::fprintf(stderr, "tile_large: %s\n", s.c_str()); };
    const TilePlan plan = pipe.plan(in.height, in.width, opt);  // what run() will do, before doing it
    std::printf("%s on %dx%d, budget %lld MiB: %lldx%lld tiles of %lld px + halo %lld, ~%.1f MiB each\n",
                pipe.info().arch.c_str(), in.width, in.height, (long long)(opt.memory_budget >> 20),
                (long long)plan.tiles_x, (long long)plan.tiles_y, (long long)plan.tile, (long long)plan.halo,
                double(plan.tile_bytes) / (1 << 20));
    save_image(argv[3], pipe.run(in, opt));
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    std::printf("wrote %s; peak RSS %.1f MiB\n", argv[3], double(ru.ru_maxrss) / 1024.0);  // Linux: KiB

    if (!verify) return 0;
    const ImageModelInfo& i = pipe.info();
    const Tensor<float> x = image_to_tensor(convert_channels(in, int(i.in_channels)), i.range);
    RunOptions whole = opt;
    whole.tile = 0;
    const Tensor<float> a = pipe.run_tensor(x, opt), b = pipe.run_tensor(x, whole);
    float worst = 0;
    for (int64_t k = 0; k < a.numel(); ++k) worst = std::max(worst, std::fabs(a.data()[k] - b.data()[k]));
    std::printf("max |tiled - untiled| = %.3g over %lld values\n", double(worst), (long long)a.numel());
    return worst <= 1e-5f ? 0 : 1;
  } catch (const Error& e) {
    return std::fprintf(stderr, "tile_large: %s\n", e.what()), 1;
  }
}
