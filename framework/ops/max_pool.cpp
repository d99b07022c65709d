#include "framework/ops/max_pool.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <memory>

#include "framework/autograd.h"
#include "framework/errors.h"
#include "framework/ops/row_copy.h"
#include "framework/parallel.h"

namespace poolnet {

namespace {
// The taps begin, begin + d, ... < end of one window along one axis, clipped to [0, n).
struct Taps {
  int64_t begin, end;
};

std::vector<Taps> window_taps(int64_t out, int64_t stride, int64_t pad, int64_t kernel, int64_t dilation, int64_t n) {
  std::vector<Taps> taps(static_cast<size_t>(out));
  for (int64_t o = 0; o < out; ++o) {
    int64_t begin = o * stride - pad;
    const int64_t end = std::min(begin + (kernel - 1) * dilation + 1, n);
    if (begin < 0) begin += (-begin + dilation - 1) / dilation * dilation;
    taps[static_cast<size_t>(o)] = {begin, end};
  }
  return taps;
}

// PyTorch's rule as one step of a running maximum m: v takes over if it is larger or NaN, so
// the first maximum wins and the last NaN wins. All mask, no branch: the loops vectorise, and
// their scalar remainders do not mispredict.
inline uint32_t over_mask(float v, float m) { return 0u - static_cast<uint32_t>((v > m) | (v != v)); }
inline float pick(uint32_t mask, float x, float y) {
  return std::bit_cast<float>((std::bit_cast<uint32_t>(x) & mask) | (std::bit_cast<uint32_t>(y) & ~mask));
}
inline int32_t pick(uint32_t mask, int32_t x, int32_t y) {
  return static_cast<int32_t>((static_cast<uint32_t>(x) & mask) | (static_cast<uint32_t>(y) & ~mask));
}

// Any window, separably: the winner of each window row (pass 1, per input row), then the winner
// of those row winners (pass 2, per output row). Taking rows in order and columns in order
// within a row, the running maximum picks the same element as the row-major scan of the whole
// window. Writes each output's flat argmax (-1 for a window that misses the input) and value.
struct SeparableWindows {
  const PoolGeometry& g;
  std::vector<Taps> rows, cols;
  int64_t interior_begin, interior_end;  // outputs whose column taps all lie inside the input

  explicit SeparableWindows(const PoolGeometry& geometry)
      : g(geometry),
        rows(window_taps(g.OH, g.SH, g.PH, g.KH, g.DH, g.H)),
        cols(window_taps(g.OW, g.SW, g.PW, g.KW, g.DW, g.W)) {
    interior_begin = std::min(g.OW, (g.PW + g.SW - 1) / g.SW);
    const int64_t last = g.W - 1 - (g.KW - 1) * g.DW + g.PW;  // the largest start + PW that fits
    interior_end = std::clamp<int64_t>(last < 0 ? 0 : last / g.SW + 1, interior_begin, g.OW);
  }

  // kStride: the column stride when known at compile time (1 or 2, so the interior loops
  // vectorise), else 0 and g.SW is used.
  template <int64_t kStride>
  void row_winners(const float* __restrict xr, float* __restrict value, int32_t* __restrict col) const {
    for (int64_t ow = 0; ow < g.OW; ++ow) {  // borders (and everything, if no interior)
      if (ow == interior_begin) ow = interior_end;
      if (ow >= g.OW) break;
      const Taps t = cols[static_cast<size_t>(ow)];
      value[ow] = t.begin < t.end ? xr[t.begin] : -std::numeric_limits<float>::infinity();
      col[ow] = t.begin < t.end ? static_cast<int32_t>(t.begin) : -1;
      for (int64_t w = t.begin + g.DW; w < t.end; w += g.DW) {
        const uint32_t m = over_mask(xr[w], value[ow]);
        value[ow] = pick(m, xr[w], value[ow]);
        col[ow] = pick(m, static_cast<int32_t>(w), col[ow]);
      }
    }
    const int64_t b = interior_begin, e = interior_end, SW = kStride > 0 ? kStride : g.SW, start = -g.PW;
    for (int64_t ow = b; ow < e; ++ow) {
      value[ow] = xr[ow * SW + start];
      col[ow] = static_cast<int32_t>(ow * SW + start);
    }
    for (int64_t k = 1; k < g.KW; ++k) {
      const int64_t offset = start + k * g.DW;
      for (int64_t ow = b; ow < e; ++ow) {
        const float v = xr[ow * SW + offset];
        const uint32_t m = over_mask(v, value[ow]);
        value[ow] = pick(m, v, value[ow]);
        col[ow] = pick(m, static_cast<int32_t>(ow * SW + offset), col[ow]);
      }
    }
  }

