// Global pooling heads with one learnable exponent: [N, C, H, W] -> [N, C], over the H*W = L
// positions of each plane.
//
//   gem_pool(x, p):  y = ( (1/L) sum_l max(x_l, eps)^p )^(1/p),  eps = 1e-6
//     Generalised mean (Radenovic, Tolias & Chum 2018; filipradenovic/cnnimageretrieval-pytorch,
//     cirtorch/layers/functional.py `gem`: x.clamp(min=eps).pow(p), avg_pool2d over the map,
//     .pow(1/p)). p = 1 is global average pooling of the clamped map, p -> inf tends to the max.
//   lse_pool(x, r):  y = m + (1/r) log( (1/L) sum_l exp(r (x_l - m)) ),  m = max_l x_l
//     Log-sum-exp pooling as timm's LsePlus2d (pytorch-image-models, timm/layers/other_pool.py):
//     r -> 0 tends to the mean, r -> inf to the max; subtracting m keeps exp finite and cancels.
//
// p and r are tensors of one element ([1] or []), learnable. Gradients, with S the inner mean:
//   gem: dy/dx_l = [x_l >= eps] y z_l^(p-1) / (L S),  z = max(x, eps);
//        dy/dp = y ( -log S / p^2 + (sum_l z_l^p log z_l) / (L S p) ).
//   lse: dy/dx_l = w_l = exp(r (x_l - m)) / (L S);  dy/dr = -log S / r^2 + (1/r) sum_l w_l (x_l - m).
// NaN propagates (clamp keeps NaN, as torch.clamp does). Parallel over the N*C planes; the
// exponent's gradient is summed over planes in plane order: bitwise identical at any thread count.
#pragma once

#include "framework/tensor.h"

namespace poolnet {

inline constexpr float kGemEps = 1e-6f;

Tensor gem_pool(const Tensor& x, const Tensor& p);
Tensor lse_pool(const Tensor& x, const Tensor& r);

}  // namespace poolnet
