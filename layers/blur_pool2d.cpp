#include "layers/blur_pool2d.h"

#include <fmt/format.h>

#include "layers/pool_window.h"

namespace poolnet {

BlurPool2d::BlurPool2d(Blur2d options) : options_(options) {
  blur_pool2d_out_shape({1, 1, 1, 1}, options_);  // validates filter size and stride now
}

Tensor BlurPool2d::forward(const Tensor& x) { return blur_pool2d(x, options_); }

std::vector<Window> BlurPool2d::windows() const {
  return {blur_window(options_)};
}

std::string BlurPool2d::describe() const {
  return fmt::format("BlurPool2d(filter={}, stride={}, padding={})", options_.filter_size, stride_string(options_.stride),
                     to_string(options_.padding_mode));
}

ModuleConfig BlurPool2d::config() const {
  return {"BlurPool2d",
          {{"filter_size", options_.filter_size},
           {"stride", options_.stride},
           {"padding_mode", to_string(options_.padding_mode)}}};
}

}  // namespace poolnet
