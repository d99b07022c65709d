#include "framework/ops/lip_pool.h"

#include <fmt/format.h>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <vector>

#include "framework/autograd.h"
#include "framework/errors.h"
#include "framework/ops/pool_window.h"
#include "framework/parallel.h"

namespace poolnet {

std::string to_string(const LipPool& o) {
  return fmt::format("kernel={}, stride={}, padding={}", to_string(o.kernel), to_string(o.stride),
                     to_string(o.padding));
}

namespace {
Pool2d as_pool(const LipPool& o) { return {.kernel = o.kernel, .stride = o.stride, .padding = o.padding}; }

PoolGeometry lip_geometry(const Shape& x, const Shape& logits, const LipPool& o) {
  require_nchw(x, "lip_pool2d");
  if (logits != x) {
    throw ShapeError(fmt::format("lip_pool2d: logits must have x's shape {}, got {}", shape_str(x), shape_str(logits)));
  }
  return pool2d_geometry(x, as_pool(o), "lip_pool2d", false);
}

// One window along one axis: the input positions [begin, end) it covers (padding left out).
struct Span {
  int64_t begin, end;
};

std::vector<Span> spans(int64_t out, int64_t stride, int64_t pad, int64_t kernel, int64_t n) {
  std::vector<Span> s(static_cast<size_t>(out));
  for (int64_t o = 0; o < out; ++o) {
    const int64_t begin = o * stride - pad;
    s[static_cast<size_t>(o)] = {std::max<int64_t>(begin, 0), std::min(begin + kernel, n)};
  }
  return s;
}

struct LipPlan {
  PoolGeometry g;
  std::vector<Span> rows, cols;  // [OH], [OW]; each holds at least one input pixel
};

// The largest logit of a window; NaN if the window holds one.
float window_max(const LipPlan& p, const float* l, const Span& r, const Span& c) {
  float m = l[r.begin * p.g.W + c.begin];
  for (int64_t h = r.begin; h < r.end; ++h) {
    for (int64_t w = c.begin; w < c.end; ++w) {
      const float v = l[h * p.g.W + w];
      m = (v > m || std::isnan(v)) ? v : m;
    }
  }
  return m;
}

// The largest logit of a plane, NaN skipped (-inf if all are NaN).
float plane_max(const float* l, int64_t n) {
  float m = -std::numeric_limits<float>::infinity();
  for (int64_t i = 0; i < n; ++i) m = l[i] > m ? l[i] : m;
  return m;
}

// Below this weight sum, a window computed against the plane's max lies far under it (its
// largest weight < 2^-60) and is redone against its own max.
constexpr float kFarBelowPlaneMax = 0x1p-60f;

// Window sums, separably: cols [OH, W] = the input summed over each window's rows (contiguous
// rows: vectorised), then out [OH, OW] = those summed over each window's columns.
void window_sums(const LipPlan& p, const float* v, float* cols, float* out) {
  const int64_t W = p.g.W, OW = p.g.OW;
  for (int64_t oh = 0; oh < p.g.OH; ++oh) {
    const Span& r = p.rows[static_cast<size_t>(oh)];
    Eigen::Map<Eigen::ArrayXf> acc(cols + oh * W, W);
    acc = Eigen::Map<const Eigen::ArrayXf>(v + r.begin * W, W);
    for (int64_t h = r.begin + 1; h < r.end; ++h) acc += Eigen::Map<const Eigen::ArrayXf>(v + h * W, W);
    for (int64_t ow = 0; ow < OW; ++ow) {
      const Span& c = p.cols[static_cast<size_t>(ow)];
      float sum = 0.0f;
      for (int64_t w = c.begin; w < c.end; ++w) sum += acc[w];
      out[oh * OW + ow] = sum;
    }
  }
}

// The adjoint of window_sums: in [H, W] += each window's value g [OH, OW] over the window's
// pixels, through cols [OH, W].
void spread_windows(const LipPlan& p, const float* g, float* cols, float* in) {
  const int64_t W = p.g.W, OW = p.g.OW;
  for (int64_t oh = 0; oh < p.g.OH; ++oh) {
    float* row = cols + oh * W;
    std::fill(row, row + W, 0.0f);
    for (int64_t ow = 0; ow < OW; ++ow) {
      const Span& c = p.cols[static_cast<size_t>(ow)];
      for (int64_t w = c.begin; w < c.end; ++w) row[w] += g[oh * OW + ow];
    }
    const Span& r = p.rows[static_cast<size_t>(oh)];
    const Eigen::Map<const Eigen::ArrayXf> spread(row, W);
    for (int64_t h = r.begin; h < r.end; ++h) Eigen::Map<Eigen::ArrayXf>(in + h * W, W) += spread;
  }
}

// Scratch floats one plane needs: forward and backward.
int64_t scratch_size(const LipPlan& p) { return p.g.H * p.g.W + p.g.OH * p.g.W + 2 * p.g.OH * p.g.OW; }

// One plane: y [OH,OW] from x, l [H,W]. Keeps e [H,W] = exp(l - M) (M = plane_max) and, per
// window, the max m it was weighted against (M, or its own) and its weight sum s. The window
// sums of e and e x are taken separably (window_sums).
void lip_pool2d_forward(const LipPlan& p, const float* x, const float* l, float* e, float* y, float* m_out,
                        float* s_out, float* scratch) {
  const int64_t W = p.g.W, OW = p.g.OW, n = p.g.H * W, no = p.g.OH * OW;
  const float M = plane_max(l, n);
  Eigen::Map<Eigen::ArrayXf> ev(e, n), ex(scratch, n);
  ev = (Eigen::Map<const Eigen::ArrayXf>(l, n) - M).exp();  // vectorised
  ex = ev * Eigen::Map<const Eigen::ArrayXf>(x, n);
  float* cols = scratch + n;
  float* t_out = cols + p.g.OH * W;
  window_sums(p, e, cols, s_out);
  window_sums(p, ex.data(), cols, t_out);
  for (int64_t o = 0; o < no; ++o) {
    float s = s_out[o], t = t_out[o], m = M;
    if (s < kFarBelowPlaneMax) {  // false for NaN
      const Span& r = p.rows[static_cast<size_t>(o / OW)];
      const Span& c = p.cols[static_cast<size_t>(o % OW)];
      m = window_max(p, l, r, c);
      s = t = 0.0f;
      for (int64_t h = r.begin; h < r.end; ++h) {
        for (int64_t w = c.begin; w < c.end; ++w) {
          const float v = std::exp(l[h * W + w] - m);
          s += v;
          t += v * x[h * W + w];
        }
      }
    }
    y[o] = t / s;
    m_out[o] = m;
    s_out[o] = s;
  }
}

// One plane: gx [H,W] += gy * w / s and gl [H,W] += gy * w / s * (x - y) over each window, w the
// forward's weights; either gradient may be null. For the windows weighted by e, w = e_i is
// factored out: with A_i = sum of gy/s and B_i = sum of gy/s * y over the windows holding i
// (spread_windows), gx_i += e_i A_i and gl_i += e_i (x_i A_i - B_i). Windows weighted against
// their own max add their terms with w = exp(l - m) afterwards.
void lip_pool2d_backward(const LipPlan& p, const float* x, const float* l, const float* e, float M, const float* y,
                         const float* m, const float* s, const float* gy, float* gx, float* gl, float* scratch) {
  const int64_t W = p.g.W, OW = p.g.OW, n = p.g.H * W, no = p.g.OH * OW;
  float* A = scratch;  // A [n] (then B), cols [OH*W], a and b [no] each
  float* cols = A + n;
  float* a = cols + p.g.OH * W;
  float* b = a + no;
  bool any_own = false;
  for (int64_t o = 0; o < no; ++o) {
    const bool own = m[o] != M;
    any_own = any_own || own;
    a[o] = own ? 0.0f : gy[o] / s[o];
    b[o] = a[o] * y[o];
  }
  const Eigen::Map<const Eigen::ArrayXf> ev(e, n), xv(x, n);
  std::fill(A, A + n, 0.0f);
  spread_windows(p, a, cols, A);
  if (gx != nullptr) Eigen::Map<Eigen::ArrayXf>(gx, n) += ev * Eigen::Map<Eigen::ArrayXf>(A, n);
  if (gl != nullptr) {
    Eigen::Map<Eigen::ArrayXf> gv(gl, n);
    gv += ev * xv * Eigen::Map<Eigen::ArrayXf>(A, n);
    std::fill(A, A + n, 0.0f);
    spread_windows(p, b, cols, A);
    gv -= ev * Eigen::Map<Eigen::ArrayXf>(A, n);
  }
  for (int64_t oh = 0; any_own && oh < p.g.OH; ++oh) {
    const Span& r = p.rows[static_cast<size_t>(oh)];
    for (int64_t ow = 0; ow < OW; ++ow) {
      const int64_t o = oh * OW + ow;
      if (m[o] == M) continue;
      const Span& c = p.cols[static_cast<size_t>(ow)];
      const float ao = gy[o] / s[o];
      for (int64_t h = r.begin; h < r.end; ++h) {
        for (int64_t w = c.begin; w < c.end; ++w) {
          const int64_t i = h * W + w;
          const float gw = ao * std::exp(l[i] - m[o]);
          if (gx != nullptr) gx[i] += gw;
          if (gl != nullptr) gl[i] += gw * (x[i] - y[o]);
        }
      }
    }
  }
}
}  // namespace

Shape lip_pool2d_out_shape(const Shape& x, const Shape& logits, const LipPool& options) {
  return lip_geometry(x, logits, options).out_shape();
}

Tensor lip_pool2d(const Tensor& x, const Tensor& logits, const LipPool& options) {
  const PoolGeometry g = lip_geometry(x.shape(), logits.shape(), options);
  auto plan = std::make_shared<LipPlan>(
      LipPlan{.g = g, .rows = spans(g.OH, g.SH, g.PH, g.KH, g.H), .cols = spans(g.OW, g.SW, g.PW, g.KW, g.W)});
  const int64_t plane_in = g.H * g.W, plane_out = g.OH * g.OW, grain = planes_per_chunk(plane_in);
  Tensor y = Tensor::empty(g.out_shape());
  Tensor e = Tensor::empty(x.shape());                                        // exp(l - plane max)
  Tensor m = Tensor::empty(g.out_shape()), s = Tensor::empty(g.out_shape());  // window max used, weight sum
  parallel::parallel_for(0, g.planes(), grain, [&](int64_t b, int64_t end) {
    std::vector<float> scratch(static_cast<size_t>(scratch_size(*plan)));
    for (int64_t q = b; q < end; ++q) {
      const int64_t i = q * plane_in, o = q * plane_out;
      lip_pool2d_forward(*plan, x.data() + i, logits.data() + i, e.data() + i, y.data() + o, m.data() + o,
                         s.data() + o, scratch.data());
    }
  });
  check_finite(y, "lip_pool2d", "output");
  if (needs_grad({x, logits})) {
    record(y, "lip_pool2d", {x, logits},
           [x, logits, e, yd = y.detach(), m, s, plan, plane_in, plane_out, grain](const Tensor& gy) {
             float* gx = x.requires_grad() ? grad_buffer(x) : nullptr;
             float* gl = logits.requires_grad() ? grad_buffer(logits) : nullptr;
             parallel::parallel_for(0, plan->g.planes(), grain, [&](int64_t b, int64_t end) {
               std::vector<float> scratch(static_cast<size_t>(scratch_size(*plan)));
               for (int64_t q = b; q < end; ++q) {
                 const int64_t i = q * plane_in, o = q * plane_out;
                 lip_pool2d_backward(*plan, x.data() + i, logits.data() + i, e.data() + i,
                                     plane_max(logits.data() + i, plane_in), yd.data() + o, m.data() + o, s.data() + o,
                                     gy.data() + o, gx == nullptr ? nullptr : gx + i, gl == nullptr ? nullptr : gl + i,
                                     scratch.data());
               }
             });
           });
  }
  return y;
}

}  // namespace poolnet
