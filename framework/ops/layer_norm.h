// Layer normalisation over the last dimension (PyTorch F.layer_norm with normalized_shape [C]):
//   layer_norm(x [..., C], weight [C], bias [C], eps) -> y of x's shape,
//   y = (x - mean) / sqrt(var + eps) * weight + bias, mean and the biased variance taken over
//   each row of C values.
// Gradient, per row with xhat = (x - mean) / sigma and gh = gy * weight:
//   gx = (gh - mean(gh) - xhat * mean(gh * xhat)) / sigma;  gweight += sum of gy * xhat;
//   gbias += sum of gy over rows. The row sums for weight and bias are added per fixed block of
//   rows, blocks in order: bitwise identical at any thread count. NaN propagates.
#pragma once

#include "framework/tensor.h"

namespace poolnet {

Tensor layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, float eps = 1e-5f);

}  // namespace poolnet
