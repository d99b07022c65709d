#include "framework/ops/batch_norm.h"

#include <cmath>
#include <fmt/format.h>
#include <memory>
#include <vector>

#include "framework/autograd.h"
#include "framework/eigen_view.h"
#include "framework/errors.h"
#include "framework/ops/geometry.h"
#include "framework/parallel.h"

namespace poolnet {

namespace {
// Per-channel statistics used by the forward pass and needed again by the backward pass.
struct BatchNormStats {
  std::vector<float> mean, invstd;  // [C]
};

// y = (x - mean) * invstd * w + b per channel. In training, mean/invstd come from the batch and
// the running statistics (if given) are updated; otherwise they come from the running ones.
void batch_norm2d_forward(const float* x, const float* w, const float* b, float* rmean, float* rvar, bool training,
                          float momentum, float eps, int64_t N, int64_t C, int64_t HW, BatchNormStats& stats,
                          float* y) {
  const int64_t M = N * HW;
  parallel::parallel_for(0, C, 1, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      double mean = 0.0, var = 0.0;
      if (training) {
        for (int64_t n = 0; n < N; ++n) mean += vec(x + (n * C + c) * HW, HW).sum();
        mean /= static_cast<double>(M);
        const auto m = static_cast<float>(mean);
        for (int64_t n = 0; n < N; ++n) var += (vec(x + (n * C + c) * HW, HW).array() - m).square().sum();
        var /= static_cast<double>(M);
        if (rmean != nullptr) rmean[c] = static_cast<float>((1.0 - momentum) * rmean[c] + momentum * mean);
        if (rvar != nullptr) {
          rvar[c] = static_cast<float>((1.0 - momentum) * rvar[c] + momentum * var * M / static_cast<double>(M - 1));
        }
      } else {
        mean = rmean[c];
        var = rvar[c];
      }
      const double invstd = 1.0 / std::sqrt(var + eps);
      stats.mean[c] = static_cast<float>(mean);
      stats.invstd[c] = static_cast<float>(invstd);
      const float scale = static_cast<float>(invstd * (w != nullptr ? w[c] : 1.0f));
      const float shift = static_cast<float>((b != nullptr ? b[c] : 0.0f) - mean * scale);
      for (int64_t n = 0; n < N; ++n) {
        const float* p = x + (n * C + c) * HW;
        float* q = y + (n * C + c) * HW;
        for (int64_t i = 0; i < HW; ++i) q[i] = p[i] * scale + shift;
      }
    }
  });
}

// gx += ..., gw += sum(gy * xhat), gb += sum(gy) per channel; any of gx, gw, gb may be null.
void batch_norm2d_backward(const float* x, const float* w, const BatchNormStats& stats, bool training,
                           const float* gy, int64_t N, int64_t C, int64_t HW, float* gx, float* gw, float* gb) {
  const int64_t M = N * HW;
  parallel::parallel_for(0, C, 1, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      const float mean = stats.mean[c], invstd = stats.invstd[c];
      double sum_gy = 0.0, sum_gy_xhat = 0.0;
      for (int64_t n = 0; n < N; ++n) {
        const auto g = vec(gy + (n * C + c) * HW, HW).array();
        sum_gy += g.sum();
        sum_gy_xhat += (g * (vec(x + (n * C + c) * HW, HW).array() - mean)).sum() * invstd;
      }
      if (gw != nullptr) gw[c] += static_cast<float>(sum_gy_xhat);
      if (gb != nullptr) gb[c] += static_cast<float>(sum_gy);
      if (gx == nullptr) continue;
      const float k = invstd * (w != nullptr ? w[c] : 1.0f);
      const float mean_gy = training ? static_cast<float>(sum_gy / M) : 0.0f;
      const float mean_gy_xhat = training ? static_cast<float>(sum_gy_xhat / M) : 0.0f;
      for (int64_t n = 0; n < N; ++n) {
        const float* p = x + (n * C + c) * HW;
        const float* g = gy + (n * C + c) * HW;
        float* q = gx + (n * C + c) * HW;
        for (int64_t i = 0; i < HW; ++i) q[i] += k * (g[i] - mean_gy - (p[i] - mean) * invstd * mean_gy_xhat);
      }
    }
  });
}
}  // namespace

Shape batch_norm2d_out_shape(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                             const Tensor& running_var, bool training) {
  require_nchw(x, "batch_norm2d");
  const int64_t C = x.size(1);
  const auto check = [&](const Tensor& t, const char* name) {
    if (t.defined() && t.shape() != Shape{C}) {
      throw ShapeError(fmt::format("batch_norm2d: {} must be [{}] for input {}, got {}", name, C,
                                   shape_str(x.shape()), shape_str(t.shape())));
    }
  };
  check(weight, "weight");
  check(bias, "bias");
  check(running_mean, "running_mean");
  check(running_var, "running_var");
  if (training && x.size(0) * x.size(2) * x.size(3) <= 1) {
    throw ShapeError(fmt::format("batch_norm2d: training needs more than 1 value per channel, got input {}",
                                 shape_str(x.shape())));
  }
  if (!training && (!running_mean.defined() || !running_var.defined())) {
    throw ShapeError(fmt::format("batch_norm2d: eval mode needs running_mean and running_var (input {})",
                                 shape_str(x.shape())));
  }
  return x.shape();
}

Tensor batch_norm2d(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                    const Tensor& running_var, bool training, float momentum, float eps) {
  const Shape shape = batch_norm2d_out_shape(x, weight, bias, running_mean, running_var, training);
  const int64_t N = x.size(0), C = x.size(1), HW = x.size(2) * x.size(3);
  auto stats = std::make_shared<BatchNormStats>();
  stats->mean.resize(static_cast<size_t>(C));
  stats->invstd.resize(static_cast<size_t>(C));
  Tensor y = Tensor::empty(shape);
  batch_norm2d_forward(x.data(), weight.defined() ? weight.data() : nullptr, bias.defined() ? bias.data() : nullptr,
                       running_mean.defined() ? running_mean.data() : nullptr,
                       running_var.defined() ? running_var.data() : nullptr, training, momentum, eps, N, C, HW,
                       *stats, y.data());
  check_finite(y, "batch_norm2d", "output");
  if (needs_grad({x, weight, bias})) {
    record(y, "batch_norm2d", {x, weight, bias}, [x, weight, bias, stats, training, N, C, HW](const Tensor& gy) {
      float* gx = x.requires_grad() ? grad_buffer(x) : nullptr;
      float* gw = weight.defined() && weight.requires_grad() ? grad_buffer(weight) : nullptr;
      float* gb = bias.defined() && bias.requires_grad() ? grad_buffer(bias) : nullptr;
      batch_norm2d_backward(x.data(), weight.defined() ? weight.data() : nullptr, *stats, training, gy.data(), N, C,
                            HW, gx, gw, gb);
    });
  }
  return y;
}

}  // namespace poolnet
