// 2-D convolution (cross-correlation, as PyTorch's conv2d / nn.Conv2d).
//
//   conv2d(x [N,C,H,W], weight [OC, C/groups, KH, KW], bias [OC] or undefined) -> y [N,OC,OH,OW]
//   y[n,o,oh,ow] = bias[o] + sum_{c in group(o), kh, kw} weight[o,c,kh,kw] *
//                  xpad[n, c, oh*stride.h + kh*dilation.h, ow*stride.w + kw*dilation.w]
//
// Output size: OH = floor((H + pad_top + pad_bottom - dilation.h*(KH-1) - 1) / stride.h) + 1
// (same for OW; window_length in geometry.h). Explicit padding is symmetric ({h, w} on both
// sides). 'same' (stride 1 only) pads dilation*(K-1) in total per axis, floor half before and
// the extra pixel after (bottom/right), as PyTorch's padding='same' (same_padding in
// geometry.h), so OH = H and OW = W.
// Padding values: zeros (0), reflect (mirror without repeating the edge; pad < size) or
// circular (wrap-around; pad <= size), matching nn.Conv2d's padding_mode.
// Groups: input and output channels split into `groups` equal blocks, output block g sees only
// input block g (groups == C is a depthwise convolution).
// Gradient: gx += col2im(W^T gy), gweight += gy col(x)^T, gbias += sum of gy over N, OH, OW;
// padded positions send their gradient back to the pixel they copied (reflect/circular).
//
// Kernels: Winograd, implicit GEMM, direct, depthwise or im2col, chosen by the table of
// conv2d_kernel.h (or forced with set_conv2d_kernel). im2col cuts the batch into tiles sized for the L2 cache
// (several samples, or a band of one sample's output rows) and runs one GEMM per tile and group.
// The batch is cut into at most 16 chunks whose size depends only on the shapes; each chunk is
// one parallel task with its own partial weight and bias gradients, added in chunk order:
// bitwise identical results at any thread count.
#pragma once

#include <cstdint>

#include "framework/ops/conv2d_kernel.h"
#include "framework/ops/geometry.h"
#include "framework/tensor.h"

namespace poolnet {

struct Conv2dOptions {
  Size2d stride{1, 1};
  Size2d padding{0, 0};  // on both sides of each axis
  bool same = false;     // 'same' padding (stride 1 only); `padding` must then be 0
  Size2d dilation{1, 1};
  int64_t groups = 1;
  PadMode padding_mode = PadMode::kZeros;
  // relu() fused into the output, each sample's as soon as it is written (inference: conv2d
  // refuses it when a gradient would be recorded).
  bool relu = false;
};

// Validates x, weight and options and returns [N, OC, OH, OW]; throws ShapeError naming conv2d
// and the shapes. (conv2d also checks that a defined bias is [OC].)
Shape conv2d_out_shape(const Shape& x, const Shape& weight, const Conv2dOptions& options);

// The kernel conv2d runs for these shapes: the forced one (set_conv2d_kernel), else the
// selection table's choice. Throws ShapeError where conv2d would.
Conv2dKernel conv2d_kernel_for(const Shape& x, const Shape& weight, const Conv2dOptions& options);

Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor(), Conv2dOptions options = {});

}  // namespace poolnet
