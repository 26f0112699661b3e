// Shared by the whole-model benches (bench_sr_models.cpp, bench_generators.cpp): one benchmark body that builds a
// network (from a converted weight file, or from its default Config with seeded random weights when no public
// weights exist), runs forward() on a square input and reports
//   flops     effective conv FLOP/s: 2 · the conv MACs of one forward (core/op_counter.hpp counts every conv2d /
//             conv_transpose2d call) / time. Norms, activations, pooling and attention matmuls are not counted.
//   conv_GFLOP  that per-forward figure, for reference
//   peak_MiB  the process's peak resident memory during the timed loop: the kernel's high-water mark (VmHWM) is
//             reset by writing "5" to /proc/self/clear_refs just before the loop (after the model and input exist)
//             and read after it. It includes the weights, the input and whatever the allocator kept resident.
//   run_MiB   peak_MiB minus the resident size at the reset: what forward() itself added (activations, scratch).
//             Free memory the allocator has not returned is trimmed first (malloc_trim), so earlier benchmarks in
//             the same process do not hide this one's allocations.
//   tensor_MiB  the high-water mark of the tensor storage allocated during the timed loop (TensorMemoryTracker,
//             core/tensor.hpp): activations and per-call op buffers, without weights, input, allocator slack or
//             std::vector scratch (a process's first forward also builds the per-layer weight caches, counted
//             when they are tensors). The gap to run_MiB is what lives outside tensors.
// Time is wall clock (UseRealTime); the benches register MeasureProcessCPUTime(), so CPU is the CPU time of all
// threads of the process. On a loaded machine wall ≫ CPU / threads means the run waited for a core: compare CPU
// times there, and read wall times only from an idle machine.
// A benchmark whose weight file is absent is skipped with the command that makes it.
//
// The network input is the image edge plus the reference app's pre-padding on each side (Real-CUGAN/waifu2x:
// reflect/replicate 18 px, as pipeline.hpp does), rounded up to info().size_multiple; the label shows it.
#pragma once

#include <benchmark/benchmark.h>
#include <malloc.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <memory>
#include <random>
#include <string>

#include "pixforge/core/op_counter.hpp"
#include "pixforge/models/model.hpp"

namespace pixforge {
namespace bench {

// How to build one network.
struct ModelSpec {
  const char* weights;  // repo-relative .safetensors path; nullptr = random weights from `arch` + `config`
  const char* arch;     // registry name, for random weights
  const char* config;   // JSON Config for random weights ("{}" = the defaults)
  const char* fetch;    // the command that makes `weights` when it is absent
};

// VmHWM / VmRSS of this process in KiB (-1 if /proc is unavailable).
inline long proc_status_kib(const char* field) {
  std::ifstream f("/proc/self/status");
  const std::string key = std::string(field) + ":";
  for (std::string line; std::getline(f, line);)
    if (line.compare(0, key.size(), key) == 0) return std::stol(line.substr(key.size()));
  return -1;
}

// Resets the kernel's resident-memory high-water mark to the current RSS (Linux >= 4.0). Returns false when that
// is not possible (then peak_MiB would be the process-wide maximum, and is not reported).
inline bool reset_peak_rss() {
  malloc_trim(0);
  std::FILE* f = std::fopen("/proc/self/clear_refs", "w");
  if (!f) return false;
  const bool ok = std::fputs("5", f) >= 0;
  return std::fclose(f) == 0 && ok;
}

// The peak resident memory of one benchmark: construct it just before the timed loop (after the model and input
// exist), call report() after it. Adds peak_MiB and run_MiB (see the top of this file) when /proc allows the reset.
class PeakMemory {
 public:
  PeakMemory() : ok_(reset_peak_rss()), rss0_kib_(proc_status_kib("VmRSS")) {}
  void report(benchmark::State& state) const {
    const long hwm = proc_status_kib("VmHWM");
    if (!ok_ || hwm <= 0 || rss0_kib_ <= 0) return;
    state.counters["peak_MiB"] = double(hwm) / 1024.0;
    state.counters["run_MiB"] = double(hwm - rss0_kib_) / 1024.0;
  }

