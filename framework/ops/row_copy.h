// Row copies for the kernels' gathers and scatters (convolution, polyphase selection): rows are
// short (often 8 to 32 columns), so the tail is one masked vector operation, not a scalar loop.
//   copy_row         dst[i] = src[i]         add_row          dst[i] += src[i]
//   copy_row_stride2 dst[i] = src[2i]        add_row_stride2  dst[2i] += src[i]
// for i < n; the stride-2 forms touch the strided side only at [0, 2n-2].
//   prefetch         the cache lines of [p, p+n)
#pragma once

#include <algorithm>
#include <cstdint>

#ifdef __AVX512F__
#include <immintrin.h>
#endif

namespace poolnet::row_copy {

inline void copy_row(float* dst, const float* src, int64_t n) {
#ifdef __AVX512F__
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(dst + i, _mm512_loadu_ps(src + i));
  if (i < n) {
    const auto m = static_cast<__mmask16>((1u << (n - i)) - 1);
    _mm512_mask_storeu_ps(dst + i, m, _mm512_maskz_loadu_ps(m, src + i));
  }
#else
  for (int64_t i = 0; i < n; ++i) dst[i] = src[i];
#endif
}

inline void add_row(float* dst, const float* src, int64_t n) {
#ifdef __AVX512F__
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(dst + i, _mm512_add_ps(_mm512_loadu_ps(dst + i), _mm512_loadu_ps(src + i)));
  if (i < n) {
    const auto m = static_cast<__mmask16>((1u << (n - i)) - 1);
    _mm512_mask_storeu_ps(dst + i, m, _mm512_add_ps(_mm512_maskz_loadu_ps(m, dst + i), _mm512_maskz_loadu_ps(m, src + i)));
  }
#else
  for (int64_t i = 0; i < n; ++i) dst[i] += src[i];
#endif
}

#ifdef __AVX512F__
inline __mmask16 low_mask(int64_t bits) {
  return bits >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << std::max<int64_t>(bits, 0)) - 1);
}
#endif

inline void copy_row_stride2(float* dst, const float* src, int64_t n) {
#ifdef __AVX512F__
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  for (int64_t i = 0; i < n; i += 16) {
    const int64_t lanes = std::min<int64_t>(16, n - i), reads = 2 * lanes - 1;
    const __m512 a = _mm512_maskz_loadu_ps(low_mask(reads), src + 2 * i);
    const __m512 b = _mm512_maskz_loadu_ps(low_mask(reads - 16), src + 2 * i + 16);
    _mm512_mask_storeu_ps(dst + i, low_mask(lanes), _mm512_permutex2var_ps(a, even, b));
  }
#else
  for (int64_t i = 0; i < n; ++i) dst[i] = src[2 * i];
#endif
}

inline void add_row_stride2(float* dst, const float* src, int64_t n) {
#ifdef __AVX512F__
  const __m512i lo = _mm512_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7);
  const __m512i hi = _mm512_setr_epi32(8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15);
  const auto even = static_cast<__mmask16>(0x5555);
  for (int64_t i = 0; i < n; i += 16) {
    const int64_t lanes = std::min<int64_t>(16, n - i), reads = 2 * lanes - 1;
    const __m512 g = _mm512_maskz_loadu_ps(low_mask(lanes), src + i);
    const __mmask16 ma = low_mask(reads) & even, mb = low_mask(reads - 16) & even;
    float* d = dst + 2 * i;
    const __m512 da = _mm512_maskz_loadu_ps(ma, d), db = _mm512_maskz_loadu_ps(mb, d + 16);
    _mm512_mask_storeu_ps(d, ma, _mm512_add_ps(da, _mm512_permutexvar_ps(lo, g)));
    _mm512_mask_storeu_ps(d + 16, mb, _mm512_add_ps(db, _mm512_permutexvar_ps(hi, g)));
  }
#else
  for (int64_t i = 0; i < n; ++i) dst[2 * i] += src[i];
#endif
}

// Asks for the n floats at p in the cache ahead of their use: the next plane, while this one is
// copied in an order (row parity, phase) the hardware prefetcher does not follow.
inline void prefetch(const float* p, int64_t n) {
  for (int64_t i = 0; i < n; i += 16) __builtin_prefetch(p + i);
}

}  // namespace poolnet::row_copy
