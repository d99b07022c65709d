// Deliberately naive reference kernels: plain loops over every index, written for clarity,
// never for speed. The fast kernels are tested against them.
#pragma once

#include "framework/tensor.h"

namespace poolnet::reference {

Tensor matmul(const Tensor& a, const Tensor& b);
// value at padded/shifted position computed index by index
Tensor pad_zeros(const Tensor& x, int64_t top, int64_t bottom, int64_t left, int64_t right, float value);
Tensor pad_reflect(const Tensor& x, int64_t top, int64_t bottom, int64_t left, int64_t right);
Tensor pad_circular(const Tensor& x, int64_t top, int64_t bottom, int64_t left, int64_t right);

}  // namespace poolnet::reference
