#include "framework/ops/max_pool.h"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <limits>
#include <memory>

#include "framework/autograd.h"
#include "framework/errors.h"
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

// Replaces m by v if v is larger or NaN: the first maximum wins, a NaN always takes over.
inline bool takes_over(float v, float m) { return v > m || std::isnan(v); }

// The flat argmax within `plane` of the window (rows, cols), PyTorch's rule; -1 if empty.
inline int64_t window_argmax(const float* plane, int64_t W, Taps rows, Taps cols, int64_t DH, int64_t DW) {
  if (rows.begin >= rows.end || cols.begin >= cols.end) return -1;
  int64_t best = rows.begin * W + cols.begin;
  float m = -std::numeric_limits<float>::infinity();
  for (int64_t h = rows.begin; h < rows.end; h += DH) {
    for (int64_t w = cols.begin; w < cols.end; w += DW) {
      if (takes_over(plane[h * W + w], m)) {
        m = plane[h * W + w];
        best = h * W + w;
      }
    }
  }
  return best;
}

// x [P, H, W] -> y [P, OH, OW] (and indices, if not null). Kernel 2x2 stride 2 has its own
// branch-free loop, vectorised by the compiler.
void max_pool2d_forward(const PoolGeometry& g, const float* x, float* y, int64_t* indices) {
  const int64_t H = g.H, W = g.W, OH = g.OH, OW = g.OW;
  const auto rows = window_taps(OH, g.SH, g.PH, g.KH, g.DH, H);
  const auto cols = window_taps(OW, g.SW, g.PW, g.KW, g.DW, W);
  const bool fast = g.is_2x2_stride_2() && indices == nullptr;
  parallel::parallel_for(0, g.planes(), planes_per_chunk(H * W), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      const float* xp = x + p * H * W;
      float* yp = y + p * OH * OW;
      if (fast) {
        for (int64_t oh = 0; oh < OH; ++oh) {
          const float* r0 = xp + 2 * oh * W;
          const float* r1 = r0 + W;
          float* yo = yp + oh * OW;
          for (int64_t ow = 0; ow < OW; ++ow) {
            float m = r0[2 * ow];
            m = takes_over(r0[2 * ow + 1], m) ? r0[2 * ow + 1] : m;
            m = takes_over(r1[2 * ow], m) ? r1[2 * ow] : m;
            yo[ow] = takes_over(r1[2 * ow + 1], m) ? r1[2 * ow + 1] : m;
          }
        }
        continue;
      }
      for (int64_t oh = 0; oh < OH; ++oh) {
        for (int64_t ow = 0; ow < OW; ++ow) {
          const int64_t i = window_argmax(xp, W, rows[oh], cols[ow], g.DH, g.DW);
          yp[oh * OW + ow] = i >= 0 ? xp[i] : -std::numeric_limits<float>::infinity();
          if (indices) indices[p * OH * OW + oh * OW + ow] = i;
        }
      }
    }
  });
}

