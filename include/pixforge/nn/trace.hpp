// pixforge/nn/trace.hpp — per-layer tracing for learners: which layer ran, its output shape, time and FLOPs.
//
//     std::unique_ptr<ImageModel> net = load_model("weights/tiny-sr-2x.safetensors");
//     TraceRecorder rec(*net);                    // resolves each layer to its dotted PyTorch name ("body.0.conv1")
//     {
//       TraceScope scope(rec);                    // installs the recorder on this thread until the scope ends
//       net->forward(x);
//     }
//     for (const TraceEvent& e : rec.events()) printf("%s %s %s\n", e.name.c_str(), e.type, e.output.str().c_str());
//
// How it works: every weight-owning layer of nn/layers.hpp (Conv2d, ConvTranspose2d, BatchNorm2d, InstanceNorm2d,
// Linear, PReLU) checks a thread-local Tracer pointer in operator(). When it is null (always, unless a TraceScope
// is alive on this thread) the cost is one thread-local load and a predictable branch; when set, the layer times
// its op and reports (module, type, input, output, seconds, flops); bench/nn/bench_trace.cpp measures both cases
// against the bare op. A layer does not know its own name (a Module only knows its children's names), so
// TraceRecorder walks the model once with Module::named_modules() and maps each module's address to its dotted
// name: exactly the prefix of its keys in named_parameters().
//
// What is traced: only the nn layers above. Ops a model calls directly (activations, pooling, concat, the
// functional conv2d() of a model written from ops) run untraced; TraceRecorder::events() therefore covers part of
// forward()'s time, and the CLI (`pixforge trace`) prints both totals. A layer called several times (recurrent
// blocks) gives one event per call. The ops' own OpenMP workers need no tracer: the layer reports on the calling
// thread.
//
// FLOPs (multiply and add counted separately, bias and fused activation not counted):
//   Conv2d           2 · (Cin/groups) · k_h · k_w · numel(output)      = 2·Cin·Cout·k²·H·W for groups 1, batch 1
//   ConvTranspose2d  2 · (Cout/groups) · k_h · k_w · numel(input)      (every input pixel scatters a k×k patch)
//   Linear           2 · in_features · numel(output)
//   BatchNorm2d / InstanceNorm2d: 2 · numel(output) (the per-channel scale and shift; statistics not counted)
//   PReLU            numel(output)
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "pixforge/core/error.hpp"
#include "pixforge/core/tensor.hpp"
#include "pixforge/nn/module.hpp"

namespace pixforge {

class Tracer {
 public:
  virtual ~Tracer() = default;
  // Called by a layer after it ran: its module, its torch.nn type name, the input and output, wall time, FLOPs.
  virtual void on_layer(const Module& module, const char* type, const Tensor<float>& input,
                        const Tensor<float>& output, double seconds, double flops) = 0;
};

// The tracer of the calling thread (null = tracing off). A function-local thread_local, so the header stays
// header-only and every translation unit shares one variable.
inline Tracer*& current_tracer() {
  thread_local Tracer* tracer = nullptr;
  return tracer;
}

// Installs a tracer on this thread for the scope's lifetime (restoring the previous one, so scopes nest).
class TraceScope {
 public:
  explicit TraceScope(Tracer& t) : previous_(current_tracer()) { current_tracer() = &t; }
  ~TraceScope() { current_tracer() = previous_; }
  TraceScope(const TraceScope&) = delete;
  TraceScope& operator=(const TraceScope&) = delete;

