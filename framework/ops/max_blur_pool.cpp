#include "framework/ops/max_blur_pool.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "framework/autograd.h"
#include "framework/errors.h"
#include "framework/ops/blur_kernels.h"
#include "framework/ops/non_finite.h"
#include "framework/parallel.h"

namespace poolnet {

namespace {
// Size of the dense max along an axis of n pixels.
int64_t dense_length(int64_t n, PadMode mode) { return mode == PadMode::kCircular ? n : n - 1; }
}  // namespace

Shape max_blur_pool2d_out_shape(const Shape& x, const Blur2d& o) {
  require_nchw(x, "max_blur_pool2d");
  const int64_t least = o.padding_mode == PadMode::kCircular ? 1 : 2;
  if (x[2] < least || x[3] < least) {
    throw ShapeError(fmt::format("max_blur_pool2d: the 2x2 max needs H, W >= {} with {} padding, got x={}", least,
                                 to_string(o.padding_mode), shape_str(x)));
  }
  const Shape dense{x[0], x[1], dense_length(x[2], o.padding_mode), dense_length(x[3], o.padding_mode)};
  try {
    return blur_pool2d_out_shape(dense, o);
  } catch (const ShapeError& e) {
    throw ShapeError(fmt::format("max_blur_pool2d: {} (x={})", e.what(), shape_str(x)));
  }
}

namespace {
// Planes without a NaN or infinity (has_non_finite) take the branch-free kernels below; the
// others the scalar kernels that spell out max_pool2d's NaN rule.

// The winner of (v0, v1) under max_pool2d's rule: v1 only if larger or NaN (ties: the first).
// kFinite: the values are known to be finite, so the NaN test is dropped (and loops vectorise).
template <bool kFinite>
inline bool second_wins(float v0, float v1) {
  if constexpr (kFinite) {
    return v1 > v0;
  } else {
    return v1 > v0 || std::isnan(v1);
  }
}

// One input row: pair[w] = winner of row[w], row[w+1] (the last column wraps to the first).
template <bool kFinite>
void row_pairs(const float* __restrict row, int64_t W, int64_t Wm, float* __restrict pair) {
  const int64_t inner = std::min(Wm, W - 1);
  for (int64_t w = 0; w < inner; ++w) pair[w] = second_wins<kFinite>(row[w], row[w + 1]) ? row[w + 1] : row[w];
  for (int64_t w = inner; w < Wm; ++w) pair[w] = second_wins<kFinite>(row[w], row[0]) ? row[0] : row[w];
}

// One plane: m [Hm,Wm] = dense 2x2 max of x [H,W] (wrapping if Hm == H). Each window is the
// winner of its top and bottom row pairs: the same first-maximum / last-NaN value as scanning
// its four values in row-major order. scratch: 2 * Wm floats.
template <bool kFinite>
void dense_max_forward(const float* x, int64_t H, int64_t W, int64_t Hm, int64_t Wm, float* __restrict m,
                       float* scratch) {
  float* top = scratch;
  float* bottom = scratch + Wm;
  row_pairs<kFinite>(x, W, Wm, top);
  for (int64_t r = 0; r < Hm; ++r) {
    row_pairs<kFinite>(x + (r + 1 < H ? r + 1 : 0) * W, W, Wm, bottom);
    float* __restrict mr = m + r * Wm;
    for (int64_t w = 0; w < Wm; ++w) mr[w] = second_wins<kFinite>(top[w], bottom[w]) ? bottom[w] : top[w];
    std::swap(top, bottom);
  }
}

// Splits g[i] among the four positions of window i (a[i] a[i+1] / b[i] b[i+1]) by the
// forward's rule: cKL[i] = g[i] if position (K, L) is the window's argmax, else 0.
template <bool kFinite>
void split_windows(const float* __restrict a, const float* __restrict b, const float* __restrict g, int64_t n,
                   float* __restrict c00, float* __restrict c01, float* __restrict c10, float* __restrict c11) {
  for (int64_t i = 0; i < n; ++i) {
    const float a0 = a[i], a1 = a[i + 1], b0 = b[i], b1 = b[i + 1], gi = g[i];
    const bool top_right = second_wins<kFinite>(a0, a1), bottom_right = second_wins<kFinite>(b0, b1);
    const bool down = second_wins<kFinite>(top_right ? a1 : a0, bottom_right ? b1 : b0);
    const float g_top = down ? 0.0f : gi, g_bottom = down ? gi : 0.0f;
    c00[i] = top_right ? 0.0f : g_top;
    c01[i] = top_right ? g_top : 0.0f;
    c10[i] = bottom_right ? 0.0f : g_bottom;
    c11[i] = bottom_right ? g_bottom : 0.0f;
  }
}

// Scratch of one plane's backward. The windows are handled as one flat loop over an input
// laid out [Hm + 1, Wm + 1]: window (r, w) reads flat positions i, i+1, i+Wp, i+Wp+1 with
// i = r*Wp + w, Wp = Wm + 1 (column Wm is a junk window with zero gradient), so every loop is
// long and vectorises. Circular mode copies x with its wrapped last row and column into `xp`.
// The four share arrays c carry Wp + 1 leading and trailing zeros, so the gradient of input
// position i gathers c00[i] + c01[i-1] + c10[i-Wp] + c11[i-Wp-1] in one pass.
struct DenseMaxScratch {
  int64_t Hp, Wp, pad, stride;  // c arrays: [pad zeros | Hp*Wp values (last Wp+1 stay 0)]
  std::vector<float> xp, gp, c, gxp;
  DenseMaxScratch(int64_t Hm, int64_t Wm, bool wrap)
      : Hp(Hm + 1),
        Wp(Wm + 1),
        pad(Wm + 2),
        stride(pad + Hp * Wp),
        xp(wrap ? static_cast<size_t>(Hp * Wp) : 0),
        gp(static_cast<size_t>(Hm * Wp)),
        c(static_cast<size_t>(4 * stride), 0.0f),
        gxp(wrap ? static_cast<size_t>(Hp * Wp) : 0) {}
  float* share(int k) { return c.data() + k * stride + pad; }
};

// One plane: gx [H,W] += gm [Hm,Wm] routed to each window's argmax, recomputed from x by the
// forward's rule (nothing is stored).
template <bool kFinite>
void dense_max_backward(const float* x, const float* gm, int64_t H, int64_t W, int64_t Hm, int64_t Wm, float* gx,
                        DenseMaxScratch& s) {
  const bool wrap = Hm == H;
  const int64_t Wp = s.Wp, Hp = s.Hp, n = Hm * Wp - 1;  // n: every window but the last (junk) one
  const float* xp = x;                                  // unwrapped: x is [Hm+1, Wm+1] already
  if (wrap) {
    for (int64_t h = 0; h < Hp; ++h) {
      const float* row = x + (h < H ? h : 0) * W;
      std::copy(row, row + W, s.xp.data() + h * Wp);
      s.xp[static_cast<size_t>(h * Wp + W)] = row[0];
    }
    xp = s.xp.data();
  }
  for (int64_t r = 0; r < Hm; ++r) {
    std::copy(gm + r * Wm, gm + (r + 1) * Wm, s.gp.data() + r * Wp);
    s.gp[static_cast<size_t>(r * Wp + Wm)] = 0.0f;
  }
  split_windows<kFinite>(xp, xp + Wp, s.gp.data(), n, s.share(0), s.share(1), s.share(2), s.share(3));
  const float* __restrict c00 = s.share(0);
  const float* __restrict c01 = s.share(1) - 1;
  const float* __restrict c10 = s.share(2) - Wp;
  const float* __restrict c11 = s.share(3) - Wp - 1;
  float* __restrict out = wrap ? s.gxp.data() : gx;  // unwrapped: gx is [Hm+1, Wm+1] as well
  if (wrap) {
    for (int64_t i = 0; i < Hp * Wp; ++i) out[i] = c00[i] + c01[i] + c10[i] + c11[i];
    for (int64_t h = 0; h < Hp; ++h) {  // fold the wrapped row and column back
      float* row = gx + (h < H ? h : 0) * W;
      const float* src = out + h * Wp;
      for (int64_t w = 0; w < W; ++w) row[w] += src[w];
      row[0] += src[W];
    }
  } else {
    for (int64_t i = 0; i < Hp * Wp; ++i) out[i] += c00[i] + c01[i] + c10[i] + c11[i];
  }
}

struct MaxBlurGeometry {
  int64_t planes, H, W, Hm, Wm, OH, OW;
  int64_t grain() const { return std::max<int64_t>(1, 16384 / std::max<int64_t>(1, H * W)); }
};
}  // namespace

Tensor max_blur_pool2d(const Tensor& x, const Blur2d& options) {
  const Shape out_shape = max_blur_pool2d_out_shape(x.shape(), options);
  const int64_t H = x.size(2), W = x.size(3);
  const MaxBlurGeometry g{x.size(0) * x.size(1),
                          H,
                          W,
                          dense_length(H, options.padding_mode),
                          dense_length(W, options.padding_mode),
                          out_shape[2],
                          out_shape[3]};
  auto plan = std::make_shared<const detail::BlurPlan>(
      detail::make_blur_plan({x.size(0), x.size(1), g.Hm, g.Wm}, out_shape, options));
  Tensor y = Tensor::empty(out_shape);
  const float* px = x.data();
  float* py = y.data();
  detail::dispatch_blur(*plan, [&](auto f, auto s) {
    parallel::parallel_for(0, g.planes, g.grain(), [&](int64_t b, int64_t e) {
      std::vector<float> m(static_cast<size_t>(g.Hm * g.Wm)), t(static_cast<size_t>(plan->Wp)),
          zero(static_cast<size_t>(g.Wm), 0.0f), pairs(static_cast<size_t>(2 * g.Wm));
      for (int64_t q = b; q < e; ++q) {
        const float* xq = px + q * H * W;
        if (has_non_finite(xq, H * W)) {
          dense_max_forward<false>(xq, H, W, g.Hm, g.Wm, m.data(), pairs.data());
        } else {
          dense_max_forward<true>(xq, H, W, g.Hm, g.Wm, m.data(), pairs.data());
        }
        detail::blur_plane_forward<f(), s()>(*plan, m.data(), py + q * g.OH * g.OW, t.data(), zero.data());
      }
    });
  });
  check_finite(y, "max_blur_pool2d", "output");
  if (needs_grad({x})) {
    record(y, "max_blur_pool2d", {x}, [x, plan, g](const Tensor& gy) {
      const float* pg = gy.data();
      float* gx = grad_buffer(x);
      detail::dispatch_blur(*plan, [&](auto f, auto s) {
        parallel::parallel_for(0, g.planes, g.grain(), [&](int64_t b, int64_t e) {
          std::vector<float> gm(static_cast<size_t>(g.Hm * g.Wm)), t(static_cast<size_t>(plan->Wp));
          DenseMaxScratch scratch(g.Hm, g.Wm, g.Hm == g.H);
          for (int64_t q = b; q < e; ++q) {
            std::fill(gm.begin(), gm.end(), 0.0f);
            detail::blur_plane_backward<f(), s()>(*plan, pg + q * g.OH * g.OW, gm.data(), t.data());
            const float* xq = x.data() + q * g.H * g.W;
            if (has_non_finite(xq, g.H * g.W)) {
              dense_max_backward<false>(xq, gm.data(), g.H, g.W, g.Hm, g.Wm, gx + q * g.H * g.W, scratch);
            } else {
              dense_max_backward<true>(xq, gm.data(), g.H, g.W, g.Hm, g.Wm, gx + q * g.H * g.W, scratch);
            }
          }
        });
      });
    });
  }
  return y;
}

}  // namespace poolnet
