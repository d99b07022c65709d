// Matrix products (Eigen GEMM, parallel over fixed-size row blocks of the output so that results
// do not depend on the thread count).
//   matmul(a [M,K], b [K,N]) -> [M,N];  ga += gy b^T,  gb += a^T gy.
//   linear(x [N,IN], w [OUT,IN], bias [OUT] or undefined) -> x w^T + bias [N,OUT]
//     (PyTorch nn.Linear layout);  gx += gy w,  gw += gy^T x,  gbias += column sums of gy.
#pragma once

#include "framework/tensor.h"

namespace poolnet {

Tensor matmul(const Tensor& a, const Tensor& b);
Tensor linear(const Tensor& x, const Tensor& w, const Tensor& bias = Tensor());

}  // namespace poolnet
