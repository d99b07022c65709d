#include "framework/ops/blur_pool.h"

#include <fmt/format.h>

#include <algorithm>

#include "framework/autograd.h"
#include "framework/errors.h"
#include "framework/ops/blur_kernels.h"
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

Size2d blur_filter_sizes(const Blur2d& o) {
  const bool pure_blur = o.stride.h == 1 && o.stride.w == 1;
  return {o.stride.h > 1 || pure_blur ? o.filter_size : 1, o.stride.w > 1 || pure_blur ? o.filter_size : 1};
}

Shape blur_pool2d_out_shape(const Shape& x, const Blur2d& o) {
  require_nchw(x, "blur_pool2d");
  if (o.filter_size < 1 || o.filter_size > 7 || o.stride.h < 1 || o.stride.w < 1) {
    throw ShapeError(
        fmt::format("blur_pool2d: filter_size must be in 1..7 and stride >= 1, got filter_size={}, "
                    "stride={} (x={})",
                    o.filter_size, to_string(o.stride), shape_str(x)));
  }
  if (x[2] < 1 || x[3] < 1) {
    throw ShapeError(fmt::format("blur_pool2d: needs H, W >= 1, got x={}", shape_str(x)));
  }
  return {x[0], x[1], blur_length(x[2], o.stride.h), blur_length(x[3], o.stride.w)};
}

namespace {
using detail::blur_plane_backward;
using detail::blur_plane_forward;
using detail::BlurPlan;
using detail::dispatch_blur;

template <int F, int S>
void blur_pool2d_forward(const BlurPlan& p, int64_t planes, const float* x, float* y) {
  const int64_t grain = std::max<int64_t>(1, 16384 / std::max<int64_t>(1, p.H * p.W));
  parallel::parallel_for(0, planes, grain, [&](int64_t b, int64_t e) {
    std::vector<float> t(static_cast<size_t>(p.Wp)), zero(static_cast<size_t>(p.W), 0.0f);
    for (int64_t q = b; q < e; ++q)
      blur_plane_forward<F, S>(p, x + q * p.H * p.W, y + q * p.OH * p.OW, t.data(), zero.data());
  });
}

template <int F, int S>
void blur_pool2d_backward(const BlurPlan& p, int64_t planes, const float* gy, float* gx) {
  const int64_t grain = std::max<int64_t>(1, 16384 / std::max<int64_t>(1, p.H * p.W));
  parallel::parallel_for(0, planes, grain, [&](int64_t b, int64_t e) {
    std::vector<float> t(static_cast<size_t>(p.Wp));
    for (int64_t q = b; q < e; ++q) blur_plane_backward<F, S>(p, gy + q * p.OH * p.OW, gx + q * p.H * p.W, t.data());
  });
}

}  // namespace

Tensor blur_pool2d(const Tensor& x, const Blur2d& options) {
  const Shape out_shape = blur_pool2d_out_shape(x.shape(), options);
  Tensor y = Tensor::empty(out_shape);
  auto plan = std::make_shared<const BlurPlan>(detail::make_blur_plan(x.shape(), out_shape, options));
  const int64_t planes = x.size(0) * x.size(1);
  dispatch_blur(*plan, [&](auto f, auto s) { blur_pool2d_forward<f(), s()>(*plan, planes, x.data(), y.data()); });
  check_finite(y, "blur_pool2d", "output");
  if (needs_grad({x})) {
    record(y, "blur_pool2d", {x}, [x, plan, planes](const Tensor& gy) {
      float* gx = grad_buffer(x);
      dispatch_blur(*plan, [&](auto fc, auto sc) { blur_pool2d_backward<fc(), sc()>(*plan, planes, gy.data(), gx); });
    });
  }
  return y;
}

}  // namespace poolnet
