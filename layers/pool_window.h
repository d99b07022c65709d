// The receptive-field window of a pooling layer (see Module::windows).
#pragma once

#include "framework/ops/pool_window.h"
#include "layers/module.h"

namespace poolnet {

inline Window pool_window(const Pool2d& o) {
  const Size2d stride = o.stride.h == 0 && o.stride.w == 0 ? o.kernel : o.stride;
  return Window{.kernel = o.kernel, .stride = stride, .padding = o.padding, .dilation = o.dilation};
}

}  // namespace poolnet
