// Adaptive and global pooling of images x [N, C, H, W] (PyTorch's semantics).
//
//   adaptive_avg_pool2d(x, out) -> y [N, C, out.h, out.w]
//   adaptive_max_pool2d(x, out) -> y [N, C, out.h, out.w]
//     Output row i pools input rows [floor(i*H/OH), ceil((i+1)*H/OH)) (columns alike), so
//     windows cover the input, may overlap and differ in size by one. No padding.
//     avg: y = window sum (row-major order) / window size; gradient gx += gy / size over the window.
//     max: ties go to the first maximum in row-major window order; NaN propagates (the last NaN
//     in window order is the maximum, as PyTorch); gradient gx[argmax] += gy (argmax recomputed).
//   global_avg_pool(x) -> [N, C]: mean over H and W (composed from mean; no own backward).
//   global_max_pool(x) -> [N, C]: adaptive_max_pool2d to 1x1, reshaped.
// Parallel over the N*C planes, with the same split forward and backward.
#pragma once

#include "framework/ops/geometry.h"
#include "framework/tensor.h"

namespace poolnet {

Shape adaptive_pool2d_out_shape(const Shape& x, Size2d out, const char* op);
Tensor adaptive_avg_pool2d(const Tensor& x, Size2d out);
Tensor adaptive_max_pool2d(const Tensor& x, Size2d out);
Tensor global_avg_pool(const Tensor& x);
Tensor global_max_pool(const Tensor& x);

}  // namespace poolnet
