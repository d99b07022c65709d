#include "framework/ops/soft_pool.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>

#include "framework/autograd.h"
#include "framework/errors.h"
#include "framework/ops/non_finite.h"
#include "framework/parallel.h"

namespace poolnet {

Shape soft_pool2d_out_shape(const Shape& x, const SoftPool& o) {
  require_nchw(x, "soft_pool2d");
  if (o.kernel.h < 1 || o.kernel.w < 1 || o.stride.h < 1 || o.stride.w < 1) {
    throw ShapeError(fmt::format("soft_pool2d: kernel and stride must be >= 1, got kernel={}, stride={} (x={})",
                                 to_string(o.kernel), to_string(o.stride), shape_str(x)));
  }
  if (o.kernel.h > x[2] || o.kernel.w > x[3]) {
    throw ShapeError(fmt::format("soft_pool2d: kernel {} does not fit input {}x{} (x={})", to_string(o.kernel), x[2],
                                 x[3], shape_str(x)));
  }
  return {x[0], x[1], window_length(x[2], o.kernel.h, o.stride.h, 0, 1),
          window_length(x[3], o.kernel.w, o.stride.w, 0, 1)};
}

namespace {
struct SoftGeometry {
  int64_t H, W, OH, OW, KH, KW, SH, SW;
};

// The window max of x at output (oh, ow); NaN if the window holds one.
float window_max(const SoftGeometry& g, const float* x, int64_t oh, int64_t ow) {
  float m = x[oh * g.SH * g.W + ow * g.SW];
  for (int64_t i = 0; i < g.KH; ++i) {
    const float* row = x + (oh * g.SH + i) * g.W + ow * g.SW;
    for (int64_t j = 0; j < g.KW; ++j) m = (row[j] > m || std::isnan(row[j])) ? row[j] : m;
  }
  return m;
}

// One plane: y [OH,OW] = sum w_i x_i over each window of x [H,W]; keeps each window's max m
// and exp-sum e_sum for the backward pass.
void soft_pool2d_forward(const SoftGeometry& g, const float* x, float* y, float* m_out, float* e_out) {
  for (int64_t oh = 0; oh < g.OH; ++oh) {
    for (int64_t ow = 0; ow < g.OW; ++ow) {
      const float m = window_max(g, x, oh, ow);
      float e_sum = 0.0f, ex_sum = 0.0f;
      for (int64_t i = 0; i < g.KH; ++i) {
        const float* row = x + (oh * g.SH + i) * g.W + ow * g.SW;
        for (int64_t j = 0; j < g.KW; ++j) {
          const float e = std::exp(row[j] - m);
          e_sum += e;
          ex_sum += e * row[j];
        }
      }
      const int64_t o = oh * g.OW + ow;
      y[o] = ex_sum / e_sum;
      m_out[o] = m;
      e_out[o] = e_sum;
    }
  }
}

// One plane: gx [H,W] += gy * w_i * (1 + x_i - y) over each window, w_i = exp(x_i - m) / e_sum.
void soft_pool2d_backward(const SoftGeometry& g, const float* x, const float* y, const float* m, const float* e_sum,
                          const float* gy, float* gx) {
  for (int64_t oh = 0; oh < g.OH; ++oh) {
    for (int64_t ow = 0; ow < g.OW; ++ow) {
      const int64_t o = oh * g.OW + ow;
      const float yo = y[o], mo = m[o], go = gy[o] / e_sum[o];
      for (int64_t i = 0; i < g.KH; ++i) {
        const int64_t base = (oh * g.SH + i) * g.W + ow * g.SW;
        for (int64_t j = 0; j < g.KW; ++j) {
          const float v = x[base + j];
          gx[base + j] += go * std::exp(v - mo) * (1.0f + v - yo);
        }
      }
    }
  }
}

// exp(v) for finite v <= 0 (Cephes' expf polynomial, about 1 ulp; below -87 it returns
// exp(-87) ~ 1.6e-38 instead of a denormal). Plain arithmetic, so loops calling it vectorise.
inline float exp_nonpositive(float v) {
  v = v < -87.0f ? -87.0f : v;
  // n = round(v / ln 2) by the 1.5 * 2^23 trick (std::floor would not vectorise under IEEE rules)
  const float n = (v * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  const float r = v - n * 0.693359375f + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const float e = p * r * r + r + 1.0f;
  return e * std::bit_cast<float>((static_cast<int32_t>(n) + 127) << 23);
}

// The common 2x2, stride 2 case on a plane of finite values: the same sums in the same order as
// soft_pool2d_forward, with a vectorisable exp.
void soft_pool2x2_forward(const SoftGeometry& g, const float* x, float* __restrict y, float* __restrict m_out,
                          float* __restrict e_out) {
  for (int64_t oh = 0; oh < g.OH; ++oh) {
    const float* __restrict a = x + 2 * oh * g.W;
    const float* __restrict b = a + g.W;
    for (int64_t ow = 0; ow < g.OW; ++ow) {
      const float a0 = a[2 * ow], a1 = a[2 * ow + 1], b0 = b[2 * ow], b1 = b[2 * ow + 1];
      const float m = std::max(std::max(a0, a1), std::max(b0, b1));
      const float e0 = exp_nonpositive(a0 - m), e1 = exp_nonpositive(a1 - m);
      const float e2 = exp_nonpositive(b0 - m), e3 = exp_nonpositive(b1 - m);
      const float e_sum = ((e0 + e1) + e2) + e3, ex_sum = ((e0 * a0 + e1 * a1) + e2 * b0) + e3 * b1;
      y[oh * g.OW + ow] = ex_sum / e_sum;
      m_out[oh * g.OW + ow] = m;
      e_out[oh * g.OW + ow] = e_sum;
    }
  }
}

void soft_pool2x2_backward(const SoftGeometry& g, const float* x, const float* __restrict y, const float* __restrict m,
                           const float* __restrict e_sum, const float* __restrict gy, float* gx) {
  for (int64_t oh = 0; oh < g.OH; ++oh) {
    const float* __restrict a = x + 2 * oh * g.W;
    const float* __restrict b = a + g.W;
    float* __restrict ga = gx + 2 * oh * g.W;
    float* __restrict gb = ga + g.W;
    for (int64_t ow = 0; ow < g.OW; ++ow) {
      const int64_t o = oh * g.OW + ow;
      const float yo = y[o], mo = m[o], go = gy[o] / e_sum[o];
      const float a0 = a[2 * ow], a1 = a[2 * ow + 1], b0 = b[2 * ow], b1 = b[2 * ow + 1];
      ga[2 * ow] += go * exp_nonpositive(a0 - mo) * (1.0f + a0 - yo);
      ga[2 * ow + 1] += go * exp_nonpositive(a1 - mo) * (1.0f + a1 - yo);
      gb[2 * ow] += go * exp_nonpositive(b0 - mo) * (1.0f + b0 - yo);
      gb[2 * ow + 1] += go * exp_nonpositive(b1 - mo) * (1.0f + b1 - yo);
    }
  }
}

bool is_2x2_stride_2(const SoftGeometry& g) { return g.KH == 2 && g.KW == 2 && g.SH == 2 && g.SW == 2; }

int64_t plane_grain(const SoftGeometry& g) { return std::max<int64_t>(1, 4096 / std::max<int64_t>(1, g.H * g.W)); }
}  // namespace

Tensor soft_pool2d(const Tensor& x, const SoftPool& options) {
  const Shape out_shape = soft_pool2d_out_shape(x.shape(), options);
  const SoftGeometry g{x.size(2),        x.size(3),        out_shape[2],     out_shape[3],
                       options.kernel.h, options.kernel.w, options.stride.h, options.stride.w};
  const int64_t planes = x.size(0) * x.size(1), plane_in = g.H * g.W, plane_out = g.OH * g.OW;
  Tensor y = Tensor::empty(out_shape);
  Tensor m = Tensor::empty(out_shape), e_sum = Tensor::empty(out_shape);  // window max, exp-sum
  const float* px = x.data();
  parallel::parallel_for(0, planes, plane_grain(g), [&](int64_t b, int64_t e) {
    for (int64_t q = b; q < e; ++q) {
      const int64_t o = q * plane_out;
      const float* xq = px + q * plane_in;
      if (is_2x2_stride_2(g) && !has_non_finite(xq, plane_in)) {
        soft_pool2x2_forward(g, xq, y.data() + o, m.data() + o, e_sum.data() + o);
      } else {
        soft_pool2d_forward(g, xq, y.data() + o, m.data() + o, e_sum.data() + o);
      }
    }
  });
  check_finite(y, "soft_pool2d", "output");
  if (needs_grad({x})) {
    record(y, "soft_pool2d", {x}, [x, yd = y.detach(), m, e_sum, g, planes, plane_in, plane_out](const Tensor& gy) {
      float* gx = grad_buffer(x);
      parallel::parallel_for(0, planes, plane_grain(g), [&](int64_t b, int64_t e) {
        for (int64_t q = b; q < e; ++q) {
          const int64_t xo = q * plane_in, o = q * plane_out;
          if (is_2x2_stride_2(g) && !has_non_finite(x.data() + xo, plane_in)) {
            soft_pool2x2_backward(g, x.data() + xo, yd.data() + o, m.data() + o, e_sum.data() + o, gy.data() + o,
                                  gx + xo);
          } else {
            soft_pool2d_backward(g, x.data() + xo, yd.data() + o, m.data() + o, e_sum.data() + o, gy.data() + o,
                                 gx + xo);
          }
        }
      });
    });
  }
  return y;
}

}  // namespace poolnet
