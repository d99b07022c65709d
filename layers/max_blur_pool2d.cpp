#include "layers/max_blur_pool2d.h"

#include <fmt/format.h>

#include "layers/pool_window.h"

#include "framework/ops/max_blur_pool.h"

namespace poolnet {

MaxBlurPool2d::MaxBlurPool2d(Blur2d blur) : blur_(blur) {
  blur_pool2d_out_shape({1, 1, 1, 1}, blur_);  // validates filter size and stride now
}

Tensor MaxBlurPool2d::forward(const Tensor& x) { return max_blur_pool2d(x, blur_); }

std::vector<Window> MaxBlurPool2d::windows() const {
  return {Window{.kernel = {2, 2}}, blur_window(blur_)};
}

std::string MaxBlurPool2d::describe() const {
  return fmt::format("MaxBlurPool2d(filter={}, stride={}, padding={})", blur_.filter_size, stride_string(blur_.stride),
                     to_string(blur_.padding_mode));
}

ModuleConfig MaxBlurPool2d::config() const {
  return {"MaxBlurPool2d",
          {{"filter_size", blur_.filter_size}, {"stride", blur_.stride}, {"padding_mode", to_string(blur_.padding_mode)}}};
}

}  // namespace poolnet
