#include "framework/ops/geometry.h"

#include <fmt/format.h>

#include "framework/errors.h"

namespace poolnet {

std::string to_string(Size2d s) { return fmt::format("{}x{}", s.h, s.w); }

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

int64_t pooled_length(int64_t in, int64_t kernel, int64_t stride, int64_t pad, int64_t dilation, bool ceil_mode) {
  const int64_t span = in + 2 * pad - dilation * (kernel - 1) - 1;
  if (span < 0) return 0;  // the window does not fit: callers report it
  int64_t out = (ceil_mode ? (span + stride - 1) / stride : span / stride) + 1;
  if (ceil_mode && out > 0 && (out - 1) * stride >= in + pad) --out;
  return out;
}

void require_nchw(const Tensor& x, std::string_view op) {
  if (x.dim() != 4) {
    throw ShapeError(fmt::format("{}: expected input [N, C, H, W], got {}", op, shape_str(x.shape())));
  }
}

}  // namespace poolnet
