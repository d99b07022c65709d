#include "layers/relu.h"

#include "framework/ops/elementwise.h"

namespace poolnet {

Tensor ReLU::forward(const Tensor& x) { return relu(x); }

}  // namespace poolnet
