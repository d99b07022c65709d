#include "layers/soft_pool2d.h"

#include <fmt/format.h>

namespace poolnet {

SoftPool2d::SoftPool2d(SoftPool options) : options_(options) {
  soft_pool2d_out_shape({1, 1, options_.kernel.h, options_.kernel.w}, options_);
}

Tensor SoftPool2d::forward(const Tensor& x) { return soft_pool2d(x, options_); }

std::vector<Window> SoftPool2d::windows() const {
  return {Window{.kernel = options_.kernel, .stride = options_.stride}};
}

std::string SoftPool2d::describe() const {
  return fmt::format("SoftPool2d(kernel={}, stride={})", to_string(options_.kernel), to_string(options_.stride));
}

ModuleConfig SoftPool2d::config() const {
  return {"SoftPool2d", {{"kernel", options_.kernel}, {"stride", options_.stride}}};
}

}  // namespace poolnet
