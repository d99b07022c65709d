// Deliberately naive batch normalisation: every index in plain loops, statistics in double.
#pragma once

#include "framework/tensor.h"

namespace poolnet::reference {

// PyTorch batch norm in training (batch statistics, biased variance) or eval (the given
// running statistics); weight/bias may be undefined. Does not touch the running statistics.
Tensor batch_norm2d(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                    const Tensor& running_var, bool training, float eps);

// PyTorch instance norm: every plane (n, c) normalised with its own mean and biased variance,
// then * weight[c] + bias[c] (weight/bias may be undefined).
Tensor instance_norm2d(const Tensor& x, const Tensor& weight, const Tensor& bias, float eps);

}  // namespace poolnet::reference
