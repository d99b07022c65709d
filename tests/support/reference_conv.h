// Deliberately naive convolution: pad with the reference pad kernels, then loop over every
// index, accumulating in double. Written for clarity, never for speed.
#pragma once

#include "framework/ops/conv2d.h"
#include "framework/tensor.h"

namespace poolnet::reference {

// x [N,C,H,W], w [OC,C/groups,KH,KW], b [OC] or undefined -> [N,OC,OH,OW].
Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& b, const Conv2dOptions& options);

}  // namespace poolnet::reference
