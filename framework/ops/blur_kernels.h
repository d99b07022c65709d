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

// Geometry of one blur: padded-axis source maps and the filters along H (kh) and W (kw).
struct BlurPlan {
  int64_t H, W, OH, OW, sh, sw, pl;  // pl: padding before along W
  int64_t Wp;                        // padded width
  std::vector<int64_t> rows;         // padded row -> source row, or -1
  std::vector<int64_t> cols;         // padded column -> source column, or -1
  std::vector<float> kh, kw;
};

inline BlurPlan make_blur_plan(const Shape& x, const Shape& y, const Blur2d& o) {
  const Size2d f = blur_filter_sizes(o);
  const SidePadding ph = blur_padding(f.h), pw = blur_padding(f.w);
  BlurPlan p{x[2], x[3], y[2], y[3], o.stride.h, o.stride.w, pw.before, 0, {}, {}, binomial_filter(f.h),
             binomial_filter(f.w)};
  p.Wp = p.W + p.pl + pw.after;
  for (int64_t r = 0; r < p.H + ph.before + ph.after; ++r) {
    p.rows.push_back(pad_source_index(r - ph.before, p.H, o.padding_mode));
  }
  for (int64_t c = 0; c < p.Wp; ++c) p.cols.push_back(pad_source_index(c - p.pl, p.W, o.padding_mode));
  return p;
}

// The filter sizes along H and W: F for both if known at compile time (the isotropic case),
// else the plan's (F = 0).
template <int F>
int blur_taps_h(const BlurPlan& p) {
  return F > 0 ? F : static_cast<int>(p.kh.size());
}
template <int F>
int blur_taps_w(const BlurPlan& p) {
  return F > 0 ? F : static_cast<int>(p.kw.size());
}

// One plane: x [H,W] -> y [OH,OW]. t is scratch [Wp], zero is [W] zeros. F: the filter size
// along both axes if known at compile time, else 0; S: the column stride if known at compile
// time (2, the common case, lets the strided loops vectorise), else 0.
// Columns first: t[pl + w] = sum_i kh[i] x[row(oh*sh+i), w]; borders of t from the column map;
// then y[oh, ow] = sum_j kw[j] t[ow*sw + j].
template <int F, int S>
void blur_plane_forward(const BlurPlan& p, const float* x, float* __restrict y, float* __restrict t,
                        const float* zero) {
  const int fh = blur_taps_h<F>(p), fw = blur_taps_w<F>(p);
  float kh[7], kw[7];
  for (int i = 0; i < fh; ++i) kh[i] = p.kh[i];
  for (int j = 0; j < fw; ++j) kw[j] = p.kw[j];
  const int64_t W = p.W, s = S > 0 ? S : p.sw, pl = p.pl;
  for (int64_t oh = 0; oh < p.OH; ++oh) {
    const float* r[7];
    for (int i = 0; i < fh; ++i) {
      const int64_t src = p.rows[oh * p.sh + i];
      r[i] = src < 0 ? zero : x + src * W;
    }
    float* tc = t + pl;
    for (int64_t w = 0; w < W; ++w) {
      float acc = kh[0] * r[0][w];
      for (int i = 1; i < fh; ++i) acc += kh[i] * r[i][w];
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
      float acc = kw[0] * tw[0];
      for (int j = 1; j < fw; ++j) acc += kw[j] * tw[j];
      yr[ow] = acc;
    }
  }
}

// The transpose of blur_plane_forward: gx [H,W] += blur^T gy [OH,OW]. t is scratch [Wp].
// Row transpose tap by tap (t[ow*s + j] += k[j] gy[oh, ow], j outer), so each loop writes
// distinct elements and vectorises.
template <int F, int S>
void blur_plane_backward(const BlurPlan& p, const float* __restrict gy, float* gx, float* __restrict t) {
  const int fh = blur_taps_h<F>(p), fw = blur_taps_w<F>(p);
  float kh[7], kw[7];
  for (int i = 0; i < fh; ++i) kh[i] = p.kh[i];
  for (int j = 0; j < fw; ++j) kw[j] = p.kw[j];
  const int64_t W = p.W, s = S > 0 ? S : p.sw, pl = p.pl;
  for (int64_t oh = 0; oh < p.OH; ++oh) {
    std::fill(t, t + p.Wp, 0.0f);
    const float* __restrict gr = gy + oh * p.OW;
    for (int j = 0; j < fw; ++j) {
      const float kj = kw[j];
      float* __restrict tj = t + j;
      for (int64_t ow = 0; ow < p.OW; ++ow) tj[ow * s] += kj * gr[ow];
    }
    for (int64_t c = 0; c < p.Wp; ++c) {
      if (c >= pl && c < pl + W) continue;
      const int64_t src = p.cols[c];
      if (src >= 0) t[pl + src] += t[c];
    }
    const float* tc = t + pl;
    for (int i = 0; i < fh; ++i) {
      const int64_t src = p.rows[oh * p.sh + i];
      if (src < 0) continue;
      float* gxr = gx + src * W;
      const float ki = kh[i];
      for (int64_t w = 0; w < W; ++w) gxr[w] += ki * tc[w];
    }
  }
}

// Calls fn(std::integral_constant<int, F>, std::integral_constant<int, S>) for the plan's
// filter sizes (F = their size if equal, else 0: read from the plan) and column stride (S = 2
// for 2, else 0).
template <class Fn>
void dispatch_blur(const BlurPlan& p, const Fn& fn) {
  const auto with_stride = [&](auto fc) {
    if (p.sw == 2) {
      fn(fc, std::integral_constant<int, 2>{});
    } else {
      fn(fc, std::integral_constant<int, 0>{});
    }
  };
  if (p.kh.size() != p.kw.size()) return with_stride(std::integral_constant<int, 0>{});
  switch (p.kh.size()) {
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
