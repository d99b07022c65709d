#include "layers/polyphase_unpool2d.h"

#include <fmt/format.h>

#include "framework/errors.h"

namespace poolnet {

PolyphaseUnpool2d::PolyphaseUnpool2d(Size2d stride) : stride_(stride) {
  if (stride.h < 1 || stride.w < 1 || stride.h * stride.w < 2) {
    throw ConfigError(fmt::format("PolyphaseUnpool2d: stride must be >= 1 along each axis and >= 2 along one, got {}",
                                  to_string(stride)));
  }
}

Tensor PolyphaseUnpool2d::forward(const Tensor&) {
  throw ConfigError("PolyphaseUnpool2d: needs the phases of the downsampling it inverts: call forward(x, phases)");
}

Tensor PolyphaseUnpool2d::forward(const Tensor& x, std::span<const int64_t> phases) {
  return polyphase_unpool(x, phases, stride_);
}

Tensor PolyphaseUnpool2d::forward(const Tensor& x, std::span<const int64_t> phases, Size2d output_size) {
  return polyphase_unpool(x, phases, stride_, output_size);
}

std::string PolyphaseUnpool2d::describe() const { return fmt::format("PolyphaseUnpool2d(stride={})", stride_string(stride_)); }

ModuleConfig PolyphaseUnpool2d::config() const { return {"PolyphaseUnpool2d", {{"stride", stride_}}}; }

}  // namespace poolnet
