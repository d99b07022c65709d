// Reductions.
//   sum(x, dims, keepdim): x [..] -> the shape of x with `dims` removed (or kept as 1).
//   sum(x): all elements -> scalar [].
//   mean = sum / (number of reduced elements), composed from sum and mul.
// dims may be negative (counted from the end); an empty list reduces nothing.
// Gradient: gx += gy broadcast back over the reduced dimensions.
// The summation order is fixed (serial, in flat index order): results are deterministic.
#pragma once

#include <vector>

#include "framework/tensor.h"

namespace poolnet {

Tensor sum(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim = false);
Tensor sum(const Tensor& x);
Tensor mean(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim = false);
Tensor mean(const Tensor& x);

}  // namespace poolnet
