// pixforge/core/activation_spec.hpp — a point-wise activation that ops can fuse into their epilogue.
//
// conv2d, conv_transpose2d, linear, ... take an `Act` in their params and apply it to each output value right
// after the bias add, while the value is still in cache (ncnn and oneDNN call this a post-op). The standalone
// activation ops (ops/activation.hpp) use the same scalar formulas, so a fused and an unfused run give the same
// bits.
//
//   none                x
//   relu                max(x, 0)
//   leaky_relu(alpha)   x >= 0 ? x : alpha * x      (PyTorch default alpha 0.01; waifu2x uses 0.1, pix2pix 0.2)
//   elu(alpha)          x > 0 ? x : alpha * (exp(x) - 1)
//   sigmoid             1 / (1 + exp(-x))
//   tanh                tanh(x)
//   hardtanh(lo, hi)    clamp(x, lo, hi)           (PyTorch Hardtanh; also clamp)
//   gelu                0.5 x (1 + erf(x / sqrt 2)) (PyTorch's exact form, not the tanh approximation)
#pragma once

#include <cmath>
#include <cstdint>

namespace pixforge {

enum class ActKind : uint8_t { none, relu, leaky_relu, elu, sigmoid, tanh, hardtanh, gelu };

struct Act {
  ActKind kind = ActKind::none;
  float alpha = 0.0f;  // leaky_relu slope, elu alpha, hardtanh lower bound
  float beta = 0.0f;   // hardtanh upper bound

  static Act none() { return {}; }
  static Act relu() { return {ActKind::relu, 0.0f, 0.0f}; }
  static Act leaky_relu(float slope = 0.01f) { return {ActKind::leaky_relu, slope, 0.0f}; }
  static Act elu(float a = 1.0f) { return {ActKind::elu, a, 0.0f}; }
  static Act sigmoid() { return {ActKind::sigmoid, 0.0f, 0.0f}; }
  static Act tanh() { return {ActKind::tanh, 0.0f, 0.0f}; }
  static Act hardtanh(float lo = -1.0f, float hi = 1.0f) { return {ActKind::hardtanh, lo, hi}; }
  static Act gelu() { return {ActKind::gelu, 0.0f, 0.0f}; }
};

inline float apply_act(float x, const Act& a) {
  switch (a.kind) {
    case ActKind::none: return x;
    case ActKind::relu: return x > 0.0f ? x : 0.0f;
    case ActKind::leaky_relu: return x >= 0.0f ? x : a.alpha * x;
    case ActKind::elu: return x > 0.0f ? x : a.alpha * std::expm1(x);
    case ActKind::sigmoid: return 1.0f / (1.0f + std::exp(-x));
    case ActKind::tanh: return std::tanh(x);
    case ActKind::hardtanh: return x < a.alpha ? a.alpha : (x > a.beta ? a.beta : x);
    case ActKind::gelu: return 0.5f * x * (1.0f + std::erf(x * 0.70710678118654752f));
  }
  return x;
}

// In place over a contiguous run; the switch is hoisted out of the loop so each case vectorises.
inline void apply_act_inplace(float* p, int64_t n, const Act& a) {
  switch (a.kind) {
    case ActKind::none: return;
    case ActKind::relu:
      for (int64_t i = 0; i < n; ++i) p[i] = p[i] > 0.0f ? p[i] : 0.0f;
      return;
    case ActKind::leaky_relu: {
      const float s = a.alpha;
      for (int64_t i = 0; i < n; ++i) p[i] = p[i] >= 0.0f ? p[i] : s * p[i];
      return;
    }
    default:
      for (int64_t i = 0; i < n; ++i) p[i] = apply_act(p[i], a);
  }
}

}  // namespace pixforge
