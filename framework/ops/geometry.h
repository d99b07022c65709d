// Shared geometry of 2-D ops: {h, w} pairs, padding modes and the output-size rules of
// sliding windows. The one place these rules live.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "framework/tensor.h"

namespace poolnet {

// A pair of sizes, always {h, w} in that order.
struct Size2d {
  int64_t h = 0;
  int64_t w = 0;
  bool operator==(const Size2d&) const = default;
};

std::string to_string(Size2d s);  // "3x3"

// How values beyond the border are made up.
//   zeros:    0 (or a given fill value)
//   reflect:  mirror without repeating the edge (PyTorch 'reflect'; needs pad < size)
//   circular: wrap around (needs pad <= size)
enum class PadMode { kZeros, kReflect, kCircular };

PadMode parse_pad_mode(std::string_view name);  // "zeros" | "reflect" | "circular", else ConfigError
std::string to_string(PadMode mode);

// Source index along one axis of size n for padded position p (which may lie outside
// [0, n)), or -1 where the mode fills with a constant.
int64_t pad_source_index(int64_t p, int64_t n, PadMode mode);

// Output length of a sliding window (PyTorch's pooling rule):
//   out = floor_or_ceil((in + 2*pad - dilation*(kernel-1) - 1) / stride) + 1,
// and in ceil mode the last window must start inside the input or the left padding.
int64_t pooled_length(int64_t in, int64_t kernel, int64_t stride, int64_t pad, int64_t dilation, bool ceil_mode);

// Requires x to be [N, C, H, W]; throws ShapeError naming `op` otherwise.
void require_nchw(const Tensor& x, std::string_view op);

}  // namespace poolnet