  // One plane: value [OH, OW] and argmax [OH, OW].
  void plane(const float* xp, float* value, int64_t* argmax) const {
    thread_local std::vector<float> row_value, best;
    thread_local std::vector<int32_t> row_col, best_row;
    const int64_t H = g.H, W = g.W, OW = g.OW;
    row_value.resize(static_cast<size_t>(H * OW));
    row_col.resize(static_cast<size_t>(H * OW));
    best.resize(static_cast<size_t>(OW));
    best_row.resize(static_cast<size_t>(OW));
    for (int64_t h = 0; h < H; ++h) {
      float* rv = row_value.data() + h * OW;
      int32_t* rc = row_col.data() + h * OW;
      if (g.SW == 1) {
        row_winners<1>(xp + h * W, rv, rc);
      } else if (g.SW == 2) {
        row_winners<2>(xp + h * W, rv, rc);
      } else {
        row_winners<0>(xp + h * W, rv, rc);
      }
    }
    for (int64_t oh = 0; oh < g.OH; ++oh) {
      const Taps t = rows[static_cast<size_t>(oh)];
      float* __restrict bv = best.data();
      int32_t* __restrict br = best_row.data();
      if (t.begin >= t.end) {
        std::fill(value + oh * OW, value + (oh + 1) * OW, -std::numeric_limits<float>::infinity());
        std::fill(argmax + oh * OW, argmax + (oh + 1) * OW, -1);
        continue;
      }
      std::copy(row_value.data() + t.begin * OW, row_value.data() + (t.begin + 1) * OW, bv);
      std::fill(br, br + OW, static_cast<int32_t>(t.begin));
      for (int64_t h = t.begin + g.DH; h < t.end; h += g.DH) {
        const float* __restrict rv = row_value.data() + h * OW;
        for (int64_t ow = 0; ow < OW; ++ow) {
          const uint32_t m = over_mask(rv[ow], bv[ow]);
          bv[ow] = pick(m, rv[ow], bv[ow]);
          br[ow] = pick(m, static_cast<int32_t>(h), br[ow]);
        }
      }
      for (int64_t ow = 0; ow < OW; ++ow) {
        const int32_t c = row_col[static_cast<size_t>(br[ow] * OW + ow)];
        value[oh * OW + ow] = bv[ow];
        argmax[oh * OW + ow] = c < 0 ? -1 : br[ow] * W + c;
      }
    }
  }
};

// One output row of the kernel 2x2 stride 2 case: input rows r0, r1 -> y [OW].
void max_2x2_row_forward(const float* __restrict r0, const float* __restrict r1, float* __restrict y, int64_t OW) {
  for (int64_t ow = 0; ow < OW; ++ow) {
    const float a = r0[2 * ow], b = r0[2 * ow + 1], c = r1[2 * ow], d = r1[2 * ow + 1];
    const float ab = pick(over_mask(b, a), b, a);
    const float abc = pick(over_mask(c, ab), c, ab);
    y[ow] = pick(over_mask(d, abc), d, abc);
  }
}

// Its gradient: g0, g1 (the gradient rows of r0, r1) += gy at each window's argmax, the
// element that took over last.
void max_2x2_row_backward(const float* __restrict r0, const float* __restrict r1, const float* __restrict gy,
                          float* __restrict g0, float* __restrict g1, int64_t OW) {
  for (int64_t ow = 0; ow < OW; ++ow) {
    const float a = r0[2 * ow], b = r0[2 * ow + 1], c = r1[2 * ow], d = r1[2 * ow + 1];
    const uint32_t tb = over_mask(b, a);
    const float ab = pick(tb, b, a);
    const uint32_t tc = over_mask(c, ab);
    const uint32_t td = over_mask(d, pick(tc, c, ab));
    const float v = gy[ow];
    g0[2 * ow] += pick(~tb & ~tc & ~td, v, 0.0f);
    g0[2 * ow + 1] += pick(tb & ~tc & ~td, v, 0.0f);
    g1[2 * ow] += pick(tc & ~td, v, 0.0f);
    g1[2 * ow + 1] += pick(td, v, 0.0f);
  }
}

// Kernel 2x2 stride 2 over Q window rows whose input rows are contiguous and even in width
// (x [Q, 2, 2*OW] -> y [Q, OW]): first the winner of every horizontal pair in one long loop,
// then the winner of each window's two pair winners. This tree picks the same element as the
// row-major chain (the first maximum, or the last NaN), and its loops are long enough to
// vectorise even for small planes.
#ifdef __AVX512F__
// The tree on 16 windows at a time: each input row's even and odd columns are the pairs'
// first and second elements (a permute of two loads), a compare mask is over_mask and a blend
// is pick.
const __m512i kEven = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
const __m512i kOdd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
const __m512i kInterleaveLow = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
const __m512i kInterleaveHigh = _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);

inline __mmask16 over_mask(__m512 v, __m512 m) {
  return _mm512_cmp_ps_mask(v, m, _CMP_GT_OQ) | _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
}

// The n <= 16 horizontal pairs of row[0, 2n): their first and second elements.
struct Pairs {
  __m512 first, second;
};
inline Pairs load_pairs(const float* row, int64_t n) {
  const __m512 a = _mm512_maskz_loadu_ps(row_copy::low_mask(2 * n), row);
  const __m512 b = _mm512_maskz_loadu_ps(row_copy::low_mask(2 * n - 16), row + 16);
  return {_mm512_permutex2var_ps(a, kEven, b), _mm512_permutex2var_ps(a, kOdd, b)};
}
// row[0, 2n) += the pairs (first, second) interleaved.
inline void add_pairs(float* row, int64_t n, __m512 first, __m512 second) {
  const __mmask16 ma = row_copy::low_mask(2 * n), mb = row_copy::low_mask(2 * n - 16);
  const __m512 a = _mm512_permutex2var_ps(first, kInterleaveLow, second);
  const __m512 b = _mm512_permutex2var_ps(first, kInterleaveHigh, second);
  _mm512_mask_storeu_ps(row, ma, _mm512_add_ps(_mm512_maskz_loadu_ps(ma, row), a));
  _mm512_mask_storeu_ps(row + 16, mb, _mm512_add_ps(_mm512_maskz_loadu_ps(mb, row + 16), b));
}

// One block of n <= 16 windows: the pair winners' masks (second over first) of the top and
// bottom rows, the vertical mask (bottom over top) and the window maxima.
struct Windows {
  __mmask16 top, bottom, vertical;
  __m512 value;
};
inline Windows windows_2x2(const float* top, const float* bottom, int64_t n) {
  const Pairs t = load_pairs(top, n), b = load_pairs(bottom, n);
  Windows w{};
  w.top = over_mask(t.second, t.first);
  w.bottom = over_mask(b.second, b.first);
  const __m512 up = _mm512_mask_blend_ps(w.top, t.first, t.second);
  const __m512 down = _mm512_mask_blend_ps(w.bottom, b.first, b.second);
  w.vertical = over_mask(down, up);
  w.value = _mm512_mask_blend_ps(w.vertical, up, down);
  return w;
}

void max_2x2_block_forward(const float* x, float* y, int64_t Q, int64_t OW) {
  for (int64_t q = 0; q < Q; ++q) {
    const float* top = x + 4 * q * OW;
    for (int64_t o = 0; o < OW; o += 16) {
      const int64_t n = std::min<int64_t>(16, OW - o);
      const Windows w = windows_2x2(top + 2 * o, top + 2 * OW + 2 * o, n);
      _mm512_mask_storeu_ps(y + q * OW + o, row_copy::low_mask(n), w.value);
    }
  }
}

// Its gradient: gx [Q, 2, 2*OW] += gy [Q, OW] at each window's argmax (0 added elsewhere).
void max_2x2_block_backward(const float* x, const float* gy, float* gx, int64_t Q, int64_t OW) {
  for (int64_t q = 0; q < Q; ++q) {
    const float* top = x + 4 * q * OW;
    float* g_top = gx + 4 * q * OW;
    for (int64_t o = 0; o < OW; o += 16) {
      const int64_t n = std::min<int64_t>(16, OW - o);
      const Windows w = windows_2x2(top + 2 * o, top + 2 * OW + 2 * o, n);
      const __m512 g = _mm512_maskz_loadu_ps(row_copy::low_mask(n), gy + q * OW + o);
      const __m512 up = _mm512_maskz_mov_ps(static_cast<__mmask16>(~w.vertical), g);
      const __m512 down = _mm512_maskz_mov_ps(w.vertical, g);
      add_pairs(g_top + 2 * o, n, _mm512_maskz_mov_ps(static_cast<__mmask16>(~w.top), up),
                _mm512_maskz_mov_ps(w.top, up));
      add_pairs(g_top + 2 * OW + 2 * o, n, _mm512_maskz_mov_ps(static_cast<__mmask16>(~w.bottom), down),
                _mm512_maskz_mov_ps(w.bottom, down));
    }
  }
}
#else
void pair_winners(const float* __restrict x, float* __restrict h, uint32_t* __restrict second, int64_t pairs) {
  for (int64_t i = 0; i < pairs; ++i) {
    const uint32_t t = over_mask(x[2 * i + 1], x[2 * i]);
    h[i] = pick(t, x[2 * i + 1], x[2 * i]);
    if (second) second[i] = t;
  }
}

void max_2x2_block_forward(const float* x, float* y, int64_t Q, int64_t OW) {
  thread_local std::vector<float> h;
  h.resize(static_cast<size_t>(2 * Q * OW));
  pair_winners(x, h.data(), nullptr, 2 * Q * OW);
  for (int64_t q = 0; q < Q; ++q) {
    const float* __restrict top = h.data() + 2 * q * OW;
    const float* __restrict bottom = top + OW;
    float* __restrict yq = y + q * OW;
    for (int64_t ow = 0; ow < OW; ++ow) yq[ow] = pick(over_mask(bottom[ow], top[ow]), bottom[ow], top[ow]);
  }
}

// Its gradient: gx [Q, 2, 2*OW] += gy [Q, OW] at each window's argmax.
void max_2x2_block_backward(const float* x, const float* gy, float* gx, int64_t Q, int64_t OW) {
  thread_local std::vector<float> h, gh;
  thread_local std::vector<uint32_t> second;
  const int64_t pairs = 2 * Q * OW;
  h.resize(static_cast<size_t>(pairs));
  gh.resize(static_cast<size_t>(pairs));
  second.resize(static_cast<size_t>(pairs));
  pair_winners(x, h.data(), second.data(), pairs);
  for (int64_t q = 0; q < Q; ++q) {  // the gradient of each pair winner
    const float* __restrict top = h.data() + 2 * q * OW;
    const float* __restrict bottom = top + OW;
    const float* __restrict g = gy + q * OW;
    float* __restrict g_top = gh.data() + 2 * q * OW;
    float* __restrict g_bottom = g_top + OW;
    for (int64_t ow = 0; ow < OW; ++ow) {
      const uint32_t t = over_mask(bottom[ow], top[ow]);
      g_top[ow] = pick(t, 0.0f, g[ow]);
      g_bottom[ow] = pick(t, g[ow], 0.0f);
    }
  }
  float* __restrict out = gx;
  const float* __restrict in = gh.data();
  const uint32_t* __restrict t = second.data();
  for (int64_t i = 0; i < pairs; ++i) {
    out[2 * i] += pick(t[i], 0.0f, in[i]);
    out[2 * i + 1] += pick(t[i], in[i], 0.0f);
  }
}

#endif

// x [P, H, W] -> y [P, OH, OW] (and indices, if not null). Kernel 2x2 stride 2 has its own
// branch-free loop, vectorised by the compiler.
void max_pool2d_forward(const PoolGeometry& g, const float* x, float* y, int64_t* indices) {
  const int64_t H = g.H, W = g.W, OH = g.OH, OW = g.OW;
  const SeparableWindows windows(g);
  const bool fast = g.is_2x2_stride_2() && indices == nullptr;
  parallel::parallel_for(0, g.planes(), planes_per_chunk(H * W), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      const float* xp = x + p * H * W;
      float* yp = y + p * OH * OW;
      if (fast && W == 2 * OW && H == 2 * OH) {  // the whole chunk is one block
        max_2x2_block_forward(xp, yp, (p1 - p) * OH, OW);
        break;
      }
      if (fast && W == 2 * OW) {
        max_2x2_block_forward(xp, yp, OH, OW);
        continue;
      }
      if (fast) {
        for (int64_t oh = 0; oh < OH; ++oh)
          max_2x2_row_forward(xp + 2 * oh * W, xp + (2 * oh + 1) * W, yp + oh * OW, OW);
        continue;
      }
      thread_local std::vector<int64_t> argmax;
      argmax.resize(static_cast<size_t>(OH * OW));
      windows.plane(xp, yp, indices ? indices + p * OH * OW : argmax.data());
    }
  });
}

