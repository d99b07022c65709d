#include "framework/ops/blur_pool.h"

#include <algorithm>
#include <fmt/format.h>

#include "framework/autograd.h"
#include "framework/errors.h"
#include "framework/parallel.h"

namespace poolnet {

std::vector<float> binomial_filter(int64_t size) {
  if (size < 1 || size > 7) throw ShapeError(fmt::format("binomial_filter: size must be in 1..7, got {}", size));
  std::vector<int64_t> row{1};  // Pascal's triangle, row by row
  for (int64_t r = 1; r < size; ++r) {
    std::vector<int64_t> next(row.size() + 1, 1);
    for (size_t i = 1; i < row.size(); ++i) next[i] = row[i - 1] + row[i];
    row = std::move(next);
  }
  const float total = static_cast<float>(int64_t{1} << (size - 1));
  std::vector<float> k;
  for (int64_t c : row) k.push_back(static_cast<float>(c) / total);
  return k;
}

Shape blur_pool2d_out_shape(const Shape& x, const Blur2d& o) {
  if (x.size() != 4) throw ShapeError(fmt::format("blur_pool2d: expected input [N, C, H, W], got {}", shape_str(x)));
  if (o.filter_size < 1 || o.filter_size > 7 || o.stride < 1) {
    throw ShapeError(fmt::format("blur_pool2d: filter_size must be in 1..7 and stride >= 1, got filter_size={}, "
                                 "stride={} (x={})", o.filter_size, o.stride, shape_str(x)));
  }
  if (x[2] < 1 || x[3] < 1) {
    throw ShapeError(fmt::format("blur_pool2d: needs H, W >= 1, got x={}", shape_str(x)));
  }
  return {x[0], x[1], (x[2] + o.stride - 1) / o.stride, (x[3] + o.stride - 1) / o.stride};
}

namespace {
// Geometry of one blur: padded-axis source maps and the filter.
struct BlurPlan {
  int64_t H, W, OH, OW, s, pl;  // pl: padding before along W (and H)
  int64_t Wp;                   // padded width
  std::vector<int64_t> rows;    // padded row -> source row, or -1
  std::vector<int64_t> cols;    // padded column -> source column, or -1
  std::vector<float> k;
};

BlurPlan make_plan(const Shape& x, const Shape& y, const Blur2d& o) {
  BlurPlan p{x[2], x[3], y[2], y[3], o.stride, (o.filter_size - 1) / 2, 0, {}, {}, binomial_filter(o.filter_size)};
  const int64_t after = o.filter_size / 2;
  p.Wp = p.W + p.pl + after;
  for (int64_t r = 0; r < p.H + p.pl + after; ++r) p.rows.push_back(pad_source_index(r - p.pl, p.H, o.padding_mode));
  for (int64_t c = 0; c < p.Wp; ++c) p.cols.push_back(pad_source_index(c - p.pl, p.W, o.padding_mode));
  return p;
}

// One plane: x [H,W] -> y [OH,OW]. t is scratch [Wp], zero is [W] zeros.
// Columns first: t[pl + w] = sum_i k[i] x[row(oh*s+i), w]; borders of t from the column map;
// then y[oh, ow] = sum_j k[j] t[ow*s + j].
template <int F>
void blur_plane_forward(const BlurPlan& p, const float* x, float* y, float* t, const float* zero) {
  float k[F];
  for (int i = 0; i < F; ++i) k[i] = p.k[i];
  const int64_t W = p.W, s = p.s, pl = p.pl;
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
template <int F>
void blur_plane_backward(const BlurPlan& p, const float* gy, float* gx, float* t) {
  float k[F];
  for (int i = 0; i < F; ++i) k[i] = p.k[i];
  const int64_t W = p.W, s = p.s, pl = p.pl;
  for (int64_t oh = 0; oh < p.OH; ++oh) {
    std::fill(t, t + p.Wp, 0.0f);
    const float* gr = gy + oh * p.OW;
    for (int64_t ow = 0; ow < p.OW; ++ow) {
      float* tw = t + ow * s;
      for (int j = 0; j < F; ++j) tw[j] += k[j] * gr[ow];
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

template <int F>
void blur_pool2d_forward(const BlurPlan& p, int64_t planes, const float* x, float* y) {
  const int64_t grain = std::max<int64_t>(1, 16384 / std::max<int64_t>(1, p.H * p.W));
  parallel::parallel_for(0, planes, grain, [&](int64_t b, int64_t e) {
    std::vector<float> t(static_cast<size_t>(p.Wp)), zero(static_cast<size_t>(p.W), 0.0f);
    for (int64_t q = b; q < e; ++q) blur_plane_forward<F>(p, x + q * p.H * p.W, y + q * p.OH * p.OW, t.data(), zero.data());
  });
}

template <int F>
void blur_pool2d_backward(const BlurPlan& p, int64_t planes, const float* gy, float* gx) {
  const int64_t grain = std::max<int64_t>(1, 16384 / std::max<int64_t>(1, p.H * p.W));
  parallel::parallel_for(0, planes, grain, [&](int64_t b, int64_t e) {
    std::vector<float> t(static_cast<size_t>(p.Wp));
    for (int64_t q = b; q < e; ++q) blur_plane_backward<F>(p, gy + q * p.OH * p.OW, gx + q * p.H * p.W, t.data());
  });
}

// Calls fn(std::integral_constant<int, F>) for the runtime filter size.
template <class Fn>
void dispatch_filter(int64_t f, const Fn& fn) {
  switch (f) {
    case 1: fn(std::integral_constant<int, 1>{}); break;
    case 2: fn(std::integral_constant<int, 2>{}); break;
    case 3: fn(std::integral_constant<int, 3>{}); break;
    case 4: fn(std::integral_constant<int, 4>{}); break;
    case 5: fn(std::integral_constant<int, 5>{}); break;
    case 6: fn(std::integral_constant<int, 6>{}); break;
    default: fn(std::integral_constant<int, 7>{}); break;
  }
}
}  // namespace

Tensor blur_pool2d(const Tensor& x, const Blur2d& options) {
  const Shape out_shape = blur_pool2d_out_shape(x.shape(), options);
  Tensor y = Tensor::empty(out_shape);
  auto plan = std::make_shared<const BlurPlan>(make_plan(x.shape(), out_shape, options));
  const int64_t planes = x.size(0) * x.size(1);
  dispatch_filter(options.filter_size, [&](auto f) { blur_pool2d_forward<f()>(*plan, planes, x.data(), y.data()); });
  check_finite(y, "blur_pool2d", "output");
  if (needs_grad({x})) {
    record(y, "blur_pool2d", {x}, [x, plan, planes, f = options.filter_size](const Tensor& gy) {
      float* gx = grad_buffer(x);
      dispatch_filter(f, [&](auto fc) { blur_pool2d_backward<fc()>(*plan, planes, gy.data(), gx); });
    });
  }
  return y;
}

}  // namespace poolnet
