// tests/models/det_fill_bn.hpp — det_fill_module() of u2net_fill.hpp for any network with conv + BatchNorm layers:
// a module is a BatchNorm when it owns a `running_mean` buffer (tools/golden/gen_u2net.py det_fill() decides by
// isinstance(BatchNorm2d), the same set). Same deterministic values per key as the U²-Net goldens.
#pragma once

#include <set>
#include <string>

#include "u2net_fill.hpp"

namespace pixforge {
namespace test {

// Fills every parameter and buffer; then multiplies every conv weight (a ".weight" outside a BatchNorm) by
// conv_weight_scale (the generators use exact powers of two).
inline void det_fill_module_bn(Module& m, float conv_weight_scale = 1.0f) {
  const auto params = m.named_parameters();
  std::set<std::string> bn_owners;
  const std::string rm = ".running_mean";
  for (const auto& p : params)
    if (key_ends_with(p.name, rm)) bn_owners.insert(p.name.substr(0, p.name.size() - rm.size()));
  for (const auto& p : params) {
    const std::string& k = p.name;
    const std::string owner = k.substr(0, k.rfind('.'));
    const bool bn = bn_owners.count(owner) != 0;
    DetKind kind;
    if (bn && key_ends_with(k, ".running_mean")) kind = DetKind::running_mean;
    else if (bn && key_ends_with(k, ".running_var")) kind = DetKind::running_var;
    else if (bn && key_ends_with(k, ".weight")) kind = DetKind::bn_weight;
    else if (bn) kind = DetKind::bn_bias;
    else if (key_ends_with(k, ".weight")) kind = DetKind::conv_weight;
    else kind = DetKind::conv_bias;
    det_fill(*p.tensor, k, kind);
    if (kind == DetKind::conv_weight && conv_weight_scale != 1.0f)
      for (int64_t i = 0; i < p.tensor->numel(); ++i) p.tensor->data()[i] *= conv_weight_scale;
  }
}

inline Tensor<float> det_tensor(const std::string& key, const Shape& shape) {
  Tensor<float> t = Tensor<float>::empty(shape);
  det_fill(t, key, DetKind::input);
  return t;
}

}  // namespace test
}  // namespace pixforge
