#include "layers/flc_pool2d.h"

#include "framework/ops/spectral_pool.h"

namespace poolnet {

Tensor FlcPool2d::forward(const Tensor& x) { return flc_pool2d(x); }

}  // namespace poolnet
