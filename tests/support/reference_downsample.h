// Deliberately naive reference kernels of the downsampling ops: one output element at a time,
// every index computed from the definition, accumulation in double.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "framework/ops/geometry.h"
#include "framework/tensor.h"

namespace poolnet::reference {

// Binomial coefficient C(n, k) from factorials.
int64_t binomial(int64_t n, int64_t k);
// Source index of padded position p on an axis of n pixels for "zeros" (-1), "reflect",
// "circular", by stepping the mirror / wrap one pixel at a time.
int64_t padded_source(int64_t p, int64_t n, const std::string& mode);

// Zhang's BlurPool: pad (F-1)/2 before, F/2 after, 2-D binomial filter, stride s (an axis with
// stride 1 while the other's is above 1 is not filtered).
Tensor blur_pool(const Tensor& x, int64_t filter, Size2d stride, const std::string& mode);
inline Tensor blur_pool(const Tensor& x, int64_t filter, int64_t stride, const std::string& mode) {
  return blur_pool(x, filter, Size2d{stride, stride}, mode);
}

// Adaptive polyphase sampling: norms per (sample, phase), chosen phases, selected output; phase
// p = i*sw + j is component (i, j).
std::vector<int64_t> aps_phases(const Tensor& x, Size2d stride, const std::string& norm);
Tensor aps_select(const Tensor& x, const std::vector<int64_t>& phases, Size2d stride);
inline std::vector<int64_t> aps_phases(const Tensor& x, int64_t stride, const std::string& norm) {
  return aps_phases(x, Size2d{stride, stride}, norm);
}
inline Tensor aps_select(const Tensor& x, const std::vector<int64_t>& phases, int64_t stride) {
  return aps_select(x, phases, Size2d{stride, stride});
}
// y[n,c] = sum_p w[n,(c),p] component p of x[n,c] (weights [N,P] or [N,C,P]), in double.
Tensor polyphase_mix(const Tensor& x, const Tensor& weights, Size2d stride);
// Polyphase unpooling to [N,C,H,W]: out[(oh*sh + i) mod H, (ow*sw + j) mod W] += y[oh, ow].
Tensor polyphase_unpool(const Tensor& y, const std::vector<int64_t>& phases, Size2d stride, int64_t H, int64_t W);
inline Tensor polyphase_unpool(const Tensor& y, const std::vector<int64_t>& phases, int64_t stride, int64_t H,
                               int64_t W) {
  return polyphase_unpool(y, phases, Size2d{stride, stride}, H, W);
}

// SoftPool: softmax-weighted sum over windows (no padding, floor mode).
Tensor soft_pool(const Tensor& x, int64_t kernel, int64_t stride);

// Mixed pooling: alpha * max + (1 - alpha) * mean over windows (no padding, floor mode).
Tensor mixed_pool(const Tensor& x, int64_t kernel, int64_t stride, double alpha);

// Stochastic pooling in eval mode: sum max(a,0)^2 / sum max(a,0) (0 for an all-zero window).
Tensor stochastic_pool_eval(const Tensor& x, int64_t kernel, int64_t stride);
// Training mode with the op's documented draw rule.
Tensor stochastic_pool_train(const Tensor& x, int64_t kernel, int64_t stride, uint64_t seed, uint64_t step);

// LIP: sum exp(l) x / sum exp(l) over the input pixels of each window (kernel, stride, padding on
// both axes; floor mode; padding left out), exp taken as is (no max subtracted), in double.
Tensor lip_pool(const Tensor& x, const Tensor& logits, int64_t kernel, int64_t stride, int64_t padding);

}  // namespace poolnet::reference