 private:
  Tracer* previous_;
};

namespace detail {

// Runs op() and reports it to the thread's tracer. Only called when current_tracer() is set; flops_of(y) is
// evaluated after the op, from the output shape.
template <class Op, class Flops>
Tensor<float> traced_call(const Module& m, const char* type, const Tensor<float>& x, Op&& op, Flops&& flops_of) {
  Tracer* t = current_tracer();
  const auto t0 = std::chrono::steady_clock::now();
  Tensor<float> y = op();
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  t->on_layer(m, type, x, y, s, flops_of(y));
  return y;
}

}  // namespace detail

// One layer call as recorded by TraceRecorder.
struct TraceEvent {
  std::string name;  // dotted PyTorch name ("body.0.conv1"); "<unregistered>" for a layer outside the model
  const char* type;  // "Conv2d", "BatchNorm2d", ...
  Shape input, output;
  double seconds = 0, flops = 0;
};

// Records every traced layer call of one model, with names resolved from the module tree. `on_event`, when set,
// also sees each event with the output tensor while it is alive (the CLI writes feature maps from it).
class TraceRecorder : public Tracer {
 public:
  explicit TraceRecorder(const Module& root) {
    for (const auto& nm : root.named_modules()) names_.emplace(nm.second, nm.first);
  }
  std::function<void(const TraceEvent&, const Tensor<float>& output)> on_event;

  void on_layer(const Module& module, const char* type, const Tensor<float>& input, const Tensor<float>& output,
                double seconds, double flops) override {
    auto it = names_.find(&module);
    TraceEvent e{it == names_.end() ? std::string("<unregistered>") : it->second, type, input.shape(),
                 output.shape(), seconds, flops};
    if (on_event) on_event(e, output);
    events_.push_back(std::move(e));
  }
  const std::vector<TraceEvent>& events() const { return events_; }
  double total_seconds() const {
    double s = 0;
    for (const auto& e : events_) s += e.seconds;
    return s;
  }
  double total_flops() const {
    double f = 0;
    for (const auto& e : events_) f += e.flops;
    return f;
  }

 private:
  std::unordered_map<const Module*, std::string> names_;
  std::vector<TraceEvent> events_;
};

// Shell-style match of a dotted layer name: '*' any run of characters (dots included), '?' one character.
// "layers.0.*" selects the encoder, "*conv1" every conv1, "*" everything.
inline bool trace_name_matches(const std::string& pattern, const std::string& name) {
  size_t p = 0, n = 0, star = std::string::npos, mark = 0;
  while (n < name.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == name[n])) {
      ++p;
      ++n;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = n;
    } else if (star != std::string::npos) {
      p = star + 1;
      n = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

// A feature map [N, C, H, W] as one gray picture: the first min(C, max_channels) channels of sample 0 in a grid of
// ceil(sqrt(n)) columns, each channel stretched to [0, 1] on its own min..max (a constant channel is 0.5), with a
// 1-pixel 0-valued gap between cells. Returns [1, 1, rows·(H+1)−1, cols·(W+1)−1] in [0, 1].
inline Tensor<float> feature_map_grid(const Tensor<float>& fmap, int64_t max_channels = 16) {
  PIXFORGE_CHECK(fmap.dim() == 4 && fmap.numel() > 0 && max_channels >= 1, ErrorCode::shape_mismatch,
                 "feature_map_grid: expected a non-empty [N,C,H,W] feature map, got ", fmap.shape().str());
  const Tensor<float> x = fmap.contiguous();
  const int64_t C = std::min(x.size(1), max_channels), H = x.size(2), W = x.size(3);
  int64_t cols = 1;
  while (cols * cols < C) ++cols;
  const int64_t rows = (C + cols - 1) / cols;
  Tensor<float> out = Tensor<float>::zeros({1, 1, rows * (H + 1) - 1, cols * (W + 1) - 1});
  const int64_t OW = out.size(3);
  for (int64_t c = 0; c < C; ++c) {
    const float* s = x.data() + c * H * W;
    float lo = s[0], hi = s[0];
    for (int64_t i = 1; i < H * W; ++i) lo = std::min(lo, s[i]), hi = std::max(hi, s[i]);
    const float scale = hi > lo ? 1.0f / (hi - lo) : 0.0f;
    float* d = out.data() + (c / cols) * (H + 1) * OW + (c % cols) * (W + 1);
    for (int64_t y = 0; y < H; ++y)
      for (int64_t xx = 0; xx < W; ++xx) d[y * OW + xx] = hi > lo ? (s[y * W + xx] - lo) * scale : 0.5f;
  }
  return out;
}

}  // namespace pixforge
