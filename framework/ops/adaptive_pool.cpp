#include "framework/ops/adaptive_pool.h"

#include <cmath>
#include <fmt/format.h>
#include <limits>
#include <vector>

#include "framework/autograd.h"
#include "framework/errors.h"
#include "framework/ops/pool_window.h"
#include "framework/ops/reduce.h"
#include "framework/ops/shape_ops.h"
#include "framework/parallel.h"

namespace poolnet {

namespace {
struct Range {
  int64_t begin, end;
};

// PyTorch's adaptive windows: [floor(i*in/out), ceil((i+1)*in/out)).
std::vector<Range> adaptive_ranges(int64_t in, int64_t out) {
  std::vector<Range> r(static_cast<size_t>(out));
  for (int64_t i = 0; i < out; ++i) r[static_cast<size_t>(i)] = {i * in / out, ((i + 1) * in + out - 1) / out};
  return r;
}

struct AdaptiveGeometry {
  int64_t planes, H, W, OH, OW;
  std::vector<Range> rows, cols;
};

AdaptiveGeometry adaptive_geometry(const Tensor& x, Size2d out, const char* op) {
  adaptive_pool2d_out_shape(x.shape(), out, op);
  const int64_t H = x.size(2), W = x.size(3);
  return {x.size(0) * x.size(1), H, W, out.h, out.w, adaptive_ranges(H, out.h), adaptive_ranges(W, out.w)};
}

// Calls f(p) for every plane p in parallel, with the same split for every kernel here.
template <class F>
void for_planes(const AdaptiveGeometry& g, const F& f) {
  parallel::parallel_for(0, g.planes, planes_per_chunk(g.H * g.W), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) f(p);
  });
}

void adaptive_avg_pool2d_forward(const AdaptiveGeometry& g, const float* x, float* y) {
  for_planes(g, [&](int64_t p) {
    const float* xp = x + p * g.H * g.W;
    for (int64_t oh = 0; oh < g.OH; ++oh) {
      for (int64_t ow = 0; ow < g.OW; ++ow) {
        const Range r = g.rows[oh], c = g.cols[ow];
        float s = 0.0f;
        for (int64_t h = r.begin; h < r.end; ++h) {
          for (int64_t w = c.begin; w < c.end; ++w) s += xp[h * g.W + w];
        }
        y[(p * g.OH + oh) * g.OW + ow] = s / static_cast<float>((r.end - r.begin) * (c.end - c.begin));
      }
    }
  });
}

void adaptive_avg_pool2d_backward(const AdaptiveGeometry& g, const float* gy, float* gx) {
  for_planes(g, [&](int64_t p) {
    float* gxp = gx + p * g.H * g.W;
    for (int64_t oh = 0; oh < g.OH; ++oh) {
      for (int64_t ow = 0; ow < g.OW; ++ow) {
        const Range r = g.rows[oh], c = g.cols[ow];
        const float v = gy[(p * g.OH + oh) * g.OW + ow] / static_cast<float>((r.end - r.begin) * (c.end - c.begin));
        for (int64_t h = r.begin; h < r.end; ++h) {
          for (int64_t w = c.begin; w < c.end; ++w) gxp[h * g.W + w] += v;
        }
      }
    }
  });
}

// Flat argmax of one window of a plane: first maximum wins, a NaN always takes over.
int64_t adaptive_argmax(const float* xp, int64_t W, Range r, Range c) {
  int64_t best = r.begin * W + c.begin;
  float m = -std::numeric_limits<float>::infinity();
  for (int64_t h = r.begin; h < r.end; ++h) {
    for (int64_t w = c.begin; w < c.end; ++w) {
      const float v = xp[h * W + w];
      if (v > m || std::isnan(v)) {
        m = v;
        best = h * W + w;
      }
    }
  }
  return best;
}

void adaptive_max_pool2d_forward(const AdaptiveGeometry& g, const float* x, float* y) {
  for_planes(g, [&](int64_t p) {
    const float* xp = x + p * g.H * g.W;
    for (int64_t oh = 0; oh < g.OH; ++oh) {
      for (int64_t ow = 0; ow < g.OW; ++ow) {
        y[(p * g.OH + oh) * g.OW + ow] = xp[adaptive_argmax(xp, g.W, g.rows[oh], g.cols[ow])];
      }
    }
  });
}

void adaptive_max_pool2d_backward(const AdaptiveGeometry& g, const float* x, const float* gy, float* gx) {
  for_planes(g, [&](int64_t p) {
    const float* xp = x + p * g.H * g.W;
    float* gxp = gx + p * g.H * g.W;
    for (int64_t oh = 0; oh < g.OH; ++oh) {
      for (int64_t ow = 0; ow < g.OW; ++ow) {
        gxp[adaptive_argmax(xp, g.W, g.rows[oh], g.cols[ow])] += gy[(p * g.OH + oh) * g.OW + ow];
      }
    }
  });
}
}  // namespace

Shape adaptive_pool2d_out_shape(const Shape& x, Size2d out, const char* op) {
  require_nchw(x, op);
  if (out.h <= 0 || out.w <= 0) {
    throw ShapeError(fmt::format("{}: output size must be positive, got {} (x={})", op, to_string(out), shape_str(x)));
  }
  if (x[2] <= 0 || x[3] <= 0) {
    throw ShapeError(fmt::format("{}: input plane must not be empty (x={}, output={})", op, shape_str(x),
                                 to_string(out)));
  }
  return {x[0], x[1], out.h, out.w};
}

Tensor adaptive_avg_pool2d(const Tensor& x, Size2d out) {
  const AdaptiveGeometry g = adaptive_geometry(x, out, "adaptive_avg_pool2d");
  Tensor y = Tensor::empty({x.size(0), x.size(1), out.h, out.w});
  adaptive_avg_pool2d_forward(g, x.data(), y.data());
  check_finite(y, "adaptive_avg_pool2d", "output");
  if (needs_grad({x})) {
    record(y, "adaptive_avg_pool2d", {x}, [x, g](const Tensor& gy) {
      adaptive_avg_pool2d_backward(g, gy.data(), grad_buffer(x));
    });
  }
  return y;
}

Tensor adaptive_max_pool2d(const Tensor& x, Size2d out) {
  const AdaptiveGeometry g = adaptive_geometry(x, out, "adaptive_max_pool2d");
  Tensor y = Tensor::empty({x.size(0), x.size(1), out.h, out.w});
  adaptive_max_pool2d_forward(g, x.data(), y.data());
  check_finite(y, "adaptive_max_pool2d", "output");
  if (needs_grad({x})) {
    record(y, "adaptive_max_pool2d", {x}, [x, xd = x.detach(), g](const Tensor& gy) {
      adaptive_max_pool2d_backward(g, xd.data(), gy.data(), grad_buffer(x));
    });
  }
  return y;
}

Tensor global_avg_pool(const Tensor& x) {
  adaptive_pool2d_out_shape(x.shape(), {1, 1}, "global_avg_pool");
  return mean(x, {2, 3});
}

Tensor global_max_pool(const Tensor& x) {
  adaptive_pool2d_out_shape(x.shape(), {1, 1}, "global_max_pool");
  return reshape(adaptive_max_pool2d(x, {1, 1}), {x.size(0), x.size(1)});
}

}  // namespace poolnet
