// Padding and shifting of images x [N, C, H, W]; all three are one remapping kernel: each
// output pixel reads one input pixel (or a fill value), and the gradient adds back along the
// same map (serially within a plane, in parallel over the N*C planes).
//
//   pad(x, {top, bottom, left, right}, mode, value) -> [N, C, H+top+bottom, W+left+right]
//     zeros: `value` outside (negative amounts crop, as PyTorch's constant pad);
//     reflect: needs 0 <= pad < size; circular: needs 0 <= pad <= size (PyTorch's limits).
//   roll(x, {dy, dx}): circular shift, y[h, w] = x[(h-dy) mod H, (w-dx) mod W]
//     (torch.roll(x, (dy, dx), dims=(2, 3))): content moves dy rows down, dx columns right.
//   translate(x, {dy, dx}, fill): the same shift without wrap-around; vacated pixels = fill.
// Gradient: gx[source] += gy for every output that read from source.
#pragma once

#include "framework/ops/geometry.h"
#include "framework/tensor.h"

namespace poolnet {

struct Padding2d {
  int64_t top = 0;
  int64_t bottom = 0;
  int64_t left = 0;
  int64_t right = 0;
};

Tensor pad(const Tensor& x, Padding2d amount, PadMode mode = PadMode::kZeros, float value = 0.0f);
Tensor roll(const Tensor& x, Size2d shift);
Tensor translate(const Tensor& x, Size2d shift, float fill = 0.0f);

}  // namespace poolnet