// gx [P, H, W] += gy scattered to each window's argmax (recomputed from x by the same rule).
void max_pool2d_backward(const PoolGeometry& g, const float* x, const float* gy, float* gx) {
  const int64_t H = g.H, W = g.W, OH = g.OH, OW = g.OW;
  const auto rows = window_taps(OH, g.SH, g.PH, g.KH, g.DH, H);
  const auto cols = window_taps(OW, g.SW, g.PW, g.KW, g.DW, W);
  const bool fast = g.is_2x2_stride_2();
  parallel::parallel_for(0, g.planes(), planes_per_chunk(H * W), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      const float* xp = x + p * H * W;
      const float* gyp = gy + p * OH * OW;
      float* gxp = gx + p * H * W;
      if (fast) {
        for (int64_t oh = 0; oh < OH; ++oh) {
          const float* r0 = xp + 2 * oh * W;
          const float* r1 = r0 + W;
          float* g0 = gxp + 2 * oh * W;
          float* g1 = g0 + W;
          const float* go = gyp + oh * OW;
          for (int64_t ow = 0; ow < OW; ++ow) {
            float m = r0[2 * ow];
            int k = 0;
            if (takes_over(r0[2 * ow + 1], m)) m = r0[2 * ow + 1], k = 1;
            if (takes_over(r1[2 * ow], m)) m = r1[2 * ow], k = 2;
            if (takes_over(r1[2 * ow + 1], m)) k = 3;
            const float v = go[ow];
            g0[2 * ow] += k == 0 ? v : 0.0f;
            g0[2 * ow + 1] += k == 1 ? v : 0.0f;
            g1[2 * ow] += k == 2 ? v : 0.0f;
            g1[2 * ow + 1] += k == 3 ? v : 0.0f;
          }
        }
        continue;
      }
      for (int64_t oh = 0; oh < OH; ++oh) {
        for (int64_t ow = 0; ow < OW; ++ow) {
          const int64_t i = window_argmax(xp, W, rows[oh], cols[ow], g.DH, g.DW);
          if (i >= 0) gxp[i] += gyp[oh * OW + ow];
        }
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
    record(y, op, {x}, [x, xd = x.detach(), g](const Tensor& gy) {
      max_pool2d_backward(g, xd.data(), gy.data(), grad_buffer(x));
    });
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

Tensor max_pool2d(const Tensor& x, const Pool2d& options) {
  return max_pool2d_impl(x, options, nullptr, "max_pool2d");
}

MaxPoolResult max_pool2d_with_indices(const Tensor& x, const Pool2d& options) {
  MaxPoolResult result;
  result.output = max_pool2d_impl(x, options, &result.indices.values, "max_pool2d_with_indices");
  result.indices.shape = result.output.shape();
  return result;
}

Shape max_unpool2d_out_shape(const Shape& x, const PoolIndices& indices, Size2d output_size) {
  if (x.size() != 4) throw ShapeError(fmt::format("max_unpool2d: expected input [N, C, H, W], got {}", shape_str(x)));
  if (indices.shape != x || static_cast<int64_t>(indices.values.size()) != numel_of(x)) {
    throw ShapeError(fmt::format("max_unpool2d: indices of shape {} ({} values) do not match x={}",
                                 shape_str(indices.shape), indices.values.size(), shape_str(x)));
  }
  if (output_size.h <= 0 || output_size.w <= 0) {
    throw ShapeError(fmt::format("max_unpool2d: output size must be positive, got {} (x={})", to_string(output_size),
                                 shape_str(x)));
  }
  const int64_t plane = output_size.h * output_size.w, in_plane = x[2] * x[3];
  for (size_t i = 0; i < indices.values.size(); ++i) {
    if (indices.values[i] < 0 || indices.values[i] >= plane) {
      const auto n = static_cast<int64_t>(i);
      throw ShapeError(fmt::format("max_unpool2d: index {} at [{},{},{},{}] is outside the output plane {} (x={})",
                                   indices.values[i], n / (x[1] * in_plane), n / in_plane % x[1],
                                   n % in_plane / x[3], n % x[3], to_string(output_size), shape_str(x)));
    }
  }
  return {x[0], x[1], output_size.h, output_size.w};
}

Tensor max_unpool2d(const Tensor& x, const PoolIndices& indices, Size2d output_size) {
  Tensor y = Tensor::empty(max_unpool2d_out_shape(x.shape(), indices, output_size));
  const int64_t planes = x.size(0) * x.size(1), in_plane = x.size(2) * x.size(3);
  const int64_t out_plane = output_size.h * output_size.w;
  auto idx = std::make_shared<const std::vector<int64_t>>(indices.values);
  max_unpool2d_forward(planes, in_plane, out_plane, x.data(), idx->data(), y.data());
  check_finite(y, "max_unpool2d", "output");
  if (needs_grad({x})) {
    record(y, "max_unpool2d", {x}, [x, idx, planes, in_plane, out_plane](const Tensor& gy) {
      max_unpool2d_backward(planes, in_plane, out_plane, gy.data(), idx->data(), grad_buffer(x));
    });
  }
  return y;
}

}  // namespace poolnet
