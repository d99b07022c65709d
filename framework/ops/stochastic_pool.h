// Stochastic pooling (Zeiler & Fergus 2013, "Stochastic pooling for regularization of deep
// convolutional neural networks"). Activations are meant to be non-negative (after ReLU);
// negative values are treated as 0 when forming probabilities.
//
//   stochastic_pool2d(x, StochasticPool{.kernel, .stride, .training, .seed, .step})
//     x [N,C,H,W] -> y [N,C,OH,OW],  OH = floor((H - KH) / SH) + 1 (no padding, floor mode)
//   With a_i the window's values and p_i = max(a_i, 0) / S, S = sum_j max(a_j, 0):
//   training: y = a_k for one k drawn with probability p_k: the first k (row-major window order)
//     whose running sum of max(a, 0) exceeds u * S, u uniform in [0, 1) from
//     RandomStream(seed, stream_id(step, n)) at index (c * OH + oh) * OW + ow, so the draw
//     depends only on (seed, step, sample, window), never on the thread count. The caller
//     advances `step` on every training call (the layer keeps that counter).
//   eval: y = sum_i p_i a_i = sum max(a,0)^2 / S (the probability-weighted average).
//   A window with S = 0 (all values <= 0) gives y = its first element (training) or 0 (eval),
//   and its gradient goes to the first element. A NaN in a window makes y NaN.
//
// Gradient: training: gx[k] += gy for the sampled k (like max pooling's argmax);
//   eval: exact derivative of the weighted average: gx[j] += gy * (2 a_j - y) / S for a_j > 0,
//   0 for a_j <= 0 (the S = 0 rule above aside).
// Parallel over the N*C planes, same split in backward: bitwise identical at any thread count.
#pragma once

#include <cstdint>

#include "framework/ops/geometry.h"
#include "framework/tensor.h"

namespace poolnet {

struct StochasticPool {
  Size2d kernel{2, 2};  // >= 1
  Size2d stride{2, 2};  // >= 1
  bool training = true;
  uint64_t seed = 0;
  uint64_t step = 0;  // call counter: a new draw for every training call
};

Shape stochastic_pool2d_out_shape(const Shape& x, const StochasticPool& options);
Tensor stochastic_pool2d(const Tensor& x, const StochasticPool& options = {});

}  // namespace poolnet
