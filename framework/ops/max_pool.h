// Max pooling and its inverse, on images x [N, C, H, W].
//
//   max_pool2d(x, options) -> y [N, C, OH, OW], OH/OW by pool_window.h's rule (ceil mode too).
//     y = the maximum over the (dilated) window; padding positions count as -inf, so they are
//     never chosen: the window is clipped to the input.
//     Ties: the first maximum in row-major window order wins. NaN propagates: a NaN in the
//     window is the maximum (the last NaN in window order, as PyTorch's CPU kernel).
//     Gradient: gx[argmax] += gy, scatter-added (windows may overlap); the argmax is recomputed
//     from x by the same rule, so no indices are stored.
//   max_pool2d_with_indices(x, options) -> {y, indices}: the same y, and for each output the
//     flat position h*W + w of its maximum within the input plane (PyTorch's convention).
//   max_unpool2d(x, indices, output_size) -> y [N, C, output_size.h, output_size.w]: zeros,
//     with y[n, c].flat[indices[n, c, i]] = x[n, c].flat[i] (duplicates: the last one written
//     wins, as PyTorch). Indices must have x's shape and lie inside the output plane.
//     Gradient: gx[i] += gy.flat[indices[i]] (a gather).
// Parallel over the N*C planes, with the same split forward and backward: each chunk owns its
// planes, so scatter-adds never race and results do not depend on the thread count.
// Kernels: 2x2 stride 2 (the common case) as a tree of pair winners over whole chunks; any other
// window separably (the winner of each window row, then of those rows). Both are branch-free and
// pick exactly the element of the row-major rule above.
#pragma once

#include <vector>

#include "framework/ops/pool_window.h"
#include "framework/tensor.h"

namespace poolnet {

// Argmax positions of a max pooling, one per output element.
struct PoolIndices {
  Shape shape;                  // the pooled output's shape [N, C, OH, OW]
  std::vector<int64_t> values;  // h*W + w within the input plane; -1 for a window that misses the input
};

struct MaxPoolResult {
  Tensor output;
  PoolIndices indices;
};

Shape max_pool2d_out_shape(const Shape& x, const Pool2d& options);
Tensor max_pool2d(const Tensor& x, const Pool2d& options = {});
MaxPoolResult max_pool2d_with_indices(const Tensor& x, const Pool2d& options = {});

Shape max_unpool2d_out_shape(const Shape& x, const PoolIndices& indices, Size2d output_size);
Tensor max_unpool2d(const Tensor& x, const PoolIndices& indices, Size2d output_size);

}  // namespace poolnet
