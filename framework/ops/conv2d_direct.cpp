#include "framework/ops/conv2d_direct.h"

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <vector>

#include "framework/parallel.h"
#include "framework/scratch.h"
#include "framework/tensor.h"

#ifdef __AVX512F__
#include <immintrin.h>
#endif

namespace poolnet::conv2d_direct {

namespace {
constexpr int64_t kBlock = 8;         // output channels per register block
constexpr int64_t kLanes = 16;        // floats per vector
constexpr int64_t kVectors = 2;       // vectors per output row segment (32 columns)
constexpr int64_t kMaxProduct = 256;  // C * OC up to which the direct kernel beats im2col + GEMM

struct Layout {
  int64_t PH, L, row, plane;        // padded rows, floats per phase, per padded row (sw * L), per channel
  std::vector<int64_t> tap_column;  // [KW]: where kernel column kw starts inside a padded row
  std::vector<int64_t> rows, cols;  // [PH], [sw*L]: the source row / column of each padded position (-1: zero)
};

Layout layout(const Problem& p) {
  Layout l{};
  l.PH = (p.OH - 1) * p.sh + (p.KH - 1) * p.dh + 1;
  const int64_t PW = (p.OW - 1) * p.sw + (p.KW - 1) * p.dw + 1;
  l.L = (PW + p.sw - 1) / p.sw;  // PW: padded columns read
  l.row = p.sw * l.L;
  l.plane = l.PH * l.row;
  l.tap_column.resize(static_cast<size_t>(p.KW));
  for (int64_t kw = 0; kw < p.KW; ++kw) {
    const int64_t t = kw * p.dw;
    l.tap_column[static_cast<size_t>(kw)] = (t % p.sw) * l.L + t / p.sw;
  }
  l.rows.resize(static_cast<size_t>(l.PH));
  l.cols.resize(static_cast<size_t>(l.row));
  for (int64_t r = 0; r < l.PH; ++r) l.rows[static_cast<size_t>(r)] = pad_source_index(r - p.pt, p.H, p.padding_mode);
  for (int64_t j = 0; j < p.sw; ++j) {
    for (int64_t u = 0; u < l.L; ++u) {
      const int64_t q = u * p.sw + j;
      l.cols[static_cast<size_t>(j * l.L + u)] = q < PW ? pad_source_index(q - p.pl, p.W, p.padding_mode) : -1;
    }
  }
  return l;
}

thread_local ScratchBuffer t_padded;

// xq [C, PH, sw, L] = the padded sample x [C, H, W], split into column phases.
void pad_sample(const Problem& p, const Layout& l, const float* x, float* xq) {
  const std::vector<int64_t>& rows = l.rows;
  const std::vector<int64_t>& cols = l.cols;
  for (int64_t c = 0; c < p.C; ++c) {
    for (int64_t r = 0; r < l.PH; ++r) {
      float* dst = xq + c * l.plane + r * l.row;
      const int64_t h = rows[static_cast<size_t>(r)];
      if (h < 0) {
        std::fill(dst, dst + l.row, 0.0f);
        continue;
      }
      const float* s = x + (c * p.H + h) * p.W;
      if (p.sw == 1 && l.row >= p.pl + p.W) {  // the row itself is one contiguous run
        for (int64_t k = 0; k < p.pl; ++k)
          dst[k] = cols[static_cast<size_t>(k)] < 0 ? 0.0f : s[cols[static_cast<size_t>(k)]];
        std::copy(s, s + p.W, dst + p.pl);
        for (int64_t k = p.pl + p.W; k < l.row; ++k) {
          dst[k] = cols[static_cast<size_t>(k)] < 0 ? 0.0f : s[cols[static_cast<size_t>(k)]];
        }
        continue;
      }
      for (int64_t k = 0; k < l.row; ++k) {
        const int64_t i = cols[static_cast<size_t>(k)];
        dst[k] = i < 0 ? 0.0f : s[i];
      }
    }
  }
}

#ifdef __AVX512F__
// y [OB, OH, OW] (output channels oc0 .. oc0+OB-1) for output rows oh .. oh+R-1, columns
// [ow0, ow0 + lanes) (V vectors per row); wp [C, KH, KW, OB] the block's packed weights.
// R rows at once when a row is one vector, so each broadcast weight feeds R*V FMAs.
template <int OB, int V, int R>
void row_segment(const Problem& p, const Layout& l, const float* xq, const float* wp, const float* b, int64_t oh,
                 int64_t ow0, int64_t lanes, float* y) {
  constexpr int kRV = R * V;
  const auto last = static_cast<__mmask16>((1u << (lanes - (V - 1) * kLanes)) - 1);
  // Flat arrays with fully unrolled loops: GCC keeps them in registers (nested arrays of
  // accumulators were stored to the stack after every FMA).
  __m512 acc[OB * kRV];
#pragma GCC unroll 64
  for (int i = 0; i < OB * kRV; ++i) acc[i] = _mm512_set1_ps(b != nullptr ? b[i / kRV] : 0.0f);
  const int64_t rstep = p.sh * l.row;  // floats from one output row's input row to the next's
  const int64_t* tap_column = l.tap_column.data();
  for (int64_t c = 0; c < p.C; ++c) {
    for (int64_t kh = 0; kh < p.KH; ++kh) {
      const float* row = xq + c * l.plane + (oh * p.sh + kh * p.dh) * l.row + ow0;
      const float* wk = wp + (c * p.KH + kh) * p.KW * OB;
      for (int64_t kw = 0; kw < p.KW; ++kw, wk += OB) {
        const float* src = row + tap_column[kw];
        __m512 xv[kRV];
#pragma GCC unroll 4
        for (int i = 0; i < kRV; ++i) {
          const float* a = src + (i / V) * rstep + (i % V) * kLanes;
          xv[i] = i % V == V - 1 ? _mm512_maskz_loadu_ps(last, a) : _mm512_loadu_ps(a);
        }
#pragma GCC unroll 8
        for (int ob = 0; ob < OB; ++ob) {
          const __m512 wv = _mm512_set1_ps(wk[ob]);
#pragma GCC unroll 4
          for (int i = 0; i < kRV; ++i) acc[ob * kRV + i] = _mm512_fmadd_ps(wv, xv[i], acc[ob * kRV + i]);
        }
      }
    }
  }
  const int64_t ohw = p.OH * p.OW;
#pragma GCC unroll 64
  for (int i = 0; i < OB * kRV; ++i) {
    const int ob = i / kRV, r = (i % kRV) / V, v = i % V;
    float* dst = y + ob * ohw + (oh + r) * p.OW + ow0 + v * kLanes;
    if (v == V - 1) {
      _mm512_mask_storeu_ps(dst, last, acc[i]);
    } else {
      _mm512_storeu_ps(dst, acc[i]);
    }
  }
}

template <int OB>
void block_rows(const Problem& p, const Layout& l, const float* xq, const float* wp, const float* b, float* y) {
  if (p.OW <= kLanes) {  // one vector per row: two rows at a time
    int64_t oh = 0;
    for (; oh + 2 <= p.OH; oh += 2) row_segment<OB, 1, 2>(p, l, xq, wp, b, oh, 0, p.OW, y);
    if (oh < p.OH) row_segment<OB, 1, 1>(p, l, xq, wp, b, oh, 0, p.OW, y);
    return;
  }
  for (int64_t oh = 0; oh < p.OH; ++oh) {
    for (int64_t ow0 = 0; ow0 < p.OW; ow0 += kVectors * kLanes) {
      const int64_t lanes = std::min(kVectors * kLanes, p.OW - ow0);
      if (lanes > kLanes) {
        row_segment<OB, 2, 1>(p, l, xq, wp, b, oh, ow0, lanes, y);
      } else {
        row_segment<OB, 1, 1>(p, l, xq, wp, b, oh, ow0, lanes, y);
      }
    }
  }
}
#else
// The same computation without vectors (builds without AVX-512 prefer im2col; kept correct).
template <int OB>
void block_rows(const Problem& p, const Layout& l, const float* xq, const float* wp, const float* b, float* y) {
  for (int ob = 0; ob < OB; ++ob) {
    for (int64_t oh = 0; oh < p.OH; ++oh) {
      for (int64_t ow = 0; ow < p.OW; ++ow) {
        float acc = b != nullptr ? b[ob] : 0.0f;
        for (int64_t c = 0; c < p.C; ++c) {
          for (int64_t kh = 0; kh < p.KH; ++kh) {
            const float* row = xq + c * l.plane + (oh * p.sh + kh * p.dh) * l.row + ow;
            for (int64_t kw = 0; kw < p.KW; ++kw) {
              acc += wp[((c * p.KH + kh) * p.KW + kw) * OB + ob] * row[l.tap_column[static_cast<size_t>(kw)]];
            }
          }
        }
        y[ob * p.OH * p.OW + oh * p.OW + ow] = acc;
      }
    }
  }
}
#endif

#ifdef __AVX512F__
// part [C*KH*KW][OC] += for output channels o0 .. o0+OB-1 of one sample: each weight's products
// gy[o,oh,ow] * xq[c, oh*sh + kh*dh, its column], summed in vector lanes over (oh, ow) in order,
// then across the lanes.
template <int OB>
void weight_block(const Problem& p, const Layout& l, const float* xq, const float* gy, int64_t o0, float* part) {
  const int64_t ohw = p.OH * p.OW, rstep = p.sh * l.row;
  const float* g0 = gy + o0 * ohw;
  for (int64_t c = 0; c < p.C; ++c) {
    for (int64_t kh = 0; kh < p.KH; ++kh) {
      for (int64_t kw = 0; kw < p.KW; ++kw) {
        __m512 acc[OB];
#pragma GCC unroll 8
        for (int ob = 0; ob < OB; ++ob) acc[ob] = _mm512_setzero_ps();
        const float* src = xq + c * l.plane + kh * p.dh * l.row + l.tap_column[static_cast<size_t>(kw)];
        for (int64_t oh = 0; oh < p.OH; ++oh, src += rstep) {
          const float* g = g0 + oh * p.OW;
          for (int64_t ow = 0; ow < p.OW; ow += kLanes) {
            const __mmask16 m =
                p.OW - ow >= kLanes ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << (p.OW - ow)) - 1);
            const __m512 xv = _mm512_maskz_loadu_ps(m, src + ow);
#pragma GCC unroll 8
            for (int ob = 0; ob < OB; ++ob) {
              acc[ob] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, g + ob * ohw + ow), xv, acc[ob]);
            }
          }
        }
        float* dst = part + ((c * p.KH + kh) * p.KW + kw) * p.OC + o0;
#pragma GCC unroll 8
        for (int ob = 0; ob < OB; ++ob) dst[ob] += _mm512_reduce_add_ps(acc[ob]);
      }
    }
  }
}
#else
template <int OB>
void weight_block(const Problem& p, const Layout& l, const float* xq, const float* gy, int64_t o0, float* part) {
  const int64_t ohw = p.OH * p.OW;
  for (int64_t c = 0; c < p.C; ++c) {
    for (int64_t kh = 0; kh < p.KH; ++kh) {
      for (int64_t kw = 0; kw < p.KW; ++kw) {
        const float* src = xq + c * l.plane + kh * p.dh * l.row + l.tap_column[static_cast<size_t>(kw)];
        for (int ob = 0; ob < OB; ++ob) {
          float acc = 0.0f;
          for (int64_t oh = 0; oh < p.OH; ++oh) {
            for (int64_t ow = 0; ow < p.OW; ++ow)
              acc += gy[(o0 + ob) * ohw + oh * p.OW + ow] * src[oh * p.sh * l.row + ow];
          }
          part[((c * p.KH + kh) * p.KW + kw) * p.OC + o0 + ob] += acc;
        }
      }
    }
  }
}
#endif

