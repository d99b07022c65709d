#include "framework/ops/stochastic_pool.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include "framework/autograd.h"
#include "framework/errors.h"
#include "framework/parallel.h"
#include "framework/random.h"

namespace poolnet {

Shape stochastic_pool2d_out_shape(const Shape& x, const StochasticPool& o) {
  require_nchw(x, "stochastic_pool2d");
  if (o.kernel.h < 1 || o.kernel.w < 1 || o.stride.h < 1 || o.stride.w < 1) {
    throw ShapeError(fmt::format("stochastic_pool2d: kernel and stride must be >= 1, got kernel={}, stride={} (x={})",
                                 to_string(o.kernel), to_string(o.stride), shape_str(x)));
  }
  if (o.kernel.h > x[2] || o.kernel.w > x[3]) {
    throw ShapeError(fmt::format("stochastic_pool2d: kernel {} does not fit input {}x{} (x={})", to_string(o.kernel),
                                 x[2], x[3], shape_str(x)));
  }
  return {x[0], x[1], window_length(x[2], o.kernel.h, o.stride.h, 0, 1),
          window_length(x[3], o.kernel.w, o.stride.w, 0, 1)};
}

namespace {
struct StochasticGeometry {
  int64_t C, H, W, OH, OW, KH, KW, SH, SW;
  int64_t offset(int64_t oh, int64_t ow, int64_t i, int64_t j) const { return (oh * SH + i) * W + ow * SW + j; }
};

float positive(float a) { return a > 0.0f || std::isnan(a) ? a : 0.0f; }

// Training, one plane (sample n, channel c): y = the sampled value, pick = its index in the plane.
void stochastic_train_forward(const StochasticGeometry& g, const RandomStream& rng, int64_t c, const float* x, float* y,
                              int32_t* pick) {
  for (int64_t oh = 0; oh < g.OH; ++oh) {
    for (int64_t ow = 0; ow < g.OW; ++ow) {
      double total = 0.0;
      int64_t chosen = -1;
      for (int64_t i = 0; i < g.KH && chosen < 0; ++i) {
        for (int64_t j = 0; j < g.KW; ++j) {
          const float a = x[g.offset(oh, ow, i, j)];
          if (std::isnan(a)) {
            chosen = g.offset(oh, ow, i, j);
            break;
          }
          total += positive(a);
        }
      }
      if (chosen < 0) {
        chosen = g.offset(oh, ow, 0, 0);
        if (total > 0.0) {
          const double threshold = rng.uniform(static_cast<uint64_t>((c * g.OH + oh) * g.OW + ow)) * total;
          double running = 0.0;
          for (int64_t t = 0; t < g.KH * g.KW; ++t) {
            const int64_t at = g.offset(oh, ow, t / g.KW, t % g.KW);
            if (x[at] <= 0.0f) continue;
            chosen = at;  // the last positive one if rounding ever leaves running <= threshold
            running += x[at];
            if (running > threshold) break;
          }
        }
      }
      y[oh * g.OW + ow] = x[chosen];
      pick[oh * g.OW + ow] = static_cast<int32_t>(chosen);
    }
  }
}

void stochastic_train_backward(const StochasticGeometry& g, const int32_t* pick, const float* gy, float* gx) {
  for (int64_t o = 0; o < g.OH * g.OW; ++o) gx[pick[o]] += gy[o];
}

// Eval, one plane: y = sum max(a,0)^2 / sum max(a,0), or 0 for an all-non-positive window.
void stochastic_eval_forward(const StochasticGeometry& g, const float* x, float* y) {
  for (int64_t oh = 0; oh < g.OH; ++oh) {
    for (int64_t ow = 0; ow < g.OW; ++ow) {
      float s = 0.0f, q = 0.0f;
      for (int64_t i = 0; i < g.KH; ++i) {
        for (int64_t j = 0; j < g.KW; ++j) {
          const float a = positive(x[g.offset(oh, ow, i, j)]);
          s += a;
          q += a * a;
        }
      }
      y[oh * g.OW + ow] = (s > 0.0f || std::isnan(s)) ? q / s : 0.0f;
    }
  }
}

void stochastic_eval_backward(const StochasticGeometry& g, const float* x, const float* y, const float* gy, float* gx) {
  for (int64_t oh = 0; oh < g.OH; ++oh) {
    for (int64_t ow = 0; ow < g.OW; ++ow) {
      float s = 0.0f;
      for (int64_t i = 0; i < g.KH; ++i) {
        for (int64_t j = 0; j < g.KW; ++j) s += positive(x[g.offset(oh, ow, i, j)]);
      }
      const float go = gy[oh * g.OW + ow], yo = y[oh * g.OW + ow];
      if (!(s > 0.0f) && !std::isnan(s)) {
        gx[g.offset(oh, ow, 0, 0)] += go;
        continue;
      }
      for (int64_t i = 0; i < g.KH; ++i) {
        for (int64_t j = 0; j < g.KW; ++j) {
          const int64_t at = g.offset(oh, ow, i, j);
          if (x[at] > 0.0f || std::isnan(x[at])) gx[at] += go * (2.0f * x[at] - yo) / s;
        }
      }
    }
  }
}

int64_t plane_grain(const StochasticGeometry& g) {
  return std::max<int64_t>(1, 4096 / std::max<int64_t>(1, g.H * g.W));
}
}  // namespace

Tensor stochastic_pool2d(const Tensor& x, const StochasticPool& options) {
  const Shape out_shape = stochastic_pool2d_out_shape(x.shape(), options);
  const StochasticGeometry g{x.size(1),        x.size(2),        x.size(3),        out_shape[2],    out_shape[3],
                             options.kernel.h, options.kernel.w, options.stride.h, options.stride.w};
  const int64_t planes = x.size(0) * x.size(1), plane_in = g.H * g.W, plane_out = g.OH * g.OW;
  Tensor y = Tensor::empty(out_shape);
  const float* px = x.data();
  float* py = y.data();
  if (options.training) {
    auto picks = std::make_shared<std::vector<int32_t>>(static_cast<size_t>(planes * plane_out));
    parallel::parallel_for(0, planes, plane_grain(g), [&](int64_t b, int64_t e) {
      for (int64_t q = b; q < e; ++q) {
        const RandomStream rng(options.seed, stream_id(options.step, static_cast<uint64_t>(q / g.C)));
        stochastic_train_forward(g, rng, q % g.C, px + q * plane_in, py + q * plane_out, picks->data() + q * plane_out);
      }
    });
    check_finite(y, "stochastic_pool2d", "output");
    if (needs_grad({x})) {
      record(y, "stochastic_pool2d", {x}, [x, picks, g, planes, plane_in, plane_out](const Tensor& gy) {
        const float* gv = gy.data();
        float* gx = grad_buffer(x);
        parallel::parallel_for(0, planes, plane_grain(g), [&](int64_t b, int64_t e) {
          for (int64_t q = b; q < e; ++q) {
            stochastic_train_backward(g, picks->data() + q * plane_out, gv + q * plane_out, gx + q * plane_in);
          }
        });
      });
    }
    return y;
  }
  parallel::parallel_for(0, planes, plane_grain(g), [&](int64_t b, int64_t e) {
    for (int64_t q = b; q < e; ++q) stochastic_eval_forward(g, px + q * plane_in, py + q * plane_out);
  });
  check_finite(y, "stochastic_pool2d", "output");
  if (needs_grad({x})) {
    record(y, "stochastic_pool2d", {x}, [x, yd = y.detach(), g, planes, plane_in, plane_out](const Tensor& gy) {
      const float* xv = x.data();
      const float* yv = yd.data();
      const float* gv = gy.data();
      float* gx = grad_buffer(x);
      parallel::parallel_for(0, planes, plane_grain(g), [&](int64_t b, int64_t e) {
        for (int64_t q = b; q < e; ++q) {
          const int64_t xo = q * plane_in, yo = q * plane_out;
          stochastic_eval_backward(g, xv + xo, yv + yo, gv + yo, gx + xo);
        }
      });
    });
  }
  return y;
}

}  // namespace poolnet
