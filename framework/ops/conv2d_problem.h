// The sizes of one convolution, shared by conv2d's internal kernels (direct and implicit GEMM).
#pragma once

#include <cstdint>

#include "framework/ops/geometry.h"

namespace poolnet {

struct ConvProblem {
  int64_t N, C, H, W, OC, KH, KW, OH, OW;
  int64_t sh, sw, dh, dw;  // stride, dilation
  int64_t pt, pl;          // padding before (top, left); the far side follows from OH, OW
  PadMode padding_mode;
};

}  // namespace poolnet
