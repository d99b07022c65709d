#include "framework/ops/avg_pool.h"

#include <algorithm>
#include <vector>

#include "framework/autograd.h"
#include "framework/parallel.h"

namespace poolnet {

namespace {
// One window along one axis: input positions [begin, end) and its size within the padded input.
struct Window {
  int64_t begin, end, padded_size;
};

std::vector<Window> windows(int64_t out, int64_t stride, int64_t pad, int64_t kernel, int64_t n) {
  std::vector<Window> ws(static_cast<size_t>(out));
  for (int64_t o = 0; o < out; ++o) {
    const int64_t begin = o * stride - pad;
    const int64_t end = std::min(begin + kernel, n + pad);
    ws[static_cast<size_t>(o)] = {std::max<int64_t>(begin, 0), std::min(end, n), end - begin};
  }
  return ws;
}

float divisor(const Window& r, const Window& c, const Pool2d& o) {
  if (o.divisor_override != 0) return static_cast<float>(o.divisor_override);
  if (o.count_include_pad) return static_cast<float>(r.padded_size * c.padded_size);
  return static_cast<float>((r.end - r.begin) * (c.end - c.begin));
}

// x [P, H, W] -> y [P, OH, OW]. Kernel 2x2 stride 2 has its own loop, vectorised by the compiler.
void avg_pool2d_forward(const PoolGeometry& g, const Pool2d& o, const float* x, float* y) {
  const int64_t H = g.H, W = g.W, OH = g.OH, OW = g.OW;
  const auto rows = windows(OH, g.SH, g.PH, g.KH, H), cols = windows(OW, g.SW, g.PW, g.KW, W);
  const bool fast = g.is_2x2_stride_2();
  const float fast_divisor = o.divisor_override != 0 ? static_cast<float>(o.divisor_override) : 4.0f;
  parallel::parallel_for(0, g.planes(), planes_per_chunk(H * W), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      const float* xp = x + p * H * W;
      float* yp = y + p * OH * OW;
      for (int64_t oh = 0; oh < OH; ++oh) {
        if (fast) {
          const float* r0 = xp + 2 * oh * W;
          const float* r1 = r0 + W;
          for (int64_t ow = 0; ow < OW; ++ow) {
            yp[oh * OW + ow] = (((r0[2 * ow] + r0[2 * ow + 1]) + r1[2 * ow]) + r1[2 * ow + 1]) / fast_divisor;
          }
          continue;
        }
        const Window& r = rows[oh];
        for (int64_t ow = 0; ow < OW; ++ow) {
          const Window& c = cols[ow];
          float s = 0.0f;
          for (int64_t h = r.begin; h < r.end; ++h) {
            for (int64_t w = c.begin; w < c.end; ++w) s += xp[h * W + w];
          }
          yp[oh * OW + ow] = r.begin < r.end && c.begin < c.end ? s / divisor(r, c, o) : 0.0f;
        }
      }
    }
  });
}

// gx [P, H, W] += gy / divisor over each window.
void avg_pool2d_backward(const PoolGeometry& g, const Pool2d& o, const float* gy, float* gx) {
  const int64_t H = g.H, W = g.W, OH = g.OH, OW = g.OW;
  const auto rows = windows(OH, g.SH, g.PH, g.KH, H), cols = windows(OW, g.SW, g.PW, g.KW, W);
  const bool fast = g.is_2x2_stride_2();
  const float fast_divisor = o.divisor_override != 0 ? static_cast<float>(o.divisor_override) : 4.0f;
  parallel::parallel_for(0, g.planes(), planes_per_chunk(H * W), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      const float* gyp = gy + p * OH * OW;
      float* gxp = gx + p * H * W;
      for (int64_t oh = 0; oh < OH; ++oh) {
        if (fast) {
          float* g0 = gxp + 2 * oh * W;
          float* g1 = g0 + W;
          for (int64_t ow = 0; ow < OW; ++ow) {
            const float v = gyp[oh * OW + ow] / fast_divisor;
            g0[2 * ow] += v;
            g0[2 * ow + 1] += v;
            g1[2 * ow] += v;
            g1[2 * ow + 1] += v;
          }
          continue;
        }
        const Window& r = rows[oh];
        for (int64_t ow = 0; ow < OW; ++ow) {
          const Window& c = cols[ow];
          if (r.begin >= r.end || c.begin >= c.end) continue;
          const float v = gyp[oh * OW + ow] / divisor(r, c, o);
          for (int64_t h = r.begin; h < r.end; ++h) {
            for (int64_t w = c.begin; w < c.end; ++w) gxp[h * W + w] += v;
          }
        }
      }
    }
  });
}
}  // namespace

Shape avg_pool2d_out_shape(const Shape& x, const Pool2d& options) {
  return pool2d_geometry(x, options, "avg_pool2d", false).out_shape();
}

Tensor avg_pool2d(const Tensor& x, const Pool2d& options) {
  const PoolGeometry g = pool2d_geometry(x.shape(), options, "avg_pool2d", false);
  Tensor y = Tensor::empty(g.out_shape());
  avg_pool2d_forward(g, options, x.data(), y.data());
  check_finite(y, "avg_pool2d", "output");
  if (needs_grad({x})) {
    record(y, "avg_pool2d", {x}, [x, g, options](const Tensor& gy) {
      avg_pool2d_backward(g, options, gy.data(), grad_buffer(x));
    });
  }
  return y;
}

}  // namespace poolnet
