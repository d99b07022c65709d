// The backward pass of the pooling ops that keep, for each output, the flat index of the input
// value it took within its plane (fractional_max_pool2d, s3_pool2d):
//   gx[n,c][argmax[n,c,o]] += gy[n,c,o]   for every output o of the plane, in output order,
// parallel over the N*C planes (each plane has one writer, so the sums do not depend on the
// thread count).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "framework/tensor.h"

namespace poolnet {

// Planes per parallel task for planes of plane_in input values: about 4096 values a task.
int64_t argmax_plane_grain(int64_t plane_in);

// Records y's backward to x [N,C,H,W]; argmax holds N*C*plane_out indices into the planes.
void record_argmax_backward(const Tensor& y, std::string op, const Tensor& x,
                            std::shared_ptr<const std::vector<int32_t>> argmax, int64_t plane_out);

}  // namespace poolnet