 private:
  bool ok_;
  long rss0_kib_;
};

// Seeded He-uniform weights (bound sqrt(6 / fan_in)) so activations stay in a normal range through deep nets (no
// overflow, no denormals, which would change the speed); biases small; BatchNorm running statistics mean 0,
// variance 1; norm scales 1. Other buffers (fixed DCT bases and the like) are left as the constructor made them.
inline void fill_random(Module& m, uint32_t seed = 1) {
  std::mt19937 rng(seed);
  const auto ends_with = [](const std::string& s, const char* suffix) {
    const std::string t(suffix);
    return s.size() >= t.size() && s.compare(s.size() - t.size(), t.size(), t) == 0;
  };
  for (const auto& p : m.named_parameters()) {
    Tensor<float>& t = *p.tensor;
    if (p.is_buffer) {
      if (ends_with(p.name, "running_mean")) t.fill(0.0f);
      if (ends_with(p.name, "running_var")) t.fill(1.0f);
      continue;
    }
    if (t.dim() == 1) {
      t.fill(ends_with(p.name, "weight") ? 1.0f : 0.01f);
      continue;
    }
    const float bound = std::sqrt(6.0f * float(t.size(0)) / float(t.numel()));
    std::uniform_real_distribution<float> d(-bound, bound);
    float* v = t.data();
    for (int64_t i = 0; i < t.numel(); ++i) v[i] = d(rng);
  }
}

inline std::unique_ptr<ImageModel> build_model(const ModelSpec& s) {
  if (s.weights) return load_model(std::string(PIXFORGE_SOURCE_DIR) + "/" + s.weights);
  auto it = model_registry().find(s.arch);
  if (it == model_registry().end()) fail(ErrorCode::unsupported, msg("bench: arch '", s.arch, "' not registered"));
  std::unique_ptr<ImageModel> net = it->second.create(Json::parse(s.config, std::string(s.arch) + " bench config"));
  fill_random(*net);
  return net;
}

// Arguments: range(0) = image edge (square), range(1) = threads.
inline void run_model(benchmark::State& state, const ModelSpec& spec) {
  if (spec.weights && !std::ifstream(std::string(PIXFORGE_SOURCE_DIR) + "/" + spec.weights).good()) {
    state.SkipWithError((std::string(spec.weights) + " is absent; make it with: " + spec.fetch).c_str());
    return;
  }
  std::unique_ptr<ImageModel> net;
  try {
    net = build_model(spec);
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  const ImageModelInfo& info = net->info();
  const int64_t m = info.size_multiple;
  const int64_t n = (state.range(0) + 2 * info.pre_pad + m - 1) / m * m;
  set_num_threads(int(state.range(1)));
  Tensor<float> x = Tensor<float>::empty({1, info.in_channels, n, n});
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> d(0.0f, 1.0f);
  for (int64_t i = 0; i < x.numel(); ++i) x.data()[i] = d(rng);

  const PeakMemory peak;
  int64_t nonfinite = -1;
  MacCounter count;
  TensorMemoryTracker tensor_bytes;
  for (auto _ : state) {
    Tensor<float> y = net->forward(x);
    benchmark::DoNotOptimize(y.data());
    if (nonfinite < 0) {  // once: random weights must not overflow (inf/NaN would make the timing meaningless)
      nonfinite = 0;
      for (int64_t i = 0; i < y.numel(); ++i) nonfinite += std::isfinite(y.data()[i]) ? 0 : 1;
    }
  }
  peak.report(state);
  state.counters["tensor_MiB"] = double(tensor_bytes.peak_bytes()) / 1048576.0;
  set_num_threads(0);

  const double flop = 2.0 * double(count.macs()) / double(state.iterations());
  state.counters["flops"] = benchmark::Counter(flop, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["conv_GFLOP"] = flop * 1e-9;
  if (nonfinite > 0) state.counters["nonfinite"] = double(nonfinite);
  state.SetLabel(std::string(spec.weights ? spec.weights : "random weights (seed 1)") + ", net input " +
                 std::to_string(info.in_channels) + "x" + std::to_string(n) + "x" + std::to_string(n));
}

}  // namespace bench
}  // namespace pixforge
