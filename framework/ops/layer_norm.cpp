#include "framework/ops/layer_norm.h"

#include <fmt/format.h>

#include <cmath>
#include <vector>

#include "framework/autograd.h"
#include "framework/errors.h"
#include "framework/ops/geometry.h"
#include "framework/parallel.h"

namespace poolnet {

namespace {
constexpr int64_t kRowBlock = 64;

// The sum of term(0) .. term(n - 1) in 16 interleaved partial sums, added pairwise at the end:
// it vectorises, and its order depends only on n.
template <typename Term>
float lane_sum(int64_t n, const Term& term) {
  constexpr int kLanes = 16;
  float part[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int k = 0; k < kLanes; ++k) part[k] += term(i + k);
  }
  for (int k = 0; i < n; ++i, ++k) part[k] += term(i);
  for (int width = kLanes / 2; width > 0; width /= 2) {
    for (int k = 0; k < width; ++k) part[k] += part[k + width];
  }
  return part[0];
}
}  // namespace

Tensor layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, float eps) {
  if (x.dim() < 1 || weight.shape() != Shape{x.size(-1)} || bias.shape() != weight.shape()) {
    throw ShapeError(fmt::format("layer_norm: weight and bias must be [C] for x [..., C], got x={}, weight={}, bias={}",
                                 shape_str(x.shape()), shape_str(weight.shape()), shape_str(bias.shape())));
  }
  const int64_t C = x.size(-1), rows = C == 0 ? 0 : x.numel() / C;
  Tensor y = Tensor::empty(x.shape()), xhat = Tensor::empty(x.shape()), inv_sigma = Tensor::empty({rows});
  const float *xd = x.data(), *w = weight.data(), *bi = bias.data();
  parallel::parallel_for(0, rows, kRowBlock, [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const float* xr = xd + r * C;
      const float mean = lane_sum(C, [&](int64_t c) { return xr[c]; }) / static_cast<float>(C);
      const float var = lane_sum(C, [&](int64_t c) { return (xr[c] - mean) * (xr[c] - mean); });
      const float is = 1.0f / std::sqrt(var / static_cast<float>(C) + eps);
      inv_sigma.data()[r] = is;
      for (int64_t c = 0; c < C; ++c) {
        const float h = (xr[c] - mean) * is;
        xhat.data()[r * C + c] = h;
        y.data()[r * C + c] = h * w[c] + bi[c];
      }
    }
  });
  check_finite(y, "layer_norm", "output");
  if (needs_grad({x, weight, bias})) {
    record(y, "layer_norm", {x, weight, bias}, [x, weight, bias, xhat, inv_sigma, rows, C](const Tensor& gy) {
      const float* g = gy.data();
      const float* h = xhat.data();
      if (x.requires_grad()) {
        float* gx = grad_buffer(x);
        parallel::parallel_for(0, rows, kRowBlock, [&](int64_t b, int64_t e) {
          for (int64_t r = b; r < e; ++r) {
            const float* w = weight.data();
            const float mean_gh = lane_sum(C, [&](int64_t c) { return g[r * C + c] * w[c]; }) / static_cast<float>(C);
            const float mean_ghh =
                lane_sum(C, [&](int64_t c) { return g[r * C + c] * w[c] * h[r * C + c]; }) / static_cast<float>(C);
            for (int64_t c = 0; c < C; ++c) {
              const float gh = g[r * C + c] * weight.data()[c];
              gx[r * C + c] += (gh - mean_gh - h[r * C + c] * mean_ghh) * inv_sigma.data()[r];
            }
          }
        });
      }
      if (!weight.requires_grad() && !bias.requires_grad()) return;
      // [gweight | gbias] per block of rows, added in block order.
      const auto sums = parallel::deterministic_reduce(
          rows, kRowBlock, std::vector<float>(static_cast<size_t>(2 * C), 0.0f),
          [&](int64_t, int64_t b, int64_t e) {
            std::vector<float> s(static_cast<size_t>(2 * C), 0.0f);
            for (int64_t r = b; r < e; ++r) {
              for (int64_t c = 0; c < C; ++c) {
                s[c] += g[r * C + c] * h[r * C + c];
                s[C + c] += g[r * C + c];
              }
            }
            return s;
          },
          [C](std::vector<float> acc, const std::vector<float>& part) {
            for (int64_t i = 0; i < 2 * C; ++i) acc[i] += part[i];
            return acc;
          });
      if (weight.requires_grad()) {
        float* gw = grad_buffer(weight);
        for (int64_t c = 0; c < C; ++c) gw[c] += sums[c];
      }
      if (bias.requires_grad()) {
        float* gb = grad_buffer(bias);
        for (int64_t c = 0; c < C; ++c) gb[c] += sums[C + c];
      }
    });
  }
  return y;
}

}  // namespace poolnet
