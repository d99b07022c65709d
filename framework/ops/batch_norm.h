// Batch normalisation over the channels of images (PyTorch's batch_norm / nn.BatchNorm2d).
//
//   batch_norm2d(x [N,C,H,W], weight [C], bias [C], running_mean [C], running_var [C],
//                training, momentum, eps) -> y [N,C,H,W]
//   y = (x - mean_c) / sqrt(var_c + eps) * weight_c + bias_c
// weight and bias may be undefined (no affine transform).
// training: mean and var are the batch statistics over N, H and W (biased variance); the
//   running statistics, if defined, are updated in place (no gradient):
//   r = (1 - momentum) r + momentum * s, with the unbiased variance var * M/(M-1) for
//   running_var (M = N*H*W, which must be > 1).
// eval: mean and var are running_mean and running_var (both required).
// Gradient, with xhat = (x - mean) / sqrt(var + eps):
//   training: gx += weight/sqrt(var+eps) * (gy - mean(gy) - xhat * mean(gy * xhat)),
//   eval:     gx += weight/sqrt(var+eps) * gy;
//   gweight += sum(gy * xhat), gbias += sum(gy) (sums over N, H, W).
// Sums run per plane in float (vectorised) and over the planes of a channel in order in double,
// one task per channel: results do not depend on the thread count.
#pragma once

#include "framework/tensor.h"

namespace poolnet {

// Validates the shapes (every per-channel tensor [C], M > 1 when training, running statistics
// present in eval) and returns x's shape; throws ShapeError naming batch_norm2d.
Shape batch_norm2d_out_shape(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                             const Tensor& running_var, bool training);

Tensor batch_norm2d(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                    const Tensor& running_var, bool training, float momentum = 0.1f, float eps = 1e-5f);

}  // namespace poolnet
