// Identity: y = x (the `none` downsampling strategy: no downsampling at all). No parameters.
#pragma once

#include "layers/module.h"

namespace poolnet {

class Identity : public Module {
 public:
  Tensor forward(const Tensor& x) override { return x; }
  std::string describe() const override { return "Identity()"; }
  ModuleConfig config() const override { return {.type = "Identity"}; }
};

}  // namespace poolnet
