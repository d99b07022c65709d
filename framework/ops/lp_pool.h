// Power-average (Lp) pooling of images x [N, C, H, W], PyTorch's LPPool2d exactly:
//
//   lp_pool2d(x, p, options) -> y [N, C, OH, OW] (OH/OW as avg_pool2d; no padding, no dilation)
//     s = avg_pool2d(x^p, {kernel, stride, ceil_mode})      (composed from pow and avg_pool2d)
//     y = (KH*KW * s)^(1/p)                                  ((sum over the window of x^p)^(1/p))
//   With ceil mode a partial last window's average is taken over its real pixels and then
//   multiplied by the full kernel area, as PyTorch does. p >= 1 and finite. For odd p and
//   negative inputs s may be negative and y is NaN (as PyTorch). p = 2 with ReLU inputs is the
//   usual use; an all-zero window gives y = 0.
//   Gradient of the root step: gs += gy * KH*KW/p * (KH*KW*s)^(1/p - 1), and 0 where s = 0
//   (PyTorch's value there; the root's derivative is infinite), then through avg_pool2d and pow.
#pragma once

#include "framework/ops/pool_window.h"
#include "framework/tensor.h"

namespace poolnet {

// Validates options for lp_pool2d (padding {0, 0}, dilation {1, 1}, no divisor override,
// count_include_pad true) and p (finite, >= 1).
Shape lp_pool2d_out_shape(const Shape& x, float p, const Pool2d& options);
Tensor lp_pool2d(const Tensor& x, float p, const Pool2d& options = {});

}  // namespace poolnet
