// SoftPool (Stergiou et al. 2021, "Refining activation downsampling with SoftPool"): each window
// is replaced by the softmax-weighted sum of its values, per channel:
//
//   soft_pool2d(x, SoftPool{.kernel = {KH, KW}, .stride = {SH, SW}})
//     x [N,C,H,W] -> y [N,C,OH,OW],  OH = floor((H - KH) / SH) + 1 (no padding, floor mode)
//   y = sum_i w_i x_i,  w_i = exp(x_i - m) / sum_j exp(x_j - m),  m = max of the window
//   (subtracting m keeps exp finite; the weights are those of softmax). NaN propagates.
//   Between max pooling (a window dominated by one large value) and average pooling (equal
//   values). Windows may overlap (stride < kernel).
//
// Kernel 2x2 with stride 2 on a plane of finite values takes a vectorised path whose exp is a
// polynomial (Cephes' expf, about 1 ulp); other windows and planes holding a NaN or an infinity
// use std::exp.
// Gradient: dy/dx_j = w_j (1 + x_j - y), so gx[j] += gy * w_j * (1 + x_j - y) for every window
// containing j (weights recomputed from x in the backward pass). Parallel over the N*C planes
// with the same split in forward and backward: bitwise identical at any thread count.
#pragma once

#include "framework/ops/geometry.h"
#include "framework/tensor.h"

namespace poolnet {

struct SoftPool {
  Size2d kernel{2, 2};  // >= 1
  Size2d stride{2, 2};  // >= 1
};

Shape soft_pool2d_out_shape(const Shape& x, const SoftPool& options);
Tensor soft_pool2d(const Tensor& x, const SoftPool& options = {});

}  // namespace poolnet
