#include "layers/mixed_pool2d.h"

#include <fmt/format.h>

#include "layers/pool_window.h"

#include <cmath>

#include "framework/errors.h"

namespace poolnet {

MixedPool2d::MixedPool2d(Pool2d options) : options_(options) {
  if (options_.dilation != Size2d{1, 1}) {
    throw ConfigError(fmt::format("MixedPool2d: dilation is not supported (average pooling has none), got {}",
                                  to_string(options_.dilation)));
  }
  gate_ = register_parameter("gate", Tensor::zeros({1}));
}

Tensor MixedPool2d::forward(const Tensor& x) { return mixed_pool2d(x, gate_, options_); }

float MixedPool2d::alpha() const { return 1.0f / (1.0f + std::exp(-gate_.data()[0])); }

std::vector<Window> MixedPool2d::windows() const { return {pool_window(options_)}; }

std::string MixedPool2d::describe() const { return "MixedPool2d(" + to_string(options_) + ")"; }

ModuleConfig MixedPool2d::config() const { return {"MixedPool2d", pool_args(options_)}; }

}  // namespace poolnet
