#include "framework/ops/lp_pool.h"

#include <cmath>
#include <fmt/format.h>

#include "framework/autograd.h"
#include "framework/errors.h"
#include "framework/ops/avg_pool.h"
#include "framework/ops/elementwise.h"
#include "framework/parallel.h"

namespace poolnet {

namespace {
constexpr int64_t kGrain = 16384;

// y[i] = (area * s[i])^(1/p).
void lp_root_forward(int64_t n, float p, float area, const float* s, float* y) {
  parallel::parallel_for(0, n, kGrain, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) y[i] = std::pow(area * s[i], 1.0f / p);
  });
}

// gs[i] += gy[i] * area/p * (area * s[i])^(1/p - 1), and nothing where s[i] = 0.
void lp_root_backward(int64_t n, float p, float area, const float* s, const float* gy, float* gs) {
  parallel::parallel_for(0, n, kGrain, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) {
      if (s[i] != 0.0f) gs[i] += gy[i] * area / p * std::pow(area * s[i], 1.0f / p - 1.0f);
    }
  });
}
}  // namespace

Shape lp_pool2d_out_shape(const Shape& x, float p, const Pool2d& options) {
  if (!std::isfinite(p) || p < 1.0f) {
    throw ShapeError(fmt::format("lp_pool2d: p must be finite and >= 1, got {} (x={})", p, shape_str(x)));
  }
  if (options.padding != Size2d{0, 0} || options.divisor_override != 0 || !options.count_include_pad) {
    throw ShapeError(fmt::format("lp_pool2d: padding, divisor_override and count_include_pad are not options of "
                                 "Lp pooling (got padding={}, divisor_override={}, count_include_pad={}; x={})",
                                 to_string(options.padding), options.divisor_override, options.count_include_pad,
                                 shape_str(x)));
  }
  return pool2d_geometry(x, options, "lp_pool2d", false).out_shape();
}

Tensor lp_pool2d(const Tensor& x, float p, const Pool2d& options) {
  lp_pool2d_out_shape(x.shape(), p, options);
  const Tensor s = avg_pool2d(pow(x, p), {.kernel = options.kernel, .stride = options.stride,
                                          .ceil_mode = options.ceil_mode});
  const auto area = static_cast<float>(options.kernel.h * options.kernel.w);
  Tensor y = Tensor::empty(s.shape());
  lp_root_forward(s.numel(), p, area, s.data(), y.data());
  check_finite(y, "lp_pool2d", "output");
  if (needs_grad({s})) {
    record(y, "lp_pool2d", {s}, [s, sd = s.detach(), p, area](const Tensor& gy) {
      lp_root_backward(sd.numel(), p, area, sd.data(), gy.data(), grad_buffer(s));
    });
  }
  return y;
}

}  // namespace poolnet
