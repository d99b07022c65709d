#include "layers/max_pool2d.h"

namespace poolnet {

MaxPool2d::MaxPool2d(Pool2d options) : options_(options) {}

Tensor MaxPool2d::forward(const Tensor& x) { return max_pool2d(x, options_); }

MaxPoolResult MaxPool2d::forward_with_indices(const Tensor& x) const { return max_pool2d_with_indices(x, options_); }

std::string MaxPool2d::describe() const { return "MaxPool2d(" + to_string(options_) + ")"; }

ModuleConfig MaxPool2d::config() const { return {"MaxPool2d", pool_args(options_)}; }

}  // namespace poolnet
