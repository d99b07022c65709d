#include "layers/conv_blur_pool2d.h"

#include <fmt/format.h>

#include "layers/pool_window.h"

#include "framework/ops/elementwise.h"

namespace poolnet {

ConvBlurPool2d::ConvBlurPool2d(ConvBlurPool2dOptions options, uint64_t seed) : options_(options) {
  blur_pool2d_out_shape({1, 1, 1, 1}, blur());
  conv_ = register_module("conv", std::make_shared<Conv2d>(Conv2d::Options{.in_channels = options_.channels,
                                                                           .out_channels = options_.channels,
                                                                           .kernel = {3, 3},
                                                                           .padding = {1, 1},
                                                                           .padding_mode = options_.padding_mode},
                                                           seed));
}

Tensor ConvBlurPool2d::forward(const Tensor& x) {
  return blur_pool2d(relu(conv_->forward(x)), blur());
}

Blur2d ConvBlurPool2d::blur() const {
  return {.filter_size = options_.filter_size, .stride = options_.stride, .padding_mode = options_.padding_mode};
}

std::vector<Window> ConvBlurPool2d::windows() const {
  return {Window{.kernel = {3, 3}, .padding = {1, 1}}, blur_window(blur())};
}

std::string ConvBlurPool2d::describe() const {
  return fmt::format("ConvBlurPool2d({}, filter={}, stride={}, padding={})", options_.channels, options_.filter_size,
                     stride_string(options_.stride), to_string(options_.padding_mode));
}

ModuleConfig ConvBlurPool2d::config() const {  // the convolution is the child "conv"
  return {"ConvBlurPool2d",
          {{"filter_size", options_.filter_size},
           {"stride", options_.stride},
           {"padding_mode", to_string(options_.padding_mode)}}};
}

}  // namespace poolnet
