// Deliberately naive pooling references: every kernel tap of every window visited one by one,
// positions tested against the input and the padded input explicitly. Written for clarity,
// never for speed; the fast kernels in framework/ops are tested against them.
#pragma once

#include <cstdint>
#include <vector>

#include "framework/ops/pool_window.h"
#include "framework/tensor.h"

namespace poolnet::reference {

struct MaxPoolReference {
  Tensor output;
  std::vector<int64_t> indices;  // flat h*W + w within the input plane, -1 for an empty window
};

// Forward values and argmax, PyTorch's rule (first maximum, a NaN takes over).
MaxPoolReference max_pool2d(const Tensor& x, const Pool2d& options);
// gx = scatter of gy to the argmax positions.
Tensor max_pool2d_backward(const Tensor& x, const Pool2d& options, const Tensor& gy);

Tensor avg_pool2d(const Tensor& x, const Pool2d& options);
Tensor avg_pool2d_backward(const Tensor& x, const Pool2d& options, const Tensor& gy);

// (sum over the window of x^p, scaled to the full kernel area in partial windows)^(1/p).
Tensor lp_pool2d(const Tensor& x, float p, const Pool2d& options);

Tensor adaptive_avg_pool2d(const Tensor& x, Size2d out);
Tensor adaptive_avg_pool2d_backward(const Tensor& x, Size2d out, const Tensor& gy);
MaxPoolReference adaptive_max_pool2d(const Tensor& x, Size2d out);

Tensor max_unpool2d(const Tensor& x, const std::vector<int64_t>& indices, Size2d out);

}  // namespace poolnet::reference
