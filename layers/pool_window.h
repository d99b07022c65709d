// The receptive-field window of a pooling layer (see Module::windows), and its options as
// constructor arguments (see ModuleConfig).
#pragma once

#include "framework/ops/blur_pool.h"
#include "framework/ops/pool_window.h"
#include "layers/module.h"

namespace poolnet {

inline Window pool_window(const Pool2d& o) {
  return Window{.kernel = o.kernel, .stride = effective_stride(o.stride, o.kernel), .padding = o.padding, .dilation = o.dilation};
}

// The window of a binomial blur (blur_filter_sizes taps per axis, subsampled by its stride;
// blur_padding's 'same' rule: the padding before the first row/column).
inline Window blur_window(const Blur2d& blur) {
  const Size2d f = blur_filter_sizes(blur);
  return Window{.kernel = f, .stride = blur.stride, .padding = {blur_padding(f.h).before, blur_padding(f.w).before}};
}

// Pool2d as ModuleConfig arguments, the stride resolved as pool_window does.
inline std::vector<std::pair<std::string, ConfigValue>> pool_args(const Pool2d& o) {
  const Window w = pool_window(o);
  return {{"kernel", w.kernel},
          {"stride", w.stride},
          {"padding", w.padding},
          {"dilation", w.dilation},
          {"ceil_mode", o.ceil_mode},
          {"count_include_pad", o.count_include_pad},
          {"divisor_override", o.divisor_override}};
}

}  // namespace poolnet
