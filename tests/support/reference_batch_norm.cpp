#include "tests/support/reference_batch_norm.h"

#include <cmath>

namespace poolnet::reference {

Tensor batch_norm2d(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                    const Tensor& running_var, bool training, float eps) {
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  Tensor y = Tensor::zeros(x.shape());
  for (int64_t c = 0; c < C; ++c) {
    double mean = 0.0, var = 0.0;
    if (training) {
      for (int64_t n = 0; n < N; ++n)
        for (int64_t h = 0; h < H; ++h)
          for (int64_t w = 0; w < W; ++w) mean += x.at({n, c, h, w});
      mean /= static_cast<double>(N * H * W);
      for (int64_t n = 0; n < N; ++n)
        for (int64_t h = 0; h < H; ++h)
          for (int64_t w = 0; w < W; ++w) var += (x.at({n, c, h, w}) - mean) * (x.at({n, c, h, w}) - mean);
      var /= static_cast<double>(N * H * W);
    } else {
      mean = running_mean.at({c});
      var = running_var.at({c});
    }
    const double g = weight.defined() ? weight.at({c}) : 1.0, beta = bias.defined() ? bias.at({c}) : 0.0;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t h = 0; h < H; ++h)
        for (int64_t w = 0; w < W; ++w) {
          y.at({n, c, h, w}) = static_cast<float>((x.at({n, c, h, w}) - mean) / std::sqrt(var + eps) * g + beta);
        }
  }
  return y;
}

Tensor instance_norm2d(const Tensor& x, const Tensor& weight, const Tensor& bias, float eps) {
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  Tensor y = Tensor::zeros(x.shape());
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c) {
      double mean = 0.0, var = 0.0;
      for (int64_t h = 0; h < H; ++h)
        for (int64_t w = 0; w < W; ++w) mean += x.at({n, c, h, w});
      mean /= static_cast<double>(H * W);
      for (int64_t h = 0; h < H; ++h)
        for (int64_t w = 0; w < W; ++w) var += (x.at({n, c, h, w}) - mean) * (x.at({n, c, h, w}) - mean);
      var /= static_cast<double>(H * W);
      const double g = weight.defined() ? weight.at({c}) : 1.0, beta = bias.defined() ? bias.at({c}) : 0.0;
      for (int64_t h = 0; h < H; ++h)
        for (int64_t w = 0; w < W; ++w) {
          y.at({n, c, h, w}) = static_cast<float>((x.at({n, c, h, w}) - mean) / std::sqrt(var + eps) * g + beta);
        }
    }
  return y;
}

}  // namespace poolnet::reference
