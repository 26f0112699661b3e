// background — run a model on a worker thread while the caller stays responsive, show progress, and cancel.
// RunOptions::progress is called on the worker after each tile; RunOptions::cancel is an atomic flag the worker
// checks before each tile: set it from any thread and run() stops with an Error ("cancelled") at the next tile
// boundary — no output is produced, nothing is left half-written.
//
//   background MODEL.safetensors IN OUT
// Runs twice on small tiles: once to the end (saved to OUT), once cancelled by the main thread after the first tile.
#define PIXFORGE_IMPLEMENTATION
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>

#include "pixforge/models/all.hpp"
#include "pixforge/pipeline.hpp"

using namespace pixforge;

struct Job {
  std::mutex m;
  std::condition_variable changed;  // signalled after each tile and at the end
  int64_t done = 0, total = 0;
  bool finished = false;
  std::atomic<bool> cancel{false};  // read by run() before each tile
  Image result;
  std::string error;  // set by the worker if run() failed (or was cancelled)
};

// Starts pipe.run(image) on a new thread; the thread only touches `job`.
std::thread start(const Pipeline& pipe, const Image& image, Job& job) {
  return std::thread([&pipe, &image, &job] {
    RunOptions opt;
    opt.tile = 16;  // small tiles: many progress steps (and cancellation points) even on a small image
    opt.cancel = &job.cancel;
    opt.progress = [&job](int64_t d, int64_t t) {
      std::lock_guard<std::mutex> lock(job.m);
      job.done = d, job.total = t;
      job.changed.notify_all();
    };
    Image result;
    std::string error;
    try {
      result = pipe.run(image, opt);
    } catch (const Error& e) {
      error = e.what();
    }
    std::lock_guard<std::mutex> lock(job.m);
    job.result = std::move(result), job.error = error, job.finished = true;
    job.changed.notify_all();
  });
}

int main(int argc, char** argv) {
  if (argc != 4) return std::fprintf(stderr, "usage: %s MODEL.safetensors IN OUT\n", argv[0]), 2;
  try {
    const Pipeline pipe = Pipeline::load(argv[1]);
    const Image image = load_image(argv[2]);

    Job full;  // 1. to the end; the main thread reports progress as it comes (a UI would repaint here)
    std::thread worker = start(pipe, image, full);
    {
      std::unique_lock<std::mutex> lock(full.m);
      for (int64_t shown = -1; !full.finished; full.changed.wait(lock)) {
        if (full.total == 0 || full.done == shown) continue;
        std::printf("progress %lld/%lld\n", (long long)(shown = full.done), (long long)full.total);
      }
    }
    worker.join();
    if (!full.error.empty()) return std::fprintf(stderr, "background: %s\n", full.error.c_str()), 1;
    save_image(argv[3], full.result);
    std::printf("finished: %lld tiles, %s\n", (long long)full.total, argv[3]);

    Job stopped;  // 2. cancelled as soon as the first tile is done
    worker = start(pipe, image, stopped);
    {
      std::unique_lock<std::mutex> lock(stopped.m);
      stopped.changed.wait(lock, [&] { return stopped.done >= 1 || stopped.finished; });
      stopped.cancel = true;  // e.g. the user pressed Cancel
    }
    worker.join();
    if (stopped.error.empty()) {
      std::printf("the second run finished before the cancel request arrived\n");
    } else {
      std::printf("second run stopped after %lld of %lld tiles: %s\n", (long long)stopped.done,
                  (long long)stopped.total, stopped.error.c_str());
    }
    return 0;
  } catch (const Error& e) {
    return std::fprintf(stderr, "background: %s\n", e.what()), 1;
  }
}
