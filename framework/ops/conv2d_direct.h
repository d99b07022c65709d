// Direct convolution kernels for small channel counts (an internal kernel of conv2d, not
// an op): where im2col would copy every input value KH*KW times to feed a GEMM with only a few
// output rows and the implicit GEMM kernel has too few input channels (LeNet's 1->6 convolution,
// strided 3x3 downsamplers of 6 to 16 channels), it reads the input once into a padded copy and
// accumulates each output row in vector registers. The weight gradient reads the same padded
// copy and sums each weight's products in vector registers (no im2col matrix either).
//
//   y [N,OC,OH,OW] = b [OC] (or 0) + sum over (c, kh, kw) of w[o,c,kh,kw] * xpad[n,c,oh*sh+kh*dh,ow*sw+kw*dw]
//   groups == 1 only. The padded copy of one sample, xq [C, PH, sw, L], holds padded row r split
//   into its sw column phases (xq[c,r,j,u] = xpad[c,r,u*sw+j]), so every kernel offset reads a
//   contiguous run for any stride, dilation and padding mode (pad_source_index).
//   Each output value is its bias plus the products added in (c, kh, kw) order: the result
//   depends only on the operands, never on the thread count.
#pragma once

#include <cstdint>

#include "framework/ops/conv2d_problem.h"

namespace poolnet::conv2d_direct {

using Problem = ConvProblem;

// The kernel runs any problem with groups 1 (conv2d's check); without AVX-512 it runs a scalar
// fallback. True when this build has the vector kernel (AVX-512) and the problem is one it is
// faster on: C * OC <= 256.
bool preferred(const Problem& p);

// x [N,C,H,W], w [OC,C,KH,KW], b [OC] or null -> y [N,OC,OH,OW] (written, not accumulated).
void forward(const Problem& p, const float* x, const float* w, const float* b, float* y);

// The weight gradient of n samples x [n,C,H,W] with upstream gradient gy [n,OC,OH,OW], added
// to part [C*KH*KW][OC] (the transposed layout of conv2d's partials), one sample after another.
// Each weight's products are summed over the sample's outputs in a fixed order (16 lanes over
// the rows, then across the lanes), so the result depends on the operands only. Runs on the
// calling thread.
void weight_gradient(const Problem& p, const float* x, const float* gy, int64_t n, float* part);

}  // namespace poolnet::conv2d_direct
