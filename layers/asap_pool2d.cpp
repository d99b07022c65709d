#include "layers/asap_pool2d.h"

#include "framework/ops/spectral_pool.h"

namespace poolnet {

Tensor AsapPool2d::forward(const Tensor& x) { return asap_pool2d(x); }

}  // namespace poolnet
