#include "framework/ops/geometry.h"

#include <fmt/format.h>

#include "framework/errors.h"

namespace poolnet {

std::string to_string(Size2d s) { return fmt::format("{}x{}", s.h, s.w); }

std::string stride_string(Size2d s) { return s.h == s.w ? std::to_string(s.h) : to_string(s); }

PadMode parse_pad_mode(std::string_view name) {
  if (name == "zeros") return PadMode::kZeros;
  if (name == "reflect") return PadMode::kReflect;
  if (name == "circular") return PadMode::kCircular;
  throw ConfigError(fmt::format("padding mode: unknown '{}' (valid: zeros, reflect, circular)", name));
}

std::string to_string(PadMode mode) {
  switch (mode) {
    case PadMode::kZeros: return "zeros";
    case PadMode::kReflect: return "reflect";
    case PadMode::kCircular: return "circular";
  }
  return "?";
}

int64_t pad_source_index(int64_t p, int64_t n, PadMode mode) {
  if (p >= 0 && p < n) return p;
  switch (mode) {
    case PadMode::kZeros: return -1;
    case PadMode::kCircular: return ((p % n) + n) % n;
    case PadMode::kReflect: {
      if (n == 1) return 0;
      const int64_t period = 2 * (n - 1);
      int64_t q = ((p % period) + period) % period;
      return q < n ? q : period - q;
    }
  }
  return -1;
}

Size2d effective_stride(Size2d stride, Size2d kernel) { return stride == Size2d{0, 0} ? kernel : stride; }

int64_t window_length(int64_t in, int64_t kernel, int64_t stride, int64_t pad_total, int64_t dilation) {
  const int64_t span = in + pad_total - dilation * (kernel - 1) - 1;
  if (span < 0) return 0;
  return span / stride + 1;
}

int64_t pooled_length(int64_t in, int64_t kernel, int64_t stride, int64_t pad, int64_t dilation, bool ceil_mode) {
  if (!ceil_mode) return window_length(in, kernel, stride, 2 * pad, dilation);
  const int64_t span = in + 2 * pad - dilation * (kernel - 1) - 1;
  if (span < 0) return 0;  // the window does not fit: callers report it
  int64_t out = (span + stride - 1) / stride + 1;
  if (out > 0 && (out - 1) * stride >= in + pad) --out;
  return out;
}

SidePadding same_padding(int64_t span) { return {span / 2, span - span / 2}; }

SidePadding blur_padding(int64_t filter_size) { return same_padding(filter_size - 1); }

int64_t blur_length(int64_t in, int64_t stride) { return (in + stride - 1) / stride; }

void require_nchw(const Shape& x, std::string_view op, std::string_view context) {
  if (x.size() == 4) return;
  std::string message = fmt::format("{}: expected input [N, C, H, W], got {}", op, shape_str(x));
  if (!context.empty()) message += fmt::format(" ({})", context);
  throw ShapeError(message);
}

void require_nchw(const Tensor& x, std::string_view op) { require_nchw(x.shape(), op); }

}  // namespace poolnet
