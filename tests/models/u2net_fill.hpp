// tests/models/u2net_fill.hpp — deterministic weights and inputs for the U²-Net / IS-Net goldens: every tensor is a
// function of its state_dict key, computed identically by tools/golden/gen_u2net.py (see its docstring), so the
// golden file only stores expected outputs.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>

#include "pixforge/core/tensor.hpp"
#include "pixforge/nn/module.hpp"

namespace pixforge {
namespace test {

inline uint32_t fnv1a(const std::string& s) {
  uint32_t h = 0x811C9DC5u;
  for (unsigned char b : s) {
    h ^= b;
    h *= 0x01000193u;
  }
  return h;
}

enum class DetKind { conv_weight, conv_bias, bn_weight, bn_bias, running_mean, running_var, input };

inline void det_fill(Tensor<float>& t, const std::string& key, DetKind kind) {
  const uint32_t h = fnv1a(key);
  const int64_t n = t.numel();
  const float s = kind == DetKind::conv_weight ? float(std::sqrt(6.0 / double(n / t.size(0)))) : 0.0f;
  for (int64_t i = 0; i < n; ++i) {
    uint32_t x = h ^ uint32_t(uint64_t(i) * 2654435761ull);
    x = x * 1103515245u + 12345u;
    const float u = float(int64_t((x >> 16) % 2001u) - 1000) / 1000.0f;
    float v = 0;
    switch (kind) {
      case DetKind::conv_weight: v = u * s; break;
      case DetKind::conv_bias:
      case DetKind::bn_bias:
      case DetKind::running_mean: v = u * 0.1f; break;
      case DetKind::bn_weight: v = 1.0f + 0.5f * u; break;
      case DetKind::running_var: v = 1.25f + 0.75f * u; break;
      case DetKind::input: v = u * 2.0f; break;
    }
    t.data()[i] = v;
  }
}

inline Tensor<float> det_input(const Shape& shape) {
  Tensor<float> t = Tensor<float>::empty(shape);
  det_fill(t, "input", DetKind::input);
  return t;
}

inline bool key_ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Fills every parameter and buffer of a U²-Net-family module (the only BatchNorms are the `bn_s1`s).
inline void det_fill_module(Module& m) {
  for (const auto& p : m.named_parameters()) {
    const std::string& k = p.name;
    const bool bn = k.find("bn_s1.") != std::string::npos;
    DetKind kind;
    if (bn && key_ends_with(k, ".running_mean")) kind = DetKind::running_mean;
    else if (bn && key_ends_with(k, ".running_var")) kind = DetKind::running_var;
    else if (bn && key_ends_with(k, ".weight")) kind = DetKind::bn_weight;
    else if (bn) kind = DetKind::bn_bias;
    else if (key_ends_with(k, ".weight")) kind = DetKind::conv_weight;
    else kind = DetKind::conv_bias;
    det_fill(*p.tensor, k, kind);
  }
}

}  // namespace test
}  // namespace pixforge
