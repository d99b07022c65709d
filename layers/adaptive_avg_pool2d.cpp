#include "layers/adaptive_avg_pool2d.h"

namespace poolnet {

AdaptiveAvgPool2d::AdaptiveAvgPool2d(Size2d output_size) : output_size_(output_size) {}

Tensor AdaptiveAvgPool2d::forward(const Tensor& x) { return adaptive_avg_pool2d(x, output_size_); }

std::string AdaptiveAvgPool2d::describe() const { return "AdaptiveAvgPool2d(output=" + to_string(output_size_) + ")"; }

ModuleConfig AdaptiveAvgPool2d::config() const { return {"AdaptiveAvgPool2d", {{"output_size", output_size_}}}; }

}  // namespace poolnet
