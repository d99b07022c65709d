#include "layers/adaptive_max_pool2d.h"

namespace poolnet {

AdaptiveMaxPool2d::AdaptiveMaxPool2d(Size2d output_size) : output_size_(output_size) {}

Tensor AdaptiveMaxPool2d::forward(const Tensor& x) { return adaptive_max_pool2d(x, output_size_); }

std::string AdaptiveMaxPool2d::describe() const { return "AdaptiveMaxPool2d(output=" + to_string(output_size_) + ")"; }

ModuleConfig AdaptiveMaxPool2d::config() const { return {"AdaptiveMaxPool2d", {{"output_size", output_size_}}}; }

}  // namespace poolnet
