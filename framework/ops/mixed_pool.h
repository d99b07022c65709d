// Mixed max-average pooling (Lee, Gallagher & Tu 2016, "Generalizing pooling functions in
// convolutional neural networks: mixed, gated, and tree"), with one learnable mixing gate:
//
//   mixed_pool2d(x, gate, options) -> y [N,C,OH,OW]
//     y = a * max_pool2d(x) + (1 - a) * avg_pool2d(x),  a = sigmoid(gate)
//   x [N,C,H,W]; gate: one element (shape [1] or []), a free scalar so a stays in (0, 1);
//   gate = 0 mixes half and half. Windows, padding, ceil mode, output size and tie rule are those
//   of max_pool2d and avg_pool2d with the same Pool2d options (no dilation: avg_pool2d has none;
//   padding counts as -inf for the max and per count_include_pad for the average).
// Composed as avg + a * (max - avg) from max_pool2d, avg_pool2d, sub, mul, sigmoid and add, so
// it has no backward of its own: gx = a * gmax + (1 - a) * gavg,
// ggate = sum(gy * (max - avg)) * a (1 - a).
#pragma once

#include "framework/ops/pool_window.h"
#include "framework/tensor.h"

namespace poolnet {

Shape mixed_pool2d_out_shape(const Shape& x, const Shape& gate, const Pool2d& options);
Tensor mixed_pool2d(const Tensor& x, const Tensor& gate, const Pool2d& options = {});

}  // namespace poolnet