// gx [P, H, W] += gy scattered to each window's argmax (recomputed from x by the same rule).
void max_pool2d_backward(const PoolGeometry& g, const float* x, const float* gy, float* gx) {
  const int64_t H = g.H, W = g.W, OH = g.OH, OW = g.OW;
  const SeparableWindows windows(g);
  const bool fast = g.is_2x2_stride_2();
  parallel::parallel_for(0, g.planes(), planes_per_chunk(H * W), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      const float* xp = x + p * H * W;
      const float* gyp = gy + p * OH * OW;
      float* gxp = gx + p * H * W;
      if (fast && W == 2 * OW && H == 2 * OH) {
        max_2x2_block_backward(xp, gyp, gxp, (p1 - p) * OH, OW);
        break;
      }
      if (fast && W == 2 * OW) {
        max_2x2_block_backward(xp, gyp, gxp, OH, OW);
        continue;
      }
      if (fast) {
        for (int64_t oh = 0; oh < OH; ++oh) {
          max_2x2_row_backward(xp + 2 * oh * W, xp + (2 * oh + 1) * W, gyp + oh * OW, gxp + 2 * oh * W,
                               gxp + (2 * oh + 1) * W, OW);
        }
        continue;
      }
      thread_local std::vector<float> value;
      thread_local std::vector<int64_t> argmax;
      value.resize(static_cast<size_t>(OH * OW));
      argmax.resize(static_cast<size_t>(OH * OW));
      windows.plane(xp, value.data(), argmax.data());
      for (int64_t o = 0; o < OH * OW; ++o) {
        if (argmax[static_cast<size_t>(o)] >= 0) gxp[argmax[static_cast<size_t>(o)]] += gyp[o];
      }
    }
  });
}

