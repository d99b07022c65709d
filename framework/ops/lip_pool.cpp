#include "framework/ops/lip_pool.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
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

// One plane: y [OH,OW] from x, l [H,W]; keeps each window's max m and weight sum s [OH,OW].
void lip_pool2d_forward(const LipPlan& p, const float* x, const float* l, float* y, float* m_out, float* s_out) {
  const int64_t W = p.g.W, OW = p.g.OW;
  for (int64_t oh = 0; oh < p.g.OH; ++oh) {
    const Span& r = p.rows[static_cast<size_t>(oh)];
    for (int64_t ow = 0; ow < OW; ++ow) {
      const Span& c = p.cols[static_cast<size_t>(ow)];
      const float m = window_max(p, l, r, c);
      float s = 0.0f, t = 0.0f;
      for (int64_t h = r.begin; h < r.end; ++h) {
        for (int64_t w = c.begin; w < c.end; ++w) {
          const float e = std::exp(l[h * W + w] - m);
          s += e;
          t += e * x[h * W + w];
        }
      }
      y[oh * OW + ow] = t / s;
      m_out[oh * OW + ow] = m;
      s_out[oh * OW + ow] = s;
    }
  }
}

// One plane: gx [H,W] += gy * w / s and gl [H,W] += gy * w / s * (x - y) over each window,
// w = exp(l - m); either gradient may be null.
void lip_pool2d_backward(const LipPlan& p, const float* x, const float* l, const float* y, const float* m,
                         const float* s, const float* gy, float* gx, float* gl) {
  const int64_t W = p.g.W, OW = p.g.OW;
  for (int64_t oh = 0; oh < p.g.OH; ++oh) {
    const Span& r = p.rows[static_cast<size_t>(oh)];
    for (int64_t ow = 0; ow < OW; ++ow) {
      const Span& c = p.cols[static_cast<size_t>(ow)];
      const int64_t o = oh * OW + ow;
      const float go = gy[o] / s[o], mo = m[o], yo = y[o];
      for (int64_t h = r.begin; h < r.end; ++h) {
        for (int64_t w = c.begin; w < c.end; ++w) {
          const int64_t i = h * W + w;
          const float gw = go * std::exp(l[i] - mo);
          if (gx != nullptr) gx[i] += gw;
          if (gl != nullptr) gl[i] += gw * (x[i] - yo);
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
  Tensor m = Tensor::empty(g.out_shape()), s = Tensor::empty(g.out_shape());  // window max, weight sum
  parallel::parallel_for(0, g.planes(), grain, [&](int64_t b, int64_t e) {
    for (int64_t q = b; q < e; ++q) {
      const int64_t i = q * plane_in, o = q * plane_out;
      lip_pool2d_forward(*plan, x.data() + i, logits.data() + i, y.data() + o, m.data() + o, s.data() + o);
    }
  });
  check_finite(y, "lip_pool2d", "output");
  if (needs_grad({x, logits})) {
    record(y, "lip_pool2d", {x, logits},
           [x, logits, yd = y.detach(), m, s, plan, plane_in, plane_out, grain](const Tensor& gy) {
             float* gx = x.requires_grad() ? grad_buffer(x) : nullptr;
             float* gl = logits.requires_grad() ? grad_buffer(logits) : nullptr;
             parallel::parallel_for(0, plan->g.planes(), grain, [&](int64_t b, int64_t e) {
               for (int64_t q = b; q < e; ++q) {
                 const int64_t i = q * plane_in, o = q * plane_out;
                 lip_pool2d_backward(*plan, x.data() + i, logits.data() + i, yd.data() + o, m.data() + o, s.data() + o,
                                     gy.data() + o, gx == nullptr ? nullptr : gx + i, gl == nullptr ? nullptr : gl + i);
               }
             });
           });
  }
  return y;
}

}  // namespace poolnet
