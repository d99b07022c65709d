// Inverted dropout (PyTorch's dropout).
//
//   dropout(x [any shape], p, training, seed, stream) -> y [same shape]
//   training: y[i] = x[i] / (1 - p) if RandomStream(seed, stream).uniform(i) >= p, else 0
//             (p = 1 zeroes everything); eval or p = 0: y = x (the same tensor).
// The mask of element i depends only on (seed, stream, i): never on the thread count. Callers
// pass a new stream for every call that must draw a new mask.
// Gradient: gx += gy * mask / (1 - p) (the same mask).
#pragma once

#include <cstdint>

#include "framework/tensor.h"

namespace poolnet {

// Checks 0 <= p <= 1 and returns x's shape; throws ShapeError naming dropout otherwise.
Shape dropout_out_shape(const Shape& x, float p);

Tensor dropout(const Tensor& x, float p, bool training, uint64_t seed, uint64_t stream);

}  // namespace poolnet
