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
// A stride as spec strings and layer descriptions write it: "2" when square, else "2x1".
std::string stride_string(Size2d s);

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

// PyTorch's default pooling stride: an unset stride ({0, 0}) means the kernel.
Size2d effective_stride(Size2d stride, Size2d kernel);

// Output length of a window of `kernel` taps `dilation` apart sliding by `stride` over `in`
// values plus `pad_total` padding (both sides together); the convolution rule:
//   out = floor((in + pad_total - dilation*(kernel-1) - 1) / stride) + 1,
// or 0 when the window does not fit (callers report it).
int64_t window_length(int64_t in, int64_t kernel, int64_t stride, int64_t pad_total, int64_t dilation);

// Output length of a sliding window (PyTorch's pooling rule): window_length with `pad` on both
// sides in floor mode; in ceil mode
//   out = ceil((in + 2*pad - dilation*(kernel-1) - 1) / stride) + 1,
// and the last window must start inside the input or the left padding.
int64_t pooled_length(int64_t in, int64_t kernel, int64_t stride, int64_t pad, int64_t dilation, bool ceil_mode);

// Padding of one axis, before (top/left) and after (bottom/right).
struct SidePadding {
  int64_t before = 0;
  int64_t after = 0;
  bool operator==(const SidePadding&) const = default;
};

// 'same' padding for a window spanning span + 1 positions (span = dilation*(kernel-1)): span
// in total, floor(span/2) before and the extra pixel after, as PyTorch's padding='same'.
SidePadding same_padding(int64_t span);

// The blur window of blur_pool2d and max_blur_pool2d: a filter of `filter_size` taps padded
// 'same' (floor((F-1)/2) before, floor(F/2) after) and subsampled by `stride`, so the output
// length is blur_length(in, stride) = ceil(in / stride) (also aps_downsample's output length).
SidePadding blur_padding(int64_t filter_size);
int64_t blur_length(int64_t in, int64_t stride);

// Requires x to be [N, C, H, W]; throws ShapeError "op: expected input [N, C, H, W], got [..]",
// followed by " (context)" when a context is given.
void require_nchw(const Shape& x, std::string_view op, std::string_view context = {});
void require_nchw(const Tensor& x, std::string_view op);

}  // namespace poolnet
