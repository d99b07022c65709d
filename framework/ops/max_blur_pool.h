// Anti-aliased max pooling (Zhang 2019, MaxBlurPool): a dense 2x2 max (stride 1), then the
// binomial blur that subsamples (blur_pool2d), fused into one op so the dense max never becomes
// a tensor of its own (it is ~4x the size of a stride-2 max pool's output).
//
//   max_blur_pool2d(x, Blur2d{.filter_size = F, .stride = {sh, sw}, .padding_mode = m})
//     m[n,c,h,w] = max of x[n,c, h..h+1, w..w+1]
//       zeros / reflect: unpadded (the reference implementation's MaxPool2d(2, stride=1)):
//                        m [N,C,H-1,W-1], so H, W >= 2;
//       circular: the window wraps around (x padded circularly by one row and column at the
//                 bottom/right first): m [N,C,H,W], and the op commutes with circular shifts
//                 by multiples of the stride.
//     y = blur_pool2d(m, {F, {sh, sw}, m})  ->  [N,C,ceil(Hm/sh),ceil(Wm/sw)] (its rule for
//       anisotropic strides: blur_pool.h)
//   Max tie rule and NaN as max_pool2d: the first maximum in row-major window order wins; a NaN
//   in the window is the maximum (the last NaN in window order).
//   Equal to blur_pool2d(max_pool2d(x, {.kernel = {2, 2}, .stride = {1, 1}}), options) (with the
//   circular pad first in circular mode), value for value.
// Gradient: the transposed blur gives gm, then gx[argmax] += gm (argmax recomputed from x by the
// same rule, so nothing is stored). Parallel over the N*C planes, same split backward.
#pragma once

#include "framework/ops/blur_pool.h"
#include "framework/tensor.h"

namespace poolnet {

Shape max_blur_pool2d_out_shape(const Shape& x, const Blur2d& options);
Tensor max_blur_pool2d(const Tensor& x, const Blur2d& options = {});

}  // namespace poolnet