Tensor max_pool2d_impl(const Tensor& x, const Pool2d& options, std::vector<int64_t>* indices, const char* op) {
  const PoolGeometry g = pool2d_geometry(x.shape(), options, op, true);
  Tensor y = Tensor::empty(g.out_shape());
  if (indices) indices->resize(static_cast<size_t>(y.numel()));
  max_pool2d_forward(g, x.data(), y.data(), indices ? indices->data() : nullptr);
  check_finite(y, op, "output");
  if (needs_grad({x})) {
    record(y, op, {x},
           [x, xd = x.detach(), g](const Tensor& gy) { max_pool2d_backward(g, xd.data(), gy.data(), grad_buffer(x)); });
  }
  return y;
}

// y [P, OH*OW] = 0 except y[idx[i]] = x[i]; gradient gx[i] += gy[idx[i]].
void max_unpool2d_forward(int64_t planes, int64_t in_plane, int64_t out_plane, const float* x, const int64_t* idx,
                          float* y) {
  parallel::parallel_for(0, planes, planes_per_chunk(out_plane), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      float* yp = y + p * out_plane;
      std::fill(yp, yp + out_plane, 0.0f);
      for (int64_t i = 0; i < in_plane; ++i) yp[idx[p * in_plane + i]] = x[p * in_plane + i];
    }
  });
}

