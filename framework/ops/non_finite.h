// A fast scan for NaN or infinity, so kernels can take a branch-free path on finite planes and
// leave the NaN rules to a scalar one.
#pragma once

#include <cstdint>
#include <cstring>

namespace poolnet {

// True if x[0, n) holds a NaN or an infinity (exponent bits all set); an integer OR-reduction,
// so it vectorises.
inline bool has_non_finite(const float* x, int64_t n) {
  uint32_t any = 0;
  for (int64_t i = 0; i < n; ++i) {
    uint32_t bits;
    std::memcpy(&bits, x + i, sizeof bits);
    any |= static_cast<uint32_t>((bits & 0x7f800000u) == 0x7f800000u);
  }
  return any != 0;
}

}  // namespace poolnet
