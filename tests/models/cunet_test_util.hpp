// Helpers shared by test_realcugan.cpp and test_waifu2x_cunet.cpp: the "hashed" random weights of
// tools/golden/gen_cunet.py (full-width U-Nets have too many parameters to store in a golden file, so both sides
// compute them from (tensor index, element index)).
#pragma once

#include <cmath>
#include <cstdint>
#include <string>

#include "pixforge/core/json.hpp"
#include "pixforge/nn/module.hpp"
#include "test_util.hpp"

namespace pixforge {
namespace test {

// murmur3's 32-bit finaliser of (i + 0x9E3779B9·(t + 1 + 1000·seed)) mod 2^32, mapped to [-bound, bound).
inline float cunet_hash_value(uint32_t t, uint32_t i, uint32_t seed, double bound) {
  uint32_t x = i + 0x9E3779B9u * (t + 1u + 1000u * seed);
  x ^= x >> 16;
  x *= 0x85EBCA6Bu;
  x ^= x >> 13;
  x *= 0xC2B2AE35u;
  x ^= x >> 16;
  const double u = double(x >> 8) / double(1u << 24);
  return float((2.0 * u - 1.0) * bound);
}

// Fills every parameter of `m` from the golden case's "params" list ([key, bound] in state_dict order) and checks
// that the keys are exactly the module's, in the same order.
inline void cunet_hash_fill(Module& m, const Json& case_params) {
  const Json& spec = case_params["params"];
  const uint32_t seed = uint32_t(case_params["seed"].as_int64());
  const auto named = m.named_parameters();
  REQUIRE_MESSAGE(named.size() == spec.size(), "module has ", named.size(), " tensors, golden lists ", spec.size());
  for (size_t t = 0; t < named.size(); ++t) {
    const std::string key = spec[t][0].as_string();
    REQUIRE_MESSAGE(named[t].name == key, "tensor ", t, ": module key '", named[t].name, "' vs golden '", key, "'");
    const double bound = spec[t][1].as_double();
    Tensor<float>& p = *named[t].tensor;
    for (int64_t i = 0; i < p.numel(); ++i) p.data()[i] = cunet_hash_value(uint32_t(t), uint32_t(i), seed, bound);
  }
}

// Every parameter of `m` filled with hashed values of one bound (for tests that only need some weights).
inline void cunet_hash_fill_all(Module& m, uint32_t seed, double bound) {
  const auto named = m.named_parameters();
  for (size_t t = 0; t < named.size(); ++t) {
    Tensor<float>& p = *named[t].tensor;
    for (int64_t i = 0; i < p.numel(); ++i) p.data()[i] = cunet_hash_value(uint32_t(t), uint32_t(i), seed, bound);
  }
}

// Every parameter filled with hashed values under He-uniform bounds (sqrt(6 / fan-in) for conv weights, ±0.1 for
// the rest), so activations neither vanish nor explode through deep nets and SE gates vary across channels.
inline void cunet_hash_fill_he(Module& m, uint32_t seed) {
  const auto named = m.named_parameters();
  for (size_t t = 0; t < named.size(); ++t) {
    Tensor<float>& p = *named[t].tensor;
    const double bound = p.dim() == 4 ? std::sqrt(6.0 / double(p.numel() / p.size(0))) : 0.1;
    for (int64_t i = 0; i < p.numel(); ++i) p.data()[i] = cunet_hash_value(uint32_t(t), uint32_t(i), seed, bound);
  }
}

}  // namespace test
}  // namespace pixforge
