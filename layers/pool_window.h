// The receptive-field window of a pooling layer (see Module::windows), and its options as
// constructor arguments (see ModuleConfig).
#pragma once

#include "framework/ops/pool_window.h"
#include "layers/module.h"

namespace poolnet {

inline Window pool_window(const Pool2d& o) {
  return Window{.kernel = o.kernel, .stride = effective_stride(o.stride, o.kernel), .padding = o.padding, .dilation = o.dilation};
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
