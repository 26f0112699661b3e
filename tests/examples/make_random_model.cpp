// make_random_model — a weight file with seeded random values for an architecture that has no public weights, so
// the examples can be run by the test suite (CMakeLists.txt, example_* tests). Not an example itself.
//
//   make_random_model ARCH CONFIG_JSON SEED OUT.safetensors [KEY*=GAIN | KEY+=OFFSET ...]
//
// Builds the registered ARCH from CONFIG_JSON (the same pixforge.config a converter writes), fills every parameter
// and buffer so that activations keep their scale through deep nets (conv/linear weights He-uniform ±sqrt(6/fan_in),
// norm scales and running variances in [0.5, 1.5], biases and means in ±0.1; PyTorch's default ±1/sqrt(fan_in)
// shrinks the signal ~0.6× per layer, which leaves a 7-layer net's output almost constant),
// and saves it with the metadata load_model() needs. The same arguments always give the same file.
// KEY*=GAIN / KEY+=OFFSET then rescale / shift one tensor, to put a network's output where its value range makes
// it visible (a 0..255 style net, logits that would saturate a sigmoid); the checks refuse degenerate outputs.
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

#include "pixforge/models/all.hpp"

using namespace pixforge;

namespace {
bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) return std::fprintf(stderr, "usage: %s ARCH CONFIG_JSON SEED OUT [KEY*=G|KEY+=B ...]\n", argv[0]), 2;
  try {
    const std::string arch = argv[1], config = argv[2];
    const auto it = model_registry().find(arch);
    PIXFORGE_CHECK(it != model_registry().end(), ErrorCode::unsupported, "make_random_model: unknown arch '", arch,
                   "'");
    std::unique_ptr<ImageModel> net = it->second.create(Json::parse(config, "CONFIG_JSON"));
    std::mt19937 rng(uint32_t(std::strtoul(argv[3], nullptr, 10)));
    SafeTensorsWriter w;
    for (const NamedTensor& p : net->named_parameters()) {
      Tensor<float>& t = *p.tensor;
      float lo = -0.1f, hi = 0.1f;
      if (t.dim() >= 2) {
        const float bound = std::sqrt(6.0f / float(t.numel() / t.size(0)));
        lo = -bound, hi = bound;
      } else if (ends_with(p.name, "running_var") || ends_with(p.name, "weight")) {
        lo = 0.5f, hi = 1.5f;
      }
      std::uniform_real_distribution<float> dist(lo, hi);
      for (int64_t i = 0; i < t.numel(); ++i) t.data()[i] = dist(rng);
    }
    for (int a = 5; a < argc; ++a) {
      const std::string arg = argv[a];
      const size_t op = arg.find("=");
      PIXFORGE_CHECK(op != std::string::npos && op >= 2 && (arg[op - 1] == '*' || arg[op - 1] == '+'),
                     ErrorCode::invalid_argument, "make_random_model: '", arg, "' is not KEY*=GAIN or KEY+=OFFSET");
      const std::string key = arg.substr(0, op - 1);
      const float v = std::stof(arg.substr(op + 1));
      bool found = false;
      for (const NamedTensor& p : net->named_parameters()) {
        if (p.name != key) continue;
        found = true;
        for (int64_t i = 0; i < p.tensor->numel(); ++i)
          p.tensor->data()[i] = arg[op - 1] == '*' ? p.tensor->data()[i] * v : p.tensor->data()[i] + v;
      }
      PIXFORGE_CHECK(found, ErrorCode::invalid_argument, "make_random_model: no tensor '", key, "' in ", arch);
    }
    for (const NamedTensor& p : net->named_parameters()) w.add(p.name, *p.tensor);
    w.set_metadata("pixforge.arch", arch);
    w.set_metadata("pixforge.config", config);
    w.set_metadata("pixforge.source", std::string("random weights, seed ") + argv[3] + " (make_random_model)");
    w.set_metadata("pixforge.license", "none (test data)");
    w.save(argv[4]);
    std::printf("%s: %s %s, %lld parameters\n", argv[4], arch.c_str(), config.c_str(),
                (long long)net->parameter_count());
    return 0;
  } catch (const Error& e) {
    return std::fprintf(stderr, "make_random_model: %s\n", e.what()), 1;
  }
}
