// ReLU: max(x, 0) elementwise (PyTorch nn.ReLU), composing framework/ops/elementwise's relu.
#pragma once

#include <string>

#include "layers/module.h"

namespace poolnet {

class ReLU : public Module {
 public:
  Tensor forward(const Tensor& x) override;
  std::string describe() const override { return "ReLU()"; }
  ModuleConfig config() const override { return {.type = "ReLU"}; }
};

}  // namespace poolnet
