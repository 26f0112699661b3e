// pixforge/imgproc/unfused.hpp — a product that is rounded before it is used, so `a * b + c` is never fused into
// one FMA instruction.
//
// Why: GCC contracts a * b + c into an FMA by default in C++ (-ffp-contract=fast, even with -std=c++17) whenever
// the target has FMA (-march=native on any recent x86). The fused result skips one rounding, so it can differ from
// the reference by an ulp — and the 8-bit ops here (rotate, adjust) then TRUNCATE, so an ulp below an integer
// becomes 1 LSB off Pillow, whose x86-64 build has no FMA. The empty asm makes the product a value the compiler
// must materialise; it costs nothing else.
#ifndef PIXFORGE_IMGPROC_UNFUSED_HPP
#define PIXFORGE_IMGPROC_UNFUSED_HPP

namespace pixforge {
namespace detail {

template <class T>
inline T unfused_mul(T a, T b) {
  T p = a * b;
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
  __asm__("" : "+x"(p));
#elif defined(__GNUC__) && defined(__aarch64__)
  __asm__("" : "+w"(p));
#else
  volatile T v = p;
  p = v;
#endif
  return p;
}

}  // namespace detail
}  // namespace pixforge

#endif  // PIXFORGE_IMGPROC_UNFUSED_HPP