void max_unpool2d_backward(int64_t planes, int64_t in_plane, int64_t out_plane, const float* gy, const int64_t* idx,
                           float* gx) {
  parallel::parallel_for(0, planes, planes_per_chunk(out_plane), [&](int64_t p0, int64_t p1) {
    for (int64_t i = p0 * in_plane; i < p1 * in_plane; ++i) gx[i] += gy[i / in_plane * out_plane + idx[i]];
  });
}
}  // namespace

Shape max_pool2d_out_shape(const Shape& x, const Pool2d& options) {
  return pool2d_geometry(x, options, "max_pool2d", true).out_shape();
}

Tensor max_pool2d(const Tensor& x, const Pool2d& options) { return max_pool2d_impl(x, options, nullptr, "max_pool2d"); }

MaxPoolResult max_pool2d_with_indices(const Tensor& x, const Pool2d& options) {
  MaxPoolResult result;
  result.output = max_pool2d_impl(x, options, &result.indices.values, "max_pool2d_with_indices");
  result.indices.shape = result.output.shape();
  return result;
}

Shape max_unpool2d_out_shape(const Shape& x, const PoolIndices& indices, Size2d output_size) {
  require_nchw(x, "max_unpool2d");
  if (indices.shape != x || static_cast<int64_t>(indices.values.size()) != numel_of(x)) {
    throw ShapeError(fmt::format("max_unpool2d: indices of shape {} ({} values) do not match x={}",
                                 shape_str(indices.shape), indices.values.size(), shape_str(x)));
  }
  if (output_size.h <= 0 || output_size.w <= 0) {
    throw ShapeError(
        fmt::format("max_unpool2d: output size must be positive, got {} (x={})", to_string(output_size), shape_str(x)));
  }
  const int64_t plane = output_size.h * output_size.w, in_plane = x[2] * x[3];
  for (size_t i = 0; i < indices.values.size(); ++i) {
    if (indices.values[i] < 0 || indices.values[i] >= plane) {
      const auto n = static_cast<int64_t>(i);
      throw ShapeError(fmt::format("max_unpool2d: index {} at [{},{},{},{}] is outside the output plane {} (x={})",
                                   indices.values[i], n / (x[1] * in_plane), n / in_plane % x[1], n % in_plane / x[3],
                                   n % x[3], to_string(output_size), shape_str(x)));
    }
  }
  return {x[0], x[1], output_size.h, output_size.w};
}

Tensor max_unpool2d(const Tensor& x, const PoolIndices& indices, Size2d output_size) {
  Tensor y = Tensor::empty(max_unpool2d_out_shape(x.shape(), indices, output_size));
  const int64_t planes = x.size(0) * x.size(1), in_plane = x.size(2) * x.size(3);
  const int64_t out_plane = output_size.h * output_size.w;
  max_unpool2d_forward(planes, in_plane, out_plane, x.data(), indices.values.data(), y.data());
  check_finite(y, "max_unpool2d", "output");
  if (needs_grad({x})) {
    auto idx = std::make_shared<const std::vector<int64_t>>(indices.values);
    record(y, "max_unpool2d", {x}, [x, idx, planes, in_plane, out_plane](const Tensor& gy) {
      max_unpool2d_backward(planes, in_plane, out_plane, gy.data(), idx->data(), grad_buffer(x));
    });
  }
  return y;
}

}  // namespace poolnet
