// batch — load the weights once, run on many images: the Pipeline (network + weights) is built one time and
// reused for every file; a file that fails (unreadable, too large, ...) is reported and skipped, the batch goes on.
// Pipeline::run is const and keeps no per-call state, so one Pipeline can also serve several threads at once.
//
//   batch MODEL.safetensors OUT_DIR IN...         writes OUT_DIR/<name of IN>.png; exit 1 if any file failed
#define PIXFORGE_IMPLEMENTATION
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "pixforge/models/all.hpp"
#include "pixforge/pipeline.hpp"

using namespace pixforge;
namespace fs = std::filesystem;

int main(int argc, char** argv) {
  if (argc < 4) return std::fprintf(stderr, "usage: %s MODEL.safetensors OUT_DIR IN...\n", argv[0]), 2;
  std::unique_ptr<Pipeline> pipe;
  try {
    const auto t0 = std::chrono::steady_clock::now();
    pipe = std::make_unique<Pipeline>(Pipeline::load(argv[1]));  // the expensive part: once
    std::printf("loaded %s (%s) in %.0f ms\n", pipe->info().arch.c_str(), pipe->info().task.c_str(),
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    fs::create_directories(argv[2]);
  } catch (const std::exception& e) {
    return std::fprintf(stderr, "batch: %s\n", e.what()), 1;
  }
  int failed = 0;
  for (int i = 3; i < argc; ++i) {
    const std::string out = (fs::path(argv[2]) / fs::path(argv[i]).stem()).string() + ".png";
    try {
      const auto t0 = std::chrono::steady_clock::now();
      const Image img = pipe->run(load_image(argv[i]));
      save_image(out, img);
      std::printf("%s -> %s (%dx%d, %.0f ms)\n", argv[i], out.c_str(), img.width, img.height,
                  std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    } catch (const Error& e) {  // one bad file does not stop the batch
      std::fprintf(stderr, "batch: skipped %s: %s\n", argv[i], e.what());
      ++failed;
    }
  }
  std::printf("%d of %d image(s) done\n", argc - 3 - failed, argc - 3);
  return failed ? 1 : 0;
}