using WeightFn = void (*)(const Problem&, const Layout&, const float*, const float*, int64_t, float*);
constexpr WeightFn kWeightFns[kBlock] = {weight_block<1>, weight_block<2>, weight_block<3>, weight_block<4>,
                                         weight_block<5>, weight_block<6>, weight_block<7>, weight_block<8>};

using BlockFn = void (*)(const Problem&, const Layout&, const float*, const float*, const float*, float*);
constexpr BlockFn kBlockFns[kBlock] = {block_rows<1>, block_rows<2>, block_rows<3>, block_rows<4>,
                                       block_rows<5>, block_rows<6>, block_rows<7>, block_rows<8>};
}  // namespace

bool preferred(const Problem& p) {
#ifdef __AVX512F__
  return p.C * p.OC <= kMaxProduct;
#else
  (void)p;
  return false;
#endif
}

void forward(const Problem& p, const float* x, const float* w, const float* b, float* y) {
  const Layout l = layout(p);
  // wp: per block of kBlock output channels, [C, KH, KW, block] (the last block may be smaller).
  const int64_t ckk = p.C * p.KH * p.KW;
  const Tensor packed = Tensor::empty({p.OC * ckk});
  float* wp = packed.data();
  for (int64_t oc0 = 0; oc0 < p.OC; oc0 += kBlock) {
    const int64_t ob = std::min(kBlock, p.OC - oc0);
    for (int64_t k = 0; k < ckk; ++k) {
      for (int64_t o = 0; o < ob; ++o) wp[oc0 * ckk + k * ob + o] = w[(oc0 + o) * ckk + k];
    }
  }
  const int64_t ohw = p.OH * p.OW;
  parallel::parallel_for(0, p.N, std::max<int64_t>(1, p.N / 16), [&](int64_t n0, int64_t n1) {
    float* xq = t_padded.get(p.C * l.plane);
    for (int64_t n = n0; n < n1; ++n) {
      pad_sample(p, l, x + n * p.C * p.H * p.W, xq);
      for (int64_t oc0 = 0; oc0 < p.OC; oc0 += kBlock) {
        const int64_t ob = std::min(kBlock, p.OC - oc0);
        kBlockFns[ob - 1](p, l, xq, wp + oc0 * ckk, b != nullptr ? b + oc0 : nullptr, y + (n * p.OC + oc0) * ohw);
      }
    }
  });
}

void weight_gradient(const Problem& p, const float* x, const float* gy, int64_t n, float* part) {
  const Layout l = layout(p);
  float* xq = t_padded.get(p.C * l.plane);
  for (int64_t i = 0; i < n; ++i) {
    pad_sample(p, l, x + i * p.C * p.H * p.W, xq);
    for (int64_t oc0 = 0; oc0 < p.OC; oc0 += kBlock) {
      kWeightFns[std::min(kBlock, p.OC - oc0) - 1](p, l, xq, gy + i * p.OC * p.OH * p.OW, oc0, part);
    }
  }
}

}  // namespace poolnet::conv2d_direct
