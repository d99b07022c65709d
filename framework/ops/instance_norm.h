// Instance normalisation of images (PyTorch's instance_norm / nn.InstanceNorm2d without running
// statistics): every plane of every sample is normalised with its own statistics.
//
//   instance_norm2d(x [N,C,H,W], weight [C], bias [C], eps) -> y [N,C,H,W]
//   y[n,c] = (x[n,c] - mean) / sqrt(var + eps) * weight[c] + bias[c],
//   mean and var over the H*W values of plane (n, c), var biased (divided by H*W, which must be
//   > 1, as PyTorch requires in training). weight and bias may be undefined (no affine transform).
// Composed, as PyTorch composes it: x read as [1, N*C, H, W] goes through batch_norm2d in
// training mode without running statistics, weight and bias repeated N times (concat), so
// there is no backward of its own. Gradient (batch_norm2d's, per plane), xhat = (x - mean) /
// sqrt(var + eps): gx += weight/sqrt(var+eps) * (gy - mean(gy) - xhat * mean(gy * xhat)),
// gweight += sum over n, h, w of gy * xhat, gbias += sum of gy. batch_norm2d's split (one task
// per plane, sums in a fixed order) makes it bitwise identical at any thread count.
#pragma once

#include "framework/tensor.h"

namespace poolnet {

// Validates the shapes and returns x's shape; throws ShapeError naming instance_norm2d.
Shape instance_norm2d_out_shape(const Tensor& x, const Tensor& weight, const Tensor& bias);

Tensor instance_norm2d(const Tensor& x, const Tensor& weight, const Tensor& bias, float eps = 1e-5f);

}  // namespace poolnet
