// pixforge/core/dtype.hpp — storage types: float32, float16 (IEEE half) and bfloat16.
//
// Compute is always float32. Half and bfloat16 exist as *storage* types (weight files store them, and keeping
// weights in 16 bits halves their memory); they convert to float on load or on the fly.
//
//   half:     1 sign, 5 exponent (bias 15), 10 mantissa bits. Converted with the F16C instructions when the
//             compiler targets them (__F16C__), else with the exact bit-twiddling routine below (round to
//             nearest even, subnormals, inf and NaN preserved). Both give identical results.
//   bfloat16: the upper 16 bits of a float32. float -> bf16 rounds to nearest even (NaN kept quiet).
#pragma once

#include <cstdint>
#include <cstring>
#include <type_traits>
#if defined(__F16C__)
#include <immintrin.h>
#endif

namespace pixforge {

enum class DType : uint8_t { F32, F16, BF16 };

inline const char* dtype_name(DType d) {
  switch (d) {
    case DType::F32: return "F32";
    case DType::F16: return "F16";
    case DType::BF16: return "BF16";
  }
  return "?";
}
inline int dtype_size(DType d) { return d == DType::F32 ? 4 : 2; }

namespace detail {
inline uint32_t float_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}
inline float bits_float(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

// Reference conversions (used when F16C is not available, and by tests to check the F16C path).
inline float half_to_float_soft(uint16_t h) {
  const uint32_t sign = uint32_t(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1fu;
  uint32_t mant = h & 0x3ffu;
  if (exp == 0x1f) return bits_float(sign | 0x7f800000u | (mant << 13));  // inf / NaN
  if (exp == 0) {
    if (mant == 0) return bits_float(sign);  // +-0
    // Subnormal: value = mant * 2^-24; normalise it.
    int e = -1;
    do {
      ++e;
      mant <<= 1;
    } while ((mant & 0x400u) == 0);
    mant &= 0x3ffu;
    return bits_float(sign | uint32_t(127 - 15 - e) << 23 | (mant << 13));
  }
  return bits_float(sign | (exp + 127 - 15) << 23 | (mant << 13));
}

inline uint16_t float_to_half_soft(float f) {
  const uint32_t u = float_bits(f);
  const uint16_t sign = uint16_t((u >> 16) & 0x8000u);
  const uint32_t abs = u & 0x7fffffffu;
  if (abs >= 0x7f800000u) {  // inf or NaN (NaN stays NaN: keep a mantissa bit set)
    return uint16_t(sign | 0x7c00u | (abs > 0x7f800000u ? (0x200u | ((abs >> 13) & 0x3ffu)) : 0u));
  }
  if (abs >= 0x477ff000u) return uint16_t(sign | 0x7c00u);  // rounds to >= 65520 -> inf
  if (abs < 0x38800000u) {                                  // below the smallest normal half (2^-14)
    if (abs < 0x33000000u) return sign;                     // < 2^-25 rounds to zero
    // Subnormal half: value = r * 2^-24 with r = mant * 2^(exp-150+24); round to nearest even.
    const uint32_t exp = abs >> 23;                           // 102 .. 112 here
    const uint32_t mant = (abs & 0x7fffffu) | 0x800000u;      // with the implicit leading 1
    const uint32_t shift = 126 - exp;                         // 14 .. 24
    const uint32_t rem = mant & ((1u << shift) - 1u);
    const uint32_t halfway = 1u << (shift - 1);
    uint32_t r = mant >> shift;
    if (rem > halfway || (rem == halfway && (r & 1u))) ++r;
    return uint16_t(sign | r);
  }
  // Normal: rebias exponent, round mantissa to nearest even (carry may bump the exponent, which is right).
  uint32_t v = abs - (uint32_t(127 - 15) << 23);
  const uint32_t rem = v & 0x1fffu;
  v >>= 13;
  if (rem > 0x1000u || (rem == 0x1000u && (v & 1u))) ++v;
  return uint16_t(sign | v);
}
}  // namespace detail

// IEEE 754 binary16 storage type.
struct half {
  uint16_t bits = 0;
  half() = default;
  explicit half(float f) : bits(from_float(f)) {}
  static half from_bits(uint16_t b) {
    half h;
    h.bits = b;
    return h;
  }
  operator float() const { return to_float(bits); }

  static float to_float(uint16_t b) {
#if defined(__F16C__)
    return _cvtsh_ss(b);
#else
    return detail::half_to_float_soft(b);
#endif
  }
  static uint16_t from_float(float f) {
#if defined(__F16C__)
    return static_cast<uint16_t>(_cvtss_sh(f, _MM_FROUND_TO_NEAREST_INT));
#else
    return detail::float_to_half_soft(f);
#endif
  }
};

// bfloat16 storage type.
struct bfloat16 {
  uint16_t bits = 0;
  bfloat16() = default;
  explicit bfloat16(float f) : bits(from_float(f)) {}
  static bfloat16 from_bits(uint16_t b) {
    bfloat16 h;
    h.bits = b;
    return h;
  }
  operator float() const { return to_float(bits); }
  static float to_float(uint16_t b) { return detail::bits_float(uint32_t(b) << 16); }
  static uint16_t from_float(float f) {
    const uint32_t u = detail::float_bits(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) return uint16_t((u >> 16) | 0x40u);  // quiet NaN
    const uint32_t lsb = (u >> 16) & 1u;
    return uint16_t((u + 0x7fffu + lsb) >> 16);
  }
};

static_assert(sizeof(half) == 2 && sizeof(bfloat16) == 2, "16-bit storage types must be 2 bytes");

template <class T>
struct dtype_of;
template <>
struct dtype_of<float> {
  static constexpr DType value = DType::F32;
};
template <>
struct dtype_of<half> {
  static constexpr DType value = DType::F16;
};
template <>
struct dtype_of<bfloat16> {
  static constexpr DType value = DType::BF16;
};

// Converts n values of a storage type to float (the loop vectorises; F16C does 8 halves per instruction).
inline void to_float(const half* src, float* dst, int64_t n) {
  int64_t i = 0;
#if defined(__F16C__)
  for (; i + 8 <= n; i += 8) {
    __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i));
    _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(h));
  }
#endif
  for (; i < n; ++i) dst[i] = half::to_float(src[i].bits);
}
inline void to_float(const bfloat16* src, float* dst, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dst[i] = bfloat16::to_float(src[i].bits);
}
inline void to_float(const float* src, float* dst, int64_t n) { std::memcpy(dst, src, size_t(n) * 4); }

}  // namespace pixforge
