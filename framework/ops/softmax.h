// Softmax family over the last dimension of x [N, C].
//   log_softmax(x)[n,c] = x[n,c] - max_c x[n,:] - log sum_c exp(x[n,c] - max)   (stable)
//     gradient: gx += gy - softmax(x) * sum_c gy[n,:]
//   softmax(x) = exp(log_softmax(x))
//   cross_entropy(logits [N,C], labels (N class indices), label_smoothing = eps)
//     = mean_n -sum_c q[n,c] log_softmax(logits)[n,c], q = (1-eps) onehot(label) + eps/C
//     (PyTorch's F.cross_entropy with reduction='mean'); composed, so no backward of its own.
#pragma once

#include <cstdint>
#include <span>

#include "framework/tensor.h"

namespace poolnet {

Tensor log_softmax(const Tensor& x);
Tensor softmax(const Tensor& x);
Tensor cross_entropy(const Tensor& logits, std::span<const int32_t> labels, float label_smoothing = 0.0f);

}  // namespace poolnet
