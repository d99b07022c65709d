// Shape ops.
//   reshape(x, shape): same elements, new shape (one dimension may be -1: inferred); shares
//     storage with x. Gradient: gx += gy read in x's shape.
//   flatten(x, start_dim = 1): [N, C, H, W] -> [N, C*H*W].
//   concat(xs, dim): joins tensors that agree on every other dimension, e.g. channels
//     [N,C1,H,W] + [N,C2,H,W] -> [N,C1+C2,H,W]. Gradient: each input gets its slice of gy.
//   narrow(x, dim, start, length): the slice start .. start+length-1 of dimension dim (a copy),
//     as torch.narrow. Gradient: gy added into that slice of gx.
#pragma once

#include <vector>

#include "framework/tensor.h"

namespace poolnet {

Tensor reshape(const Tensor& x, Shape shape);
Tensor flatten(const Tensor& x, int64_t start_dim = 1);
Tensor concat(const std::vector<Tensor>& xs, int64_t dim);
Tensor narrow(const Tensor& x, int64_t dim, int64_t start, int64_t length);

}  // namespace poolnet
