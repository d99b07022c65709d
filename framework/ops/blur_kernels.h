// The separable binomial blur kernels shared by blur_pool2d and max_blur_pool2d: the geometry
// of one blur (padded-axis source maps, filter) and the per-plane forward / backward loops.
// Internal to framework/ops.
#pragma once

#include <algorithm>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "framework/ops/blur_pool.h"

namespace poolnet::detail {

// Geometry of one blur: padded-axis source maps and the filter.
struct BlurPlan {
  int64_t H, W, OH, OW, s, pl;  // pl: padding before along W (and H)
  int64_t Wp;                   // padded width
  std::vector<int64_t> rows;    // padded row -> source row, or -1
  std::vector<int64_t> cols;    // padded column -> source column, or -1
  std::vector<float> k;
};

inline BlurPlan make_blur_plan(const Shape& x, const Shape& y, const Blur2d& o) {
  const SidePadding padding = blur_padding(o.filter_size);
  BlurPlan p{x[2], x[3], y[2], y[3], o.stride, padding.before, 0, {}, {}, binomial_filter(o.filter_size)};
  const int64_t after = padding.after;
  p.Wp = p.W + p.pl + after;
  for (int64_t r = 0; r < p.H + p.pl + after; ++r) p.rows.push_back(pad_source_index(r - p.pl, p.H, o.padding_mode));
  for (int64_t c = 0; c < p.Wp; ++c) p.cols.push_back(pad_source_index(c - p.pl, p.W, o.padding_mode));
  return p;
}

// One plane: x [H,W] -> y [OH,OW]. t is scratch [Wp], zero is [W] zeros. S: the stride if
// known at compile time (2, the common case, lets the strided loops vectorise), else 0.
// Columns first: t[pl + w] = sum_i k[i] x[row(oh*s+i), w]; borders of t from the column map;
// then y[oh, ow] = sum_j k[j] t[ow*s + j].
template <int F, int S>
void blur_plane_forward(const BlurPlan& p, const float* x, float* __restrict y, float* __restrict t,
                        const float* zero) {
  float k[F];
  for (int i = 0; i < F; ++i) k[i] = p.k[i];
  const int64_t W = p.W, s = S > 0 ? S : p.s, pl = p.pl;
  for (int64_t oh = 0; oh < p.OH; ++oh) {
    const float* r[F];
    for (int i = 0; i < F; ++i) {
      const int64_t src = p.rows[oh * s + i];
      r[i] = src < 0 ? zero : x + src * W;
    }
    float* tc = t + pl;
    for (int64_t w = 0; w < W; ++w) {
      float acc = k[0] * r[0][w];
      for (int i = 1; i < F; ++i) acc += k[i] * r[i][w];
      tc[w] = acc;
    }
    for (int64_t c = 0; c < p.Wp; ++c) {
      if (c >= pl && c < pl + W) continue;
      const int64_t src = p.cols[c];
      t[c] = src < 0 ? 0.0f : tc[src];
    }
    float* yr = y + oh * p.OW;
    for (int64_t ow = 0; ow < p.OW; ++ow) {
      const float* tw = t + ow * s;
      float acc = k[0] * tw[0];
      for (int j = 1; j < F; ++j) acc += k[j] * tw[j];
      yr[ow] = acc;
    }
  }
}

// The transpose of blur_plane_forward: gx [H,W] += blur^T gy [OH,OW]. t is scratch [Wp].
// Row transpose tap by tap (t[ow*s + j] += k[j] gy[oh, ow], j outer), so each loop writes
// distinct elements and vectorises.
template <int F, int S>
void blur_plane_backward(const BlurPlan& p, const float* __restrict gy, float* gx, float* __restrict t) {
  float k[F];
  for (int i = 0; i < F; ++i) k[i] = p.k[i];
  const int64_t W = p.W, s = S > 0 ? S : p.s, pl = p.pl;
  for (int64_t oh = 0; oh < p.OH; ++oh) {
    std::fill(t, t + p.Wp, 0.0f);
    const float* __restrict gr = gy + oh * p.OW;
    for (int j = 0; j < F; ++j) {
      const float kj = k[j];
      float* __restrict tj = t + j;
      for (int64_t ow = 0; ow < p.OW; ++ow) tj[ow * s] += kj * gr[ow];
    }
    for (int64_t c = 0; c < p.Wp; ++c) {
      if (c >= pl && c < pl + W) continue;
      const int64_t src = p.cols[c];
      if (src >= 0) t[pl + src] += t[c];
    }
    const float* tc = t + pl;
    for (int i = 0; i < F; ++i) {
      const int64_t src = p.rows[oh * s + i];
      if (src < 0) continue;
      float* gxr = gx + src * W;
      const float ki = k[i];
      for (int64_t w = 0; w < W; ++w) gxr[w] += ki * tc[w];
    }
  }
}

// Calls fn(std::integral_constant<int, F>, std::integral_constant<int, S>) for the runtime
// filter size and stride (S = 2 for stride 2, else 0: read from the plan).
template <class Fn>
void dispatch_blur(int64_t f, int64_t stride, const Fn& fn) {
  const auto with_stride = [&](auto fc) {
    if (stride == 2) {
      fn(fc, std::integral_constant<int, 2>{});
    } else {
      fn(fc, std::integral_constant<int, 0>{});
    }
  };
  switch (f) {
    case 1:
      with_stride(std::integral_constant<int, 1>{});
      break;
    case 2:
      with_stride(std::integral_constant<int, 2>{});
      break;
    case 3:
      with_stride(std::integral_constant<int, 3>{});
      break;
    case 4:
      with_stride(std::integral_constant<int, 4>{});
      break;
    case 5:
      with_stride(std::integral_constant<int, 5>{});
      break;
    case 6:
      with_stride(std::integral_constant<int, 6>{});
      break;
    default:
      with_stride(std::integral_constant<int, 7>{});
      break;
  }
}
}  // namespace poolnet::detail
