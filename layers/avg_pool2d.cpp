#include "layers/avg_pool2d.h"

namespace poolnet {

AvgPool2d::AvgPool2d(Pool2d options) : options_(options) {}

Tensor AvgPool2d::forward(const Tensor& x) { return avg_pool2d(x, options_); }

std::string AvgPool2d::describe() const { return "AvgPool2d(" + to_string(options_) + ")"; }

ModuleConfig AvgPool2d::config() const { return {"AvgPool2d", pool_args(options_)}; }

}  // namespace poolnet
