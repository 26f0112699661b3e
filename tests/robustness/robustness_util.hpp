// tests/robustness/robustness_util.hpp — small model files built in memory for the bad-input tests.
#pragma once

#include <string>
#include <vector>

#include "pixforge/io/safetensors.hpp"
#include "pixforge/models/model.hpp"

namespace pixforge {
namespace test {

// A complete weight file for `arch` with `config` (JSON text): every parameter the network has, filled with a
// small deterministic pattern, plus pixforge.arch / pixforge.config. `edit(name, tensor)` may change a tensor
// before it is written.
template <class Edit>
std::vector<uint8_t> model_file(const std::string& arch, const std::string& config, Edit edit) {
  const auto model = model_registry().at(arch).create(Json::parse(config));
  SafeTensorsWriter w;
  int64_t k = 0;
  for (const NamedTensor& p : model->named_parameters()) {
    Tensor<float> t = Tensor<float>::empty(p.tensor->shape());
    for (int64_t i = 0; i < t.numel(); ++i) t.data()[i] = float((k++ * 37) % 17 - 8) / 64.0f;
    edit(p.name, t);
    w.add(p.name, t);
  }
  w.set_metadata("pixforge.arch", arch);
  w.set_metadata("pixforge.config", config);
  return w.to_bytes();
}
inline std::vector<uint8_t> model_file(const std::string& arch, const std::string& config) {
  return model_file(arch, config, [](const std::string&, Tensor<float>&) {});
}

// The pixforge::Error a call raises (code and message), or an empty message if it succeeded.
struct Caught {
  bool thrown = false;
  ErrorCode code = ErrorCode::internal;
  std::string what;
};
template <class F>
Caught catch_error(F&& f) {
  Caught c;
  try {
    f();
  } catch (const Error& e) {
    c.thrown = true;
    c.code = e.code();
    c.what = e.what();
  }
  return c;
}

}  // namespace test
}  // namespace pixforge
