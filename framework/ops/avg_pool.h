// Average pooling of images x [N, C, H, W] (PyTorch's avg_pool2d, exactly).
//
//   avg_pool2d(x, options) -> y [N, C, OH, OW], OH/OW by pool_window.h's rule (ceil mode too);
//   no dilation. Padding is zeros. For the window rows [h0, h0 + KH) with h0 = oh*SH - PH:
//     the part beyond the padded input (rows >= H + PH, only in ceil mode) never counts;
//     pool size = (rows within [-PH, H + PH)) * (cols within [-PW, W + PW));
//     divisor = divisor_override if set, else pool size if count_include_pad, else the number
//     of real input pixels in the window;
//     y = (sum of the window's input pixels, in row-major order) / divisor.
//   Gradient: gx[h, w] += gy / divisor for every window containing (h, w) (windows may overlap).
// Parallel over the N*C planes, with the same split forward and backward.
#pragma once

#include "framework/ops/pool_window.h"
#include "framework/tensor.h"

namespace poolnet {

Shape avg_pool2d_out_shape(const Shape& x, const Pool2d& options);
Tensor avg_pool2d(const Tensor& x, const Pool2d& options = {});

}  // namespace poolnet
