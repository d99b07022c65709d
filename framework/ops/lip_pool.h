// Local importance pooling (Gao, Wang & Wu, "LIP: Local Importance-based Pooling", ICCV 2019;
// reference code sebgao/LIP, imagenet/lip_resnet.py, function lip2d, and README.md "A Simple
// Step to Customize LIP"): each window of x is averaged with the weights exp(logits), logits
// being a map of x's shape (in the LIP layer, the output of a small network on x):
//
//   lip_pool2d(x, logits, LipPool{.kernel = {KH, KW}, .stride = {SH, SW}, .padding = {PH, PW}})
//     x [N,C,H,W], logits [N,C,H,W] -> y [N,C,OH,OW]
//     OH = floor((H + 2*PH - KH) / SH) + 1 (pooled_length, floor mode); padding at most half the
//     kernel (pool_window.h's limits); the defaults are lip2d's: kernel 3, stride 2, padding 1.
//   y = sum_i w_i x_i / sum_i w_i,  w_i = exp(l_i - m),  m a logit near the window's largest,
//     over the window's input pixels: padding takes no part (lip2d divides two zero-padded
//     avg_pool2d of x*exp(l) and exp(l), whose divisors cancel and whose padded terms are 0).
//   Subtracting m changes nothing in the ratio and keeps every w_i in (0, 1] with one w_i = 1, so
//   the sums neither overflow nor vanish for any finite logits. Computed with one exp per input
//   pixel: w_i = exp(l_i - M), M the plane's largest logit (NaN skipped), which is m scaled by
//   exp(m - M); a window whose weight sum falls below 2^-60 (its logits far below M, where the
//   scaled weights would lose precision or vanish) is weighted against its own max instead.
//   logits = 0 gives average pooling over the window's input pixels (avg_pool2d with
//   count_include_pad = false); logits = x gives SoftPool (soft_pool2d, when unpadded).
//   NaN in x or logits propagates to the windows holding it; so does a +inf logit (as in lip2d).
// Gradient, with S = sum_i w_i: gx_i += gy * w_i / S and glogits_i += gy * w_i / S * (x_i - y)
// for every window containing i (windows may overlap; the forward's w_i and S are kept).
// Parallel over the N*C planes, with the same split forward and backward: bitwise identical at
// any thread count.
#pragma once

#include "framework/ops/geometry.h"
#include "framework/tensor.h"

namespace poolnet {

struct LipPool {
  Size2d kernel{3, 3};   // >= 1
  Size2d stride{2, 2};   // >= 1
  Size2d padding{1, 1};  // 0 .. kernel/2
};

std::string to_string(const LipPool& options);  // "kernel=3x3, stride=2x2, padding=1x1"

// Validates x, logits and the options; throws ShapeError naming lip_pool2d and the shapes.
Shape lip_pool2d_out_shape(const Shape& x, const Shape& logits, const LipPool& options);
Tensor lip_pool2d(const Tensor& x, const Tensor& logits, const LipPool& options = {});

}  // namespace poolnet
