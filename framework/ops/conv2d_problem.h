// The sizes of one convolution, shared by conv2d's internal kernels (direct, implicit GEMM,
// Winograd) and the table that chooses among them (conv2d_kernel.h).
#pragma once

#include <cstdint>

#include "framework/ops/geometry.h"

namespace poolnet {

struct ConvProblem {
  int64_t N, C, H, W, OC, KH, KW, OH, OW;  // C, OC: all channels (of every group)
  int64_t sh, sw, dh, dw;  // stride, dilation
  int64_t pt, pl;          // padding before (top, left); the far side follows from OH, OW
  PadMode padding_mode;
  int64_t groups = 1;      // the direct, implicit and Winograd kernels need 1
};

}  // namespace poolnet
